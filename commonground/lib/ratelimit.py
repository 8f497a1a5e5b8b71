"""A fixed-window rate limit on the shared cache, keyed by a keyed hash (never the raw value,
so an address used as a key is not kept anywhere)."""

import time

from django.core.cache import cache

from commonground.lib.crypto import keyed_hash


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/15m" -> (10, 900). Units: s, m, h."""
    count, period = rate.split("/")
    units = {"s": 1, "m": 60, "h": 3600}
    number = period[:-1] or "1"
    return int(count), int(number) * units[period[-1]]


def too_many(scope: str, identity: str, rate: str) -> bool:
    """Count one attempt; True once the limit for this window is passed."""
    limit, window = parse_rate(rate)
    bucket = int(time.time() // window)
    key = f"rl:{scope}:{keyed_hash(identity, 'ratelimit')}:{bucket}"
    if cache.add(key, 1, timeout=window):
        return False
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return False
