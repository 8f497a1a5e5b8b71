"""Staff pages for stop and use-of-force data: importing batches, following their checks, the
incidents, and the analyses."""

from dataclasses import replace
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from commonground.accounts.decorators import staff_required
from commonground.accounts.rules import can
from commonground.complaints.models import Report
from commonground.lib import charts
from commonground.stops import actions, analysis, forms, selectors
from commonground.stops.checks import FALSE_WORDS, TRUE_WORDS
from commonground.stops.models import BatchKind, BatchStatus, ForceType
from commonground.stops.schema import (
    OUTCOMES,
    RACES,
    REQUIRED_STOP_COLUMNS,
    SEARCH_BASES,
    SEXES,
    STOP_SCHEMA,
    STOP_TYPES,
)


@never_cache
@staff_required("stops.analyse")
def analysis_home(request):
    return render(
        request,
        "stops/analysis.html",
        {
            "loaded": selectors.loaded_stops_summary(),
            "perms_records": can(request.user, "stops.view_records"),
        },
    )


@never_cache
@staff_required("stops.view_records")
def batch_list(request):
    filters = forms.BatchFilterForm(request.GET or None)
    batches = selectors.batches_for_user(request.user)
    if filters.is_valid():
        if kind := filters.cleaned_data["kind"]:
            batches = batches.filter(kind=kind)
        if status := filters.cleaned_data["status"]:
            batches = batches.filter(status=status)
    form = forms.ImportForm(initial={"kind": BatchKind.STOPS})
    may_import = can(request.user, "stops.import")
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied
        form = forms.ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = actions.queue_batch(
                    kind=form.cleaned_data["kind"],
                    path=Path(upload.temporary_file_path()),
                    original_name=upload.name,
                    sha256=upload.sha256,
                    size=upload.size,
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except actions.BatchRefused as refused:
                form.add_error("file", str(refused))
            else:
                return redirect("stops:batch_detail", batch.pk)
    page = Paginator(batches, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "stops/batch_list.html",
        {
            "page": page,
            "filters": filters,
            "form": form if may_import else None,
            "columns": _column_guide(),
        },
    )


def _column_guide() -> list[dict]:
    """What each stop column holds, for the import form's help."""
    values = {
        "date": "YYYY-MM-DD",
        "time": "HH:MM " + _("or") + " HH:MM:SS",
        "lat": _("decimal degrees"),
        "lng": _("decimal degrees"),
        "district": _("the district's code in the roster"),
        "subject_age": _("whole years"),
        "subject_race": ", ".join(RACES),
        "subject_sex": ", ".join(SEXES),
        "officer_id": _("the officer's badge number"),
        "type": ", ".join(STOP_TYPES),
        "outcome": ", ".join(OUTCOMES),
        "search_basis": ", ".join(SEARCH_BASES),
    }
    boolean = f"{TRUE_WORDS[0].upper()} / {FALSE_WORDS[0].upper()}"
    return [
        {
            "name": name,
            "required": name in REQUIRED_STOP_COLUMNS,
            "values": values.get(name, boolean if str(dtype) == "Boolean" else _("text")),
        }
        for name, dtype in STOP_SCHEMA.items()
    ]


@never_cache
@staff_required("stops.view_records")
def batch_detail(request, pk: int):
    batch = selectors.get_batch_for_user(request.user, pk)
    template = (
        "stops/_batch_status.html" if request.GET.get("part") == "status" else "stops/batch.html"
    )
    return render(
        request,
        template,
        {
            "batch": batch,
            "withdraw_form": forms.WithdrawForm(),
            "may_withdraw": can(request.user, "stops.import")
            and batch.status == BatchStatus.LOADED,
            "incidents": batch.incidents.count() if batch.kind == BatchKind.USE_OF_FORCE else None,
        },
    )


@never_cache
@staff_required("stops.view_records")
def batch_report(request, pk: int):
    batch = selectors.get_batch_for_user(request.user, pk)
    if not batch.report_name:
        raise Http404
    return FileResponse(
        default_storage.open(batch.report_name, "rb"),
        as_attachment=True,
        filename=f"batch-{batch.pk}-problems.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_POST
@staff_required("stops.import")
def withdraw(request, pk: int):
    batch = selectors.get_batch_for_user(request.user, pk)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            actions.withdraw_batch(batch=batch, reason=form.cleaned_data["reason"], by=request.user)
        except actions.BatchRefused as refused:
            form.add_error("reason", str(refused))
        else:
            messages.success(request, _("The batch was withdrawn from the analyses."))
            return redirect("stops:batch_detail", batch.pk)
    return render(
        request,
        "stops/batch.html",
        {"batch": batch, "withdraw_form": form, "may_withdraw": True},
        status=400,
    )


@never_cache
@staff_required("stops.view_records")
def incident_list(request):
    form = forms.IncidentFilterForm(request.GET or None)
    incidents = (
        selectors.incidents_for_user(request.user)
        .annotate(officers=Count("force_used"))
        .order_by("-occurred_on", "-pk")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["district"]:
            incidents = incidents.filter(district=data["district"])
        if data["start"]:
            incidents = incidents.filter(occurred_on__gte=data["start"])
        if data["end"]:
            incidents = incidents.filter(occurred_on__lte=data["end"])
        if data["badge"]:
            incidents = incidents.filter(force_used__officer__badge_number=data["badge"].strip())
    page = Paginator(incidents, 50).get_page(request.GET.get("page"))
    return render(request, "stops/incident_list.html", {"form": form, "page": page})


@never_cache
@staff_required("stops.view_records")
def incident_detail(request, pk: int):
    incident = selectors.get_incident_for_user(request.user, pk)
    form = forms.LinkComplaintForm(
        initial={"reference": incident.complaint.reference if incident.complaint else ""}
    )
    may_link = can(request.user, "stops.link_complaint")
    status = 200
    if request.method == "POST" and may_link:
        form = forms.LinkComplaintForm(request.POST)
        if form.is_valid():
            reference = form.cleaned_data["reference"].strip().upper()
            report = _report_by_reference(reference) if reference else None
            if reference and report is None:
                form.add_error("reference", _("No complaint has this reference."))
            else:
                actions.link_complaint(incident=incident, report=report, by=request.user)
                messages.success(request, _("The link to the complaint was saved."))
                return redirect("stops:incident_detail", incident.pk)
        status = 400
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "stops/incident.html",
        {
            "incident": incident,
            "form": form,
            "may_link": may_link,
            "force_types": ForceType,
        },
        status=status,
    )


def _report_by_reference(reference: str) -> Report | None:
    prefix, _sep, number = reference.rpartition("-")
    if not number.isdigit() or not prefix.startswith("CG-"):
        return None
    report = Report.objects.filter(pk=int(number)).first()
    return report if report and report.reference == reference else None


def _analysis_page(
    request, name: str, template: str, build_charts, form_class=forms.StopFilterForm
):
    """Shared by the three analyses: filters, the result (or why there is none), charts."""
    form = form_class(request.GET or None)
    context = {"form": form, "perms_records": can(request.user, "stops.view_records")}
    if form.is_bound and not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    stop_filter = selectors.StopFilter(
        start=data.get("start"),
        end=data.get("end"),
        district=data["district"].code if data.get("district") else "",
        stop_type=data.get("stop_type", getattr(form, "default_stop_type", "")),
    )
    options = {"minority": data.get("group") or "black"} if "group" in form.fields else {}
    try:
        result = selectors.analyse(name, stop_filter, **options)
    except analysis.NotEnoughData as not_enough:
        context["not_enough"] = not_enough.message
    else:
        context.update(result=result, **build_charts(result))
    return render(request, template, context)


def _intervals(cells, attribute: str, series: str = "") -> list[charts.Interval]:
    return [
        charts.Interval(
            label=analysis.group_name(cell.group),
            value=estimate.value,
            low=estimate.low,
            high=estimate.high,
            series=series,
        )
        for cell in cells
        if (estimate := getattr(cell, attribute)).value is not None
    ]


@never_cache
@staff_required("stops.analyse")
def benchmark(request):
    def build(result):
        rates = _intervals(result.overall, "stop_rate", _("Stops")) + _intervals(
            result.overall, "search_rate", _("Searches")
        )
        # In one district the two comparisons are the same.
        standardised = [
            cell
            for cell in result.overall
            if len(result.by_district) > 1
            and cell.stop_ratio_standardised.value is not None
            and cell.stop_ratio.value is not None
        ]
        ratios = _intervals(result.overall, "stop_ratio", _("Across the districts"))
        if standardised:
            ratios += _intervals(standardised, "stop_ratio_standardised", _("In the same district"))
        # Each district's groups against the district's white residents: the points the
        # district table gives, one row of the chart per district.
        in_districts = [
            replace(point, label=district.name, series=point.label)
            for district in result.by_district
            for point in _intervals(district.groups, "stop_ratio")
        ]
        black = next(cell for cell in result.overall if cell.group == "black")
        return {
            "standardised": standardised,
            # Within districts, so officers' different beats do not count as clustering.
            "dispersion": black.stop_ratio_standardised.dispersion,
            "rates_chart": charts.intervals(
                rates,
                axis_title=_("Per 1,000 residents a year"),
                series_title=_("Measure"),
                summary=_(
                    "Stops and searches per 1,000 residents a year for each group, with 95% "
                    "intervals. The table below gives the figures."
                ),
            )
            if rates
            else None,
            "ratio_chart": charts.intervals(
                ratios,
                axis_title=_("Stop rate as a multiple of the white stop rate"),
                series_title=_("Compared"),
                reference=1,
                log_scale=True,
                summary=_(
                    "Each group's stop rate as a multiple of the white rate, across the districts "
                    "and in the same district, with 95% intervals; 1 means the same rate. The "
                    "table below gives the figures."
                ),
            )
            if ratios
            else None,
            "district_chart": charts.intervals(
                in_districts,
                axis_title=_("Stop rate as a multiple of the white stop rate in the district"),
                series_title=_("Group"),
                reference=1,
                log_scale=True,
                summary=_(
                    "In each district, each group's stop rate as a multiple of the white rate in "
                    "that district, with 95% intervals; 1 means the same rate. The table below "
                    "gives the figures."
                ),
            )
            if in_districts
            else None,
        }

    return _analysis_page(request, "benchmark", "stops/benchmark.html", build)


@never_cache
@staff_required("stops.analyse")
def veil_of_darkness(request):
    def build(result):
        point = charts.Interval(
            label=analysis.group_name(result.minority),
            value=result.odds_ratio,
            low=result.odds_ratio_low,
            high=result.odds_ratio_high,
        )
        return {
            "odds_chart": charts.intervals(
                [point],
                axis_title=_("Odds after dark as a multiple of the odds in daylight"),
                reference=1,
                log_scale=True,
                summary=_(
                    "The odds that a stopped driver is of this group after dark, as a multiple "
                    "of the odds in daylight at the same time of day, with its 95% interval; 1 "
                    "means no change."
                ),
            )
        }

    return _analysis_page(
        request,
        "veil_of_darkness",
        "stops/veil_of_darkness.html",
        build,
        form_class=forms.VodFilterForm,
    )


@never_cache
@staff_required("stops.analyse")
def outcomes(request):
    def build(result):
        hits = _intervals(result.overall, "hit_rate")
        searches = _intervals(result.overall, "search_rate")
        return {
            "hit_chart": charts.intervals(
                [replace(p, value=p.value * 100, low=p.low * 100, high=p.high * 100) for p in hits],
                axis_title=_("Searches that found contraband (%)"),
                summary=_(
                    "The share of searches that found contraband for each group, averaged over "
                    "districts, with 95% intervals. The table below gives the figures."
                ),
            )
            if hits
            else None,
            "search_chart": charts.intervals(
                [
                    replace(p, value=p.value * 100, low=p.low * 100, high=p.high * 100)
                    for p in searches
                ],
                axis_title=_("Stops that led to a search (%)"),
                summary=_(
                    "The share of stops that led to a search for each group, averaged over "
                    "districts, with 95% intervals. The table below gives the figures."
                ),
            )
            if searches
            else None,
        }

    return _analysis_page(request, "outcomes", "stops/outcomes.html", build)
