"""schemathesis reads our own OpenAPI document and throws generated requests at every operation:
no server error, and every response matches what the document says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.throttling import AnonRateThrottle

from commonground.complaints.models import AllegationCategory
from commonground.complaints.tests.factories import agency_with_officers
from commonground.publish.actions import build_release
from commonground.publish.tests.helpers import closed, complaints, with_allegation

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def connection_kept_open():
    """As Django's test client does: requests must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(analyst, supervisor, connection_kept_open, monkeypatch):
    # Thousands of generated requests: the rate limit has its own test (test_api).
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1000000/hour"})
    _agency, district, _unit, officers = agency_with_officers(2)
    reports = complaints(12, district=district, officer=officers[0])
    with_allegation(reports[0], supervisor, AllegationCategory.DISCOURTESY)
    closed(reports[0], supervisor)
    build_release(by=analyst)
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


def test_every_operation_answers_as_its_schema_says(api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 12

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
        def answers_as_documented(case):
            case.call_and_validate()

        answers_as_documented()
