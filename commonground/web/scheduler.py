"""Daily background work: each task in settings.DAILY_TASKS is enqueued once per local day.

The task queue has no clock of its own; `manage.py scheduler` (started by `make run`, or one
per deployment) calls `enqueue_daily_tasks` every minute. Running several is safe."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from commonground.web.models import ScheduledRun


def enqueue_daily_tasks(now: datetime.datetime | None = None) -> list[str]:
    now = timezone.localtime(now)
    if now.hour < settings.DAILY_TASKS_HOUR:
        return []
    started = []
    for path in settings.DAILY_TASKS:
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(task=path, day=now.date(), enqueued_at=now)
                import_string(path).enqueue()
        except IntegrityError:
            continue  # another scheduler enqueued it today
        started.append(path)
    return started
