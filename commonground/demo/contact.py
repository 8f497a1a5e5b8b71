"""Calls and letters waiting for the demo's intake clerks. The demo files its reports with the
task queue switched off, so here the latest milestone of a few open reports whose residents
chose phone or post is announced through the same notification task as in production, at the
moment the report reached it (so the older ones are overdue), and one call is already tried."""

import datetime

import time_machine
from django.db.models import Max

from commonground.complaints.models import MILESTONES, OPEN_STATUSES, ContactMethod, Report
from commonground.complaints.tasks import notify_reporter
from commonground.correspondence.actions import record_call
from commonground.correspondence.models import CallOutcome, ContactTask, TaskKind

PER_KIND = 4


def build(*, clerk, now: datetime.datetime) -> int:
    for method in (ContactMethod.PHONE, ContactMethod.MAIL):
        # Reports nobody else follows (no duplicates merged into them), so no e-mail is sent.
        reports = (
            Report.objects.filter(
                contact_method=method,
                status__in=OPEN_STATUSES,
                merged_into__isnull=True,
                duplicates__isnull=True,
            )
            .annotate(reached_at=Max("status_changes__changed_at"))
            .order_by("-reached_at", "-received_at")[:PER_KIND]
        )
        for report in reports:
            with time_machine.travel(report.reached_at or report.received_at, tick=False):
                notify_reporter.call(report_id=report.pk, milestone=MILESTONES[report.status])
    call = ContactTask.objects.filter(kind=TaskKind.CALL).order_by("-created_at").first()
    if call is not None:
        with time_machine.travel(max(call.created_at, now - datetime.timedelta(hours=3))):
            record_call(task=call, outcome=CallOutcome.NO_ANSWER, note="", by=clerk)
    return ContactTask.objects.count()
