"""The demo's community survey, built once on the demo's districts and staff through the
surveys app's actions (demo.surveys), then read: its waves, samples, responses from every
channel, weights, published estimates, focus groups and quotes, and what the summary prints."""

import re
from collections import Counter

import pytest
from django.test import override_settings
from django.utils import timezone

from commonground.audit.models import AuditEvent
from commonground.demo import survey_people as sp
from commonground.demo import surveys as demo_surveys
from commonground.demo.builder import _Builder
from commonground.demo.tests.test_demo_data import FAST_HASHERS, undone
from commonground.surveys.models import (
    Answer,
    CallAttempt,
    Channel,
    FocusGroup,
    Invitation,
    PhoneCase,
    Quote,
    Recruitment,
    Response,
    Survey,
    Wave,
    WaveStatus,
)
from commonground.surveys.selectors import latest_finished_run, primary_basis, published_estimates

NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(scope="module")
def survey_world(django_db_setup, django_db_blocker):
    """The demo's districts and staff, and its survey at the demo's own sizes, rolled back
    after the module."""
    with (
        override_settings(PASSWORD_HASHERS=FAST_HASHERS, TASKS=NO_TASKS),
        django_db_blocker.unblock(),
        undone(),
    ):
        builder = _Builder(seed=42, now=timezone.now(), progress=lambda _line: None)
        builder.build_roster()
        builder.build_staff()
        lines = []
        assert demo_surveys.build(seed=42, now=timezone.now(), progress=lines.append)
        yield lines


pytestmark = pytest.mark.usefixtures("survey_world")


def waves() -> list[Wave]:
    return list(Wave.objects.filter(survey__slug=demo_surveys.SLUG).order_by("opens_on"))


def trust(wave: Wave) -> dict[tuple[str, str], float]:
    run = latest_finished_run(wave)
    return {
        (e.domain, e.domain_value): e.value
        for e in published_estimates(wave).filter(basis=primary_basis(run), measure="trust_index")
        if e.value is not None
    }


@pytest.mark.django_db
def test_four_quarterly_waves_three_published_and_this_quarters_open():
    found = waves()
    assert [w.status for w in found] == [WaveStatus.PUBLISHED] * 3 + [WaveStatus.OPEN]
    assert all(re.fullmatch(r"\d{4} Q[1-4]", w.label) for w in found)
    quarters = [int(w.label[:4]) * 4 + int(w.label[-1]) for w in found]
    assert quarters == list(range(quarters[0], quarters[0] + 4))
    today = timezone.localdate()
    assert all(w.closes_on < today for w in found[:3])
    assert found[3].opens_on <= today <= found[3].closes_on
    assert Survey.objects.get(slug=demo_surveys.SLUG).title["en"] == "Riverton community survey"
    assert found[0].instrument.languages == ["en", "es"]


@pytest.mark.django_db
def test_every_wave_has_letter_and_phone_respondents_about_one_household_in_five():
    for wave in waves():
        by = Counter(Response.objects.filter(wave=wave).values_list("recruitment", "channel"))
        letters = by[(Recruitment.ADDRESS_SAMPLE, Channel.WEB)]
        paper = by[(Recruitment.ADDRESS_SAMPLE, Channel.PAPER)]
        phone = by[(Recruitment.PHONE_SAMPLE, Channel.PHONE)]
        assert letters > 150 and paper > 5 and phone > 5, (wave.label, by)
        invited = Invitation.objects.filter(wave=wave).count()
        assert invited == demo_surveys.LETTERS_PER_DISTRICT * 5
        assert 0.15 <= (letters + paper) / invited <= 0.3
        languages = Counter(Response.objects.filter(wave=wave).values_list("language", flat=True))
        assert languages["es"] > 5 and languages["en"] > languages["es"]


@pytest.mark.django_db
def test_one_response_per_used_invitation_or_phone_case():
    for wave in waves():
        responses = Counter(
            Response.objects.filter(wave=wave).values_list("recruitment", flat=True)
        )
        used_letters = Invitation.objects.filter(wave=wave, used=True).count()
        used_cases = PhoneCase.objects.filter(wave=wave, used=True).count()
        assert responses[Recruitment.ADDRESS_SAMPLE] == used_letters
        assert responses[Recruitment.PHONE_SAMPLE] == used_cases
        assert sum(responses.values()) == used_letters + used_cases
        # Every response has its answers.
        assert not Response.objects.filter(wave=wave, answers__isnull=True).exists()
    assert Answer.objects.filter(response__wave__in=waves()).count() > 4000


@pytest.mark.django_db
def test_interviewers_worked_the_phone_sample_with_a_mix_of_dispositions():
    calls = Counter(
        CallAttempt.objects.filter(case__wave__in=waves()).values_list("disposition", flat=True)
    )
    for code in ("1.1", "2.11", "3.13", "2.21", "4.31"):
        assert calls[code] > 0, (code, calls)
    assert calls["3.13"] > calls["1.1"]
    interviewers = set(
        CallAttempt.objects.filter(case__wave__in=waves()).values_list(
            "interviewer__username", flat=True
        )
    )
    assert interviewers == {"interviewer", "engagement"}
    # Closing a wave erased its numbers; the open wave keeps them for its callers.
    for wave in waves()[:3]:
        assert not PhoneCase.objects.filter(wave=wave, phone__isnull=False).exists()
    assert PhoneCase.objects.filter(wave=waves()[3], phone__isnull=False).exists()


@pytest.mark.django_db
def test_every_wave_is_weighted():
    for wave in waves():
        run = latest_finished_run(wave)
        assert run is not None and run.report["status"] == "done", wave.label
        assert run.ran_by.username == "analyst"
        assert not Response.objects.filter(wave=wave, weight__isnull=True).exists()


@pytest.mark.django_db
def test_published_estimates_recover_the_planted_differences():
    for wave in waves()[:3]:
        found = trust(wave)
        assert found[("district", "D4")] < found[("district", "D5")], wave.label
        assert found[("district", "D1")] < found[("district", "D5")], wave.label
        stopped, not_stopped = found[("contact_stopped", "yes")], found[("contact_stopped", "no")]
        assert stopped < not_stopped - 10, wave.label
    # Nothing is published of the open wave.
    assert not published_estimates(waves()[3]).exists()


@pytest.mark.django_db
def test_two_focus_groups_with_tagged_participants_and_coded_notes():
    groups = FocusGroup.objects.filter(survey__slug=demo_surveys.SLUG)
    assert groups.count() == 2
    assert set(groups.values_list("language", flat=True)) == {"en", "es"}
    for group in groups:
        assert group.facilitator.username == "engagement"
        assert group.held_on < timezone.localdate()
        labels = list(group.participants.values_list("label", flat=True))
        assert len(labels) >= 5 and all(re.fullmatch(r"P\d+", label) for label in labels)
        assert all(p.age_band and p.sex and p.district for p in group.participants.all())
        themes = set(group.excerpts.values_list("theme__code", flat=True))
        assert len(themes) >= 3
        for excerpt in group.excerpts.all():
            assert excerpt.excerpt in group.notes


@pytest.mark.django_db
def test_approved_quotes_come_from_a_published_waves_comments():
    quotes = Quote.objects.filter(wave__survey__slug=demo_surveys.SLUG, approved=True)
    assert quotes.count() == 2
    for quote in quotes:
        assert quote.wave.status == WaveStatus.PUBLISHED
        assert Answer.objects.filter(response__wave=quote.wave, text=quote.text).exists()


@pytest.mark.django_db
def test_a_second_build_adds_nothing():
    def counts():
        return [m.objects.count() for m in (Survey, Wave, Response, Invitation, AuditEvent)]

    before = counts()

    assert demo_surveys.build(seed=42, now=timezone.now()) is False

    assert counts() == before


@pytest.mark.django_db
def test_the_summary_prints_what_was_planted_and_what_the_estimates_recover(survey_world):
    assert any("community survey" in line.lower() for line in survey_world)
    summary = demo_surveys.summarise()
    lines = demo_surveys.describe(summary)
    text = "\n".join(lines)

    for line in sp.describe_planted():
        assert line in lines
    assert [status for _label, status, _counts in summary.waves] == ["published"] * 3 + ["open"]
    assert summary.published_wave == waves()[2].label
    found = trust(waves()[2])
    for figure in summary.districts:
        code = figure.label.split()[0]
        assert figure.estimate == found[("district", code)]
        assert figure.low < figure.estimate < figure.high
        shown = f"planted {figure.planted:5.1f}   estimated {figure.estimate:5.1f}"
        assert f"{figure.label:<26} {shown}" in text
    planted = {f.label.split()[0]: f.planted for f in summary.districts}
    assert planted["D4"] < planted["D5"] - 15 and planted["D1"] < planted["D5"] - 15
    stopped, not_stopped = summary.contact
    assert stopped.planted < not_stopped.planted - 15
    assert stopped.estimate < not_stopped.estimate
    assert "stopped in the last year" in text and "not stopped" in text
    weighted, unweighted = summary.city
    assert unweighted.label == "everyone, unweighted"
    assert "everyone, unweighted" in text
    # The estimates land near what was planted: within their intervals, give or take. (Whether
    # the weighted city figure lands nearer than the unweighted one is left to chance in one
    # sample of a few hundred; what weighting must do is checked on who answered, below.)
    for figure in [*summary.districts, *summary.contact, weighted]:
        assert abs(figure.estimate - figure.planted) < (figure.high - figure.low), figure


@pytest.mark.django_db
def test_weighting_corrects_the_lean_of_who_answers():
    """People 65 and over answer letters about three times as often as the youngest, so they
    are too many among the respondents; raked to the margins, their share is the city's."""
    from commonground.surveys.models import PopulationMargin

    wave = waves()[2]
    oldest = Answer.objects.filter(
        response__wave=wave, question__topic="demographics.age_band", choice__value="65+"
    )
    respondents = Response.objects.filter(wave=wave)
    unweighted = oldest.count() / respondents.count()
    weighted = sum(a.response.weight for a in oldest.select_related("response")) / sum(
        respondents.values_list("weight", flat=True)
    )
    margins = PopulationMargin.objects.filter(variable="age_band")
    population = sum(m.population for m in margins if m.category == "65+") / sum(
        m.population for m in margins
    )
    assert unweighted > population + 0.05
    assert weighted == pytest.approx(population, abs=0.005)
