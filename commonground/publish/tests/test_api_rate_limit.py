"""The open-data API's rate limit, as a busy client meets it: the docs and the schema are never
limited, every data answer says where the client stands (RateLimit-* and X-RateLimit-*), and a
refusal says when to come back."""

import pytest
import time_machine
from rest_framework.throttling import AnonRateThrottle

from commonground.publish.tests import test_api
from commonground.web.models import RateLimitCounter

pytestmark = [pytest.mark.django_db, pytest.mark.files]

LIMIT = 3
DATA = "/api/v1/counts/complaints-by-month/"
published = test_api.published  # the same release as the API's other tests


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": f"{LIMIT}/minute"})


def test_the_remaining_count_falls_by_one_per_request_from_the_same_counter(
    client, published, three_a_minute
):
    with time_machine.travel("2026-03-02 10:00:15 +0000", tick=False):
        answers = [client.get(DATA) for _ in range(LIMIT)]

    assert [a.status_code for a in answers] == [200] * LIMIT
    assert [int(a["RateLimit-Remaining"]) for a in answers] == [2, 1, 0]
    assert [int(a["X-RateLimit-Remaining"]) for a in answers] == [2, 1, 0]
    for answer in answers:
        assert answer["RateLimit-Limit"] == answer["X-RateLimit-Limit"] == str(LIMIT)
        assert answer["RateLimit-Policy"] == f"{LIMIT};w=60"
        # The window is the minute: 45 seconds of it are left, and it ends at 10:01:00.
        assert answer["RateLimit-Reset"] == "45"
        assert int(answer["X-RateLimit-Reset"]) == 1772445660
    (counter,) = RateLimitCounter.objects.all()
    assert counter.count == LIMIT


def test_once_the_limit_is_spent_data_is_refused_but_the_docs_and_schema_still_load(
    client, published, three_a_minute
):
    with time_machine.travel("2026-03-02 10:00:50 +0000", tick=False):
        for _ in range(LIMIT):
            assert client.get(DATA).status_code == 200
        refused = [client.get(DATA), client.get("/api/v1/allegations/"), client.get("/api/v1/")]
        docs = [
            client.get(address)
            for address in (
                "/api/v1/openapi.json",
                "/api/docs/",
                "/api/docs/?script=",
                "/api/redoc/",
            )
            for _ in range(LIMIT + 1)
        ]

    assert [r.status_code for r in refused] == [429, 429, 429]
    for answer in refused:
        assert answer["Retry-After"] == "10"
        assert answer["RateLimit-Remaining"] == answer["X-RateLimit-Remaining"] == "0"
        assert answer["RateLimit-Reset"] == "10"
        assert answer["RateLimit-Limit"] == str(LIMIT)
    assert {d.status_code for d in docs} == {200}
    assert not [d for d in docs if d.has_header("RateLimit-Remaining")]


def test_a_new_window_gives_the_full_limit_back(client, published, three_a_minute):
    with time_machine.travel("2026-03-02 10:00:50 +0000", tick=False) as clock:
        for _ in range(LIMIT + 1):
            client.get(DATA)
        clock.shift(15)
        again = client.get(DATA)

    assert again.status_code == 200
    assert again["RateLimit-Remaining"] == str(LIMIT - 1)


def test_the_rate_limit_keeps_no_address_and_ignores_invented_forwarded_addresses(
    client, published, three_a_minute
):
    answers = [
        client.get(DATA, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(LIMIT + 1)
    ]

    assert answers == [200] * LIMIT + [429]
    keys = list(RateLimitCounter.objects.values_list("key", flat=True))
    assert len(keys) == 1
    assert "127.0.0.1" not in keys[0] and "10.0.0." not in keys[0]


def test_an_unlimited_rate_sends_no_made_up_numbers(client, published, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": None})

    answer = client.get(DATA)

    assert answer.status_code == 200
    assert not answer.has_header("RateLimit-Limit")
    assert not RateLimitCounter.objects.exists()
