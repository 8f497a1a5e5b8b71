import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from commonground.accounts.models import Role
from commonground.complaints.models import AllegationCategory, Finding, Outcome, Report, Status
from commonground.conftest import make_staff
from commonground.investigations.models import Case
from commonground.investigations.tests.helpers import case_at_board
from commonground.oversight.actions import (
    Line,
    add_to_agenda,
    cast_vote,
    close_review,
    declare_recusal,
    mark_meeting_held,
    record_agency_decision,
    record_recommendation,
)
from commonground.oversight.models import (
    AgencyDecision,
    CaseReview,
    DisciplineLevel,
    Meeting,
    MeetingStatus,
    Recommendation,
    Recusal,
    ReviewResult,
    Vote,
    VoteChoice,
)
from commonground.oversight.tests.helpers import concurred, meeting_for, on_agenda, recommend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_commit_immediately")]

REPORTER = "Maria Lopez"
WITNESS = "Sam Lee"
NARRATIVE = "The officer shouted at me and refused to give his badge number."
RATIONALE = "The video shows it."
BOARD_NOTES = "Board notes: the sergeant's account matched the footage."
RECUSAL_REASON = "I coach the complainant's daughter."
EXPLANATION = "Chief's explanation: a prior warning on file."
# Officer Alex0 Rivera0, given by the reporter as "Rivera" (complaints.tests.factories).
OFFICER_NAMES = ["Alex0", "Rivera"]
PLANTED = [REPORTER, WITNESS, NARRATIVE, RATIONALE, BOARD_NOTES, RECUSAL_REASON, EXPLANATION]


def url(name, *args):
    return reverse(f"oversight:{name}", args=args)


def body(response) -> str:
    return response.content.decode()


def shows(page: str, text: str) -> bool:
    """Whether the page shows the text, as typed or HTML-escaped."""
    return text in page or escape(text) in page


def as_user(client, user):
    client.force_login(user)
    return client


def lines_data(prefix, allegations, finding="sustained", level="written_reprimand", days=""):
    data = {}
    for a in allegations:
        data[f"{prefix}-finding_{a.pk}"] = finding
        data[f"{prefix}-discipline_{a.pk}"] = level
        data[f"{prefix}-days_{a.pk}"] = days
    return data


# --- Who may open each page ----------------------------------------------------------------------

VIEWERS = {
    Role.BOARD_MEMBER,
    Role.BOARD_STAFF,
    Role.IA_SUPERVISOR,
    Role.AGENCY_HEAD,
    Role.DECISION_ALTERNATE,
}
DECIDERS = {Role.AGENCY_HEAD, Role.DECISION_ALTERNATE}


@pytest.fixture
def pages(review, board_staff, at_board):
    return {
        "board_home": url("board_home"),
        "meeting_detail": url("meeting_detail", review.meeting_id),
        "review_detail": url("review_detail", review.pk),
        "case_reviews": url("case_reviews", at_board.report_id),
        "decision_queue": url("decision_queue"),
    }


@pytest.mark.parametrize("role", sorted(Role.values))
def test_each_board_page_opens_for_its_roles_only(client, pages, role):
    as_user(client, make_staff(f"u-{role}", role))
    allowed = {
        "board_home": VIEWERS,
        "meeting_detail": VIEWERS,
        "review_detail": VIEWERS,
        "case_reviews": VIEWERS,
        "decision_queue": DECIDERS,
    }
    for name, address in pages.items():
        expected = 200 if role in allowed[name] else 403
        assert client.get(address).status_code == expected, (role, name)


def test_the_public_is_sent_to_sign_in_for_board_pages(client, pages):
    for address in pages.values():
        response = client.get(address)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_unknown_objects_are_not_found(client, board_staff, at_board):
    as_user(client, board_staff)
    assert client.get(url("meeting_detail", 999)).status_code == 404
    assert client.get(url("review_detail", 999)).status_code == 404
    assert client.get(url("case_reviews", 999)).status_code == 404
    assert client.post(url("review_action", 999, "vote")).status_code == 404


# --- The board's home: scheduling and the agenda -------------------------------------------------


def test_board_staff_schedule_a_meeting_and_build_its_agenda(client, board_staff, at_board):
    as_user(client, board_staff)
    home = body(client.get(url("board_home")))
    assert at_board.report.reference in home and "Discourtesy" in home
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        url("schedule_meeting"),
        {
            "schedule-title": "March meeting",
            "schedule-date": day.isoformat(),
            "schedule-time": "18:30",
            "schedule-place": "City Hall",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert timezone.localtime(meeting.starts_at).time() == datetime.time(18, 30)

    home = body(client.get(url("board_home")))
    # The agenda form lists every awaiting case; the clerk chooses which.
    box = re.search(rf'<input[^>]*name="agenda-cases"[^>]*value="{at_board.pk}"[^>]*>', home)
    assert box and "checked" not in box.group(0)
    response = client.post(
        url("meeting_action", meeting.pk, "agenda"), {"agenda-cases": at_board.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == url("meeting_detail", meeting.pk)
    assert CaseReview.objects.get().case == at_board
    detail = body(client.get(response["Location"]))
    assert at_board.report.reference in detail
    assert "No case is waiting for the board." in body(client.get(url("board_home")))


def test_a_meeting_without_a_title_or_date_keeps_what_was_typed(client, board_staff):
    as_user(client, board_staff)
    response = client.post(
        url("schedule_meeting"),
        {"schedule-title": "", "schedule-time": "18:30", "schedule-place": "Library annex"},
    )
    assert response.status_code == 400
    page = body(response)
    assert 'id="error-summary"' in page
    assert 'value="Library annex"' in page and 'value="18:30"' in page
    assert not Meeting.objects.exists()


def test_board_members_do_not_see_the_scheduling_forms(client, board_member, review):
    as_user(client, board_member)
    assert "schedule-title" not in body(client.get(url("board_home")))
    response = client.post(url("schedule_meeting"), {"schedule-title": "Mine"})
    assert response.status_code == 403
    assert client.post(url("meeting_action", review.meeting_id, "held")).status_code == 403


def test_a_meeting_is_marked_held_only_after_it_starts(client, board_staff, at_board):
    future = meeting_for(board_staff, days=5)
    as_user(client, board_staff)
    assert "held-" not in body(client.get(url("meeting_detail", future.pk)))
    response = client.post(url("meeting_action", future.pk, "held"))
    assert response.status_code == 400
    assert "cannot be marked as held before it starts" in body(response)
    future.refresh_from_db()
    assert future.status == MeetingStatus.SCHEDULED

    started = meeting_for(board_staff)
    response = client.post(url("meeting_action", started.pk, "held"))
    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == MeetingStatus.HELD
    page = body(client.get(url("meeting_detail", started.pk)))
    assert url("public_minutes", started.pk) in page


# --- The review page -----------------------------------------------------------------------------


def test_a_board_member_reads_the_case_without_personal_data(client, members, review):
    as_user(client, members[0])
    response = client.get(url("review_detail", review.pk))
    page = body(response)
    assert response.status_code == 200
    for hidden in (REPORTER, WITNESS, NARRATIVE, "maria@example.org", "Main St"):
        assert not shows(page, hidden), hidden
    # What the board needs: allegations, the officer, the findings with their rationale, the log.
    for shown in ("Discourtesy", "Use of force", "Alex0 Rivera0", "Sustained", RATIONALE):
        assert shows(page, shown), shown
    assert 'name="vote-choice"' in page and 'name="recuse-reason"' in page


def test_the_board_reads_the_day_of_a_log_entry_saved_without_a_time(client, members, review):
    """An entry with no time keeps its day in the board's summary (it read the moment, empty)."""
    from commonground.investigations.models import EntryKind, LogEntry

    day = timezone.localdate() - datetime.timedelta(days=40)
    LogEntry.objects.create(
        case=review.case,
        kind=EntryKind.NOTE,
        occurred_on=day,
        occurred_at=None,
        summary="Called the shop for its camera footage.",
        author=review.case.investigator or members[0],
        created_at=timezone.now(),
    )
    page = body(as_user(client, members[0]).get(url("review_detail", review.pk)))
    assert day.isoformat() in page


def test_a_supervisor_with_personal_data_access_reads_the_narrative(client, supervisor, review):
    page = body(as_user(client, supervisor).get(url("review_detail", review.pk)))
    assert NARRATIVE in page
    assert 'name="vote-choice"' not in page and 'name="close-notes"' not in page


def test_members_vote_and_recuse_through_the_page(client, members, review):
    as_user(client, members[0])
    response = client.post(url("review_action", review.pk, "vote"), {"vote-choice": "concur"})
    assert response.status_code == 302
    page = body(client.get(url("review_detail", review.pk)))
    assert "Your vote was recorded." in page
    assert "Your vote" in page and "<strong>Concur</strong>" in page
    assert 'name="recuse-reason"' not in page  # a recusal comes before a vote

    as_user(client, members[1])
    response = client.post(
        url("review_action", review.pk, "recuse"), {"recuse-reason": "Conflict."}
    )
    assert response.status_code == 302
    page = body(client.get(url("review_detail", review.pk)))
    assert "You recused yourself from this case." in page
    assert 'name="vote-choice"' not in page
    assert Vote.objects.get().member == members[0]
    assert Recusal.objects.get().member == members[1]


def test_a_recused_member_voting_is_refused_with_the_reason(client, members, review):
    declare_recusal(review=review, reason="Conflict.", by=members[0])
    response = as_user(client, members[0]).post(
        url("review_action", review.pk, "vote"), {"vote-choice": "concur"}
    )
    assert response.status_code == 400
    assert "You recused yourself from this case, so you cannot vote on it." in body(response)
    assert not Vote.objects.exists()


def test_someone_who_is_not_a_member_voting_is_refused_with_the_reason(client, board_staff, review):
    response = as_user(client, board_staff).post(
        url("review_action", review.pk, "vote"), {"vote-choice": "concur"}
    )
    assert response.status_code == 400
    assert "Only members of the oversight board can do this." in body(response)
    assert not Vote.objects.exists()


def test_a_recusal_without_a_reason_is_refused_at_the_field(client, members, review):
    response = as_user(client, members[0]).post(
        url("review_action", review.pk, "recuse"), {"recuse-reason": "  "}
    )
    assert response.status_code == 400
    assert "Give the reason for your recusal." in body(response)
    assert not Recusal.objects.exists()


def test_a_vote_after_the_review_closed_is_refused(client, members, board_staff, review):
    concurred(review, board_staff, members)
    response = as_user(client, members[0]).post(
        url("review_action", review.pk, "vote"), {"vote-choice": "do_not_concur"}
    )
    assert response.status_code == 400
    assert "The review of this case is closed." in body(response)
    assert set(Vote.objects.values_list("choice", flat=True)) == {VoteChoice.CONCUR}


def test_the_recommendation_form_starts_from_the_approved_findings(client, board_staff, review):
    page = body(as_user(client, board_staff).get(url("review_detail", review.pk)))
    allegation = review.case.report.allegations.first()
    select = re.search(
        rf'<select name="recommend-finding_{allegation.pk}".*?</select>', page, re.DOTALL
    ).group(0)
    assert '<option value="sustained" selected>' in select
    assert "Suspension (1 to 30 days)" in page


def test_a_suspension_without_days_is_refused_and_the_form_kept(client, board_staff, review):
    allegations = list(review.case.report.allegations.all())
    data = lines_data("recommend", allegations, level="suspension")
    response = as_user(client, board_staff).post(url("review_action", review.pk, "recommend"), data)
    assert response.status_code == 400
    page = body(response)
    assert "Suspension needs a number of days from 1 to 30." in page
    assert '<option value="suspension" selected>' in page
    assert not Recommendation.objects.exists()

    data = lines_data("recommend", allegations, level="suspension", days="12")
    response = client.post(url("review_action", review.pk, "recommend"), data)
    assert response.status_code == 302
    assert set(Recommendation.objects.values_list("days", flat=True)) == {12}
    page = body(client.get(url("review_detail", review.pk)))
    assert "12 days" in page


def test_a_level_off_the_ladder_is_refused_at_the_field(client, board_staff, review):
    allegations = list(review.case.report.allegations.all())
    data = lines_data("recommend", allegations, level="flogging")
    response = as_user(client, board_staff).post(url("review_action", review.pk, "recommend"), data)
    assert response.status_code == 400
    assert "Select a valid choice." in body(response)
    assert not Recommendation.objects.exists()


def test_members_cannot_record_the_recommendation_or_close(client, members, review):
    as_user(client, members[0])
    for name in ("recommend", "close", "more"):
        assert client.post(url("review_action", review.pk, name), {}).status_code == 403


def test_closing_without_a_quorum_is_refused_and_nothing_changes(
    client, board_staff, members, review
):
    recommend(review, board_staff)
    cast_vote(review=review, choice=VoteChoice.CONCUR, by=members[0])
    as_user(client, board_staff)
    response = client.post(
        url("review_action", review.pk, "close"),
        {"close-notes": "Early.", "version": review.case.version},
    )
    assert response.status_code == 400
    page = body(response)
    assert "No quorum: 1 member voted and 3 must." in page
    assert "Early." in page  # what was typed is kept
    review.refresh_from_db()
    assert review.is_open
    assert Case.objects.get(pk=review.case_id).version == review.case.version


def test_not_concurring_without_reasons_is_refused(client, board_staff, members, review):
    recommend(review, board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.DO_NOT_CONCUR, by=member)
    as_user(client, board_staff)
    version = Case.objects.get(pk=review.case_id).version
    response = client.post(
        url("review_action", review.pk, "close"), {"close-notes": "", "version": version}
    )
    assert response.status_code == 400
    assert shows(body(response), "The board did not concur: give its reasons.")
    response = client.post(
        url("review_action", review.pk, "close"),
        {"close-notes": "The force was excessive.", "version": version},
    )
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.result == ReviewResult.DO_NOT_CONCUR


def test_closing_with_a_stale_version_is_409_and_changes_nothing(
    client, board_staff, members, review
):
    recommend(review, board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    as_user(client, board_staff)
    seen = Case.objects.get(pk=review.case_id).version
    Case.objects.filter(pk=review.case_id).update(version=seen + 1)
    response = client.post(
        url("review_action", review.pk, "close"), {"close-notes": "Agreed.", "version": seen}
    )
    assert response.status_code == 409
    page = body(response)
    assert "Someone else changed this case" in page
    assert f'name="version" value="{seen + 1}"' in page  # the page now carries the new version
    review.refresh_from_db()
    assert review.is_open
    assert Report.objects.get(pk=review.case.report_id).status == Status.BOARD_REVIEW


def test_a_form_without_its_version_is_stale(client, board_staff, members, review):
    recommend(review, board_staff)
    for member in members:
        cast_vote(review=review, choice=VoteChoice.CONCUR, by=member)
    response = as_user(client, board_staff).post(url("review_action", review.pk, "close"), {})
    assert response.status_code == 409


def test_more_investigation_through_the_page(client, board_staff, investigator, review):
    mail.outbox.clear()
    as_user(client, board_staff)
    version = Case.objects.get(pk=review.case_id).version
    response = client.post(
        url("review_action", review.pk, "more"),
        {"more-reason": "Interview the second officer.", "version": version},
    )
    assert response.status_code == 302
    assert Report.objects.get(pk=review.case.report_id).status == Status.INVESTIGATION
    assert [investigator.email] in [m.to for m in mail.outbox]
    page = body(client.get(url("review_detail", review.pk)))
    assert "The board asked for more investigation" in page
    assert 'name="close-notes"' not in page


def test_an_unknown_action_is_not_found(client, board_staff, review):
    as_user(client, board_staff)
    assert client.post(url("review_action", review.pk, "dissolve")).status_code == 404
    assert client.post(url("meeting_action", review.meeting_id, "dissolve")).status_code == 404
    assert client.get(url("review_action", review.pk, "vote")).status_code == 405


# --- The agency's decision -----------------------------------------------------------------------


def test_the_agency_head_decides_from_the_queue(
    client, board_staff, members, agency_head, review, at_board
):
    concurred(review, board_staff, members)
    as_user(client, agency_head)
    queue = body(client.get(url("decision_queue")))
    assert at_board.report.reference in queue
    assert url("case_reviews", at_board.report_id) in queue

    page = body(client.get(url("case_reviews", at_board.report_id)))
    allegation = at_board.report.allegations.first()
    select = re.search(
        rf'<select name="decide-discipline_{allegation.pk}".*?</select>', page, re.DOTALL
    ).group(0)
    assert '<option value="written_reprimand" selected>' in select  # from the board

    allegations = list(at_board.report.allegations.order_by("pk"))
    data = lines_data("decide", allegations)
    data[f"decide-finding_{allegations[1].pk}"] = "not_sustained"
    data[f"decide-discipline_{allegations[1].pk}"] = "none"
    version = Case.objects.get(pk=at_board.pk).version
    response = client.post(url("decide", at_board.report_id), {**data, "version": version})
    assert response.status_code == 400
    assert shows(
        body(response), "The decision differs from the board's recommendation: explain why."
    )
    assert not AgencyDecision.objects.exists()

    mail.outbox.clear()
    data["decide-explanation"] = EXPLANATION
    response = client.post(url("decide", at_board.report_id), {**data, "version": version})
    assert response.status_code == 302
    report = Report.objects.get(pk=at_board.report_id)
    assert (report.status, report.outcome) == (Status.CLOSED, Outcome.SUSTAINED)
    assert list(report.allegations.order_by("pk").values_list("final_finding", flat=True)) == [
        Finding.SUSTAINED,
        Finding.NOT_SUSTAINED,
    ]
    assert [m.to for m in mail.outbox] == [["maria@example.org"]]
    page = body(client.get(url("case_reviews", at_board.report_id)))
    assert shows(page, EXPLANATION) and 'name="decide-explanation"' not in page
    assert "No decision is due." in body(client.get(url("decision_queue")))


def test_a_stale_decision_is_409(client, board_staff, members, agency_head, review, at_board):
    concurred(review, board_staff, members)
    data = lines_data("decide", at_board.report.allegations.all())
    seen = Case.objects.get(pk=at_board.pk).version
    Case.objects.filter(pk=at_board.pk).update(version=seen + 1)
    response = as_user(client, agency_head).post(
        url("decide", at_board.report_id), {**data, "version": seen}
    )
    assert response.status_code == 409
    assert "Someone else changed this case" in body(response)
    assert not AgencyDecision.objects.exists()


def test_only_the_agency_head_sees_and_posts_the_decision(client, board_staff, members, review):
    concurred(review, board_staff, members)
    as_user(client, board_staff)
    assert 'name="decide-explanation"' not in body(
        client.get(url("case_reviews", review.case.report_id))
    )
    assert client.post(url("decide", review.case.report_id), {}).status_code == 403


def test_overdue_decisions_are_marked(client, board_staff, members, agency_head, review):
    concurred(review, board_staff, members)
    Case.objects.filter(pk=review.case_id).update(
        stage_due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = body(as_user(client, agency_head).get(url("decision_queue")))
    assert 'class="overdue"' in page


# --- The public minutes --------------------------------------------------------------------------


@pytest.fixture
def held_meeting(board_staff, members, agency_head, supervisor, investigator, at_board):
    """A held meeting whose records carry every kind of personal text there is."""
    other = case_at_board(supervisor, investigator)
    meeting = meeting_for(board_staff, title="Special meeting about Maria Lopez")
    first, _second = add_to_agenda(meeting=meeting, cases=[at_board, other], by=board_staff)
    declare_recusal(review=first, reason=RECUSAL_REASON, by=members[0])
    allegations = list(at_board.report.allegations.order_by("pk"))
    record_recommendation(
        review=first,
        lines={
            allegations[0].pk: Line(Finding.SUSTAINED, "suspension", 5),
            allegations[1].pk: Line(Finding.NOT_SUSTAINED, "none"),
        },
        by=board_staff,
    )
    voters = [*members[1:], make_staff("member-x", Role.BOARD_MEMBER)]
    for member in voters:
        cast_vote(review=first, choice=VoteChoice.CONCUR, by=member)
    close_review(review=first, notes=BOARD_NOTES, by=board_staff)
    record_agency_decision(
        case=at_board,
        lines={a.pk: Line(Finding.SUSTAINED, "none") for a in allegations},
        explanation=EXPLANATION,
        by=agency_head,
    )
    mark_meeting_held(meeting=meeting, by=board_staff)
    return meeting


def test_public_minutes_carry_only_structured_data(client, held_meeting):
    response = client.get(url("public_minutes", held_meeting.pk))
    assert response.status_code == 200
    page = body(response)
    for planted in [*PLANTED, *OFFICER_NAMES, held_meeting.title]:
        assert not shows(page, planted), planted
    assert "CG-" not in page  # no case references either
    # What the public reads: items, tallies and results.
    assert 'id="item-1"' in page and 'id="item-2"' in page
    assert re.search(r'id="item-1"><th scope="row">1</th><td>Concurred</td>', page)
    assert re.search(r'id="item-2"><th scope="row">2</th><td>Not decided</td>', page)
    votes = re.search(r'id="item-1">(.*?)</tr>', page, re.DOTALL).group(1)
    assert re.findall(r"<td>(\d+)</td>", votes) == ["3", "0", "0", "1"]


def test_public_minutes_say_nothing_of_a_case_the_open_data_tables_would_hide(client, held_meeting):
    """Case by case, the district, the kinds of allegation and the discipline recommended are
    counts of one, which the open data's tables hide, and would let an item be matched to the
    allegation records: the minutes carry none of them."""
    page = body(client.get(url("public_minutes", held_meeting.pk)))

    assert "Northside" not in page
    for label in [*AllegationCategory.labels, "Suspension", *Finding.labels]:
        assert not shows(page, str(label)), label
    assert 'id="recommendation-1"' not in page
    assert "/en/data/" in page  # where those are counted, with every other case


def test_the_public_list_shows_held_meetings_only(client, held_meeting, board_staff):
    scheduled = meeting_for(board_staff, days=3, title="Next one")
    page = body(client.get(url("public_meetings")))
    assert url("public_minutes", held_meeting.pk) in page
    assert url("public_minutes", scheduled.pk) not in page
    assert held_meeting.title not in page


def test_minutes_of_a_meeting_not_held_are_not_found(client, board_staff, at_board):
    scheduled = on_agenda(board_staff, at_board).meeting
    assert client.get(url("public_minutes", scheduled.pk)).status_code == 404
    scheduled.status = MeetingStatus.CANCELLED
    scheduled.save()
    assert client.get(url("public_minutes", scheduled.pk)).status_code == 404
    assert client.get(url("public_minutes", 999)).status_code == 404


def test_the_case_page_lists_every_review_and_the_decision(client, supervisor, held_meeting):
    review = CaseReview.objects.filter(meeting=held_meeting).order_by("position").first()
    page = body(as_user(client, supervisor).get(url("case_reviews", review.case.report_id)))
    assert shows(page, BOARD_NOTES) and shows(page, EXPLANATION)
    assert "Member1 Boardsen1" in page  # who voted what: members are public officials
    assert not shows(page, RECUSAL_REASON)


# --- The admin -----------------------------------------------------------------------------------


def test_the_admin_edits_the_ladder_and_only_reads_the_rest(client, held_meeting):
    admin = make_staff("root", Role.ADMINISTRATOR)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    as_user(client, admin)
    for model in ("disciplinelevel", "meeting", "casereview", "agencydecision"):
        assert client.get(f"/en/admin/oversight/{model}/").status_code == 200, model
    level = DisciplineLevel.objects.get(code="suspension")
    form = body(client.get(f"/en/admin/oversight/disciplinelevel/{level.pk}/change/"))
    assert 'name="max_days"' in form
    review = CaseReview.objects.filter(meeting=held_meeting).first()
    page = body(client.get(f"/en/admin/oversight/casereview/{review.pk}/change/"))
    assert 'name="result"' not in page and not shows(page, BOARD_NOTES)
    assert client.get("/en/admin/oversight/meeting/add/").status_code == 403
