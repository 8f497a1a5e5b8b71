"""Every write on a report after intake: triage, assignment, the clock, the log, findings.

`transition_case` is the one door for every status change, of complaints and commendations
alike; the other actions here (and in `oversight`) validate their own part and then go through
it. Each action that changes a case takes the `version` the person saw, so a second person
saving the same case at the same time is refused instead of overwriting the first.
"""

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commonground.accounts.models import User
from commonground.accounts.rules import can, require
from commonground.audit.actions import record
from commonground.complaints.models import (
    MILESTONES,
    OPEN_STATUSES,
    Allegation,
    AllegationSubtype,
    Finding,
    InvolvedOfficer,
    Kind,
    OfficerRole,
    Outcome,
    Report,
    Status,
    StatusChange,
)
from commonground.evidence.actions import (
    RejectedFile,
    check_uploads,
    ingest_upload,
    make_evidentiary,
    record_custody,
    staff_limits,
)
from commonground.evidence.models import CustodyKind, ItemKind
from commonground.investigations import deadlines
from commonground.investigations.models import (
    Case,
    CaseEvidence,
    DeadlineRule,
    EntryKind,
    FindingsReview,
    LinkState,
    LogAttachment,
    LogEntry,
    ProposedFinding,
    ReviewDecision,
    Toll,
)
from commonground.investigations.selectors import (
    answers_for,
    assignment_conflicts,
    audience_users,
    footage_matches,
)
from commonground.roster.actions import add_commendation
from commonground.roster.models import Officer


class CaseError(ValueError):
    """A change the rules refuse; the message is for the person who tried it."""


class InvalidTransition(CaseError):
    def __init__(self, current: str, to: str):
        super().__init__(
            _("A case cannot go from “%(current)s” to “%(to)s”.")
            % {"current": Status(current).label, "to": Status(to).label}
        )


class StaleCase(CaseError):
    def __init__(self):
        super().__init__(
            _(
                "Someone else changed this case while you were working on it. Your change was "
                "not saved: read their change below, then try again."
            )
        )


S = Status
# The one table of status changes: (from, to) -> the permission it needs.
TRANSITIONS: dict[str, dict[tuple[str, str], str]] = {
    Kind.COMPLAINT: {
        (S.RECEIVED, S.TRIAGE): "investigations.triage",
        (S.TRIAGE, S.INVESTIGATION): "investigations.triage",
        (S.TRIAGE, S.MEDIATION): "investigations.triage",
        (S.TRIAGE, S.CLOSED): "investigations.triage",
        (S.MEDIATION, S.INVESTIGATION): "investigations.triage",
        (S.MEDIATION, S.CLOSED): "investigations.triage",
        (S.INVESTIGATION, S.SUPERVISOR_REVIEW): "investigations.investigate",
        (S.SUPERVISOR_REVIEW, S.INVESTIGATION): "investigations.approve",
        (S.SUPERVISOR_REVIEW, S.BOARD_REVIEW): "investigations.approve",
        (S.BOARD_REVIEW, S.INVESTIGATION): "oversight.manage",
        (S.BOARD_REVIEW, S.AGENCY_DECISION): "oversight.manage",
        (S.AGENCY_DECISION, S.CLOSED): "oversight.decide",
    },
    Kind.COMMENDATION: {
        (S.RECEIVED, S.FORWARDED): "investigations.triage",
    },
}

TRIAGE_CLOSINGS = [
    Outcome.REFERRED,
    Outcome.WITHDRAWN,
    Outcome.INSUFFICIENT_INFORMATION,
    Outcome.CLOSED_ADMINISTRATIVELY,
]
MEDIATION_CLOSINGS = [Outcome.MEDIATED, Outcome.WITHDRAWN]
# Findings rank from most to least serious: a report's outcome is its most serious finding.
FINDING_ORDER = list(Finding.values)


def _has_allegations(case: Case, outcome: str) -> str | None:
    if not case.report.allegations.exists():
        return _("Classify at least one allegation first.")
    return None


def _closing_outcome(allowed: list[str]) -> Callable[[Case, str], str | None]:
    def check(case: Case, outcome: str) -> str | None:
        if outcome not in allowed:
            return _("Choose why the case is closed.")
        return None

    return check


def _findings_proposed(case: Case, outcome: str) -> str | None:
    if case.investigator_id is None:
        return _("Assign an investigator first.")
    missing = case.report.allegations.filter(proposed_finding__isnull=True).count()
    if missing or not case.report.allegations.exists():
        return _("Propose a finding, with its rationale, for every allegation first.")
    return None


def _findings_approved(case: Case, outcome: str) -> str | None:
    if case.report.allegations.filter(proposed_finding__approved_at__isnull=True).exists():
        return _("Every proposed finding must be approved first.")
    return None


def _final_findings(case: Case, outcome: str) -> str | None:
    if case.report.allegations.filter(final_finding="").exists():
        return _("Record the final finding on every allegation first.")
    return None


# Conditions a transition needs beyond the permission; each returns a message when not met.
GUARDS: dict[tuple[str, str], Callable[[Case, str], str | None]] = {
    (S.TRIAGE, S.INVESTIGATION): _has_allegations,
    (S.TRIAGE, S.MEDIATION): _has_allegations,
    (S.TRIAGE, S.CLOSED): _closing_outcome([*TRIAGE_CLOSINGS, Outcome.MERGED]),
    (S.MEDIATION, S.CLOSED): _closing_outcome(MEDIATION_CLOSINGS),
    (S.INVESTIGATION, S.SUPERVISOR_REVIEW): _findings_proposed,
    (S.SUPERVISOR_REVIEW, S.BOARD_REVIEW): _findings_approved,
    (S.AGENCY_DECISION, S.CLOSED): _final_findings,
}

# Who hears about a case reaching a stage (besides the resident).
STAFF_AUDIENCE = {
    S.SUPERVISOR_REVIEW: "supervisors",
    S.BOARD_REVIEW: "board_staff",
    S.AGENCY_DECISION: "agency_head",
}


def transition_case(
    *,
    report: Report,
    to: str,
    by,
    reason: str = "",
    outcome: str = "",
    at: datetime.datetime | None = None,
) -> Report:
    """Move a report to another stage: permission, the table, the stage's conditions, a history
    row, the audit event, deadlines and notifications, in one transaction."""
    with transaction.atomic():
        return _transition(report=report, to=to, by=by, reason=reason, outcome=outcome, at=at)


def _transition(*, report, to, by, reason, outcome, at) -> Report:
    key = (report.status, to)
    permission = TRANSITIONS[report.kind].get(key)
    if permission is None:
        raise InvalidTransition(report.status, to)
    case = getattr(report, "case", None) if report.kind == Kind.COMPLAINT else None
    if report.kind == Kind.COMPLAINT and case is None:
        raise CaseError(_("Start triage first: the case file is opened then."))
    require(by, permission, case)
    if to == S.CLOSED and report.kind == Kind.COMPLAINT and not outcome:
        outcome = _outcome_from_final_findings(report)
    guard = GUARDS.get(key)
    problem = guard(case, outcome) if guard and case else None
    if problem:
        raise CaseError(problem)
    at = at or timezone.now()
    previous, report.status = report.status, to
    fields = ["status", "updated_at"]
    if to in (S.CLOSED, S.FORWARDED):
        report.outcome = outcome or Outcome.FORWARDED
        fields.append("outcome")
    report.save(update_fields=fields)
    StatusChange.objects.create(
        report=report,
        from_status=previous,
        to_status=to,
        changed_at=at,
        changed_by=by,
        reason=reason,
    )
    record(
        actor=by,
        action="report.transition",
        target=report,
        data={"from": previous, "to": to, "outcome": report.outcome if to == S.CLOSED else ""},
    )
    if case is not None:
        case.stage_started_on = timezone.localdate(at)
        _refresh_deadlines(case)
        _notify_staff_of_stage(case, previous, to)
    if MILESTONES[previous] != MILESTONES[to]:
        from commonground.complaints.tasks import notify_reporter

        report_id, milestone = report.pk, MILESTONES[to]
        transaction.on_commit(
            lambda: notify_reporter.enqueue(report_id=report_id, milestone=milestone)
        )
    return report


def _outcome_from_final_findings(report: Report) -> str:
    findings = set(report.allegations.values_list("final_finding", flat=True)) - {""}
    ranked = [f for f in FINDING_ORDER if f in findings]
    return ranked[0] if ranked else ""


def claim_case(case: Case, version: int | None) -> None:
    """Take the case for this change; refuse if someone changed it since `version` was read."""
    if version is not None:
        updated = Case.objects.filter(pk=case.pk, version=version).update(version=F("version") + 1)
        if not updated:
            raise StaleCase()
        case.version = version + 1
    else:
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
        case.version += 1


def _require_open(case: Case, *statuses: str) -> None:
    if case.report.status not in statuses:
        raise CaseError(
            _("This cannot be done while the case is “%(status)s”.")
            % {"status": case.report.get_status_display()}
        )


# --- Triage --------------------------------------------------------------------------------------


@transaction.atomic
def open_case(*, report: Report, by) -> Case:
    """Start triage of a new complaint: its case file is opened and its clocks start."""
    require(by, "investigations.triage", report)
    if report.kind != Kind.COMPLAINT:
        raise CaseError(_("Commendations are forwarded, not investigated."))
    if Case.objects.filter(report=report).exists():
        raise CaseError(_("Triage of this report has already started."))
    now = timezone.now()
    case = Case.objects.create(
        report=report, opened_at=now, opened_by=by, stage_started_on=timezone.localdate(now)
    )
    record(actor=by, action="case.open", target=case)
    _transition(report=report, to=S.TRIAGE, by=by, reason="", outcome="", at=now)
    suggest_footage(case=case)
    return case


@transaction.atomic
def identify_officer(
    *, involved: InvolvedOfficer, officer: Officer, by, role: str = "", version: int | None = None
) -> InvolvedOfficer:
    """Link an officer the reporter described to the roster, keeping what they said."""
    report = involved.report
    require(by, "investigations.triage", report)
    case = getattr(report, "case", None)
    if case is not None:
        claim_case(case, version)
        _require_open(case, S.TRIAGE, S.INVESTIGATION)
    elif report.status != S.RECEIVED:
        raise CaseError(_("This report is no longer open."))
    previous = involved.officer_id
    involved.officer = officer
    if role:
        involved.role = OfficerRole(role)
    involved.save(update_fields=["officer", "role"])
    record(
        actor=by,
        action="report.identify_officer",
        target=report,
        data={"involved": involved.pk, "officer": officer.pk, "previous": previous},
    )
    if case is not None:
        suggest_footage(case=case)
    return involved


@transaction.atomic
def add_officer(
    *, case: Case, officer: Officer, role: str, by, version: int | None = None
) -> InvolvedOfficer:
    """An officer the investigation found to be involved, whom the reporter did not name."""
    require(by, "investigations.investigate", case)
    claim_case(case, version)
    _require_open(case, S.TRIAGE, S.INVESTIGATION)
    if case.report.officers.filter(officer=officer).exists():
        raise CaseError(_("%(officer)s is already on this case.") % {"officer": officer})
    involved = InvolvedOfficer.objects.create(
        report=case.report, officer=officer, role=OfficerRole(role)
    )
    record(
        actor=by, action="case.add_officer", target=case, data={"officer": officer.pk, "role": role}
    )
    suggest_footage(case=case)
    return involved


@transaction.atomic
def add_allegation(
    *,
    case: Case,
    involved: InvolvedOfficer,
    category: str,
    by,
    subtype: AllegationSubtype | None = None,
    summary: str = "",
    version: int | None = None,
) -> Allegation:
    require(by, "investigations.investigate", case)
    claim_case(case, version)
    _require_open(case, S.TRIAGE, S.INVESTIGATION)
    if involved.report_id != case.report_id:
        raise CaseError(_("That officer is not on this case."))
    if involved.role != OfficerRole.SUBJECT:
        raise CaseError(_("Allegations are made against the officers the report is about."))
    if subtype is not None and (subtype.category != category or not subtype.active):
        raise CaseError(_("That sub-type does not belong to the category chosen."))
    allegation = Allegation.objects.create(
        report=case.report,
        involved_officer=involved,
        category=category,
        subtype=subtype,
        summary=summary,
        created_at=timezone.now(),
        created_by=by,
    )
    record(
        actor=by,
        action="case.add_allegation",
        target=case,
        data={"allegation": allegation.pk, "category": category},
    )
    _refresh_deadlines(case)
    return allegation


@transaction.atomic
def remove_allegation(*, allegation: Allegation, by, version: int | None = None) -> None:
    case = allegation.report.case
    require(by, "investigations.investigate", case)
    claim_case(case, version)
    _require_open(case, S.TRIAGE, S.INVESTIGATION)
    if ProposedFinding.objects.filter(allegation=allegation).exists():
        raise CaseError(_("An allegation with a proposed finding cannot be removed."))
    record(
        actor=by,
        action="case.remove_allegation",
        target=case,
        data={"allegation": allegation.pk, "category": allegation.category},
    )
    allegation.delete()
    _refresh_deadlines(case)


@transaction.atomic
def merge_duplicate(*, case: Case, into: Report, by, reason: str = "", version=None) -> Report:
    """Close a report as a duplicate of another about the same incident. Its reporter then
    follows the other report on the status page and hears of its milestones."""
    require(by, "investigations.triage", case)
    claim_case(case, version)
    report = case.report
    if into.pk == report.pk or into.kind != Kind.COMPLAINT:
        raise CaseError(_("Choose another complaint to combine this one with."))
    if into.merged_into_id or into.status == S.CLOSED:
        raise CaseError(_("%(ref)s is closed; choose the open report.") % {"ref": into.reference})
    if not can(by, "investigations.triage", into):
        raise CaseError(
            _("You cannot act on %(ref)s: you are, or command, an officer named in it.")
            % {"ref": into.reference}
        )
    report.merged_into = into
    report.save(update_fields=["merged_into", "updated_at"])
    return _transition(
        report=report,
        to=S.CLOSED,
        by=by,
        reason=reason or _("Duplicate of %(ref)s") % {"ref": into.reference},
        outcome=Outcome.MERGED,
        at=None,
    )


@transaction.atomic
def route_case(
    *, case: Case, to: str, by, reason: str = "", investigator: User | None = None, version=None
) -> Case:
    """Send a triaged (or failed mediation) case to full investigation or to mediation."""
    if to not in (S.INVESTIGATION, S.MEDIATION):
        raise InvalidTransition(case.report.status, to)
    claim_case(case, version)
    if investigator is not None:
        _assign(case, investigator, by)
    _transition(report=case.report, to=to, by=by, reason=reason, outcome="", at=None)
    return case


@transaction.atomic
def close_case(
    *, case: Case, outcome: str, reason: str, by, referred_to: str = "", version=None
) -> Case:
    """Close at triage or after mediation, with the reason. A referral names the agency, and
    the reporter gets a referral letter."""
    claim_case(case, version)
    if not reason.strip():
        raise CaseError(_("Say why the case is closed."))
    if outcome == Outcome.REFERRED:
        if not referred_to.strip():
            raise CaseError(_("Name the agency the report is referred to."))
        case.referred_to = referred_to.strip()
        case.save(update_fields=["referred_to", "updated_at"])
    _transition(report=case.report, to=S.CLOSED, by=by, reason=reason, outcome=outcome, at=None)
    if outcome == Outcome.REFERRED:
        from commonground.complaints.tasks import send_referral_letter

        report_id, agency = case.report_id, case.referred_to
        transaction.on_commit(
            lambda: send_referral_letter.enqueue(report_id=report_id, agency=agency)
        )
    return case


@transaction.atomic
def forward_commendation(*, report: Report, by) -> Report:
    """Put a commendation in each named officer's record and send it to their commander."""
    require(by, "investigations.triage", report)
    if report.kind != Kind.COMMENDATION:
        raise CaseError(_("Only commendations are forwarded."))
    officers = [o.officer for o in report.officers.select_related("officer__unit") if o.officer]
    if not officers:
        raise CaseError(_("Link at least one officer to the roster first."))
    _transition(report=report, to=S.FORWARDED, by=by, reason="", outcome="", at=None)
    commendation_ids = [
        add_commendation(
            officer=officer,
            received_on=timezone.localdate(report.received_at),
            source_reference=report.reference,
            summary=report.narrative,
            by=by,
        ).pk
        for officer in officers
    ]
    from commonground.investigations.tasks import send_commendation

    for pk in commendation_ids:
        transaction.on_commit(lambda pk=pk: send_commendation.enqueue(commendation_id=pk))
    return report


# --- Assignment and the clock --------------------------------------------------------------------


@transaction.atomic
def assign_investigator(*, case: Case, investigator: User, by, version=None) -> Case:
    require(by, "investigations.assign", case)
    claim_case(case, version)
    _require_open(case, S.TRIAGE, S.INVESTIGATION, S.MEDIATION, S.SUPERVISOR_REVIEW)
    _assign(case, investigator, by)
    return case


def _assign(case: Case, investigator: User, by) -> None:
    require(by, "investigations.assign", case)
    conflicts = assignment_conflicts(case, investigator)
    if conflicts:
        raise CaseError(
            _("%(name)s cannot investigate this case: %(reasons)s")
            % {
                "name": investigator.get_full_name() or investigator,
                "reasons": "; ".join(conflicts),
            }
        )
    previous = case.investigator_id
    case.investigator, case.assigned_at = investigator, timezone.now()
    case.save(update_fields=["investigator", "assigned_at", "updated_at"])
    record(
        actor=by,
        action="case.assign",
        target=case,
        data={"investigator": investigator.pk, "previous": previous},
    )
    from commonground.investigations.tasks import notify_staff

    ids, case_id = [investigator.pk], case.pk
    transaction.on_commit(
        lambda: notify_staff.enqueue(user_ids=ids, case_id=case_id, event="assigned")
    )


@transaction.atomic
def pause_clock(*, case: Case, reason: str, by, version=None) -> Toll:
    """Toll the case's deadlines (e.g. while criminal proceedings are pending)."""
    require(by, "investigations.toll", case)
    claim_case(case, version)
    if case.report.status == S.CLOSED:
        raise CaseError(_("This case is closed."))
    if not reason.strip():
        raise CaseError(_("Give the reason for pausing the clock."))
    if case.paused:
        raise CaseError(_("The clock is already paused."))
    toll = Toll.objects.create(case=case, reason=reason, paused_at=timezone.now(), paused_by=by)
    _refresh_deadlines(case)
    record(actor=by, action="case.pause", target=case, data={"toll": toll.pk})
    return toll


@transaction.atomic
def resume_clock(*, case: Case, by, version=None) -> Toll:
    require(by, "investigations.toll", case)
    claim_case(case, version)
    toll = case.tolls.filter(resumed_at__isnull=True).first()
    if toll is None:
        raise CaseError(_("The clock is not paused."))
    toll.resumed_at, toll.resumed_by = timezone.now(), by
    toll.save(update_fields=["resumed_at", "resumed_by"])
    _refresh_deadlines(case)
    record(actor=by, action="case.resume", target=case, data={"toll": toll.pk})
    return toll


def _refresh_deadlines(case: Case) -> None:
    """Recompute the stage and case deadlines from the rules, the stage and the pauses."""
    report = case.report
    if report.status in (S.CLOSED, S.RECEIVED):
        case.stage_due_on = case.case_due_on = case.due_on = None
        case.paused = False
    else:
        categories = set(report.allegations.values_list("category", flat=True))
        pauses = [
            (timezone.localdate(t.paused_at), t.resumed_at and timezone.localdate(t.resumed_at))
            for t in case.tolls.all()
        ]
        case.paused = any(end is None for _, end in pauses)
        received = timezone.localdate(report.received_at)
        case.stage_due_on = _due(report.status, case.stage_started_on, categories, pauses)
        case.case_due_on = _due("case", received, categories, pauses)
        dates = [d for d in (case.stage_due_on, case.case_due_on) if d]
        case.due_on = None if case.paused else min(dates, default=None)
    case.save(update_fields=["stage_started_on", "stage_due_on", "case_due_on", "due_on", "paused"])


def _due(clock: str, start: datetime.date, categories: set[str], pauses) -> datetime.date | None:
    rules = DeadlineRule.objects.filter(clock=clock, category__in=categories | {""})
    dates = []
    for rule in rules:
        holidays = deadlines.holiday_calendar(range(start.year, start.year + rule.days // 200 + 2))
        due = deadlines.due_date(
            start=start,
            days=rule.days,
            working_days=rule.working_days,
            pauses=pauses,
            holidays=holidays,
        )
        if due is not None:
            dates.append(due)
    return min(dates, default=None)


# --- The investigation ---------------------------------------------------------------------------


@transaction.atomic
def add_log_entry(
    *,
    case: Case,
    kind: str,
    summary: str,
    by,
    occurred_at: datetime.datetime | None = None,
    occurred_on: datetime.date | None = None,
    person: str = "",
    uploads=(),
) -> LogEntry:
    """Record an interview, an evidence request, evidence received or a note. Staff files are
    kept bit for bit (no metadata stripping): they are evidence.

    `occurred_at` is the moment, when the time is known; `occurred_on` alone is a day without a
    time. Neither: it happened now."""
    require(by, "investigations.investigate", case)
    if case.report.status == S.CLOSED:
        raise CaseError(_("This case is closed."))
    if not summary.strip():
        raise CaseError(_("Write what happened."))
    if kind == EntryKind.INTERVIEW and not person.strip():
        raise CaseError(_("Say who was interviewed."))
    now = timezone.now()
    if occurred_at is None and occurred_on is None:
        occurred_at = now
    if occurred_at is not None:
        occurred_on = timezone.localdate(occurred_at)
    if (occurred_at and occurred_at > now) or occurred_on > timezone.localdate(now):
        raise CaseError(_("The date cannot be in the future."))
    try:
        # Every file is checked before any is stored, so a refused file leaves nothing behind.
        check_uploads(uploads, limits=staff_limits())
    except RejectedFile as error:
        raise CaseError(str(error)) from None
    entry = LogEntry.objects.create(
        case=case,
        kind=EntryKind(kind),
        occurred_on=occurred_on,
        occurred_at=occurred_at,
        person=person,
        summary=summary,
        author=by,
        created_at=now,
    )
    for upload in uploads:
        stored = ingest_upload(upload=upload, kind=ItemKind.CASE_FILE, by=by)
        LogAttachment.objects.create(entry=entry, stored_file=stored)
    record(
        actor=by,
        action="case.log",
        target=case,
        data={"entry": entry.pk, "kind": kind, "files": len(uploads)},
    )
    return entry


@transaction.atomic
def propose_findings(*, case: Case, findings: dict[int, tuple[str, str]], by, version=None) -> None:
    """The investigator's recommended finding and rationale per allegation id."""
    require(by, "investigations.investigate", case)
    claim_case(case, version)
    _require_open(case, S.INVESTIGATION)
    allegations = {a.pk: a for a in case.report.allegations.all()}
    now = timezone.now()
    for pk, (finding, rationale) in findings.items():
        if pk not in allegations:
            raise CaseError(_("That allegation is not on this case."))
        if finding not in Finding.values:
            raise CaseError(_("Choose a finding from the list."))
        if not rationale.strip():
            raise CaseError(
                _("Give the rationale for the finding on “%(allegation)s”.")
                % {"allegation": allegations[pk]}
            )
        ProposedFinding.objects.update_or_create(
            allegation=allegations[pk],
            defaults={
                "finding": finding,
                "rationale": rationale.strip(),
                "proposed_by": by,
                "proposed_at": now,
                "approved_by": None,
                "approved_at": None,
            },
        )
    record(
        actor=by,
        action="case.propose_findings",
        target=case,
        data={str(pk): finding for pk, (finding, _r) in findings.items()},
    )


@transaction.atomic
def submit_findings(*, case: Case, by, version=None) -> Case:
    """The investigator sends the proposed findings to a supervisor for approval."""
    claim_case(case, version)
    _transition(report=case.report, to=S.SUPERVISOR_REVIEW, by=by, reason="", outcome="", at=None)
    return case


@transaction.atomic
def review_findings(*, case: Case, decision: str, comments: str, by, version=None) -> Case:
    """A supervisor approves the findings (the case goes to the board) or returns them to the
    investigator with comments."""
    require(by, "investigations.approve", case)
    claim_case(case, version)
    _require_open(case, S.SUPERVISOR_REVIEW)
    if decision == ReviewDecision.RETURNED and not comments.strip():
        raise CaseError(_("Say what the investigator should change."))
    if decision not in ReviewDecision.values:
        raise CaseError(_("Choose to approve or to return the findings."))
    now = timezone.now()
    FindingsReview.objects.create(case=case, decision=decision, comments=comments, by=by, at=now)
    if decision == ReviewDecision.APPROVED:
        ProposedFinding.objects.filter(allegation__report=case.report).update(
            approved_by=by, approved_at=now
        )
        to = S.BOARD_REVIEW
    else:
        to = S.INVESTIGATION
    _transition(report=case.report, to=to, by=by, reason=comments, outcome="", at=now)
    return case


# --- Notifications -------------------------------------------------------------------------------


def staff_to_notify(case: Case, audience: str) -> list[int]:
    if audience == "investigator":
        return [case.investigator_id] if case.investigator_id else []
    return [u.pk for u in audience_users(audience) if answers_for(u, case, audience)]


def _notify_staff_of_stage(case: Case, previous: str, to: str) -> None:
    audiences = []
    if to in STAFF_AUDIENCE:
        audiences.append(STAFF_AUDIENCE[to])
    if to == S.INVESTIGATION and previous in (S.SUPERVISOR_REVIEW, S.BOARD_REVIEW):
        audiences.append("investigator")
    ids = sorted({pk for audience in audiences for pk in staff_to_notify(case, audience)})
    if not ids:
        return
    from commonground.investigations.tasks import notify_staff

    case_id, event = case.pk, f"stage:{to}"
    transaction.on_commit(lambda: notify_staff.enqueue(user_ids=ids, case_id=case_id, event=event))


def refresh_open_deadlines() -> int:
    """Recompute every open case's deadlines, after the rules changed."""
    count = 0
    cases = Case.objects.filter(report__status__in=OPEN_STATUSES).select_related("report")
    for case in cases.iterator(chunk_size=500):
        with transaction.atomic():
            _refresh_deadlines(case)
        count += 1
    return count


# --- Footage and other evidence on the case -----------------------------------------------------


@transaction.atomic
def suggest_footage(*, case: Case) -> int:
    """Suggest every recording whose officer and time match the incident and that the case has
    not seen yet (a dismissed suggestion is not made again). Returns how many are new."""
    known = set(case.evidence_links.values_list("item_id", flat=True))
    now = timezone.now()
    new = [
        CaseEvidence(
            case=case,
            item=recording.item,
            state=LinkState.SUGGESTED,
            basis=basis[:300],
            suggested_at=now,
        )
        for recording, basis in footage_matches(case)
        if recording.item_id not in known
    ]
    CaseEvidence.objects.bulk_create(new)
    if new:
        record(
            actor="system",
            action="case.footage_suggested",
            target=case,
            data={"items": [link.item.reference for link in new]},
        )
    return len(new)


def suggest_footage_for_open_cases() -> int:
    """The daily sweep: footage imported since a case was opened is suggested too."""
    open_cases = Case.objects.filter(report__status__in=[S.TRIAGE, S.INVESTIGATION])
    return sum(suggest_footage(case=case) for case in open_cases.select_related("report"))


@transaction.atomic
def decide_footage(
    *, link: CaseEvidence, by, confirm: bool, note: str = "", version: int | None = None
) -> CaseEvidence:
    """The investigator confirms suggested footage as evidence on the case (it then falls under
    the evidentiary retention schedule) or dismisses it with a reason."""
    case = link.case
    require(by, "investigations.investigate", case)
    claim_case(case, version)
    _require_open(case, S.TRIAGE, S.INVESTIGATION)
    if link.state != LinkState.SUGGESTED:
        raise CaseError(_("This footage was already decided on."))
    if not confirm and not note.strip():
        raise CaseError(_("Say why this footage is not relevant."))
    link.state = LinkState.CONFIRMED if confirm else LinkState.DISMISSED
    link.decided_by, link.decided_at, link.note = by, timezone.now(), note.strip()
    link.save(update_fields=["state", "decided_by", "decided_at", "note"])
    if confirm:
        record_custody(
            item=link.item,
            kind=CustodyKind.LINKED,
            by=by,
            reason=note.strip(),
            details={"case": case.report.reference},
        )
        make_evidentiary(
            item=link.item,
            by=by,
            reason=_("Confirmed as evidence on %(case)s.") % {"case": case.report.reference},
        )
    record(
        actor=by,
        action="case.footage_confirmed" if confirm else "case.footage_dismissed",
        target=case,
        data={"item": link.item.reference, "note": note.strip()},
    )
    return link
