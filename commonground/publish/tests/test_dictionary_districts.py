"""A data dictionary names each district by its code and area, on the dataset's page and in the
JSON download's dictionary, instead of saying "Any"."""

import json

import pytest

from commonground.publish.actions import build_release
from commonground.stops.tests.helpers import small_agency

pytestmark = [pytest.mark.django_db, pytest.mark.files]


def test_the_records_dictionary_names_each_district_by_code_and_area(client, analyst):
    small_agency()  # D1 Northside, D2 Southpark
    build_release(by=analyst)

    page = client.get("/en/data/allegation-records/").content.decode()
    row = page[page.index("<code>district</code>") :]
    row = row[: row.index("</tr>")]
    for code, area in (("D1", "Northside"), ("D2", "Southpark"), ("withheld", "Withheld")):
        assert f"<code>{code}</code>: {area}" in row
    assert "Any" not in row

    body = b"".join(client.get("/data/allegation-records.json").streaming_content)
    fields = {f["name"]: f for f in json.loads(body)["fields"]}
    assert {"value": "D2", "label": "Southpark"} in fields["district"]["values"]

    spanish = client.get("/es/data/allegation-records/").content.decode()
    assert "<code>D1</code>: Northside" in spanish
