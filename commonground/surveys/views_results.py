"""Staff pages of the results area: population margins, a wave's weighting runs, response
rates, estimates and index trends, and the estimates as a CSV file."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from commonground.accounts.decorators import staff_required
from commonground.accounts.rules import can
from commonground.lib import charts
from commonground.lib.spreadsheet import SafeWriter
from commonground.surveys import actions, selectors
from commonground.surveys.categories import Variable
from commonground.surveys.forms_results import MarginsForm, WeightingForm
from commonground.surveys.models import Basis, Channel, Recruitment, in_language
from commonground.surveys.results import INDEX_DEFINITIONS, INDEX_NAMES
from commonground.surveys.statistics import aapor

BASES = [Basis.PROBABILITY, Basis.UNWEIGHTED, Basis.ALL]
MAX_TREND_WAVES = 4


@staff_required("surveys.weight")
def margins(request):
    form = MarginsForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.import_margins(text=form.cleaned_data["file"], by=request.user)
        except actions.MarginsRefused as refused:
            problems = refused.problems
        else:
            messages.success(
                request, _("%(count)s population margins were saved.") % {"count": saved}
            )
            return redirect("surveys:results_margins")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "surveys/results/margins.html",
        {
            "form": form,
            "problems": problems,
            "checks": selectors.margin_checks(),
            "rows": selectors.margin_rows(),
        },
        status=status,
    )


@staff_required("surveys.results")
def wave_list(request):
    return render(
        request,
        "surveys/results/wave_list.html",
        {"waves": selectors.waves_for_results(), "can_weight": can(request.user, "surveys.weight")},
    )


def _name(wave, measure: str) -> str:
    if measure in INDEX_NAMES:
        return str(INDEX_NAMES[measure])
    question = wave.instrument.questions.filter(name=measure).first()
    label = in_language(question.label, request_language()) if question else ""
    return label or measure


def request_language() -> str:
    from django.utils.translation import get_language

    return (get_language() or "en").split("-")[0]


def _choice_labels(wave) -> dict[tuple[str, str], str]:
    language = request_language()
    labels = {}
    for question in wave.instrument.questions.select_related("choice_list"):
        if question.choice_list_id:
            for choice in question.choice_list.choices.all():
                labels[(question.name, choice.value)] = in_language(choice.label, language)
    return labels


def _district_names() -> dict[str, str]:
    from commonground.roster.models import District

    return dict(District.objects.values_list("code", "name"))


def _domain_label(domain: str, value: str, districts: dict) -> str:
    if domain == "all":
        return _("Everyone")
    if domain == Variable.DISTRICT:
        return districts.get(value, value)
    return f"{Variable(domain).label}: {selectors.category_label(domain, value)}"


def _figure(estimate, value) -> str:
    """A share as a percentage, a mean as a number, both to one decimal."""
    if value is None:
        return ""
    if estimate.choice:
        return f"{number_format(value * 100, decimal_pos=1)}%"
    return number_format(value, decimal_pos=1)


def _tables(wave, run, basis: str):
    """The run's estimates of a basis grouped by measure, for the page and the CSV file."""
    districts = _district_names()
    choices = _choice_labels(wave)
    names: dict[str, str] = {}
    grouped: dict[str, list] = {}
    for estimate in selectors.estimates_of(run, basis):
        if estimate.measure not in names:
            names[estimate.measure] = _name(wave, estimate.measure)
        grouped.setdefault(estimate.measure, []).append(
            {
                "estimate": estimate,
                "domain": _domain_label(estimate.domain, estimate.domain_value, districts),
                "choice": choices.get((estimate.measure, estimate.choice), estimate.choice),
                "value": _figure(estimate, estimate.value),
                "interval": (
                    _("%(low)s to %(high)s")
                    % {
                        "low": _figure(estimate, estimate.low),
                        "high": _figure(estimate, estimate.high),
                    }
                    if estimate.low is not None
                    else ""
                ),
            }
        )
    return [{"measure": m, "name": names[m], "rows": rows} for m, rows in grouped.items()]


def _trend_chart(wave, index: str):
    points = selectors.index_trend(wave, index)
    if not points:
        return None, []
    waves = list(dict.fromkeys(p.wave.label for p in points))[-MAX_TREND_WAVES:]
    districts = _district_names()
    shown = [
        charts.Interval(
            label=_("Everyone") if p.district == "all" else districts.get(p.district, p.district),
            value=p.estimate.value,
            low=p.estimate.low,
            high=p.estimate.high,
            series=p.wave.label,
        )
        for p in points
        if p.wave.label in waves and p.estimate.value is not None
    ]
    chart = (
        charts.intervals(
            shown,
            axis_title=_("Score from 0 to 100, with its interval (95%)"),
            summary=_("%(index)s by district in each wave; the table below gives the numbers.")
            % {"index": INDEX_NAMES[index]},
            series_title=_("Wave"),
        )
        if shown
        else None
    )
    rows = [
        {
            "wave": p.wave.label,
            "district": _("Everyone")
            if p.district == "all"
            else districts.get(p.district, p.district),
            "estimate": p.estimate,
        }
        for p in points
    ]
    return chart, rows


def _percent(value) -> str:
    return "" if value is None else f"{number_format(value * 100, decimal_pos=1)}%"


CHANNELS = {"mail": _lazy("Letters (answered online or on paper)"), "telephone": _lazy("Telephone")}


def _rate_row(found) -> dict:
    r = found.rates
    return {
        "channel": CHANNELS[found.channel],
        "cases": found.cases,
        "completes": r.counts[aapor.Group.COMPLETE],
        "rr1": _percent(r.rr1),
        "rr3": _percent(r.rr3),
        "e": _percent(r.e),
        "coop1": _percent(r.coop1),
        "ref1": _percent(r.ref1),
        "con1": _percent(r.con1),
    }


def _shown_report(report: dict | None) -> dict | None:
    if not report:
        return report
    shown = dict(report)
    shown["margins"] = [
        {
            **m,
            **{f"{k}_shown": _percent(m[k]) for k in ("population", "unweighted", "weighted")},
        }
        for m in report.get("margins", [])
    ]
    return shown


@staff_required("surveys.results")
def wave_results(request, pk: int):
    wave = selectors.get_wave_for_results(request.user, pk)
    run = selectors.latest_run(wave)
    finished = selectors.latest_finished_run(wave)
    basis = request.GET.get("basis", "")
    if basis not in BASES:
        basis = selectors.primary_basis(finished) if finished else Basis.PROBABILITY
    indices = []
    for index in INDEX_NAMES:
        chart, rows = _trend_chart(wave, index)
        indices.append(
            {
                "name": INDEX_NAMES[index],
                "definition": INDEX_DEFINITIONS[index],
                "chart": chart,
                "rows": rows,
            }
        )
    report = (finished.report if finished else {}) or {}
    # One question's table at a time: every question x answer x group runs to thousands of rows,
    # which no one reads on one page (a phone showed it 300,000 pixels long); the CSV has them all.
    tables = _tables(wave, finished, basis) if finished else []
    questions = [(t["measure"], t["name"]) for t in tables]
    question = request.GET.get("question", "")
    unknown_question = bool(question) and question not in dict(questions)
    if not question or unknown_question:
        question = questions[0][0] if questions else ""
    return render(
        request,
        "surveys/results/wave.html",
        {
            "wave": wave,
            "run": run,
            "finished": finished,
            "rates": [_rate_row(r) for r in selectors.channel_rates(wave)],
            "counts": [
                {
                    "channel": Channel(c["channel"]).label,
                    "recruitment": Recruitment(c["recruitment"]).label,
                    "count": c["count"],
                }
                for c in selectors.response_counts(wave)
            ],
            "bases": [(b, Basis(b).label) for b in BASES],
            "basis": basis,
            "basis_label": Basis(basis).label,
            "basis_report": _shown_report(report.get("bases", {}).get(basis)),
            "weights_stored_for": report.get("weights_stored_for"),
            "tables": [t for t in tables if t["measure"] == question],
            "questions": questions,
            "question": question,
            "unknown_question": unknown_question,
            "indices": indices,
            "can_weight": can(request.user, "surveys.weight"),
            "weighting_form": WeightingForm(),
            "min_effective_n": wave.survey.min_effective_n,
        },
    )


@staff_required("surveys.weight")
@require_POST
def run_weighting(request, pk: int):
    wave = selectors.get_wave_for_results(request.user, pk, "surveys.weight")
    form = WeightingForm(request.POST)
    if form.is_valid():
        try:
            actions.run_weighting(wave=wave, by=request.user, **form.cleaned_data)
        except actions.WeightingRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _(
                    "The weighting run has started. It takes from seconds to a few minutes; "
                    "reload this page to see its progress."
                ),
            )
            return redirect("surveys:results_wave", wave.pk)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return redirect("surveys:results_wave", wave.pk)


CSV_COLUMNS = [
    "wave",
    "basis",
    "measure",
    "choice",
    "domain",
    "domain_value",
    "n",
    "effective_n",
    "design_effect",
    "method",
    "value",
    "standard_error",
    "low",
    "high",
    "reason",
]


@staff_required("surveys.results")
def estimates_csv(request, pk: int):
    wave = selectors.get_wave_for_results(request.user, pk)
    run = selectors.latest_finished_run(wave)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-estimates-wave-{wave.pk}.csv"'
    writer = SafeWriter(response)
    writer.writerow(CSV_COLUMNS)
    if run is not None:
        for basis in BASES:
            for e in selectors.estimates_of(run, basis):
                writer.writerow(
                    [
                        wave.label,
                        e.basis,
                        e.measure,
                        e.choice,
                        e.domain,
                        e.domain_value,
                        e.n,
                        round(e.effective_n, 2),
                        "" if e.design_effect is None else round(e.design_effect, 4),
                        e.method,
                        "" if e.value is None else e.value,
                        "" if e.standard_error is None else e.standard_error,
                        "" if e.low is None else e.low,
                        "" if e.high is None else e.high,
                        e.reason,
                    ]
                )
    return response
