"""The staff results pages: what each role sees, the margins import's errors, the weighting
form, the estimate tables and the CSV file."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.surveys import actions
from commonground.surveys.models import PopulationMargin, WeightingRun
from commonground.surveys.tests import results_factories as rf
from commonground.testing.mfa import confirm_second_factor

pytestmark = pytest.mark.django_db


def _sign_in(client, role):
    user = make_staff(f"v-{role}", role)
    client.force_login(user)
    confirm_second_factor(client, user)
    return user


@pytest.fixture
def weighted(db):
    wave, _districts = rf.weighted_wave_setup()
    analyst = make_staff("v-weigher", Role.ANALYST)
    actions.run_weighting(wave=wave, by=analyst, synchronous=True)
    return wave


def test_the_results_page_shows_rates_report_indices_and_estimates(client, weighted):
    _sign_in(client, Role.COMMUNITY_ENGAGEMENT)
    body = client.get(f"/en/staff/surveys/results/{weighted.pk}/").content.decode()
    assert "Trust index" in body and "procedural" not in body
    assert "Design effect (Kish)" in body
    assert "Small-area model estimate" in body
    assert "Withheld: too few people answered" in body
    assert "Police treat people with respect." in body
    # The form to weight is for analysts only.
    assert "Weight the responses" not in body
    # No free text from any answer reaches the page.
    assert "555-0100" not in body
    unweighted = client.get(f"/en/staff/surveys/results/{weighted.pk}/?basis=unweighted")
    assert "Random samples only, unweighted" in unweighted.content.decode()
    # An unknown basis falls back to the stored weights' basis.
    assert client.get(f"/en/staff/surveys/results/{weighted.pk}/?basis=<x>").status_code == 200


def test_the_page_is_in_spanish_too(client, weighted):
    _sign_in(client, Role.ANALYST)
    body = client.get(f"/es/staff/surveys/results/{weighted.pk}/").content.decode()
    assert "Índice de confianza" in body


def test_the_csv_has_every_estimate_with_its_method(client, weighted):
    _sign_in(client, Role.AGENCY_HEAD)
    response = client.get(f"/en/staff/surveys/results/{weighted.pk}/estimates.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    methods = {row["method"] for row in rows}
    assert methods == {"direct", "model", "withheld"}
    assert {row["basis"] for row in rows} == {"probability", "unweighted", "all"}
    for row in rows:
        if row["method"] == "withheld":
            assert row["value"] == "" and row["low"] == "" and row["reason"]
    assert "555-0100" not in response.content.decode()


def test_an_analyst_starts_a_run_and_bad_settings_are_explained(client, db):
    wave, _districts = rf.weighted_wave_setup()
    _sign_in(client, Role.ANALYST)
    page = client.get(f"/en/staff/surveys/results/{wave.pk}/").content.decode()
    assert "has not been weighted yet" in page
    refused = client.post(
        f"/en/staff/surveys/results/{wave.pk}/do/weigh/", {"upper": "0.5"}, follow=True
    )
    assert "The upper trimming bound must be above 1" in refused.content.decode()
    typed = client.post(
        f"/en/staff/surveys/results/{wave.pk}/do/weigh/", {"lower": "abc"}, follow=True
    )
    assert "Enter a number." in typed.content.decode()
    assert not WeightingRun.objects.exists()
    client.post(f"/en/staff/surveys/results/{wave.pk}/do/weigh/", {"upper": "4"})
    run = WeightingRun.objects.get()
    assert run.settings["trimming"]["upper"] == 4.0


@pytest.mark.parametrize("role", [Role.COMMUNITY_ENGAGEMENT, Role.AGENCY_HEAD, Role.INTERVIEWER])
def test_no_one_but_analysts_may_weight_or_keep_margins(client, db, role):
    wave, _districts = rf.weighted_wave_setup()
    _sign_in(client, role)
    assert client.post(f"/en/staff/surveys/results/{wave.pk}/do/weigh/", {}).status_code == 403
    upload = SimpleUploadedFile("m.csv", b"district,variable,category,population\nD1,sex,male,1\n")
    assert client.post("/en/staff/surveys/margins/", {"file": upload}).status_code == 403
    assert not WeightingRun.objects.exists()


def test_the_margins_page_lists_problems_and_keeps_nothing(client, db):
    rf.make_districts()
    _sign_in(client, Role.ANALYST)
    empty = client.get("/en/staff/surveys/margins/").content.decode()
    assert "No margins are kept yet" in empty
    upload = SimpleUploadedFile(
        "m.csv",
        b"district,variable,category,population,source,year\nD1,sex,male,9800,ACS,2024\n"
        b"D1,sex,unknown,10,ACS,2024\n",
    )
    response = client.post("/en/staff/surveys/margins/", {"file": upload})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Line 3" in body and "sex has no category" in body
    assert not PopulationMargin.objects.exists()
    good = SimpleUploadedFile(
        "m.csv",
        b"district,variable,category,population,source,year\nD1,sex,male,9800,ACS,2024\n"
        b"D1,sex,female,10200,ACS,2024\n",
    )
    done = client.post("/en/staff/surveys/margins/", {"file": good}, follow=True)
    body = done.content.decode()
    assert "2 population margins were saved" in body
    # Beside the roster's population of 20,000: agrees.
    assert "Agrees" in body


def test_a_file_that_is_not_text_is_refused(client, db):
    _sign_in(client, Role.ANALYST)
    upload = SimpleUploadedFile("m.csv", b"\xff\xfe\x00bad")
    response = client.post("/en/staff/surveys/margins/", {"file": upload})
    assert response.status_code == 400
    assert "not text in UTF-8" in response.content.decode()


def test_the_wave_list_has_a_useful_empty_state(client, db):
    _sign_in(client, Role.AGENCY_HEAD)
    body = client.get("/en/staff/surveys/results/").content.decode()
    assert "No survey has a wave yet" in body


def test_the_estimates_show_one_chosen_question_at_a_time(client, weighted):
    _sign_in(client, Role.ANALYST)
    page = f"/en/staff/surveys/results/{weighted.pk}/"
    body = client.get(page).content.decode()
    captions = re.findall(r'<caption id="table-\d+-caption">([^<]*)</caption>', body)
    options = re.findall(r'<option value="([^"]+)"', body)
    assert len(captions) == 1 and len(options) > 1
    # Each question chosen shows its own table, keeping the responses chosen (the basis).
    other = options[1]
    chosen = client.get(page, {"question": other, "basis": "unweighted"}).content.decode()
    assert f'<option value="{other}" selected>' in chosen
    assert "Random samples only, unweighted" in chosen
    (caption,) = re.findall(r'<caption id="table-\d+-caption">([^<]*)</caption>', chosen)
    assert caption != captions[0]
    # A question the run has no estimates for says so and shows the first one.
    unknown = client.get(page, {"question": "<nope>"})
    assert unknown.status_code == 200
    text = unknown.content.decode()
    assert "no estimates for the question asked for" in text and "<nope>" not in text
