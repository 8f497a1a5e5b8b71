import io
import json

import polars as pl
import pytest
import time_machine

from commonground.complaints.models import AllegationCategory
from commonground.complaints.tests.factories import agency_with_officers
from commonground.publish import datasets
from commonground.publish.actions import build_release
from commonground.publish.tests.helpers import closed, complaints, with_allegation

pytestmark = [pytest.mark.django_db, pytest.mark.files]


@pytest.fixture
def published(analyst, supervisor, intake_clerk):
    """At a threshold of 1, every combination of fields in the records is shared by at least
    two complaints here, so the records are published as they are (test_records covers the
    coarsening)."""
    agency, district, _unit, officers = agency_with_officers(2)
    agency.suppression_threshold = 1
    agency.save()
    reports = complaints(12, district=district, officer=officers[0])
    complaints(1, channel="phone", by=intake_clerk)
    for report in reports[:4]:
        with_allegation(report, supervisor, AllegationCategory.DISCOURTESY)
    for report in reports[4:6]:
        with_allegation(report, supervisor, AllegationCategory.USE_OF_FORCE)
    closed(reports[0], supervisor)
    closed(reports[1], supervisor)
    return build_release(by=analyst)


def test_the_catalogue_lists_every_dataset_with_its_dictionary_and_downloads(client, published):
    response = client.get("/api/v1/datasets/", {"page_size": 100})

    body = response.json()
    assert response.status_code == 200
    assert [d["slug"] for d in body["results"]] == list(datasets.DATASETS)
    by_channel = next(d for d in body["results"] if d["slug"] == "complaints-by-channel")
    channel = next(f for f in by_channel["fields"] if f["name"] == "channel")
    assert {"value": "phone", "label": "Phone"} in channel["values"]
    assert by_channel["downloads"]["csv"].endswith("/data/complaints-by-channel.csv")
    assert "no hidden count can be worked out" in by_channel["disclosure"]
    assert response["Cache-Control"] == "public, max-age=300"


def test_a_count_table_filters_by_its_dimensions_and_keeps_small_counts_hidden(client, published):
    response = client.get("/api/v1/counts/complaints-by-channel/", {"channel": "phone"})

    rows = response.json()["results"]
    assert {r["year"] for r in rows} >= {datasets.ALL}
    assert all(r["count"] is None and r["suppressed"] for r in rows)


def test_a_count_table_answers_for_any_year_with_records_and_refuses_a_malformed_one(
    client, analyst
):
    with time_machine.travel("2023-06-15 12:00:00Z"):
        complaints(3)
    build_release(by=analyst)

    earlier = client.get("/api/v1/counts/complaints-by-channel/", {"year": "2023"})
    malformed = client.get("/api/v1/counts/complaints-by-channel/", {"year": "23"})

    assert earlier.status_code == 200
    assert {r["year"] for r in earlier.json()["results"]} == {"2023"}
    assert malformed.status_code == 400
    assert "not a valid year" in " ".join(malformed.json()["year"])


def test_counts_answer_not_modified_to_a_client_with_the_same_release(client, published):
    first = client.get("/api/v1/counts/complaints-by-month/")
    again = client.get("/api/v1/counts/complaints-by-month/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200 and first["Last-Modified"]
    assert again.status_code == 304


def test_allegation_records_filter_the_release_a_page_at_a_time(client, published):
    response = client.get("/api/v1/allegations/", {"category": "discourtesy", "page_size": 2})
    second = client.get(
        "/api/v1/allegations/", {"category": "discourtesy", "page_size": 2, "page": 2}
    )

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 4
    assert len(body["results"]) == 2 and len(second.json()["results"]) == 2
    ids = [r["allegation_id"] for r in body["results"] + second.json()["results"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert set(body["results"][0]) == {f.name for f in datasets.ALLEGATION_RECORDS.fields(False)}
    assert response["Cache-Control"] == "public, max-age=300"


def test_allegation_records_combine_filters_and_bound_the_months(client, published):
    row = client.get("/api/v1/allegations/", {"category": "use_of_force"}).json()["results"][0]
    month = row["received_period"]

    def count(**params):
        return client.get("/api/v1/allegations/", params).json()["count"]

    assert count(complaint_id=row["complaint_id"], category="use_of_force") == 1
    assert count(complaint_id=row["complaint_id"], category="discourtesy") == 0
    assert count(received_from=month, received_to=month) == 6
    assert count(received_to=f"{int(month[:4]) - 1}-12") == 0
    assert count(channel="online", finding="sustained") == 0


def published_district():
    from commonground.roster.models import District

    return District.objects.get(code="D1")


def test_allegation_records_change_with_a_release_not_before(
    client, published, supervisor, analyst
):
    report = complaints(1, district=published_district())[0]
    with_allegation(report, supervisor, AllegationCategory.DISCOURTESY)
    before = client.get("/api/v1/allegations/").json()["count"]
    build_release(by=analyst)
    after = client.get("/api/v1/allegations/").json()["count"]

    assert (before, after) == (6, 7)


@pytest.mark.parametrize(
    ("url", "params", "field", "says"),
    [
        ("/api/v1/allegations/", {"colour": "red"}, "detail", "Unknown parameter 'colour'"),
        ("/api/v1/allegations/", {"received_from": "2026-13"}, "received_from", "YYYY-MM"),
        ("/api/v1/allegations/", {"category": "rudeness"}, "category", "not one of"),
        ("/api/v1/allegations/", {"page_size": "5000"}, "page_size", "from 1 to 1000"),
        ("/api/v1/allegations/", {"page": "two"}, "page", "whole number"),
        ("/api/v1/allegations/", {"complaint_id": "17"}, "complaint_id", "complaint code"),
        ("/api/v1/allegations/", {"district": "Z9"}, "district", "Unknown district 'Z9'"),
        ("/api/v1/allegations/", {"received_to": ""}, "received_to", "Given empty"),
        (
            "/api/v1/allegations/",
            {"category": ["discourtesy", "other"]},
            "category",
            "more than once",
        ),
        ("/api/v1/counts/complaints-by-district/", {"district": "Z9"}, "district", "Unknown value"),
        ("/api/v1/allegations/", {"district": "a\tb"}, "district", "printable characters"),
        ("/api/v1/counts/complaints-by-channel/", {"channel": "pigeon"}, "channel", "Allowed:"),
        ("/api/v1/counts/complaints-by-channel/", {"format": "xml"}, "detail", "'format'"),
    ],
)
def test_bad_input_is_a_400_that_says_what_was_wrong(client, published, url, params, field, says):
    response = client.get(url, params)

    assert response.status_code == 400
    assert says in " ".join(response.json()[field])


@pytest.mark.parametrize("url", ["/api/v1/counts/complaints-by-month/", "/api/v1/allegations/"])
def test_answers_before_any_release_are_a_503_that_says_so(client, db, url):
    response = client.get(url)

    assert response.status_code == 503
    assert "No release" in response.json()["detail"]


def test_bulk_files_in_every_format_hold_the_same_rows(client, published):
    csv = client.get("/data/allegation-records.csv")
    as_json = client.get("/data/allegation-records.json")
    parquet = client.get("/data/allegation-records.parquet")

    from_csv = pl.read_csv(io.BytesIO(b"".join(csv.streaming_content)))
    document = json.loads(b"".join(as_json.streaming_content))
    from_parquet = pl.read_parquet(io.BytesIO(b"".join(parquet.streaming_content)))
    assert from_csv.height == len(document["rows"]) == from_parquet.height == 6
    assert from_csv["allegation_id"].to_list() == from_parquet["allegation_id"].to_list()
    assert [f["name"] for f in document["fields"]] == from_parquet.columns
    assert document["built_at"] == published.finished_at.isoformat()
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="allegation-records-' in csv["Content-Disposition"]


def test_an_empty_dataset_still_downloads_with_its_header(client, analyst):
    agency_with_officers(1)
    build_release(by=analyst)

    csv = b"".join(client.get("/data/allegation-records.csv").streaming_content)
    document = json.loads(b"".join(client.get("/data/allegation-records.json").streaming_content))

    assert csv.decode().startswith("allegation_id,complaint_id,received_period")
    assert document["rows"] == []


def test_an_unknown_format_is_a_400_and_an_unknown_dataset_a_404(client, published):
    assert client.get("/data/allegation-records.xlsx").status_code == 400
    assert client.get("/data/no-such-thing.csv").status_code == 404
    assert client.get("/en/data/no-such-thing/").status_code == 404


def test_the_open_data_pages_show_the_dictionary_and_when_it_was_built(client, published):
    catalogue = client.get("/en/data/")
    page = client.get("/es/data/complaints-by-channel/")

    assert catalogue.status_code == 200
    assert b"/data/complaints-by-channel.parquet" in catalogue.content
    assert page.status_code == 200
    assert "Teléfono".encode() in page.content or b"phone" in page.content


def test_too_many_requests_from_one_address_are_refused_with_when_to_retry(
    client, published, monkeypatch
):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    answers = [client.get("/api/v1/counts/complaints-by-month/").status_code for _ in range(4)]
    refused = client.get("/api/v1/allegations/")

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_files_read_in_several_slices_are_still_one_table(client, published, monkeypatch):
    from commonground.publish import exports

    monkeypatch.setattr(exports, "BATCH_ROWS", 3)
    csv = b"".join(client.get("/data/allegation-records.csv").streaming_content).decode()
    document = json.loads(b"".join(client.get("/data/allegation-records.json").streaming_content))

    assert csv.count("allegation_id") == 1
    assert len(csv.strip().splitlines()) == 1 + 6
    assert [row["allegation_id"] for row in document["rows"]] == sorted(
        row["allegation_id"] for row in document["rows"]
    )
    assert len(document["rows"]) == 6


def test_the_catalogue_in_another_language_is_not_a_cached_copy(client, published):
    english = client.get("/api/v1/datasets/", HTTP_ACCEPT_LANGUAGE="en")
    spanish = client.get(
        "/api/v1/datasets/", HTTP_ACCEPT_LANGUAGE="es", HTTP_IF_NONE_MATCH=english["ETag"]
    )

    assert spanish.status_code == 200
    assert spanish.json()["results"][0]["title"] == "Quejas recibidas cada mes"
    assert "Accept-Language" in spanish["Vary"]
