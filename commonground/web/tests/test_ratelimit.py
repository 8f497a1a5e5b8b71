import threading

import pytest
import time_machine

from commonground.web.models import RateLimitCounter
from commonground.web.ratelimit import parse_rate, too_many


def test_rates_parse():
    assert parse_rate("10/15m") == (10, 900)
    assert parse_rate("5/h") == (5, 3600)
    assert parse_rate("3/30s") == (3, 30)


@pytest.mark.django_db
def test_the_limit_holds_for_the_whole_window_and_resets_after_it():
    with time_machine.travel("2026-01-01 12:00:00Z", tick=False) as clock:
        results = [too_many("t", "198.51.100.7", "3/15m") for _ in range(4)]
        assert results == [False, False, False, True]
        clock.shift(14 * 60)  # still the same 15-minute window
        assert too_many("t", "198.51.100.7", "3/15m")
        clock.shift(2 * 60)
        assert not too_many("t", "198.51.100.7", "3/15m")


@pytest.mark.django_db
def test_identities_are_stored_only_as_keyed_hashes():
    too_many("t", "198.51.100.7", "3/15m")
    assert "198.51.100.7" not in RateLimitCounter.objects.get().key


@pytest.mark.django_db(transaction=True)
def test_concurrent_attempts_are_all_counted():
    def hammer():
        from django.db import connection

        for _ in range(25):
            too_many("t", "203.0.113.9", "1000/1h")
        connection.close()

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert RateLimitCounter.objects.get().count == 100
