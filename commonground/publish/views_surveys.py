"""The community surveys' public pages: trust and safety per district and city-wide, drawn from
the release (never from the responses), each questionnaire as residents saw it, the public-use
file of each published wave, and the quotes staff redacted and approved."""

from dataclasses import dataclass

import polars as pl
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from commonground.lib import charts
from commonground.lib.rounding import formatted
from commonground.publish.selectors import (
    DASHBOARD_CACHE_SECONDS,
    disclosure_policy,
    latest_release,
    read_table,
    release_file,
)
from commonground.roster.models import District
from commonground.surveys import public_use
from commonground.surveys import selectors as surveys
from commonground.surveys.models import Basis, Method, QuestionKind, in_language

INDICES = (
    ("trust_index", gettext_lazy("Trust in the police")),
    ("safety_index", gettext_lazy("Feeling safe")),
)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "sav": "application/x-spss-sav",
    "dta": "application/x-stata-dta",
}


def _words(value: dict, fallback: str = "en") -> str:
    return in_language(value, (get_language() or "en").split("-")[0], fallback)


def _released(slug: str, survey: str) -> pl.DataFrame | None:
    file = release_file(slug)
    if file is None:
        return None
    frame = read_table(file)
    return frame.filter(pl.col("survey") == survey)


@require_GET
def survey_index(request):
    entries = []
    for survey in surveys.published_surveys():
        waves = [w for w in surveys.published_waves() if w.survey_id == survey.pk]
        entries.append(
            {
                "survey": survey,
                "title": _words(survey.title),
                "description": _words(survey.description),
                "waves": [(w, slugify(w.label)) for w in waves],
            }
        )
    return render(
        request,
        "publish/surveys/index.html",
        {"entries": entries, "release": latest_release()},
    )


@dataclass
class Figure:
    wave: str
    label: str
    value: str
    interval: str
    method: str
    model: bool
    withheld: str
    # Who the figure rests on: answers, the effective number once weighted, and the design
    # effect (their ratio); blank where the count is suppressed.
    n: str = ""
    effective_n: str = ""
    design_effect: str = ""


def _figures(frame: pl.DataFrame, measure: str, waves: list[str]) -> list[Figure]:
    withheld = {
        "small_count": _("Not shown: too few people answered here to show a figure safely."),
        "too_little_data": _("Not shown: too few people answered for a reliable figure."),
    }
    rows = {r["wave"]: r for r in frame.filter(pl.col("measure") == measure).to_dicts()}
    found = []
    for wave in waves:
        row = rows.get(wave)
        if row is None:
            continue
        shown = row["value"] is not None
        found.append(
            Figure(
                wave=wave,
                label=str(dict(INDICES)[measure]),
                value=formatted(row["value"], "rate") if shown else "",
                interval=(
                    _("%(low)s to %(high)s")
                    % {"low": formatted(row["low"], "rate"), "high": formatted(row["high"], "rate")}
                    if shown and row["low"] is not None
                    else ""
                ),
                method=str(Method(row["method"]).label),
                model=row["method"] == Method.MODEL,
                withheld=""
                if shown
                else withheld.get(row["withheld"], withheld["too_little_data"]),
                **_base(row),
            )
        )
    return found


def _base(row: dict) -> dict:
    def shown(name, kind):
        return formatted(row[name], kind) if row.get(name) is not None else ""

    return {
        "n": shown("n", "count"),
        "effective_n": shown("effective_n", "rate"),
        "design_effect": shown("design_effect", "ratio"),
    }


@dataclass
class DistrictRow:
    district: District
    figures: list[Figure]


def _district_rows(estimates: pl.DataFrame, basis: str, wave: str) -> list[DistrictRow]:
    """Every district's latest trust and safety, side by side, for the city page."""
    found = []
    for district in District.objects.order_by("code"):
        mine = estimates.filter(
            (pl.col("domain") == "district")
            & (pl.col("domain_value") == district.code)
            & (pl.col("basis") == basis)
        )
        figures = [f for m, _n in INDICES for f in _figures(mine, m, [wave])]
        if figures:
            found.append(DistrictRow(district, figures))
    return found


def _trend_chart(frame: pl.DataFrame, waves: list[str], place: str) -> str:
    points = []
    for measure, name in INDICES:
        for row in frame.filter(pl.col("measure") == measure).to_dicts():
            if row["value"] is not None and row["low"] is not None and row["wave"] in waves:
                points.append(
                    charts.Interval(row["wave"], row["value"], row["low"], row["high"], str(name))
                )
    if not points:
        return ""
    points.sort(key=lambda p: waves.index(p.label))
    summary = "; ".join(
        _("%(index)s, %(wave)s: %(value)s (95%% interval %(low)s to %(high)s)")
        % {
            "index": p.series,
            "wave": p.label,
            "value": formatted(p.value, "rate"),
            "low": formatted(p.low, "rate"),
            "high": formatted(p.high, "rate"),
        }
        for p in points
    )
    return charts.intervals(
        points,
        axis_title=_("Score from 0 to 100 in %(place)s") % {"place": place},
        summary=summary,
        series_title=_("Index"),
    )


def _basis(frame: pl.DataFrame) -> str:
    """Random samples only when the survey has such figures; otherwise every response."""
    if frame.filter(pl.col("basis") == Basis.PROBABILITY).height:
        return Basis.PROBABILITY
    return Basis.ALL


@require_GET
def survey_results(request, survey: str, district: str | None = None):
    found = surveys.get_published_survey(survey)
    place_district = None
    if district is not None:
        place_district = District.objects.filter(code=district).first()
        if place_district is None:
            raise Http404(_("There is no district with this code."))
    waves = [w.label for w in surveys.published_waves().filter(survey=found)]
    release = latest_release()
    estimates = _released("survey-estimates", found.slug)
    responses = _released("survey-responses", found.slug)
    place = place_district.name if place_district else _("the whole city")
    context = {
        "survey": found,
        "title": _words(found.title),
        "district": place_district,
        "place": place,
        "release": release,
        "waves": waves,
        "districts": District.objects.order_by("code"),
    }
    if estimates is not None:
        if place_district:
            mine = estimates.filter(
                (pl.col("domain") == "district") & (pl.col("domain_value") == place_district.code)
            )
        else:
            mine = estimates.filter(pl.col("domain") == "all")
        basis = _basis(mine)
        mine = mine.filter(pl.col("basis") == basis)
        latest = {m: _figures(mine, m, waves) for m, _n in INDICES}
        context.update(
            basis=Basis(basis).label,
            probability=basis == Basis.PROBABILITY,
            headline=[figures[-1] for figures in latest.values() if figures],
            trend=[f for figures in latest.values() for f in figures],
            chart=_trend_chart(mine, waves, place),
            any_model=any(f.model for figures in latest.values() for f in figures),
        )
        if place_district is None and waves:
            context["latest_wave"] = waves[-1]
            context["district_rows"] = _district_rows(estimates, basis, waves[-1])
    if responses is not None:
        counts = responses.filter(pl.col("measure") == "responses", pl.col("channel").is_null())
        if place_district:
            counts = counts.filter(pl.col("district") == place_district.code)
        else:
            counts = counts.filter(pl.col("district").is_null())
        context["responses"] = [
            (r["wave"], formatted(r["value"], "count") if r["value"] is not None else None)
            for r in counts.to_dicts()
        ]
        rates = responses.filter(pl.col("measure").is_in(["rr1", "rr3"]))
        context["rates"] = [
            (
                r["wave"],
                r["sample"],
                r["measure"].upper(),
                formatted(r["value"], "share", percent=True) if r["value"] is not None else None,
            )
            for r in rates.to_dicts()
        ]
    if place_district is None:
        context["quotes"] = [
            (w.label, q)
            for w in surveys.published_waves().filter(survey=found)
            for q in surveys.approved_quotes(w)
        ]
    return render(request, "publish/surveys/results.html", context)


def _published_wave(survey: str, wave: str):
    found = surveys.get_published_survey(survey)
    for candidate in surveys.published_waves().filter(survey=found):
        if slugify(candidate.label) == wave:
            return candidate
    raise Http404(_("This survey has no published wave with this name."))


@require_GET
def questionnaire(request, survey: str, wave: str):
    found = _published_wave(survey, wave)
    instrument = found.instrument
    language = (get_language() or "en").split("-")[0]
    pages: dict[int, list] = {}
    for question in instrument.questions.select_related("choice_list").prefetch_related(
        "choice_list__choices"
    ):
        words = lambda value: in_language(value, language, instrument.default_language)  # noqa: E731
        pages.setdefault(question.page, []).append(
            {
                "name": question.name,
                "label": words(question.label),
                "hint": words(question.hint),
                "kind": question.get_kind_display(),
                "note": question.kind == QuestionKind.NOTE,
                "text": question.kind in (QuestionKind.TEXT, QuestionKind.LONG_TEXT),
                "required": question.required,
                "conditional": bool(question.relevant),
                "choices": (
                    [words(c.label) for c in question.choice_list.choices.all()]
                    if question.choice_list_id
                    else []
                ),
            }
        )
    return render(
        request,
        "publish/surveys/questionnaire.html",
        {
            "wave": found,
            "wave_slug": wave,
            "title": in_language(instrument.title, language, instrument.default_language),
            "survey_title": _words(found.survey.title),
            "pages": sorted(pages.items()),
            "languages": instrument.languages,
        },
    )


def _public_use(wave) -> public_use.PublicUseFile:
    threshold, _officers = disclosure_policy()
    stamp = wave.published_at.timestamp() if wave.published_at else 0
    key = f"publish:public-use:{wave.pk}:{stamp}:{threshold}:{get_language()}"
    built = cache.get(key)
    if built is None:
        built = public_use.build(wave, threshold)
        cache.set(key, built, DASHBOARD_CACHE_SECONDS)
    return built


@require_GET
def public_use_page(request, survey: str, wave: str):
    found = _published_wave(survey, wave)
    file = _public_use(found)
    return render(
        request,
        "publish/surveys/public_use.html",
        {
            "wave": found,
            "wave_slug": wave,
            "survey_title": _words(found.survey.title),
            "file": file,
            "rows": file.frame.height,
        },
    )


@require_GET
def public_use_codebook(request, survey: str, wave: str):
    found = _published_wave(survey, wave)
    response = HttpResponse(
        public_use.codebook_csv(_public_use(found)), content_type=FORMATS["csv"]
    )
    name = f"{found.survey.slug}-{wave}-codebook.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def public_use_file(request, survey: str, wave: str, fmt: str):
    if fmt not in FORMATS:
        raise Http404(_("Unknown format: choose csv, sav or dta."))
    found = _published_wave(survey, wave)
    file = _public_use(found)
    body = public_use.csv_bytes(file) if fmt == "csv" else public_use.stats_file(file, fmt)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{found.survey.slug}-{wave}.{fmt}"'
    return response
