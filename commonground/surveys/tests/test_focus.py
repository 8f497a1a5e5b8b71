"""Focus groups: sessions, participants, the codebook, coding, and theme counts by group with
small counts withheld."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.conftest import make_staff
from commonground.roster.models import Agency
from commonground.surveys import actions, selectors
from commonground.surveys.models import CodedExcerpt, FocusGroup, Participant, Theme
from commonground.surveys.tests.factories import make_districts, make_survey, make_wave, words
from commonground.surveys.tests.focus_helpers import NOTES, session, theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(engagement_officer):
    return engagement_officer


# --- Sessions -----------------------------------------------------------------------------


def test_a_session_is_recorded_and_audited_without_its_words(officer):
    group = session(officer)
    assert group.facilitator == officer and group.notes == NOTES
    event = AuditEvent.objects.get(action="survey.focus_group_recorded")
    assert event.actor == officer and event.target_id == str(group.pk)
    assert "library" not in str(event.data) and "police" not in str(event.data)


@pytest.mark.parametrize(
    "role", [Role.INTERVIEWER, Role.INVESTIGATOR, Role.AGENCY_HEAD, Role.BOARD_MEMBER]
)
def test_roles_without_focus_groups_cannot_record_one(officer, role):
    with pytest.raises(PermissionDenied):
        session(make_staff(f"x-{role}", role), facilitator=officer)
    assert not FocusGroup.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="survey.focus").exists()


def test_an_analyst_records_sessions_too(analyst):
    assert session(analyst).pk


def test_a_session_needs_its_details_and_a_past_date(officer):
    other_survey = make_survey("other")
    wave = make_wave()
    resident_like = make_staff("no-role", mfa=False)
    with pytest.raises(actions.FocusError) as refused:
        actions.record_focus_group(
            survey=other_survey,
            by=officer,
            title="  ",
            facilitator=resident_like,
            held_on=timezone.localdate() + datetime.timedelta(days=1),
            place="",
            language="fr",
            wave=wave,
        )
    assert set(refused.value.error_dict) == {
        "title",
        "facilitator",
        "held_on",
        "place",
        "language",
        "wave",
    }
    assert not FocusGroup.objects.exists()


def test_notes_quoted_by_a_coding_cannot_be_edited_away(officer):
    group = session(officer)
    slow = theme(officer, group.survey)
    actions.code_excerpt(group=group, by=officer, theme=slow, excerpt="response times are slow")
    details = {
        "title": group.title,
        "facilitator": officer,
        "held_on": group.held_on,
        "place": group.place,
        "language": "es",
    }
    with pytest.raises(actions.FocusError) as refused:
        actions.edit_focus_group(group=group, by=officer, notes="Nothing of note.", **details)
    assert "notes" in refused.value.error_dict
    edited = actions.edit_focus_group(group=group, by=officer, notes=NOTES + "\nMore.", **details)
    assert edited.language == "es"
    event = AuditEvent.objects.get(action="survey.focus_group_edited")
    assert event.data == {"changed": ["language", "notes"]}


# --- Participants ---------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["P1", "p12", "FG-3", " 7 "])
def test_a_participant_is_a_tag(officer, label):
    group = session(officer)
    participant = actions.add_participant(group=group, by=officer, label=label, age_band="25-34")
    assert participant.label == label.strip().upper()
    assert AuditEvent.objects.filter(action="survey.focus_participant_added").count() == 1


@pytest.mark.parametrize(
    "label", ["Maria", "Maria Lopez", "J. Smith", "Maria1", "P1 Maria", "", "P-", "P1P2"]
)
def test_anything_that_could_be_a_name_is_refused_as_a_tag(officer, label):
    group = session(officer)
    with pytest.raises(actions.FocusError) as refused:
        actions.add_participant(group=group, by=officer, label=label)
    assert "never a name" in refused.value.error_dict["label"][0].message
    assert not Participant.objects.exists()


def test_a_participants_categories_are_the_weighting_categories(officer):
    group = session(officer)
    actions.add_participant(group=group, by=officer, label="P1")
    with pytest.raises(actions.FocusError) as refused:
        actions.add_participant(
            group=group, by=officer, label="P1", age_band="30", sex="x", tenure="lodger"
        )
    assert set(refused.value.error_dict) == {"label", "age_band", "sex", "tenure"}


# --- Codebook ------------------------------------------------------------------------------


def test_themes_need_a_code_and_a_name_in_every_language(officer):
    survey = make_survey()
    with pytest.raises(actions.FocusError) as refused:
        actions.save_theme(survey=survey, by=officer, code="not a code!", label={"en": "Slow"})
    assert set(refused.value.error_dict) == {"code", "label_es"}
    slow = theme(officer, survey)
    with pytest.raises(actions.FocusError) as refused:
        theme(officer, survey)
    assert "already" in refused.value.error_dict["code"][0].message
    assert AuditEvent.objects.filter(action="survey.focus_theme_added").count() == 1
    assert slow.label == {"en": "Slow response", "es": "Respuesta lenta"}


def test_a_theme_cannot_sit_under_itself_or_another_surveys_theme(officer):
    survey = make_survey()
    service = theme(officer, survey, code="service", en="Service", es="Servicio")
    slow = theme(officer, survey, parent=service)
    foreign = theme(officer, make_survey("other"), code="foreign")
    for parent in (slow, service, foreign):
        with pytest.raises(actions.FocusError) as refused:
            actions.save_theme(
                survey=survey,
                by=officer,
                theme=service,
                code="service",
                label=words("Service", "Servicio"),
                parent=parent,
            )
        assert "parent" in refused.value.error_dict
    assert Theme.objects.get(pk=service.pk).parent is None


# --- Coding --------------------------------------------------------------------------------


def test_a_passage_of_the_notes_is_coded_with_a_theme_and_a_participant(officer):
    group = session(officer)
    p2 = actions.add_participant(group=group, by=officer, label="P2")
    slow = theme(officer, group.survey)
    coded = actions.code_excerpt(
        group=group,
        by=officer,
        theme=slow,
        participant=p2,
        excerpt="response   times are\nSLOW on the east side",
    )
    assert coded.coded_by == officer and coded.participant == p2
    event = AuditEvent.objects.get(action="survey.focus_excerpt_coded")
    assert "east side" not in str(event.data)
    actions.remove_excerpt(excerpt=coded, by=officer)
    assert not CodedExcerpt.objects.exists()
    assert AuditEvent.objects.filter(action="survey.focus_excerpt_removed").count() == 1


def test_coding_refuses_a_passage_not_in_the_notes_and_anything_foreign(officer):
    group = session(officer)
    other = session(officer, survey=group.survey, title="Other")
    stranger = actions.add_participant(group=other, by=officer, label="P9")
    foreign = theme(officer, make_survey("other"))
    with pytest.raises(actions.FocusError) as refused:
        actions.code_excerpt(
            group=group,
            by=officer,
            theme=foreign,
            participant=stranger,
            excerpt="Something nobody said",
        )
    assert set(refused.value.error_dict) == {"theme", "participant", "excerpt"}
    empty = session(officer, survey=group.survey, notes="")
    with pytest.raises(actions.FocusError) as refused:
        actions.code_excerpt(
            group=empty, by=officer, theme=theme(officer, group.survey), excerpt="x"
        )
    assert "no notes yet" in refused.value.error_dict["excerpt"][0].message
    assert not CodedExcerpt.objects.exists()


def test_only_focus_group_staff_code_or_uncode(officer, interviewer):
    group = session(officer)
    slow = theme(officer, group.survey)
    with pytest.raises(PermissionDenied):
        actions.code_excerpt(group=group, by=interviewer, theme=slow, excerpt="slow")
    coded = actions.code_excerpt(group=group, by=officer, theme=slow, excerpt="slow")
    with pytest.raises(PermissionDenied):
        actions.remove_excerpt(excerpt=coded, by=interviewer)
    with pytest.raises(PermissionDenied):
        actions.save_theme(survey=group.survey, by=interviewer, code="x", label=words("X", "X"))
    with pytest.raises(PermissionDenied):
        actions.add_participant(group=group, by=interviewer, label="P1")
    assert CodedExcerpt.objects.count() == 1


# --- Theme counts by group -----------------------------------------------------------------


def _threshold(n: int) -> None:
    Agency.objects.create(name=f"Agency {n}", suppression_threshold=n)


def _many(officer, survey, slow, *, sessions: int, people: int, age_band: str, tag: str):
    """`sessions` sessions of `people` participants in one age band, each coded slow."""
    for s in range(sessions):
        group = session(officer, survey=survey, title=f"{tag}{s}")
        for p in range(people):
            participant = actions.add_participant(
                group=group, by=officer, label=f"P{p + 1}", age_band=age_band
            )
            actions.code_excerpt(
                group=group, by=officer, theme=slow, participant=participant, excerpt="too long"
            )


def test_theme_counts_compare_groups_and_withhold_small_counts(officer):
    _threshold(3)
    survey = make_survey()
    service = theme(officer, survey, code="service", en="Service", es="Servicio")
    slow = theme(officer, survey, parent=service)
    respect = theme(officer, survey, code="respect", en="Respect", es="Respeto")
    _many(officer, survey, slow, sessions=2, people=3, age_band="25-34", tag="young")
    _many(officer, survey, slow, sessions=1, people=2, age_band="65+", tag="old")
    # A participant coded twice with the theme counts once; the group as a whole not at all.
    group = FocusGroup.objects.get(title="young0")
    first = group.participants.get(label="P1")
    actions.code_excerpt(group=group, by=officer, theme=slow, participant=first, excerpt="slow")
    actions.code_excerpt(group=group, by=officer, theme=respect, excerpt="respectful")

    counts = selectors.focus_theme_counts(survey, by="age_band")
    assert counts["threshold"] == 3
    values = [g["value"] for g in counts["groups"]]
    assert values == ["18-24", "25-34", "35-44", "45-54", "55-64", "65+", ""]
    rows = {row["code"]: row for row in counts["themes"]}
    assert [row["code"] for row in counts["themes"]] == ["respect", "service", "slow_response"]
    assert rows["slow_response"]["depth"] == 1 and rows["slow_response"]["parent"] == "service"

    young, old = values.index("25-34"), values.index("65+")
    for code in ("service", "slow_response"):  # the parent counts its sub-theme's passages
        people = rows[code]["participants"]
        assert people[young] == {"count": 6, "withheld": ""}
        assert people[old] == {"count": None, "withheld": "small"}  # 2: from 1 to 3
        # The only small cell has a partner withheld (here a zero), so no total gives it away.
        assert sum(cell["withheld"] == "partner" for cell in people) == 1
        sessions = rows[code]["sessions"]
        assert sessions[young] == {"count": None, "withheld": "small"}  # 2 sessions
        assert sessions[old] == {"count": None, "withheld": "small"}  # 1 session
    assert all(cell["count"] == 0 for cell in rows["respect"]["participants"])


def test_a_lone_small_count_is_withheld_with_the_smallest_other_count(officer):
    cells = selectors._suppress([0, 12, 2, 30, 0], threshold=10)
    assert [c["withheld"] for c in cells] == ["partner", "", "small", "", ""]
    assert [c["count"] for c in cells] == [None, 12, None, 30, 0]
    cells = selectors._suppress([14, 2, 30], threshold=10)
    assert [c["withheld"] for c in cells] == ["partner", "small", ""]
    assert [c["withheld"] for c in selectors._suppress([0, 2, 3], 10)] == ["", "small", "small"]
    assert [c["count"] for c in selectors._suppress([0, 11, 40], 10)] == [0, 11, 40]


def test_counts_default_to_the_cell_size_rule_and_follow_the_strictest_agency(officer):
    assert selectors.focus_threshold() == 10
    _threshold(5)
    _threshold(12)
    assert selectors.focus_threshold() == 12


def test_theme_counts_by_district_and_unrecorded_categories(officer):
    d1, _d2 = make_districts()
    Agency.objects.update(suppression_threshold=1)
    survey = make_survey()
    slow = theme(officer, survey)
    group = session(officer, survey=survey)
    for label, district in (("P1", d1), ("P2", d1), ("P3", None)):
        p = actions.add_participant(group=group, by=officer, label=label, district=district)
        actions.code_excerpt(group=group, by=officer, theme=slow, participant=p, excerpt="slow")
    counts = selectors.focus_theme_counts(survey, by="district")
    assert [g["value"] for g in counts["groups"]] == ["D1", "D2", ""]
    (row,) = counts["themes"]
    assert [c["count"] for c in row["participants"]] == [2, None, None]
    assert [c["withheld"] for c in row["participants"]] == ["", "partner", "small"]


def test_theme_counts_are_plain_data_with_nothing_personal(officer):
    survey = make_survey()
    slow = theme(officer, survey)
    group = session(officer, survey=survey, place="12 Elm Street")
    p = actions.add_participant(group=group, by=officer, label="P1", sex="female")
    actions.code_excerpt(group=group, by=officer, theme=slow, participant=p, excerpt="P2 agreed")
    counts = selectors.focus_theme_counts(survey, by="sex")
    text = repr(counts)
    for private in ("Elm", "P2 agreed", "P1", "Renters", officer.username, "library"):
        assert private not in text
    with pytest.raises(ValueError):
        selectors.focus_theme_counts(survey, by="contact_stopped")
