"""Fixed-window rate limits shared by every process, counted in the database.

The identity (a client address, say) is only ever stored as a keyed hash. Each attempt is one
atomic INSERT ... ON CONFLICT DO UPDATE, which SQLite (3.35+) and PostgreSQL both run as a single
statement, so no increment is lost and a window lasts exactly as long as it says."""

import datetime
import math
import random
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from commonground.lib.crypto import keyed_hash
from commonground.web.models import RateLimitCounter

UNITS = {"s": 1, "m": 60, "h": 3600}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/15m" -> (10, 900). Units: s, m, h."""
    count, period = rate.split("/")
    number = period[:-1] or "1"
    return int(count), int(number) * UNITS[period[-1]]


@dataclass(frozen=True)
class Window:
    """Where one identity stands in the current window, after counting an attempt."""

    limit: int
    seconds: int  # the window's length
    count: int  # attempts in this window, this one included
    resets_at: datetime.datetime

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)

    @property
    def seconds_left(self) -> int:
        """Whole seconds until the window ends, at least 1 (a client waiting 0 would retry at
        once, still inside it)."""
        return max(math.ceil((self.resets_at - timezone.now()).total_seconds()), 1)


def count_attempt(scope: str, identity: str, limit: int, seconds: int) -> Window:
    """Count one attempt in the current window of `seconds`, and say where the identity stands."""
    now = timezone.now()
    bucket = int(now.timestamp()) // seconds
    expires_at = datetime.datetime.fromtimestamp((bucket + 1) * seconds, tz=datetime.UTC)
    key = f"{scope}:{keyed_hash(identity, 'ratelimit')}:{bucket}"
    table = connection.ops.quote_name(RateLimitCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, count, expires_at) VALUES (%s, 1, %s) "  # noqa: S608 (the model's quoted table name)  # nosec B608
            f"ON CONFLICT (key) DO UPDATE SET count = {table}.count + 1 RETURNING count",
            [key, expires_at],
        )
        count = cursor.fetchone()[0]
    if random.random() < 0.01:  # expired windows are swept now and then, not on every call
        RateLimitCounter.objects.filter(expires_at__lt=now).delete()
    return Window(limit=limit, seconds=seconds, count=count, resets_at=expires_at)


def too_many(scope: str, identity: str, rate: str) -> bool:
    """Count one attempt; True once the limit for the current window is passed."""
    return count_attempt(scope, identity, *parse_rate(rate)).exceeded


def client_identity(request) -> str:
    """The connection's address, to count its attempts: the one place resident pages read it,
    and it is kept only as a keyed hash inside the counter's key (`count_attempt`)."""
    return request.META.get("REMOTE_ADDR", "")
