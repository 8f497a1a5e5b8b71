"""Weighting runs end to end: margins met, trimming bounds kept, estimates stored with their
method (direct, small-area model, withheld with the reason), and the margins import."""

from collections import defaultdict

import numpy as np
import pytest

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.surveys import actions
from commonground.surveys.models import (
    Basis,
    Estimate,
    Method,
    PopulationMargin,
    Recruitment,
    Response,
    WeightingRun,
)
from commonground.surveys.results import REASON_NO_MODEL, REASON_SMALL
from commonground.surveys.tests import results_factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst():
    return make_staff("results-analyst", Role.ANALYST)


def _weighted_totals(wave):
    """Weighted counts of the probability sample by district and by each variable."""
    totals = defaultdict(float)
    for response in Response.objects.filter(wave=wave, weight__isnull=False).prefetch_related(
        "answers__choice", "answers__question"
    ):
        totals[("district", response.district.code)] += response.weight
        for answer in response.answers.all():
            if answer.question.variable in ("age_band", "sex", "tenure"):
                totals[(answer.question.variable, answer.choice.value)] += response.weight
    return totals


def test_run_weighting_meets_every_margin_and_stores_the_weights_and_the_report(analyst):
    wave, _districts = rf.weighted_wave_setup()
    run = actions.run_weighting(wave=wave, by=analyst, synchronous=True)
    assert run.report["status"] == "done", run.report
    assert run.report["weights_stored_for"] == Basis.PROBABILITY
    # Volunteers are not in the random sample's weights.
    assert not Response.objects.filter(
        wave=wave, recruitment=Recruitment.OPEN_LINK, weight__isnull=False
    ).exists()
    assert not Response.objects.filter(
        wave=wave, recruitment=Recruitment.ADDRESS_SAMPLE, weight__isnull=True
    ).exists()
    totals = _weighted_totals(wave)
    population = defaultdict(float)
    for margin in PopulationMargin.objects.select_related("district"):
        population[(margin.variable, margin.category)] += margin.population
        if margin.variable == "age_band":
            population[("district", margin.district.code)] += margin.population
    for key, count in population.items():
        assert totals[key] == pytest.approx(count, rel=1e-6), key
    report = run.report["bases"][Basis.PROBABILITY]
    assert report["converged"] and report["iterations"] >= 1
    assert report["design_effect"] > 1
    assert report["effective_n"] == pytest.approx(report["respondents"] / report["design_effect"])
    weighted = {(m["variable"], m["category"]): m for m in report["margins"]}
    assert weighted[("age_band", "65+")]["weighted"] == pytest.approx(
        weighted[("age_band", "65+")]["population"], rel=1e-6
    )
    # The sample leans old; the unweighted share shows it.
    assert weighted[("age_band", "65+")]["unweighted"] > weighted[("age_band", "65+")]["population"]
    assert AuditEvent.objects.filter(action="survey.weighted").exists()
    assert AuditEvent.objects.filter(action="survey.weighting_started").exists()


def test_trimming_bounds_are_respected_after_the_last_rake(analyst):
    wave, _districts = rf.weighted_wave_setup(per_district=(80, 80, 80, 80, 80))
    untrimmed = actions.run_weighting(wave=wave, by=analyst, synchronous=True)
    spread = untrimmed.report["bases"][Basis.PROBABILITY]
    mean = 100_000 / 400
    upper = round(0.85 * spread["max_weight"] / mean, 2)
    lower = round(1.2 * spread["min_weight"] / mean, 2)
    run = actions.run_weighting(wave=wave, by=analyst, lower=lower, upper=upper, synchronous=True)
    report = run.report["bases"][Basis.PROBABILITY]
    assert report["trimming_cycles"] >= 1 and report["trimmed"] >= 1
    assert report["bounds_hold"]
    weights = np.array(
        Response.objects.filter(wave=wave, weight__isnull=False).values_list("weight", flat=True)
    )
    mean = weights.mean()
    assert weights.max() <= upper * mean * (1 + 1e-6)
    assert weights.min() >= lower * mean * (1 - 1e-6)
    assert report["design_effect"] < spread["design_effect"]


def test_a_district_below_the_threshold_gets_a_labelled_model_estimate_and_small_groups_are_withheld(
    analyst,
):
    wave, _districts = rf.weighted_wave_setup()
    run = actions.run_weighting(wave=wave, by=analyst, synchronous=True)
    probability = Estimate.objects.filter(run=run, basis=Basis.PROBABILITY)
    westhills = probability.get(measure="trust_index", domain="district", domain_value="D5")
    assert westhills.n == 6 and westhills.effective_n < 30
    assert westhills.method == Method.MODEL
    assert westhills.value is not None and westhills.low < westhills.value < westhills.high
    assert westhills.low >= 0 and westhills.high <= 100
    northside = probability.get(measure="trust_index", domain="district", domain_value="D1")
    assert northside.method == Method.DIRECT and northside.effective_n >= 30
    # Every district has a figure for every measure.
    for measure in ("respect", "satisfaction", "safety_index"):
        got = set(
            probability.filter(measure=measure, domain="district").values_list(
                "domain_value", flat=True
            )
        )
        assert got == set(rf.DISTRICTS), measure
    # A group below the threshold is withheld, with its reason and no number.
    withheld = probability.filter(method=Method.WITHHELD)
    assert withheld.exists()
    for estimate in withheld:
        assert estimate.value is None and estimate.low is None and estimate.standard_error is None
        assert estimate.reason == REASON_SMALL
        assert estimate.effective_n < 30
    # Unweighted figures sit beside the weighted ones, and volunteers are in "all" only.
    unweighted = Estimate.objects.get(
        run=run, basis=Basis.UNWEIGHTED, measure="trust_index", domain="all"
    )
    assert unweighted.design_effect == pytest.approx(1.0)
    everyone = Estimate.objects.get(run=run, basis=Basis.ALL, measure="trust_index", domain="all")
    assert everyone.n == unweighted.n + 15


def test_when_the_model_cannot_be_fitted_the_small_districts_are_withheld_with_the_reason(analyst):
    wave, _districts = rf.weighted_wave_setup(per_district=(90, 80, 0, 0, 1), volunteers=0)
    run = actions.run_weighting(wave=wave, by=analyst, synchronous=True)
    assert run.report["status"] == "done", run.report
    # Two districts with a direct estimate cannot fit even an intercept-only model.
    for code in ("D3", "D4", "D5"):
        estimate = Estimate.objects.get(
            run=run, basis=Basis.PROBABILITY, measure="trust_index", domain="district",
            domain_value=code,
        )  # fmt: skip
        assert estimate.method == Method.WITHHELD
        assert estimate.value is None
        assert estimate.reason == str(REASON_NO_MODEL)
    models = run.report["bases"][Basis.PROBABILITY]["small_area"]
    assert models and not any(m["fitted"] for m in models)
    # The empty districts' margin categories were merged, with a warning.
    assert run.report["bases"][Basis.PROBABILITY]["collapsed"]


def test_the_previous_wave_is_the_covariate_of_the_next_waves_model(analyst):
    wave, districts = rf.weighted_wave_setup()
    actions.run_weighting(wave=wave, by=analyst, synchronous=True)
    import datetime

    later = rf.make_wave(wave.survey, label="2026 Q2", opens_on=datetime.date(2026, 4, 1))
    rf.add_responses(later, districts, seed=8, trust_shift=0.3)
    run = actions.run_weighting(wave=later, by=analyst, synchronous=True)
    models = run.report["bases"][Basis.PROBABILITY]["small_area"]
    assert any(m.get("covariates") == "previous wave" for m in models)


def test_a_run_that_cannot_weight_keeps_the_reason(analyst):
    wave, districts = rf.weighted_wave_setup()
    PopulationMargin.objects.filter(district=districts[4]).delete()
    run = actions.run_weighting(wave=wave, by=analyst, synchronous=True)
    assert run.report["status"] == "failed"
    assert "D5" in run.report["error"]
    assert not Estimate.objects.filter(run=run).exists()


def test_only_analysts_weight_and_bad_trimming_is_refused(analyst):
    wave, _districts = rf.weighted_wave_setup()
    from django.core.exceptions import PermissionDenied

    for role in (Role.COMMUNITY_ENGAGEMENT, Role.AGENCY_HEAD, Role.INTERVIEWER):
        with pytest.raises(PermissionDenied):
            actions.run_weighting(wave=wave, by=make_staff(f"w-{role}", role), synchronous=True)
    with pytest.raises(actions.WeightingRefused, match="upper trimming bound"):
        actions.run_weighting(wave=wave, by=analyst, upper=0.5, synchronous=True)
    assert not WeightingRun.objects.exists()


def test_a_queued_run_is_done_by_the_task_worker(analyst, django_capture_on_commit_callbacks):
    wave, _districts = rf.weighted_wave_setup()
    with django_capture_on_commit_callbacks(execute=True):
        run = actions.run_weighting(wave=wave, by=analyst)
    run.refresh_from_db()
    assert run.report["status"] == "done"
    assert Estimate.objects.filter(run=run).exists()


MARGINS_CSV = """district,variable,category,population,source,year
D1,age_band,18-24,3100,ACS,2024
D1,sex,female,10400,ACS,2024
"""


def test_margins_import_saves_and_replaces(analyst):
    rf.make_districts()
    assert actions.import_margins(text=MARGINS_CSV, by=analyst) == 2
    assert actions.import_margins(text=MARGINS_CSV.replace("3100", "3200"), by=analyst) == 2
    assert PopulationMargin.objects.count() == 2
    assert PopulationMargin.objects.get(category="18-24").population == 3200
    assert AuditEvent.objects.filter(action="survey.margins_imported").count() == 2


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("D9,age_band,18-24,10,,", "no district has the code 'D9'"),
        ("D1,income,high,10,,", "the variable must be one of"),
        ("D1,age_band,16-17,10,,", "age_band has no category '16-17'"),
        ("D1,sex,female,-4,,", "whole number of 0 or more"),
        ("D1,sex,female,ten,,", "whole number of 0 or more"),
        ("D1,sex,female,10,,20255", "the year must be a year"),
        ("D1,age_band,18-24,10,,", "already on an earlier line"),
    ],
)
def test_margins_import_refuses_a_file_with_any_bad_line_and_saves_nothing(analyst, line, said):
    rf.make_districts()
    with pytest.raises(actions.MarginsRefused) as refused:
        actions.import_margins(text=MARGINS_CSV + line + "\n", by=analyst)
    assert any(said in p and "Line 4" in p for p in refused.value.problems), refused.value.problems
    assert not PopulationMargin.objects.exists()


def test_margins_import_needs_the_columns_and_the_permission(analyst):
    from django.core.exceptions import PermissionDenied

    rf.make_districts()
    with pytest.raises(actions.MarginsRefused, match="missing: population"):
        actions.import_margins(text="district,variable,category\nD1,sex,male\n", by=analyst)
    with pytest.raises(PermissionDenied):
        actions.import_margins(text=MARGINS_CSV, by=make_staff("ce", Role.COMMUNITY_ENGAGEMENT))
