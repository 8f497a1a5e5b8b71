"""How the demo's reports move through the workflow after intake.

Each report's course is decided up front with the builder's seeded generator (`Planner`): what
triage decides, who is interviewed, what the investigator proposes, how the supervisor, the board
and the agency head respond, and when. `Runner` then replays the steps of every report, and the
board's calendar, in time order with the clock set to each step's moment, through the actions the
staff pages call: the demo has the history, deadlines, audit trail and queues real use would
leave. Steps whose moment has not come yet are left out; their reports are open today.
"""

import bisect
import datetime
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import time_machine
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from commonground.accounts.models import Role
from commonground.accounts.rules import can
from commonground.complaints import tracking
from commonground.complaints.actions import ReportInput, file_report
from commonground.complaints.models import (
    AllegationCategory,
    Channel,
    Finding,
    Kind,
    OfficerRole,
    Outcome,
    PersonRole,
    ReporterType,
    Status,
)
from commonground.demo import casenotes
from commonground.demo.narratives import ALLEGATION_SUBTYPES, ALLEGATIONS, EN, MONTHS
from commonground.investigations.actions import (
    add_allegation,
    add_log_entry,
    add_officer,
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
)
from commonground.investigations.models import Case, EntryKind, ReviewDecision
from commonground.investigations.selectors import assignment_conflicts
from commonground.oversight.actions import (
    Line,
    add_to_agenda,
    cast_vote,
    close_review,
    declare_recusal,
    mark_meeting_held,
    record_agency_decision,
    record_recommendation,
    request_more_investigation,
    schedule_meeting,
)
from commonground.oversight.models import VoteChoice

S = Status
DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
OFFICE_OPENS = datetime.time(8, 30)
OFFICE_CLOSES = datetime.time(17, 30)
# Where an investigator's time goes: a case in these stages is on their desk.
ON_THE_DESK = [S.INVESTIGATION, S.MEDIATION, S.SUPERVISOR_REVIEW]

# Triage, for a complaint that can go either way (weights); see Planner._route.
TRIAGE = {
    "investigation": 58,
    "mediation": 13,
    Outcome.REFERRED: 6,
    Outcome.WITHDRAWN: 6,
    Outcome.INSUFFICIENT_INFORMATION: 3,
    Outcome.CLOSED_ADMINISTRATIVELY: 3,
}
# Stories that mediation suits; force, bias and retaliation always get a full investigation.
MEDIABLE = {"discourtesy", "neglect", "traffic", "identification", "property"}
MEDIATION = {Outcome.MEDIATED: 60, "failed": 28, Outcome.WITHDRAWN: 12}

F = Finding
# What investigations conclude, per category, roughly as oversight agencies report it.
FINDINGS = {
    AllegationCategory.USE_OF_FORCE: {
        F.SUSTAINED: 7,
        F.POLICY_FAILURE: 3,
        F.NOT_SUSTAINED: 30,
        F.EXONERATED: 38,
        F.UNFOUNDED: 18,
    },
    AllegationCategory.ABUSE_OF_AUTHORITY: {
        F.SUSTAINED: 15,
        F.POLICY_FAILURE: 4,
        F.NOT_SUSTAINED: 38,
        F.EXONERATED: 20,
        F.UNFOUNDED: 17,
    },
    AllegationCategory.DISCOURTESY: {
        F.SUSTAINED: 18,
        F.POLICY_FAILURE: 1,
        F.NOT_SUSTAINED: 48,
        F.EXONERATED: 9,
        F.UNFOUNDED: 17,
    },
    AllegationCategory.OFFENSIVE_LANGUAGE: {
        F.SUSTAINED: 11,
        F.POLICY_FAILURE: 2,
        F.NOT_SUSTAINED: 50,
        F.EXONERATED: 5,
        F.UNFOUNDED: 27,
    },
    AllegationCategory.IMPROPER_STOP: {
        F.SUSTAINED: 12,
        F.POLICY_FAILURE: 6,
        F.NOT_SUSTAINED: 30,
        F.EXONERATED: 38,
        F.UNFOUNDED: 9,
    },
    AllegationCategory.UNTRUTHFULNESS: {F.SUSTAINED: 40, F.NOT_SUSTAINED: 35, F.UNFOUNDED: 18},
    AllegationCategory.FAILURE_TO_ACT: {
        F.SUSTAINED: 20,
        F.POLICY_FAILURE: 12,
        F.NOT_SUSTAINED: 33,
        F.EXONERATED: 18,
        F.UNFOUNDED: 10,
    },
    AllegationCategory.OTHER: {
        F.SUSTAINED: 20,
        F.POLICY_FAILURE: 3,
        F.NOT_SUSTAINED: 40,
        F.EXONERATED: 12,
        F.UNFOUNDED: 17,
    },
}
# The discipline ladder above "none" (codes seeded by oversight's migration), and how a
# sustained allegation of each category is usually punished.
LADDER = ["counselling", "training", "written_reprimand", "suspension", "demotion", "termination"]
DISCIPLINE = {
    AllegationCategory.USE_OF_FORCE: (5, 15, 30, 35, 5, 10),
    AllegationCategory.ABUSE_OF_AUTHORITY: (15, 25, 35, 20, 3, 2),
    AllegationCategory.DISCOURTESY: (40, 25, 30, 5, 0, 0),
    AllegationCategory.OFFENSIVE_LANGUAGE: (20, 30, 35, 13, 1, 1),
    AllegationCategory.IMPROPER_STOP: (20, 40, 30, 10, 0, 0),
    AllegationCategory.UNTRUTHFULNESS: (0, 5, 20, 40, 10, 25),
    AllegationCategory.FAILURE_TO_ACT: (30, 35, 25, 10, 0, 0),
    AllegationCategory.OTHER: (30, 30, 30, 10, 0, 0),
}
SUSPENSION_DAYS = [1, 2, 3, 3, 5, 5, 10, 15, 20, 30]
# How members vote, by how the board leans on a case.
VOTES = {
    VoteChoice.CONCUR: {VoteChoice.CONCUR: 90, VoteChoice.DO_NOT_CONCUR: 6, VoteChoice.ABSTAIN: 4},
    VoteChoice.DO_NOT_CONCUR: {
        VoteChoice.CONCUR: 15,
        VoteChoice.DO_NOT_CONCUR: 80,
        VoteChoice.ABSTAIN: 5,
    },
}


@dataclass
class Incident:
    """What happened, as the builder decided it; reports of the same incident share it."""

    start: datetime.date
    end: datetime.date | None
    at_time: datetime.time | None
    district: str
    # The roster officer behind each involved officer; None when the reporter only described one.
    officers: list[int | None]
    # Complaints: the story told (a key of narratives.COMPLAINTS) and which of its core sentences.
    category: str = ""
    core: int = 0


@dataclass
class Step:
    at: datetime.datetime
    op: str
    plan: "Plan | None" = None
    # The report's status after this step, when the step changes it.
    status: str = ""
    args: dict = field(default_factory=dict)
    seq: int = 0


@dataclass
class Plan:
    """One report: what it says, and its course from intake on."""

    kind: str
    channel: str
    received_at: datetime.datetime
    data: ReportInput | None = None
    incident: Incident | None = None
    duplicate_of: "Plan | None" = None
    has_duplicate: bool = False
    supervisor: int = 0
    steps: list[Step] = field(default_factory=list)
    # Filled in while the steps run.
    report: object = None
    case: object = None
    involved: list = field(default_factory=list)
    allegations: list = field(default_factory=list)
    review: object = None

    @property
    def status(self) -> str:
        return next((s.status for s in reversed(self.steps) if s.status), S.RECEIVED)

    def stop_in(self, status: str) -> bool:
        """Keep the steps up to the first that reaches `status`: the report is still there."""
        for i, step in enumerate(self.steps):
            if step.status == status:
                del self.steps[i + 1 :]
                return True
        return False


@dataclass
class MeetingPlan:
    title: str
    starts_at: datetime.datetime
    scheduled_at: datetime.datetime
    # Board staff set the agenda a week ahead, from the cases then awaiting the board.
    agenda_at: datetime.datetime
    instance: object = None


class Calendar:
    """The board meets on the second Tuesday of every month at 6 p.m."""

    def __init__(self, first_day: datetime.date, last_day: datetime.date):
        self.meetings: list[MeetingPlan] = []
        year, month = first_day.year, first_day.month
        while (year, month) <= (last_day.year, last_day.month):
            first = datetime.date(year, month, 1)
            day = first + datetime.timedelta(days=(1 - first.weekday()) % 7 + 7)
            self.meetings.append(
                MeetingPlan(
                    title=f"Regular meeting, {MONTHS[EN][month - 1]} {year}",
                    starts_at=_local(day, datetime.time(18, 0)),
                    scheduled_at=_local(day - datetime.timedelta(days=49), datetime.time(10, 0)),
                    agenda_at=_local(day - datetime.timedelta(days=7), datetime.time(10, 0)),
                )
            )
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        self._agenda_times = [m.agenda_at for m in self.meetings]

    def next_after(self, at: datetime.datetime) -> MeetingPlan | None:
        """The first meeting whose agenda is set after `at`."""
        index = bisect.bisect_right(self._agenda_times, at)
        return self.meetings[index] if index < len(self.meetings) else None


class Planner:
    """Decides each report's course; every choice comes from the builder's generator."""

    def __init__(
        self,
        *,
        rng: random.Random,
        now: datetime.datetime,
        calendar: Calendar,
        roster: dict,
        pick_officer: Callable,
        supervisors: int,
        members: int,
    ):
        self.rng = rng
        self.now = now
        self.calendar = calendar
        self.roster = roster
        self.pick_officer = pick_officer
        self.supervisors = supervisors
        self.members = members
        self.seq = 0
        self.subtypes: dict[str, list[str]] = {}
        for key, (category, _en, _es) in ALLEGATION_SUBTYPES.items():
            self.subtypes.setdefault(category, []).append(key)

    def plan(self, plan: Plan, force: str = "") -> None:
        plan.steps = []
        plan.supervisor = self.rng.randrange(self.supervisors)
        self._add(plan, plan.received_at, "file", S.RECEIVED)
        if plan.kind == Kind.COMMENDATION:
            self._commendation(plan)
        else:
            self._complaint(plan, force)
        plan.steps = [s for s in plan.steps if s.at <= self.now]

    def meeting_steps(self) -> list[Step]:
        steps = []
        for meeting in self.calendar.meetings:
            steps.append(self._step(meeting.scheduled_at, "schedule", meeting=meeting))
            steps.append(
                self._step(meeting.starts_at + datetime.timedelta(hours=3), "held", meeting=meeting)
            )
        return [s for s in steps if s.at <= self.now]

    # --- Time ---------------------------------------------------------------------------------

    def _step(self, at, op, plan=None, status="", **args) -> Step:
        self.seq += 1
        return Step(at=at, op=op, plan=plan, status=status, args=args, seq=self.seq)

    def _add(self, plan: Plan, at, op: str, status: str = "", **args) -> datetime.datetime:
        """Append a step; a plan's steps are strictly in time order."""
        if plan.steps and at <= plan.steps[-1].at:
            at = plan.steps[-1].at + MINUTE
        plan.steps.append(self._step(at, op, plan, status, **args))
        return at

    def _office(self, at: datetime.datetime) -> datetime.datetime:
        """`at`, or the next opening of the office if it is closed then."""
        local = timezone.localtime(at)
        if local.weekday() < 5 and OFFICE_OPENS <= local.time() <= OFFICE_CLOSES:
            return at
        day = local.date() if local.time() < OFFICE_OPENS else local.date() + DAY
        while day.weekday() >= 5:
            day += DAY
        opening = _local(day, OFFICE_OPENS)
        return opening + datetime.timedelta(minutes=self.rng.randint(0, 150))

    def _later(self, at, low: float, high: float) -> datetime.datetime:
        """An office moment `low` to `high` days after `at`."""
        return self._office(at + datetime.timedelta(days=self.rng.uniform(low, high)))

    def _soon(self, at) -> datetime.datetime:
        return at + datetime.timedelta(minutes=self.rng.uniform(3, 40))

    # --- Commendations ------------------------------------------------------------------------

    def _commendation(self, plan: Plan) -> None:
        at = self._later(plan.received_at, 0.5, 15)
        incident = plan.incident
        if not any(incident.officers):
            # The supervisor finds the officer from the shift roster before forwarding.
            officer = self.pick_officer(False, incident.start, incident.district, set())
            if officer is None:
                return
            at = self._add(plan, at, "identify", involved=0, officer=officer.pk)
        self._add(plan, self._soon(at), "forward", S.FORWARDED)

    # --- Complaints: triage -------------------------------------------------------------------

    def _complaint(self, plan: Plan, force: str) -> None:
        rng = self.rng
        at = self._add(plan, self._later(plan.received_at, 0.3, 7), "open", S.TRIAGE)
        if plan.duplicate_of is not None:
            self._add(plan, self._later(at, 0, 2), "merge", S.CLOSED)
            return
        subjects = self._identify(plan, at)
        route = self._route(plan, force)
        at = self._later(plan.steps[-1].at, 0.1, 5)
        if route not in ("investigation", "mediation"):
            self._close_at_triage(plan, at, route)
            return
        if not subjects:
            # Dispatch records name the officer the reporter could not.
            officer = self.pick_officer(True, plan.incident.start, plan.incident.district, set())
            if officer is None:
                self._close_at_triage(plan, at, Outcome.INSUFFICIENT_INFORMATION)
                return
            at = self._add(
                plan,
                at,
                "add_officer",
                officer=officer.pk,
                role=OfficerRole.SUBJECT,
                by="supervisor",
            )
            subjects = [officer.pk]
        allegations = self._classify(plan, at, subjects)
        at = self._later(plan.steps[-1].at, 0, 3)
        if route == "mediation":
            at = self._mediate(plan, at)
            if at is None:
                return
        else:
            assign = rng.random() < 0.85
            at = self._add(
                plan,
                at,
                "route",
                S.INVESTIGATION,
                to=S.INVESTIGATION,
                assign=assign,
                reason=rng.choice(casenotes.TO_INVESTIGATION),
            )
            if not assign:
                at = self._add(plan, self._later(at, 2, 30), "assign")
        self._investigate(plan, at, subjects, allegations)

    def _identify(self, plan: Plan, at) -> list[int | None]:
        """Triage links some of the officers the reporter only described."""
        incident = plan.incident
        known = {pk for pk in incident.officers if pk}
        subjects = []
        for i, pk in enumerate(incident.officers):
            if pk is None and self.rng.random() < 0.5:
                officer = self.pick_officer(True, incident.start, incident.district, known)
                if officer is not None:
                    pk = officer.pk
                    known.add(pk)
                    at = self._add(plan, self._soon(at), "identify", involved=i, officer=pk)
            subjects.append(pk)
        return subjects

    def _route(self, plan: Plan, force: str) -> str:
        if force == S.MEDIATION:
            return "mediation"
        if force in (S.INVESTIGATION, S.SUPERVISOR_REVIEW, S.BOARD_REVIEW, S.AGENCY_DECISION):
            return "investigation"
        data = plan.data
        anonymous = data.reporter_type == ReporterType.ANONYMOUS
        weights = dict(TRIAGE)
        if plan.incident.category not in MEDIABLE:
            weights["mediation"] = 0
        if anonymous or not data.contact:
            weights[Outcome.WITHDRAWN] = 0
        weights[Outcome.INSUFFICIENT_INFORMATION] += 8 * anonymous + 10 * (not data.officers)
        return _weighted(self.rng, weights)

    def _close_at_triage(self, plan: Plan, at, outcome: str) -> None:
        rng = self.rng
        referred_to = ""
        if outcome == Outcome.REFERRED:
            referred_to, why = rng.choice(casenotes.REFERRALS)
            reason = f"Outside our jurisdiction. {why}"
        else:
            reason = rng.choice(
                {
                    Outcome.WITHDRAWN: casenotes.WITHDRAWN_AT_TRIAGE,
                    Outcome.INSUFFICIENT_INFORMATION: casenotes.INSUFFICIENT_INFORMATION,
                    Outcome.CLOSED_ADMINISTRATIVELY: casenotes.CLOSED_ADMINISTRATIVELY,
                }[outcome]
            )
        self._add(
            plan, at, "close", S.CLOSED, outcome=outcome, reason=reason, referred_to=referred_to
        )

    def _classify(self, plan: Plan, at, subjects: list) -> list[tuple[int, str, bool]]:
        """About 1.5 allegations per officer: what the story says, often with more.
        Returns (involved index, category, officer identified) per allegation."""
        rng = self.rng
        category, cores, also = ALLEGATIONS[plan.incident.category]
        subtype, summary = cores[plan.incident.core]
        allegations = []
        for i, officer in enumerate(subjects):
            lines = [(category, subtype, summary)]
            roll = rng.random()
            extra = 2 if roll < 0.07 else 1 if roll < 0.38 else 0
            for other in rng.sample(also, min(extra, len(also))):
                lines.append((other, rng.choice([*self.subtypes[other], None]), ""))
            for line_category, line_subtype, line_summary in lines:
                at = self._add(
                    plan,
                    self._soon(at),
                    "allege",
                    involved=i,
                    category=line_category,
                    subtype=line_subtype,
                    summary=line_summary,
                    by="supervisor",
                )
                allegations.append((i, line_category, officer is not None))
        return allegations

    def _mediate(self, plan: Plan, at) -> datetime.datetime | None:
        """Mediation; the moment the case goes on to investigation, or None if it ends here."""
        rng = self.rng
        at = self._add(
            plan,
            at,
            "route",
            S.MEDIATION,
            to=S.MEDIATION,
            assign=rng.random() < 0.6,
            reason=rng.choice(casenotes.TO_MEDIATION),
        )
        result = _weighted(rng, MEDIATION)
        at = self._later(at, 20, 75)
        if result != "failed":
            reasons = {
                Outcome.MEDIATED: casenotes.MEDIATED,
                Outcome.WITHDRAWN: casenotes.WITHDRAWN_IN_MEDIATION,
            }[result]
            self._add(
                plan,
                at,
                "close",
                S.CLOSED,
                outcome=result,
                reason=rng.choice(reasons),
                referred_to="",
            )
            return None
        return self._add(
            plan,
            at,
            "route",
            S.INVESTIGATION,
            to=S.INVESTIGATION,
            assign=True,
            reason=rng.choice(casenotes.MEDIATION_FAILED),
        )

    # --- Complaints: the investigation --------------------------------------------------------

    def _investigate(self, plan: Plan, start, subjects: list, allegations: list) -> None:
        rng = self.rng
        length = rng.uniform(35, 200)
        entries = self._log_entries(plan, length, subjects)
        if rng.random() < 0.12:
            officer = self.pick_officer(
                True, plan.incident.start, plan.incident.district, {pk for pk in subjects if pk}
            )
            if officer is not None:
                found = rng.uniform(0.15, 0.5) * length
                entries.append((found, "add_officer", {"officer": officer.pk}))
                interview = {
                    "person": f"{_officer_name(officer)}, witness officer",
                    "summary": rng.choice(casenotes.WITNESS_OFFICER_INTERVIEWS),
                }
                entries.append((found + rng.uniform(3, 30), EntryKind.INTERVIEW, interview))
        for i, pk in enumerate(subjects):
            if pk and rng.random() < 0.04:
                entries.append((length * 0.9, "allege_untruthful", {"involved": i}))
        pause = None
        if rng.random() < 0.09:
            pause = (rng.uniform(0.15, 0.6) * length, rng.uniform(20, 160))
        entries.sort(key=lambda e: e[0])
        paused = False
        for offset, kind, details in entries:
            if pause and not paused and offset >= pause[0]:
                at = self._add(
                    plan,
                    self._office(start + datetime.timedelta(days=pause[0])),
                    "pause",
                    reason=rng.choice(casenotes.TOLLS),
                )
                self._add(plan, self._later(at, pause[1], pause[1]), "resume")
                paused = True
            days = offset + (pause[1] if paused else 0)
            at = self._office(start + datetime.timedelta(days=days))
            if kind == "add_officer":
                self._add(
                    plan,
                    at,
                    "add_officer",
                    officer=details["officer"],
                    role=OfficerRole.WITNESS,
                    by="investigator",
                )
                self._add(
                    plan,
                    self._soon(at),
                    "log",
                    kind=EntryKind.NOTE,
                    person="",
                    summary=casenotes.WITNESS_OFFICER_FOUND,
                    occurred_at=None,
                )
            elif kind == "allege_untruthful":
                self._add(
                    plan,
                    at,
                    "log",
                    kind=EntryKind.NOTE,
                    person="",
                    summary=casenotes.UNTRUTHFUL,
                    occurred_at=None,
                )
                self._add(
                    plan,
                    self._soon(at),
                    "allege",
                    involved=details["involved"],
                    category=AllegationCategory.UNTRUTHFULNESS,
                    subtype=rng.choice(["false_report", "misleading"]),
                    summary="",
                    by="investigator",
                )
                allegations.append((details["involved"], AllegationCategory.UNTRUTHFULNESS, True))
            else:
                self._log(plan, at, kind, details)
        at = self._later(plan.steps[-1].at, 1, 10)
        findings = {
            i: self._finding(category, known) for i, (_o, category, known) in enumerate(allegations)
        }
        self._propose_and_review(plan, at, findings, first=True)
        self._board(plan, findings, allegations, round_=1)

    def _log_entries(self, plan: Plan, length: float, subjects: list) -> list:
        """The investigator's log: evidence asked for and received, interviews, notes; as
        (day of the investigation, kind, details)."""
        rng = self.rng
        entries = []
        for who, asked, got in rng.sample(casenotes.EVIDENCE, rng.randint(1, 3)):
            day = rng.uniform(0, length * 0.3)
            entries.append((day, EntryKind.EVIDENCE_REQUEST, {"person": who, "summary": asked}))
            if rng.random() < 0.85:
                got = got.format(videos=rng.randint(1, 4), minutes=rng.randint(8, 95))
                arrived = min(day + rng.uniform(4, 40), length * 0.95)
                entries.append(
                    (arrived, EntryKind.EVIDENCE_RECEIVED, {"person": who, "summary": got})
                )
        data = plan.data
        if data.reporter_type != ReporterType.ANONYMOUS and data.contact:
            entries.append(
                (
                    rng.uniform(2, length * 0.4),
                    EntryKind.INTERVIEW,
                    {
                        "person": f"{data.contact['name']}, complainant",
                        "summary": rng.choice(casenotes.COMPLAINANT_INTERVIEWS),
                    },
                )
            )
        for person in data.people:
            if person.role == PersonRole.WITNESS and person.name and rng.random() < 0.6:
                entries.append(
                    (
                        rng.uniform(5, length * 0.6),
                        EntryKind.INTERVIEW,
                        {
                            "person": f"{person.name}, witness",
                            "summary": rng.choice(casenotes.WITNESS_INTERVIEWS),
                        },
                    )
                )
        for pk in subjects:
            if pk:
                officer = self.roster[pk]
                entries.append(
                    (
                        rng.uniform(length * 0.5, length * 0.9),
                        EntryKind.INTERVIEW,
                        {
                            "person": f"{_officer_name(officer)}, subject officer",
                            "summary": rng.choice(casenotes.OFFICER_INTERVIEWS),
                        },
                    )
                )
        for _ in range(rng.choices([0, 1, 2], weights=[40, 40, 20])[0]):
            entries.append(
                (
                    rng.uniform(0, length),
                    EntryKind.NOTE,
                    {"person": "", "summary": rng.choice(casenotes.NOTES)},
                )
            )
        return entries

    def _log(self, plan: Plan, at, kind: str, details: dict) -> datetime.datetime:
        # Written up the same day, a little after it happened.
        happened = at - datetime.timedelta(hours=self.rng.uniform(0, 5))
        return self._add(plan, at, "log", kind=kind, occurred_at=happened, **details)

    def _finding(self, category: str, identified: bool) -> tuple[str, str]:
        rng = self.rng
        if not identified:
            finding = F.CLOSED_ADMINISTRATIVELY if rng.random() < 0.65 else F.NOT_SUSTAINED
            return finding, casenotes.UNIDENTIFIED[finding]
        finding = _weighted(rng, FINDINGS[category])
        return finding, rng.choice(casenotes.RATIONALES[finding])

    def _propose_and_review(self, plan: Plan, at, findings: dict, *, first: bool) -> None:
        """Findings proposed and submitted; the supervisor approves them, or returns them once
        for more work first."""
        rng = self.rng
        at = self._add(plan, at, "propose", findings=dict(findings))
        at = self._add(plan, self._later(at, 0, 2), "submit", S.SUPERVISOR_REVIEW)
        at = self._later(at, 1, 12)
        if first and rng.random() < 0.14:
            comments = rng.choice(casenotes.RETURNS)
            at = self._add(
                plan,
                at,
                "review",
                S.INVESTIGATION,
                decision=ReviewDecision.RETURNED,
                comments=comments,
            )
            at = self._more_work(plan, at, findings, rng.randint(1, 2), (7, 35))
            at = self._add(plan, at, "propose", findings=dict(findings))
            at = self._add(plan, self._later(at, 0, 2), "submit", S.SUPERVISOR_REVIEW)
            at = self._later(at, 1, 8)
        self._add(plan, at, "review", S.BOARD_REVIEW, decision=ReviewDecision.APPROVED, comments="")

    def _more_work(
        self, plan: Plan, at, findings: dict, entries: int, days: tuple
    ) -> datetime.datetime:
        """More log entries after a case came back; a sustained finding may not survive."""
        rng = self.rng
        for _ in range(entries):
            who, asked, _got = rng.choice(casenotes.EVIDENCE)
            kind, details = rng.choice(
                [
                    (EntryKind.EVIDENCE_REQUEST, {"person": who, "summary": asked}),
                    (EntryKind.NOTE, {"person": "", "summary": rng.choice(casenotes.NOTES)}),
                ]
            )
            at = self._log(
                plan, self._later(at, days[0] / entries, days[1] / entries), kind, details
            )
        sustained = [i for i, (finding, _r) in findings.items() if finding == F.SUSTAINED]
        if sustained and rng.random() < 0.3:
            index = rng.choice(sustained)
            rationale = rng.choice(casenotes.RATIONALES[F.NOT_SUSTAINED])
            findings[index] = (F.NOT_SUSTAINED, casenotes.REVISED.format(rationale=rationale))
        return self._later(at, 1, 7)

    # --- Complaints: the board and the agency head --------------------------------------------

    def _board(self, plan: Plan, findings: dict, allegations: list, round_: int) -> None:
        rng = self.rng
        meeting = self.calendar.next_after(plan.steps[-1].at)
        if meeting is None:
            return
        self._add(plan, meeting.agenda_at, "agenda", meeting=meeting)
        at = meeting.starts_at + datetime.timedelta(minutes=rng.uniform(5, 110))
        identified = [i for i, (_o, _c, known) in enumerate(allegations) if known]
        roll = rng.random()
        if round_ == 1 and roll < 0.06:
            lean = "more"
        elif roll < 0.19 and identified:
            lean = VoteChoice.DO_NOT_CONCUR
        else:
            lean = VoteChoice.CONCUR
        members = list(range(self.members))
        recused = [m for m in members if rng.random() < 0.03][:1]
        present = [m for m in members if m not in recused and rng.random() > 0.1]
        if len(present) < settings.BOARD_QUORUM:
            present = [m for m in members if m not in recused]
        for member in recused:
            at = self._add(plan, at, "recuse", member=member, reason=rng.choice(casenotes.RECUSALS))
        side = VoteChoice.DO_NOT_CONCUR if lean == "more" else lean
        votes = {m: _weighted(rng, VOTES[side]) for m in present}
        # The board's decision is the majority's: bring the votes in line with the lean.
        while _result(votes) != (VoteChoice.CONCUR if side == VoteChoice.CONCUR else "no"):
            member = next(m for m, v in votes.items() if v != side)
            votes[member] = side
        for member, choice in votes.items():
            at = self._add(
                plan, at + datetime.timedelta(seconds=20), "vote", member=member, choice=choice
            )
        at += MINUTE
        if lean == "more":
            at = self._add(
                plan, at, "more", S.INVESTIGATION, reason=rng.choice(casenotes.MORE_INVESTIGATION)
            )
            at = self._more_work(plan, self._later(at, 1, 5), findings, rng.randint(1, 3), (14, 60))
            self._propose_and_review(plan, at, findings, first=False)
            self._board(plan, findings, allegations, round_=round_ + 1)
            return
        lines = {i: self._line(finding, allegations[i][1]) for i, (finding, _r) in findings.items()}
        notes = ""
        if lean == VoteChoice.DO_NOT_CONCUR:
            index = rng.choice(identified)
            if findings[index][0] == F.SUSTAINED:
                lines[index] = self._line(F.NOT_SUSTAINED, allegations[index][1])
                notes = rng.choice(casenotes.BOARD_DOES_NOT_SUSTAIN)
            else:
                lines[index] = self._line(F.SUSTAINED, allegations[index][1])
                notes = rng.choice(casenotes.BOARD_SUSTAINS)
        at = self._add(plan, at, "recommend", lines=dict(lines))
        at = self._add(plan, self._soon(at), "close_review", S.AGENCY_DECISION, notes=notes)
        decision, explanation = self._agency(findings, allegations, lines)
        self._add(
            plan,
            self._later(at, 7, 70),
            "decide",
            S.CLOSED,
            lines=decision,
            explanation=explanation,
        )

    def _line(self, finding: str, category: str) -> tuple[str, str, int | None]:
        """The discipline that goes with a finding: only a sustained allegation is punished."""
        if finding != F.SUSTAINED:
            return finding, "none", None
        level = self.rng.choices(LADDER, weights=DISCIPLINE[category])[0]
        days = self.rng.choice(SUSPENSION_DAYS) if level == "suspension" else None
        return finding, level, days

    def _agency(self, findings: dict, allegations: list, board: dict) -> tuple[dict, str]:
        """Mostly the board's recommendation; sometimes a lighter measure, or the
        investigator's finding where the board differed."""
        rng = self.rng
        lines = dict(board)
        if rng.random() >= 0.15:
            return lines, ""
        differs = [i for i, (finding, _r) in findings.items() if board[i][0] != finding]
        if differs and rng.random() < 0.6:
            index = rng.choice(differs)
            lines[index] = self._line(findings[index][0], allegations[index][1])
            return lines, rng.choice(casenotes.AGENCY_KEEPS_FINDING)
        heavier = [
            i for i, (_f, level, _d) in board.items() if level not in ("none", "counselling")
        ]
        if not heavier:
            return lines, ""
        index = rng.choice(heavier)
        finding, level, days = board[index]
        if level == "suspension" and days > 3:
            lines[index] = (finding, level, days // 2)
        else:
            lighter = LADDER[LADDER.index(level) - 1]
            days = rng.choice(SUSPENSION_DAYS) if lighter == "suspension" else None
            lines[index] = (finding, lighter, days)
        return lines, rng.choice(casenotes.AGENCY_LIGHTER)


class Runner:
    """Replays the planned steps in time order through the real actions."""

    def __init__(self, *, users: dict, officers: dict, subtypes: dict, rng, progress):
        self.clerk = users[Role.INTAKE_CLERK][0]
        self.supervisors = users[Role.IA_SUPERVISOR]
        self.investigators = users[Role.INVESTIGATOR]
        self.members = users[Role.BOARD_MEMBER]
        self.board_staff = users[Role.BOARD_STAFF][0]
        self.agency_head = users[Role.AGENCY_HEAD][0]
        self.alternate = users[Role.DECISION_ALTERNATE][0]
        self.officers = officers
        self.subtypes = subtypes
        self.rng = rng
        self.progress = progress

    def run(self, steps: list[Step]) -> None:
        if not steps:
            return
        # Cases are put on an agenda together, so those steps come first among equals.
        steps = sorted(steps, key=lambda s: (s.at, s.op != "agenda", s.seq))
        report_every = max(len(steps) // 10, 1)
        with time_machine.travel(steps[0].at, tick=False) as traveller:
            i = 0
            while i < len(steps):
                step = steps[i]
                traveller.move_to(step.at)
                if step.op == "agenda":
                    group = [step]
                    while i + len(group) < len(steps):
                        following = steps[i + len(group)]
                        if following.op != "agenda" or following.at != step.at:
                            break
                        group.append(following)
                    self._agenda(group)
                else:
                    group = [step]
                    getattr(self, f"_{step.op}")(step.plan, **step.args)
                before, i = i, i + len(group)
                if i // report_every != before // report_every or i == len(steps):
                    self.progress(
                        f"  {timezone.localdate(step.at)}: {i} of {len(steps)} steps replayed"
                    )

    # Who does what.

    def _supervisor(self, plan: Plan):
        return self.supervisors[plan.supervisor]

    def _by(self, plan: Plan, who: str):
        return plan.case.investigator if who == "investigator" else self._supervisor(plan)

    def _investigator_for(self, plan: Plan):
        """The least busy investigator free of conflicts with the case."""
        busy = dict(
            Case.objects.filter(investigator__isnull=False, report__status__in=ON_THE_DESK)
            .values_list("investigator")
            .annotate(n=Count("pk"))
            .values_list("investigator", "n")
        )
        ranked = sorted(self.investigators, key=lambda u: (busy.get(u.pk, 0), self.rng.random()))
        for user in ranked:
            if not assignment_conflicts(plan.case, user):
                return user
        raise RuntimeError(f"No investigator can take {plan.case}")

    # Intake and triage.

    def _file(self, plan: Plan) -> None:
        filed = file_report(
            data=plan.data,
            submission_token=tracking.new_submission_token(),
            channel=plan.channel,
            by=None if plan.channel == Channel.ONLINE else self.clerk,
            received_at=plan.received_at,
        )
        plan.report = filed.report
        plan.involved = list(filed.report.officers.order_by("pk"))
        for involved in plan.involved:
            involved.report = plan.report

    def _open(self, plan: Plan) -> None:
        plan.case = open_case(report=plan.report, by=self._supervisor(plan))

    def _identify(self, plan: Plan, involved: int, officer: int) -> None:
        identify_officer(
            involved=plan.involved[involved],
            officer=self.officers[officer],
            by=self._supervisor(plan),
        )

    def _add_officer(self, plan: Plan, officer: int, role: str, by: str) -> None:
        plan.involved.append(
            add_officer(
                case=plan.case, officer=self.officers[officer], role=role, by=self._by(plan, by)
            )
        )

    def _allege(self, plan: Plan, involved: int, category, subtype, summary, by) -> None:
        plan.allegations.append(
            add_allegation(
                case=plan.case,
                involved=plan.involved[involved],
                category=category,
                subtype=self.subtypes[subtype] if subtype else None,
                summary=summary,
                by=self._by(plan, by),
            )
        )

    def _close(self, plan: Plan, outcome, reason, referred_to) -> None:
        close_case(
            case=plan.case,
            outcome=outcome,
            reason=reason,
            referred_to=referred_to,
            by=self._supervisor(plan),
        )

    def _merge(self, plan: Plan) -> None:
        merge_duplicate(case=plan.case, into=plan.duplicate_of.report, by=self._supervisor(plan))

    def _route(self, plan: Plan, to, assign, reason) -> None:
        investigator = None
        if assign and plan.case.investigator_id is None:
            investigator = self._investigator_for(plan)
        route_case(
            case=plan.case,
            to=to,
            reason=reason,
            investigator=investigator,
            by=self._supervisor(plan),
        )

    def _assign(self, plan: Plan) -> None:
        assign_investigator(
            case=plan.case, investigator=self._investigator_for(plan), by=self._supervisor(plan)
        )

    def _forward(self, plan: Plan) -> None:
        forward_commendation(report=plan.report, by=self._supervisor(plan))

    # The investigation.

    def _pause(self, plan: Plan, reason) -> None:
        pause_clock(case=plan.case, reason=reason, by=self._supervisor(plan))

    def _resume(self, plan: Plan) -> None:
        resume_clock(case=plan.case, by=self._supervisor(plan))

    def _log(self, plan: Plan, kind, person, summary, occurred_at) -> None:
        add_log_entry(
            case=plan.case,
            kind=kind,
            person=person,
            summary=summary,
            occurred_at=occurred_at,
            by=plan.case.investigator,
        )

    def _propose(self, plan: Plan, findings) -> None:
        propose_findings(
            case=plan.case,
            findings={plan.allegations[i].pk: line for i, line in findings.items()},
            by=plan.case.investigator,
        )

    def _submit(self, plan: Plan) -> None:
        submit_findings(case=plan.case, by=plan.case.investigator)

    def _review(self, plan: Plan, decision, comments) -> None:
        review_findings(
            case=plan.case, decision=decision, comments=comments, by=self._supervisor(plan)
        )

    # The board and the agency head.

    def _schedule(self, plan: None, meeting: MeetingPlan) -> None:
        meeting.instance = schedule_meeting(
            title=meeting.title,
            starts_at=meeting.starts_at,
            place=casenotes.MEETING_LOCATION,
            by=self.board_staff,
        )

    def _held(self, plan: None, meeting: MeetingPlan) -> None:
        mark_meeting_held(meeting=meeting.instance, by=self.board_staff)

    def _agenda(self, steps: list[Step]) -> None:
        meeting = steps[0].args["meeting"].instance
        reviews = add_to_agenda(
            meeting=meeting, cases=[s.plan.case for s in steps], by=self.board_staff
        )
        for step, review in zip(steps, reviews, strict=True):
            step.plan.review = review

    def _recuse(self, plan: Plan, member, reason) -> None:
        declare_recusal(review=plan.review, reason=reason, by=self.members[member])

    def _vote(self, plan: Plan, member, choice) -> None:
        cast_vote(review=plan.review, choice=choice, by=self.members[member])

    def _recommend(self, plan: Plan, lines) -> None:
        record_recommendation(
            review=plan.review, lines=self._lines(plan, lines), by=self.board_staff
        )

    def _close_review(self, plan: Plan, notes) -> None:
        close_review(review=plan.review, notes=notes, by=self.board_staff)

    def _more(self, plan: Plan, reason) -> None:
        request_more_investigation(review=plan.review, reason=reason, by=self.board_staff)

    def _decide(self, plan: Plan, lines, explanation) -> None:
        record_agency_decision(
            case=plan.case,
            lines=self._lines(plan, lines),
            explanation=explanation,
            by=self.decider(plan.case),
        )

    def decider(self, case):
        """The agency head, or the alternate on a case the head is conflicted on."""
        return (
            self.agency_head if can(self.agency_head, "oversight.decide", case) else self.alternate
        )

    def _lines(self, plan: Plan, lines: dict) -> dict[int, Line]:
        return {
            plan.allegations[i].pk: Line(finding=finding, discipline=level, days=days)
            for i, (finding, level, days) in lines.items()
        }


def _result(votes: dict) -> str:
    counts = Counter(votes.values())
    return (
        VoteChoice.CONCUR if counts[VoteChoice.CONCUR] > counts[VoteChoice.DO_NOT_CONCUR] else "no"
    )


def _officer_name(officer) -> str:
    return f"Officer {officer.first_name} {officer.last_name} (#{officer.badge})"


def _local(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]
