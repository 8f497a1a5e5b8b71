"""The sampling pages (staff with `surveys.sample`): address lists, samples, letters, the open
link. Views are thin: actions write, selectors read."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from commonground.accounts.decorators import staff_required
from commonground.roster.models import District
from commonground.surveys import actions, sampling, selectors
from commonground.surveys.forms_sample import DrawForm, FrameImportForm, LettersForm, ReturnsForm
from commonground.surveys.models import SampleKind, WaveStatus

PERMISSION = "surveys.sample"


def _refused(form, refused: ValidationError) -> None:
    if hasattr(refused, "error_dict"):
        for name, errors in refused.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, refused.messages)


@never_cache
@staff_required(PERMISSION)
@require_safe
def sample_overview(request):
    return render(
        request,
        "surveys/sample/overview.html",
        {"surveys": selectors.surveys_for_sampling(request.user)},
    )


@never_cache
@staff_required(PERMISSION)
def sample_frame_import(request):
    initial = {"survey": request.GET.get("survey")} if request.GET.get("survey") else {}
    form = FrameImportForm(request.POST or None, request.FILES or None, initial=initial)
    read = None
    if request.method == "POST" and form.is_valid():
        try:
            frame, read = actions.import_address_frame(
                survey=form.cleaned_data["survey"],
                name=form.cleaned_data["name"],
                upload=form.cleaned_data["file"],
                by=request.user,
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            )
        except actions.ImportRefused as refused:
            read = refused.read
            form.add_error("file", refused.messages)
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(request, _import_summary(read))
            return redirect("surveys:sample_frame_detail", frame.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "surveys/sample/frame_import.html",
        {
            "form": form,
            "read": read,
            "errors_shown": read.errors[: sampling.ERRORS_SHOWN] if read else [],
            "errors_hidden": max(0, len(read.errors) - sampling.ERRORS_SHOWN) if read else 0,
            "columns": sampling.COLUMNS,
        },
        status=status,
    )


def _import_summary(read) -> str:
    if len(read.rows) > sampling.LOAD_AT_ONCE:
        first = _(
            "%(n)s addresses were checked and are being written; this page shows the progress."
        ) % {"n": len(read.rows)}
    else:
        first = ngettext(
            "%(n)s address was imported.", "%(n)s addresses were imported.", len(read.rows)
        ) % {"n": len(read.rows)}
    parts = [first]
    if read.duplicates:
        parts.append(
            ngettext(
                "%(n)s exact duplicate was left out.",
                "%(n)s exact duplicates were left out.",
                read.duplicates,
            )
            % {"n": read.duplicates}
        )
    if read.errors:
        parts.append(
            ngettext(
                "%(n)s row with errors was skipped (row %(rows)s).",
                "%(n)s rows with errors were skipped (rows %(rows)s).",
                len(read.errors),
            )
            % {
                "n": len(read.errors),
                "rows": ", ".join(str(e.row) for e in read.errors[: sampling.ERRORS_SHOWN]),
            }
        )
    return " ".join(parts)


@never_cache
@staff_required(PERMISSION)
@require_safe
def sample_frame_detail(request, pk: int):
    frame = selectors.get_frame_for_user(request.user, pk)
    districts = selectors.frame_districts(frame)
    return render(
        request,
        "surveys/sample/frame_detail.html",
        {
            "frame": frame,
            "districts": districts,
            "total": sum(d["size"] for d in districts),
            "waves": frame.survey.waves.filter(status__in=[WaveStatus.DRAFT, WaveStatus.OPEN]),
        },
    )


@never_cache
@staff_required(PERMISSION)
def sample_draw(request, pk: int):
    wave = selectors.get_wave_for_user(request.user, pk, selectors.SAMPLE_PERMISSION)
    existing = wave.samples.filter(kind=SampleKind.ADDRESS).first()
    if existing:
        return redirect("surveys:sample_detail", existing.pk)
    frames = wave.survey.frames.filter(loading=False)
    districts = District.objects.filter(survey_addresses__frame__survey=wave.survey).distinct()
    form = DrawForm(request.POST or None, frames=frames, districts=list(districts))
    if request.method == "POST" and form.is_valid():
        try:
            sample = actions.draw_sample(
                wave=wave,
                frame=form.cleaned_data["frame"],
                by=request.user,
                allocation=form.cleaned_data["allocation"],
                total=form.cleaned_data.get("total"),
                per_district=form.per_district(),
                seed=form.cleaned_data.get("seed"),
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(
                request,
                _("The sample was drawn with the seed %(seed)s. Print the letters next.")
                % {"seed": sample.seed},
            )
            return redirect("surveys:sample_detail", sample.pk)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "surveys/sample/draw.html",
        {"wave": wave, "form": form, "has_frames": frames.exists()},
        status=status,
    )


def _render_sample(request, sample, letters_form=None, returns_form=None, status=200):
    strata = selectors.sample_strata(sample)
    districts = District.objects.filter(code__in=sample.strata).order_by("code")
    return render(
        request,
        "surveys/sample/sample_detail.html",
        {
            "sample": sample,
            "wave": sample.wave,
            "strata": strata,
            "totals": {
                "frame_size": sum(s.frame_size for s in strata),
                "drawn": sum(s.drawn for s in strata),
                "printed": sum(s.printed for s in strata),
                "used": sum(s.used for s in strata),
            },
            "rates": selectors.sample_rates(sample),
            "dispositions": sorted(selectors.sample_dispositions(sample).items()),
            "letters_form": letters_form or LettersForm(districts=districts),
            "can_print": sample.wave.status in (WaveStatus.DRAFT, WaveStatus.OPEN),
            "returns_form": returns_form or ReturnsForm(dispositions=actions.RETURN_DISPOSITIONS),
            "can_record_returns": sample.wave.status != WaveStatus.PUBLISHED,
        },
        status=status,
    )


@never_cache
@staff_required(PERMISSION)
@require_safe
def sample_detail(request, pk: int):
    return _render_sample(request, selectors.get_sample_for_user(request.user, pk))


@never_cache
@staff_required(PERMISSION)
@require_POST
def sample_letters(request, pk: int):
    sample = selectors.get_sample_for_user(request.user, pk)
    districts = District.objects.filter(code__in=sample.strata).order_by("code")
    form = LettersForm(request.POST, districts=districts)
    if form.is_valid():
        code = form.cleaned_data["district"]
        try:
            pdf, count = actions.print_letters(
                sample=sample,
                by=request.user,
                which=form.cleaned_data["which"],
                district=districts.get(code=code) if code else None,
                limit=form.cleaned_data["limit"],
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            response = HttpResponse(pdf, content_type="application/pdf")
            name = f"letters-{sample.wave.survey.slug}-{sample.pk}-{count}.pdf"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "private, no-store"
            return response
    return _render_sample(request, sample, letters_form=form, status=400)


@never_cache
@staff_required(PERMISSION)
@require_safe
def sample_open_link(request, pk: int):
    wave = selectors.get_wave_for_user(request.user, pk, selectors.SAMPLE_PERMISSION)
    link = sampling.open_link(wave) if wave.open_link else ""
    return render(
        request,
        "surveys/sample/open_link.html",
        {
            "wave": wave,
            "link": link,
            "qr": sampling.qr_svg(link, title=_("QR code of the open link")) if link else "",
        },
    )


@never_cache
@staff_required(PERMISSION)
@require_POST
def sample_returns(request, pk: int):
    sample = selectors.get_sample_for_user(request.user, pk)
    form = ReturnsForm(request.POST, dispositions=actions.RETURN_DISPOSITIONS)
    if form.is_valid():
        try:
            count = actions.record_returned_letters(
                sample=sample,
                codes_text=form.cleaned_data["codes"],
                disposition=form.cleaned_data["disposition"],
                by=request.user,
            )
        except ValidationError as refused:
            _refused(form, refused)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d returned letter recorded.",
                    "%(count)d returned letters recorded.",
                    count,
                )
                % {"count": count},
            )
            return redirect("surveys:sample_detail", sample.pk)
    return _render_sample(request, sample, returns_form=form, status=400)
