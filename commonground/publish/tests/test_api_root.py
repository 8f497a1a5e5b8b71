"""/api/v1/ says what the API offers: every resource with its link, description and formats, the
documentation and the rate limit; it is in the OpenAPI document like every other resource."""

import pytest
from rest_framework.throttling import AnonRateThrottle

from commonground.publish import datasets
from commonground.publish.tests import test_api

pytestmark = [pytest.mark.django_db, pytest.mark.files]
published = test_api.published  # the same release as the API's other tests


def test_the_root_lists_every_resource_with_a_working_link(client, published, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100/minute"})

    response = client.get("/api/v1/")

    assert response.status_code == 200
    root = response.json()
    names = {resource["name"] for resource in root["resources"]}
    assert {"datasets", "allegations"} <= names
    assert {f"counts/{t.slug}" for t in datasets.COUNT_TABLES} <= names
    for resource in root["resources"]:
        assert resource["description"] and resource["formats"] == ["json"]
        assert client.get(resource["url"]).status_code == 200, resource["url"]
        if resource["downloads"]:
            assert resource["downloads"]["csv"].endswith(".csv")
    assert root["documentation"]["interactive"] == "http://testserver/api/docs/"
    assert root["documentation"]["openapi"] == "http://testserver/api/v1/openapi.json"
    assert root["rate_limit"]["requests"] == 100 and root["rate_limit"]["window_seconds"] == 60
    assert "RateLimit-Remaining" in root["rate_limit"]["headers"]
    assert response["RateLimit-Limit"] == "100"


def test_the_root_is_in_the_schema_and_refuses_unknown_parameters(client, published):
    schema = client.get("/api/v1/openapi.json").json()
    refused = client.get("/api/v1/", {"format": "xml"})

    assert "/api/v1/" in schema["paths"]
    assert "429" in schema["paths"]["/api/v1/"]["get"]["responses"]
    assert refused.status_code == 400
    assert "format" in refused.json()["detail"][0]
