"""Reads of calls and letters for staff, with the conflict rule applied in the query."""

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from commonground.accounts.rules import can, conflict_q
from commonground.correspondence.models import ContactTask, TaskKind, TaskStatus

PERMISSION = "correspondence.contact"


def tasks_for_user(user, *, kind: str = "", status: str = TaskStatus.OPEN) -> QuerySet:
    """Tasks the user may work on, oldest due first; those about cases naming the user (or an
    officer of the unit they command) are left out."""
    if not can(user, PERMISSION):
        return ContactTask.objects.none()
    tasks = ContactTask.objects.select_related("report", "done_by").annotate(
        attempt_count=Count("attempts")
    )
    conflict = conflict_q(user, "report__officers")
    if conflict is not None:
        tasks = tasks.exclude(conflict)
    if kind:
        tasks = tasks.filter(kind=kind)
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("due_on", "created_at", "pk")


def open_counts(user) -> dict:
    """Open calls and letters, and how many of them are overdue, for the queue and staff home."""
    today = timezone.localdate()
    counts = tasks_for_user(user).aggregate(
        calls=Count("pk", filter=Q(kind=TaskKind.CALL), distinct=True),
        letters=Count("pk", filter=Q(kind=TaskKind.LETTER), distinct=True),
        overdue=Count("pk", filter=Q(due_on__lt=today), distinct=True),
    )
    counts["total"] = counts["calls"] + counts["letters"]
    return counts


def get_task_for_user(user, pk: int) -> ContactTask:
    task = (
        ContactTask.objects.select_related("report", "done_by")
        .prefetch_related("attempts__by")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    if not can(user, PERMISSION, task):
        raise PermissionDenied(PERMISSION)
    return task
