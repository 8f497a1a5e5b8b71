"""Survey results in the release: only published waves, the latest weighting run, withheld rows
with their reason and no value, and small counts suppressed so that no file, nor all of them
together, gives one back."""

import polars as pl
import pytest

from commonground.publish import survey_figures
from commonground.publish.actions import build_release
from commonground.publish.disclosure import exposed_cells
from commonground.publish.selectors import read_table, release_file
from commonground.roster.models import Agency, District
from commonground.surveys.models import Method, Response, Wave, WaveStatus
from commonground.surveys.tests.factories import make_districts
from commonground.surveys.tests.publish_helpers import (
    estimate,
    published_wave,
    weighting_run,
)

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def table(slug: str) -> pl.DataFrame:
    return read_table(release_file(slug))


def test_only_published_waves_and_their_latest_run_are_released(analyst):
    wave = published_wave(n=30)
    old = weighting_run(wave, days_ago=3)
    estimate(old, "trust_index", value=11.0)
    run = weighting_run(wave, days_ago=1)
    estimate(run, "trust_index", value=62.5, n=30)
    # A later run still working (or failed) never takes the finished one's place.
    for status in ("running", "failed"):
        estimate(weighting_run(wave, status=status), "trust_index", value=5.0, n=30)
    estimate(
        run,
        "trust_index",
        domain="age_band",
        domain_value="18-24",
        n=31,
        effective_n=12.0,
        method=Method.WITHHELD,
        value=None,
        low=None,
        high=None,
        standard_error=None,
        reason="Too few",
    )
    for status, label in ((WaveStatus.OPEN, "open"), (WaveStatus.CLOSED, "closed")):
        other = published_wave(n=12, label=label, instrument=wave.instrument)
        Wave.objects.filter(pk=other.pk).update(status=status)
        estimate(weighting_run(other), "trust_index", value=99.0, n=12)

    build_release(by=analyst)

    estimates = table("survey-estimates")
    assert set(estimates["wave"].to_list()) == {"2026 Q1"}
    shown = estimates.filter(pl.col("domain") == "all").to_dicts()
    assert [r["value"] for r in shown] == [62.5]
    withheld = estimates.filter(pl.col("domain") == "age_band").row(0, named=True)
    assert withheld["method"] == Method.WITHHELD and withheld["value"] is None
    assert withheld["low"] is None and withheld["withheld"] == "too_little_data"
    responses = table("survey-responses")
    assert set(responses["wave"].to_list()) == {"2026 Q1"}
    total = responses.filter(
        pl.col("measure") == "responses", pl.col("channel").is_null(), pl.col("district").is_null()
    )
    assert total["value"].to_list() == [30.0]


def test_a_small_district_is_hidden_everywhere_and_cannot_be_worked_back(analyst):
    wave = published_wave(n=60)
    d1, d2 = District.objects.order_by("code")
    # Make D2 small: 6 of the 60 responses.
    ids = list(Response.objects.filter(wave=wave).values_list("id", flat=True))
    Response.objects.filter(id__in=ids[:54]).update(district=d1)
    Response.objects.filter(id__in=ids[54:]).update(district=d2)
    run = weighting_run(wave)
    estimate(run, "trust_index", n=60)
    estimate(run, "trust_index", domain="district", domain_value="D1", n=54)
    estimate(
        run,
        "trust_index",
        domain="district",
        domain_value="D2",
        n=6,
        effective_n=5.0,
        method=Method.MODEL,
        value=48.0,
        low=30.0,
        high=66.0,
    )
    # A required question: its n equals the district's responses.
    estimate(run, "safe", choice="4", n=60, value=0.3, low=0.2, high=0.4, standard_error=0.05)
    estimate(run, "safe", choice="4", domain="district", domain_value="D1", n=54, value=0.3)

    build_release(by=analyst)

    estimates = table("survey-estimates")
    responses = table("survey-responses").filter(pl.col("measure") == "responses")
    # Nothing from 1 to the threshold is published anywhere.
    for frame, column in ((estimates, "n"), (responses, "value")):
        assert not frame.filter(pl.col(column).is_between(1, 10)).height
    by_district = {
        r["district"]: r["value"]
        for r in responses.filter(pl.col("district").is_not_null()).to_dicts()
    }
    assert by_district["D2"] is None and by_district["D1"] is None  # its partner, or 60 - 54
    d2_trust = estimates.filter(pl.col("domain_value") == "D2").row(0, named=True)
    assert d2_trust["n"] is None and d2_trust["effective_n"] is None
    assert d2_trust["design_effect"] is None and d2_trust["standard_error"] is None
    # A model estimate for a small district is still shown, labelled as such.
    assert d2_trust["method"] == Method.MODEL and d2_trust["value"] == 48.0
    d1_rows = estimates.filter(pl.col("domain_value") == "D1")
    assert d1_rows["n"].to_list() == [None, None]  # 54 would give 60 - 54 = 6
    # The whole system, every file together: no hidden count has a single possible value.
    figures = survey_figures.build(10)
    assert figures.hidden
    assert exposed_cells(figures.system, figures.hidden) == set()


def test_a_district_code_two_agencies_share_is_one_count_of_responses(analyst):
    # A code is unique within an agency only; responses are counted by code, so it is one cell
    # (two cells of the same count in one sum made the counts disagree and the release fail).
    make_districts()
    county = Agency.objects.create(name="County Sheriff")
    District.objects.create(agency=county, code="D1", name="North County")
    wave = published_wave(n=45)  # 15 in each agency's D1, 15 in D2
    d2 = Response.objects.filter(wave=wave, district__code="D2").values_list("id", flat=True)
    Response.objects.filter(id__in=list(d2)[:5]).update(district=None)  # hidden, D2 its partner

    build_release(by=analyst)

    responses = table("survey-responses").filter(pl.col("measure") == "responses")
    by_district = {r["district"]: r["value"] for r in responses.to_dicts() if r["channel"] is None}
    assert by_district == {None: 45.0, "D1": 30.0, "D2": None, "unknown": None}


def test_a_direct_estimate_on_few_people_is_withheld_even_below_the_survey_threshold(analyst):
    wave = published_wave(n=30)
    run = weighting_run(wave)
    estimate(run, "trust_index", domain="sex", domain_value="female", n=7, effective_n=6.5)

    build_release(by=analyst)

    row = table("survey-estimates").row(0, named=True)
    assert row["value"] is None and row["withheld"] == "small_count" and row["n"] is None


def test_response_rates_of_each_sample_follow_aapor(analyst):
    from commonground.surveys.models import Invitation
    from commonground.surveys.tests.factories import make_invitations

    wave = published_wave(n=30)
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.OPEN)
    invitations = make_invitations(wave, per_district=20)
    for i, (_code, invitation) in enumerate(invitations):
        if i < 12:
            Invitation.objects.filter(pk=invitation.pk).update(used=True)
        elif i < 16:
            Invitation.objects.filter(pk=invitation.pk).update(disposition="2.11")
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.PUBLISHED)

    build_release(by=analyst)

    rates = table("survey-responses").filter(pl.col("sample") == "address")
    values = {r["measure"]: r["value"] for r in rates.to_dicts()}
    # 12 complete, 4 refusals, 24 nothing ever returned (unknown eligibility).
    assert values["rr1"] == pytest.approx(12 / 40, abs=1e-3)
    assert values["ref1"] == pytest.approx(4 / 40, abs=1e-3)
    assert values["coop1"] == pytest.approx(12 / 16, abs=1e-3)
