"""Population margins, weighting runs and their estimates."""

import csv
import io
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.roster.models import District
from commonground.surveys.categories import CATEGORIES
from commonground.surveys.models import (
    Basis,
    Estimate,
    PopulationMargin,
    Response,
    Wave,
    WeightingRun,
)
from commonground.surveys.statistics.estimates import EstimationError
from commonground.surveys.statistics.small_area import SmallAreaError
from commonground.surveys.statistics.weighting import RakingError, Trimming

results_log = logging.getLogger("commonground.surveys.results")

MARGIN_COLUMNS = ("district", "variable", "category", "population", "source", "year")
MAX_MARGIN_ROWS = 5000


class MarginsRefused(Exception):
    """A margins file with problems; `problems` lists each, with its line. Nothing was saved."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


class WeightingRefused(Exception):
    """A weighting run that cannot start; the message says why."""


def _parse_margins(text: str) -> tuple[list[dict], list[str]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in MARGIN_COLUMNS[:4] if c not in header]
    if missing:
        return [], [
            _("The first line must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        ]
    reader.fieldnames = header
    districts = {d.code: d for d in District.objects.all()}
    rows, problems, seen = [], [], set()
    for line, raw in enumerate(reader, start=2):
        if len(rows) + len(problems) >= MAX_MARGIN_ROWS:
            problems.append(_("The file has more than %(max)s rows.") % {"max": MAX_MARGIN_ROWS})
            break
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        district = districts.get(row.get("district", ""))
        variable = row.get("variable", "")
        category = row.get("category", "")
        said = []
        if district is None:
            said.append(_("no district has the code %(code)r") % {"code": row.get("district", "")})
        if variable not in CATEGORIES:
            said.append(
                _("the variable must be one of %(known)s, not %(given)r")
                % {"known": ", ".join(CATEGORIES), "given": variable}
            )
        elif category not in dict(CATEGORIES[variable]):
            said.append(
                _("%(variable)s has no category %(given)r (it has %(known)s)")
                % {
                    "variable": variable,
                    "given": category,
                    "known": ", ".join(v for v, _label in CATEGORIES[variable]),
                }
            )
        try:
            population = int(row.get("population", ""))
            if population < 0:
                raise ValueError
        except ValueError:
            said.append(
                _("the population must be a whole number of 0 or more, not %(given)r")
                % {"given": row.get("population", "")}
            )
            population = None
        year = row.get("year", "")
        if year and not (year.isdigit() and 1900 <= int(year) <= 2100):
            said.append(_("the year must be a year such as 2025, not %(given)r") % {"given": year})
        key = (row.get("district"), variable, category)
        if key in seen:
            said.append(_("this district, variable and category are already on an earlier line"))
        seen.add(key)
        if said:
            problems.append(
                _("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(said)}
            )
            continue
        rows.append(
            {
                "district": district,
                "variable": variable,
                "category": category,
                "population": population,
                "source": row.get("source", "")[:200],
                "year": int(year) if year else None,
            }
        )
    if not rows and not problems:
        problems.append(_("The file has no rows of margins."))
    return rows, problems


def import_margins(*, text: str, by) -> int:
    """Keep the population margins of a CSV file (district, variable, category, population,
    source, year), replacing the ones for the same district, variable and category. Every line
    is checked against the districts and `categories.CATEGORIES` first; with any problem nothing
    is saved (MarginsRefused lists them all)."""
    require(by, "surveys.weight")
    rows, problems = _parse_margins(text)
    if problems:
        raise MarginsRefused(problems)
    with transaction.atomic():
        for row in rows:
            PopulationMargin.objects.update_or_create(
                district=row["district"],
                variable=row["variable"],
                category=row["category"],
                defaults={k: row[k] for k in ("population", "source", "year")},
            )
        record(
            actor=by,
            action="survey.margins_imported",
            data={
                "rows": len(rows),
                "districts": sorted({r["district"].code for r in rows}),
                "variables": sorted({r["variable"] for r in rows}),
            },
        )
    return len(rows)


def _trimming_settings(lower, upper, max_design_effect) -> dict:
    given = {"lower": lower, "upper": upper, "max_design_effect": max_design_effect}
    try:
        Trimming(**{k: v for k, v in given.items() if v is not None})
    except RakingError as refused:
        raise WeightingRefused(str(refused)) from None
    return given


def run_weighting(
    *,
    wave: Wave,
    by,
    lower: float | None = None,
    upper: float | None = None,
    max_design_effect: float | None = None,
    synchronous: bool = False,
) -> WeightingRun:
    """Start a weighting run of the wave: recorded (queued) at once; the raking, the estimates
    and the small-area models run in the task worker (`tasks.weigh_wave`), or here and now with
    `synchronous` (tests, small waves). The run's report shows its progress."""
    require(by, "surveys.weight", wave)
    trimming = _trimming_settings(lower, upper, max_design_effect)
    if not Response.objects.filter(wave=wave).exists():
        raise WeightingRefused(_("This wave has no responses to weight yet."))
    if not PopulationMargin.objects.exists():
        raise WeightingRefused(
            _("There are no population margins to weight to. Import them on the margins page.")
        )
    with transaction.atomic():
        run = WeightingRun.objects.create(
            wave=wave,
            ran_at=timezone.now(),
            ran_by=by,
            settings={"trimming": trimming, "min_effective_n": wave.survey.min_effective_n},
            report={"status": "queued"},
        )
        record(
            actor=by,
            action="survey.weighting_started",
            target=wave,
            data={"run": run.pk, "trimming": trimming},
        )
        if not synchronous:
            from commonground.surveys import tasks

            run_id = run.pk
            transaction.on_commit(lambda: tasks.weigh_wave.enqueue(run_id=run_id))
    if synchronous:
        compute_weighting(run_id=run.pk)
        run.refresh_from_db()
    return run


def _progress(run_id: int, step: str) -> None:
    WeightingRun.objects.filter(pk=run_id).update(report={"status": "running", "step": step})


def compute_weighting(*, run_id: int) -> WeightingRun:
    """The work of a weighting run: rake every basis, estimate every measure by every domain,
    model the small districts; then, in one transaction, the responses' final weights, the
    run's estimates and its report. A run that cannot finish keeps the reason in its report."""
    from commonground.surveys import results, selectors

    run = WeightingRun.objects.select_related("wave__survey", "wave__instrument").get(pk=run_id)
    wave = run.wave
    _progress(run_id, "reading")
    try:
        computed = results.weigh_and_estimate(
            selectors.wave_data(wave),
            selectors.margins_by_district(),
            min_effective_n=run.settings.get("min_effective_n", wave.survey.min_effective_n),
            trimming=run.settings.get("trimming"),
            previous=selectors.previous_figures(wave),
            progress=lambda step: _progress(run_id, step),
        )
    except (results.ResultsError, RakingError, EstimationError, SmallAreaError) as failed:
        results_log.warning("Weighting run %s failed: %s", run_id, failed)
        with transaction.atomic():
            WeightingRun.objects.filter(pk=run_id).update(
                report={"status": "failed", "error": str(failed)}
            )
            record(
                actor=run.ran_by,
                action="survey.weighting_failed",
                target=wave,
                data={"run": run_id, "error": str(failed)[:500]},
            )
        run.refresh_from_db()
        return run
    with transaction.atomic():
        stored = next((r for r in computed if r.basis == Basis.PROBABILITY), None) or next(
            r for r in computed if r.basis == Basis.ALL
        )
        weights = dict(stored.weights.iter_rows())
        Response.objects.filter(wave=wave).update(weight=None)
        changed = []
        for response in Response.objects.filter(wave=wave, id__in=list(weights)).only("id"):
            response.weight = weights[response.id]
            changed.append(response)
        Response.objects.bulk_update(changed, ["weight"], batch_size=1000)
        Estimate.objects.filter(run=run).delete()
        Estimate.objects.bulk_create(
            [Estimate(wave=wave, run=run, **row) for r in computed for row in r.rows],
            batch_size=1000,
        )
        report = {
            "status": "done",
            "weights_stored_for": stored.basis,
            "bases": {r.basis: r.report for r in computed},
        }
        WeightingRun.objects.filter(pk=run_id).update(report=report)
        record(
            actor=run.ran_by,
            action="survey.weighted",
            target=wave,
            data={
                "run": run_id,
                "estimates": sum(len(r.rows) for r in computed),
                "design_effect": stored.report.get("design_effect"),
            },
        )
    run.refresh_from_db()
    return run
