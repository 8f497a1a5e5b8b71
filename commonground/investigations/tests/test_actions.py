import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.complaints.actions import OfficerInput, PersonInput
from commonground.complaints.models import (
    AllegationCategory,
    AllegationSubtype,
    Finding,
    Kind,
    OfficerRole,
    Outcome,
    Report,
    Status,
    StatusChange,
)
from commonground.complaints.tests.factories import agency_with_officers, file
from commonground.conftest import make_staff
from commonground.investigations.actions import (
    GUARDS,
    TRANSITIONS,
    CaseError,
    InvalidTransition,
    StaleCase,
    add_allegation,
    add_log_entry,
    assign_investigator,
    close_case,
    forward_commendation,
    identify_officer,
    merge_duplicate,
    open_case,
    pause_clock,
    propose_findings,
    resume_clock,
    review_findings,
    route_case,
    submit_findings,
    transition_case,
)
from commonground.investigations.models import Case, DeadlineRule, ProposedFinding
from commonground.investigations.tests.helpers import (
    case_awaiting_approval,
    case_under_investigation,
    triaged_case,
)
from commonground.roster.models import Commendation

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.files,
    pytest.mark.usefixtures("on_commit_immediately"),
]

REFERRAL_AGENCY = "Riverton County Sheriff's Office"


@pytest.fixture
def everyone(db):
    """One account holding every role: the table walk is about the table, not the roles."""
    return make_staff("all-roles", *Role.values)


def _complete_case(everyone, investigator, kind):
    """A report whose case satisfies every stage's conditions, so only the table decides."""
    if kind == Kind.COMMENDATION:
        _, _, _, officers = agency_with_officers(1)
        return file(kind=kind, officers=[OfficerInput(officer_id=officers[0].pk)]).report
    case = case_awaiting_approval(everyone, investigator)
    review_findings(case=case, decision="approved", comments="", by=everyone)
    case.report.allegations.update(final_finding=Finding.SUSTAINED)
    return case.report


CLOSING_OUTCOMES = {Status.TRIAGE: Outcome.REFERRED, Status.MEDIATION: Outcome.MEDIATED}


@pytest.mark.parametrize("kind", [Kind.COMPLAINT, Kind.COMMENDATION])
def test_every_undeclared_transition_is_refused_and_every_declared_one_works(
    kind, everyone, investigator
):
    table = TRANSITIONS[kind]
    for current in Status.values:
        for target in Status.values:
            report = _complete_case(everyone, investigator, kind)
            Report.objects.filter(pk=report.pk).update(status=current)
            report.refresh_from_db()
            outcome = CLOSING_OUTCOMES.get(current, "") if target == Status.CLOSED else ""
            if (current, target) in table:
                transition_case(report=report, to=target, by=everyone, outcome=outcome)
                assert Report.objects.get(pk=report.pk).status == target
            else:
                with pytest.raises(InvalidTransition):
                    transition_case(report=report, to=target, by=everyone, outcome=outcome)
                assert Report.objects.get(pk=report.pk).status == current


def test_every_guard_guards_a_declared_transition():
    assert set(GUARDS) <= set(TRANSITIONS[Kind.COMPLAINT])


def test_a_transition_writes_history_audit_and_tells_the_reporter_of_milestones(supervisor):
    case = triaged_case(supervisor, language="es")
    report = case.report
    change = StatusChange.objects.filter(report=report).last()
    assert (change.from_status, change.to_status, change.changed_by) == (
        Status.RECEIVED,
        Status.TRIAGE,
        supervisor,
    )
    assert AuditEvent.objects.filter(action="report.transition", target_id=str(report.pk)).exists()
    # Triage belongs to the "received" milestone: the resident is not told about it.
    assert not report.notices.exists()
    route_case(case=case, to=Status.INVESTIGATION, by=supervisor, reason="Serious allegation")
    notice = report.notices.get()
    assert (notice.milestone, notice.language) == ("investigation", "es")
    assert mail.outbox[-1].to == ["maria@example.org"]
    assert StatusChange.objects.filter(report=report).last().reason == "Serious allegation"


def test_roles_without_the_permission_cannot_move_a_case(analyst, intake_clerk):
    report = file().report
    for user in (analyst, intake_clerk):
        with pytest.raises(PermissionDenied):
            open_case(report=report, by=user)
    assert Report.objects.get(pk=report.pk).status == Status.RECEIVED


def test_commendations_are_not_cases(supervisor):
    with pytest.raises(CaseError, match="forwarded"):
        open_case(report=file(kind=Kind.COMMENDATION).report, by=supervisor)


def test_triage_links_an_officer_and_keeps_what_the_resident_said(supervisor):
    _, _, _, officers = agency_with_officers(1)
    report = file(officers=[OfficerInput(name_given="Smith", badge_given="4471")]).report
    case = open_case(report=report, by=supervisor)
    involved = identify_officer(
        involved=report.officers.get(), officer=officers[0], by=supervisor, version=case.version
    )
    involved.refresh_from_db()
    assert involved.officer == officers[0]
    assert (involved.name_given, involved.badge_given) == ("Smith", "4471")


def test_allegations_are_checked_against_the_case(supervisor):
    case = triaged_case(supervisor, categories=())
    involved = case.report.officers.get()
    taser = AllegationSubtype.objects.create(
        category=AllegationCategory.USE_OF_FORCE, names={"en": "Taser"}
    )
    with pytest.raises(CaseError, match="sub-type"):
        add_allegation(
            case=case, involved=involved, category="discourtesy", subtype=taser, by=supervisor
        )
    involved.role = OfficerRole.WITNESS
    involved.save()
    with pytest.raises(CaseError, match="about"):
        add_allegation(case=case, involved=involved, category="discourtesy", by=supervisor)
    assert not case.report.allegations.exists()


def test_routing_needs_an_allegation(supervisor):
    case = triaged_case(supervisor, categories=())
    with pytest.raises(CaseError, match="allegation"):
        route_case(case=case, to=Status.INVESTIGATION, by=supervisor)
    assert Report.objects.get(pk=case.report_id).status == Status.TRIAGE


def test_a_duplicate_is_closed_and_its_reporter_follows_the_other_report(supervisor):
    primary = triaged_case(supervisor)
    duplicate = triaged_case(
        supervisor, contact={"name": "Ana Ruiz", "email": "ana@example.org"}, language="es"
    )
    merge_duplicate(case=duplicate, into=primary.report, by=supervisor)
    report = Report.objects.get(pk=duplicate.report_id)
    assert (report.status, report.outcome, report.merged_into) == (
        Status.CLOSED,
        Outcome.MERGED,
        primary.report,
    )
    mail.outbox.clear()
    route_case(case=primary, to=Status.INVESTIGATION, by=supervisor)
    recipients = {m.to[0] for m in mail.outbox}
    assert {"maria@example.org", "ana@example.org"} <= recipients


def test_a_report_cannot_be_merged_into_itself_or_a_closed_one(supervisor):
    case = triaged_case(supervisor)
    with pytest.raises(CaseError):
        merge_duplicate(case=case, into=case.report, by=supervisor)
    other = triaged_case(supervisor)
    close_case(case=other, outcome=Outcome.WITHDRAWN, reason="Asked to withdraw", by=supervisor)
    with pytest.raises(CaseError, match="closed"):
        merge_duplicate(case=case, into=other.report, by=supervisor)


def test_closing_at_triage_needs_a_reason_and_a_referral_names_the_agency(supervisor):
    case = triaged_case(supervisor, language="es")
    with pytest.raises(CaseError, match="why"):
        close_case(case=case, outcome=Outcome.REFERRED, reason=" ", by=supervisor)
    with pytest.raises(CaseError, match="agency"):
        close_case(case=case, outcome=Outcome.REFERRED, reason="County road", by=supervisor)
    with pytest.raises(CaseError, match="why the case is closed"):
        close_case(case=case, outcome=Outcome.SUSTAINED, reason="x", by=supervisor)
    mail.outbox.clear()
    close_case(
        case=case,
        outcome=Outcome.REFERRED,
        reason="The stop was made by county deputies.",
        referred_to=REFERRAL_AGENCY,
        by=supervisor,
    )
    report = Report.objects.get(pk=case.report_id)
    assert (report.status, report.outcome) == (Status.CLOSED, Outcome.REFERRED)
    letter = next(m for m in mail.outbox if REFERRAL_AGENCY in m.body)
    assert letter.to == ["maria@example.org"]


def test_the_case_clock_runs_180_days_and_a_stricter_category_rule_wins(supervisor):
    case = triaged_case(supervisor)
    received = timezone.localdate(case.report.received_at)
    assert case.case_due_on == received + datetime.timedelta(days=180)
    DeadlineRule.objects.create(clock="case", category="use_of_force", days=120)
    add_allegation(
        case=case,
        involved=case.report.officers.get(),
        category=AllegationCategory.USE_OF_FORCE,
        by=supervisor,
    )
    case.refresh_from_db()
    assert case.case_due_on == received + datetime.timedelta(days=120)


def test_a_paused_clock_has_no_due_date_and_resuming_moves_it_by_the_pause(supervisor):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        case = triaged_case(supervisor)
        due = case.case_due_on
    with time_machine.travel(start + datetime.timedelta(days=5), tick=False):
        with pytest.raises(CaseError, match="reason"):
            pause_clock(case=case, reason="", by=supervisor)
        pause_clock(case=case, reason="Criminal case pending", by=supervisor)
    case.refresh_from_db()
    assert case.paused and case.due_on is None
    with pytest.raises(CaseError, match="already"):
        pause_clock(case=case, reason="again", by=supervisor)
    with time_machine.travel(start + datetime.timedelta(days=15), tick=False):
        resume_clock(case=case, by=supervisor)
    case.refresh_from_db()
    assert not case.paused
    assert case.case_due_on == due + datetime.timedelta(days=10)


def test_only_supervisors_pause_the_clock(supervisor, investigator):
    case = case_under_investigation(supervisor, investigator)
    with pytest.raises(PermissionDenied):
        pause_clock(case=case, reason="Waiting", by=investigator)


class TestAssignmentConflicts:
    def _investigator_who_is(self, officer, username="det"):
        user = make_staff(username, Role.INVESTIGATOR)
        user.first_name, user.last_name = "Dana", "Cole"
        user.officer = officer
        user.save()
        return user

    def test_an_investigator_cannot_investigate_themselves(self, supervisor):
        case = triaged_case(supervisor)
        subject = case.report.officers.get().officer
        with pytest.raises(CaseError, match="about them"):
            assign_investigator(
                case=case, investigator=self._investigator_who_is(subject), by=supervisor
            )
        assert Case.objects.get(pk=case.pk).investigator is None

    def test_nor_an_officer_of_their_own_unit(self, supervisor):
        case = triaged_case(supervisor)
        colleague = case.report.officers.get().officer.unit.officers.exclude(
            pk=case.report.officers.get().officer_id
        )[0]
        with pytest.raises(CaseError, match="same unit"):
            assign_investigator(
                case=case, investigator=self._investigator_who_is(colleague), by=supervisor
            )

    def test_nor_a_case_they_witnessed(self, supervisor):
        _, _, _, officers = agency_with_officers(1)
        case = triaged_case(supervisor)
        identify = case.report.officers.create(officer=officers[0], role=OfficerRole.WITNESS)
        user = self._investigator_who_is(identify.officer)
        user.unit = None
        user.save()
        case.report.officers.exclude(pk=identify.pk).update(officer=None)
        with pytest.raises(CaseError, match="witness"):
            assign_investigator(case=case, investigator=user, by=supervisor)

    def test_nor_one_where_a_resident_named_them_as_a_witness(self, supervisor):
        case = triaged_case(supervisor, people=[PersonInput(role="witness", name="dana  COLE")])
        with pytest.raises(CaseError, match="named as a witness"):
            assign_investigator(
                case=case, investigator=self._investigator_who_is(None), by=supervisor
            )

    def test_someone_without_a_conflict_is_assigned_and_told(self, supervisor, investigator):
        investigator.email = "inv@example.org"
        investigator.save()
        case = triaged_case(supervisor)
        assign_investigator(case=case, investigator=investigator, by=supervisor)
        assert Case.objects.get(pk=case.pk).investigator == investigator
        assert mail.outbox[-1].to == ["inv@example.org"]
        assert case.report.reference in mail.outbox[-1].subject


def test_the_log_is_attributed_and_staff_files_are_kept_bit_for_bit(supervisor, investigator):
    case = case_under_investigation(supervisor, investigator)
    original = b"%PDF-1.4\n% staff evidence\n" + bytes(range(256)) * 4
    with pytest.raises(CaseError, match="who was interviewed"):
        add_log_entry(case=case, kind="interview", summary="Talked", by=investigator)
    entry = add_log_entry(
        case=case,
        kind="evidence_received",
        summary="Dispatch log received",
        person="Dispatch",
        by=investigator,
        uploads=[SimpleUploadedFile("dispatch.pdf", original, "application/pdf")],
    )
    stored = entry.attachments.get().stored_file
    assert entry.author == investigator
    assert stored.file.open("rb").read() == original
    assert AuditEvent.objects.filter(action="case.log", target_id=str(case.pk)).exists()


def test_another_investigator_cannot_write_in_the_case(supervisor, investigator):
    case = case_under_investigation(supervisor, investigator)
    other = make_staff("other-investigator", Role.INVESTIGATOR)
    with pytest.raises(PermissionDenied):
        add_log_entry(case=case, kind="note", summary="x", by=other)


def test_a_finding_needs_a_rationale_and_every_allegation_a_finding(supervisor, investigator):
    case = case_under_investigation(
        supervisor, investigator, categories=["discourtesy", "use_of_force"]
    )
    first, second = case.report.allegations.all()
    with pytest.raises(CaseError, match="rationale"):
        propose_findings(case=case, findings={first.pk: (Finding.SUSTAINED, "  ")}, by=investigator)
    with pytest.raises(CaseError, match="list"):
        propose_findings(case=case, findings={first.pk: ("guilty", "Because")}, by=investigator)
    propose_findings(case=case, findings={first.pk: (Finding.SUSTAINED, "Video")}, by=investigator)
    with pytest.raises(CaseError, match="every allegation"):
        submit_findings(case=case, by=investigator)
    assert Report.objects.get(pk=case.report_id).status == Status.INVESTIGATION
    assert not ProposedFinding.objects.filter(allegation=second).exists()


def test_a_supervisor_returns_findings_with_comments_or_approves_them(supervisor, investigator):
    investigator.email = "inv@example.org"
    investigator.save()
    board_staff = make_staff("bs", Role.BOARD_STAFF)
    board_staff.email = "bs@example.org"
    board_staff.save()
    case = case_awaiting_approval(supervisor, investigator)
    with pytest.raises(CaseError, match="change"):
        review_findings(case=case, decision="returned", comments="", by=supervisor)
    mail.outbox.clear()
    review_findings(case=case, decision="returned", comments="Interview the witness", by=supervisor)
    assert Report.objects.get(pk=case.report_id).status == Status.INVESTIGATION
    assert [m.to for m in mail.outbox if "Case" in m.subject] == [["inv@example.org"]]
    submit_findings(case=case, by=investigator)
    mail.outbox.clear()
    review_findings(case=case, decision="approved", comments="", by=supervisor)
    assert Report.objects.get(pk=case.report_id).status == Status.BOARD_REVIEW
    finding = ProposedFinding.objects.get(allegation__report=case.report)
    assert finding.approved_by == supervisor and finding.finding == Finding.SUSTAINED
    assert any(m.to == ["bs@example.org"] for m in mail.outbox)


def test_nobody_approves_their_own_findings(supervisor):
    other = make_staff("sup2", Role.IA_SUPERVISOR)
    case = case_awaiting_approval(other, supervisor)
    with pytest.raises(PermissionDenied):
        review_findings(case=case, decision="approved", comments="", by=supervisor)


def test_the_second_of_two_concurrent_saves_is_refused_and_changes_nothing(
    supervisor, investigator
):
    case = triaged_case(supervisor)
    seen = Case.objects.get(pk=case.pk).version
    route_case(case=case, to=Status.INVESTIGATION, by=supervisor, version=seen)
    stale = Case.objects.get(pk=case.pk)
    with pytest.raises(StaleCase, match="Someone else"):
        close_case(
            case=stale, outcome=Outcome.WITHDRAWN, reason="Withdrawn", by=supervisor, version=seen
        )
    report = Report.objects.get(pk=case.report_id)
    assert (report.status, report.outcome) == (Status.INVESTIGATION, "")


def test_a_commendation_goes_to_the_record_and_the_commander(supervisor):
    _, _, unit, officers = agency_with_officers(2)
    commander = officers[1]
    commander.work_email = "captain@example.org"
    commander.save()
    unit.commander = commander
    unit.save()
    report = file(kind=Kind.COMMENDATION, officers=[OfficerInput(name_given="Rivera")]).report
    with pytest.raises(CaseError, match="Link"):
        forward_commendation(report=report, by=supervisor)
    identify_officer(involved=report.officers.get(), officer=officers[0], by=supervisor)
    forward_commendation(report=report, by=supervisor)
    record = Commendation.objects.get(officer=officers[0])
    assert record.forwarded_to == commander and record.source_reference == report.reference
    assert any(m.to == ["captain@example.org"] for m in mail.outbox)
    assert Report.objects.get(pk=report.pk).status == Status.FORWARDED


def test_the_officers_record_lists_their_commendations(client, supervisor, analyst):
    _, _, _, officers = agency_with_officers(1)
    report = file(kind=Kind.COMMENDATION, officers=[OfficerInput(officer_id=officers[0].pk)]).report
    forward_commendation(report=report, by=supervisor)
    client.force_login(analyst)
    body = client.get(f"/en/staff/roster/{officers[0].pk}/").content.decode()
    assert report.reference in body
