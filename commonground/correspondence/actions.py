"""Every write on calls and letters: raising a task when a milestone is reached, recording a
call, marking a letter posted or returned, and the audited download of a letter to print.

Audit events name the task, the report and what happened, never a phone number, an address or
the staff member's note (which may repeat them)."""

import datetime

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.complaints.models import ContactMethod, Report
from commonground.correspondence.models import (
    DUE_WORKING_DAYS,
    MAX_CALL_ATTEMPTS,
    CallAttempt,
    CallOutcome,
    ContactTask,
    TaskKind,
    TaskStatus,
)
from commonground.investigations.deadlines import due_date, holiday_calendar

PERMISSION = "correspondence.contact"
KIND_FOR_METHOD = {ContactMethod.PHONE: TaskKind.CALL, ContactMethod.MAIL: TaskKind.LETTER}
# The contact detail each kind of task needs.
NEEDED = {TaskKind.CALL: "phone", TaskKind.LETTER: "address"}
FINISHED_BY = {
    CallOutcome.REACHED: TaskStatus.DONE,
    CallOutcome.LEFT_MESSAGE: TaskStatus.DONE,
    CallOutcome.WRONG_NUMBER: TaskStatus.UNREACHABLE,
}


class CorrespondenceError(Exception):
    """A request that cannot be done; the message says why, for the staff member."""


def due_on(start: datetime.date) -> datetime.date:
    """The day a task raised on `start` is due: DUE_WORKING_DAYS working days later."""
    holidays = holiday_calendar(range(start.year, start.year + 2))
    return due_date(start=start, days=DUE_WORKING_DAYS, working_days=True, holidays=holidays)


@transaction.atomic
def open_contact_task(
    *, report: Report, notice: str, milestone: str, subject: str, body_template: str, context: dict
) -> ContactTask | None:
    """A call (phone) or a letter (post) carrying the words the e-mail would have carried, in
    the resident's language. Raised by the notification tasks, where no staff member acts, so
    there is no permission to check. A call still to make, or a letter not yet printed, takes
    the new words after its own instead of a second task. None when the resident chose
    neither, or left out the number or address it needs."""
    kind = KIND_FOR_METHOD.get(report.contact_method)
    if kind is None or not (report.reporter_contact or {}).get(NEEDED[kind]):
        return None
    with translation.override(report.language):
        body = render_to_string(
            "correspondence/plain.txt", {**context, "body_template": body_template}
        ).strip()
    waiting = _waiting(report, kind)
    if waiting is not None:
        # One call or letter tells the resident everything that happened since the last one.
        waiting.body = f"{waiting.body}\n\n{body}"
        waiting.subject, waiting.notice, waiting.milestone = subject, notice, milestone
        waiting.save(update_fields=["body", "subject", "notice", "milestone"])
        record(
            actor="correspondence",
            action="correspondence.task_added_to",
            target=waiting,
            data={"report": report.pk, "notice": notice, "milestone": milestone},
        )
        return waiting
    return _raise_task(
        kind=kind,
        report=report,
        notice=notice,
        milestone=milestone,
        subject=subject,
        body=body,
        instead_of=None,
    )


def _waiting(report: Report, kind: str) -> ContactTask | None:
    """The open call not yet made to the end, or the open letter not yet printed."""
    tasks = ContactTask.objects.select_for_update().filter(
        report=report, kind=kind, status=TaskStatus.OPEN
    )
    if kind == TaskKind.LETTER:
        tasks = tasks.filter(printed_at=None)
    return tasks.order_by("created_at").first()


def _raise_task(*, kind, report, notice, milestone, subject, body, instead_of) -> ContactTask:
    now = timezone.now()
    task = ContactTask.objects.create(
        kind=kind,
        report=report,
        notice=notice,
        milestone=milestone,
        language=report.language,
        subject=subject,
        body=body,
        created_at=now,
        due_on=due_on(timezone.localdate(now)),
        replaces=instead_of,
    )
    record(
        actor="correspondence",
        action="correspondence.task_opened",
        target=task,
        data={
            "report": report.pk,
            "kind": kind,
            "notice": notice,
            "milestone": milestone,
            "instead_of": instead_of.pk if instead_of else None,
        },
    )
    return task


def _other_way(task: ContactTask) -> ContactTask | None:
    """A call that reached nobody becomes a letter, and a letter that came back a call, with
    the same words, when the resident gave the address or number for it: otherwise they would
    never hear of the milestone."""
    kind = TaskKind.LETTER if task.kind == TaskKind.CALL else TaskKind.CALL
    if not (task.report.reporter_contact or {}).get(NEEDED[kind]):
        return None
    return _raise_task(
        kind=kind,
        report=task.report,
        notice=task.notice,
        milestone=task.milestone,
        subject=task.subject,
        body=task.body,
        instead_of=task,
    )


def _locked(task: ContactTask, by, kind: str) -> ContactTask:
    require(by, PERMISSION, task)
    task = ContactTask.objects.select_for_update().select_related("report").get(pk=task.pk)
    if task.kind != kind:
        raise CorrespondenceError(
            _("This task is a call, not a letter.")
            if task.kind == TaskKind.CALL
            else _("This task is a letter, not a call.")
        )
    return task


def _finish(task: ContactTask, status: str, by) -> None:
    task.status = status
    task.done_at = timezone.now()
    task.done_by = by


@transaction.atomic
def record_call(*, task: ContactTask, outcome: str, note: str = "", by) -> ContactTask:
    """One attempt to call the resident. Reaching them or leaving a message finishes the task;
    a wrong number, or MAX_CALL_ATTEMPTS calls nobody answered, closes it as 'could not
    reach' (and raises a letter, if there is an address); otherwise it stays open for another
    try."""
    task = _locked(task, by, TaskKind.CALL)
    if not task.is_open:
        raise CorrespondenceError(_("This call is already finished: nothing was recorded."))
    if outcome not in CallOutcome.values:
        raise CorrespondenceError(_("Choose what happened on the call."))
    CallAttempt.objects.create(
        task=task, at=timezone.now(), by=by, outcome=outcome, note=note.strip()
    )
    attempts = task.attempts.count()
    status = FINISHED_BY.get(outcome)
    if status is None and attempts >= MAX_CALL_ATTEMPTS:
        status = TaskStatus.UNREACHABLE
    if status is not None:
        _finish(task, status, by)
        task.save(update_fields=["status", "done_at", "done_by"])
    if status == TaskStatus.UNREACHABLE:
        _other_way(task)
    record(
        actor=by,
        action="correspondence.call",
        target=task,
        data={
            "report": task.report_id,
            "outcome": outcome,
            "attempt": attempts,
            "status": task.status,
        },
    )
    return task


def letter_for_printing(*, task: ContactTask, by) -> bytes:
    """The letter as a PDF, to print and post: an audited read of the resident's name and
    address. The first download is noted, so the letter can then be marked as posted."""
    from commonground.correspondence.letters import letter_pdf

    with transaction.atomic():
        task = _locked(task, by, TaskKind.LETTER)
        if task.printed_at is None:
            task.printed_at = timezone.now()
            task.save(update_fields=["printed_at"])
        record(
            actor=by,
            action="correspondence.letter_downloaded",
            target=task,
            data={"report": task.report_id, "language": task.language},
        )
    return letter_pdf(task)


@transaction.atomic
def mark_letter_posted(*, task: ContactTask, by) -> ContactTask:
    task = _locked(task, by, TaskKind.LETTER)
    if not task.is_open:
        raise CorrespondenceError(_("This letter is already marked as posted."))
    if task.printed_at is None:
        raise CorrespondenceError(_("Download and print the letter first, then mark it posted."))
    _finish(task, TaskStatus.DONE, by)
    task.save(update_fields=["status", "done_at", "done_by"])
    record(
        actor=by,
        action="correspondence.letter_posted",
        target=task,
        data={"report": task.report_id},
    )
    return task


@transaction.atomic
def mark_letter_returned(*, task: ContactTask, note: str = "", by) -> ContactTask:
    """The post brought the letter back: the address on the report does not reach the
    resident, who gets a call instead if they gave a number. The note (say, what the envelope
    said) stays on the task, not in the audit log."""
    task = _locked(task, by, TaskKind.LETTER)
    if task.status != TaskStatus.DONE:
        raise CorrespondenceError(_("Only a letter that was posted can come back."))
    _finish(task, TaskStatus.RETURNED, by)
    task.note = note.strip()
    task.save(update_fields=["status", "done_at", "done_by", "note"])
    record(
        actor=by,
        action="correspondence.letter_returned",
        target=task,
        data={"report": task.report_id},
    )
    _other_way(task)
    return task
