"""The surveys' public pages: trust and safety per district and city-wide from the release,
the questionnaire in each language, the public-use file, approved quotes only; nothing from a
wave that is not published."""

import io

import polars as pl
import pytest

from commonground.publish.actions import build_release
from commonground.roster.models import District
from commonground.surveys.actions import approve_quote, make_quote
from commonground.surveys.models import Method, Question, Wave, WaveStatus
from commonground.surveys.tests.publish_helpers import (
    estimate,
    indices,
    published_wave,
    weighting_run,
)

pytestmark = [pytest.mark.django_db, pytest.mark.files]

SECRET = "I live at 14 Birch Lane, my name is Rosa Diaz"


@pytest.fixture
def world(analyst):
    wave = published_wave(n=60, comment=SECRET)
    districts = list(District.objects.order_by("code"))
    run = weighting_run(wave)
    indices(run, districts, trust=62.5, safety=55.0)
    # D2's trust comes from the small-area model.
    run.estimates.filter(measure="trust_index", domain_value="D2").update(
        method=Method.MODEL, value=48.0, low=39.0, high=57.0
    )
    later = published_wave(n=30, label="2026 Q2", instrument=wave.instrument)
    indices(weighting_run(later), districts, trust=66.0, safety=58.0)
    build_release(by=analyst)
    return wave, later, districts


def test_the_index_lists_published_surveys_with_an_empty_state_before(client, analyst):
    body = client.get("/en/results/surveys/").content.decode()
    assert "No survey results have been published yet" in body
    published_wave(n=12)
    build_release(by=analyst)
    body = client.get("/en/results/surveys/").content.decode()
    assert "Community trust and safety" in body
    assert "/en/results/surveys/trust/questionnaire/2026-q1/" in body
    assert "/en/results/surveys/trust/data/2026-q1/" in body


def test_the_city_page_shows_both_indices_with_intervals_trend_and_the_method(client, world):
    body = client.get("/en/results/surveys/trust/").content.decode()
    assert "Trust and safety in the whole city" in body
    assert "62.5" in body and "66.0" in body  # both waves, in the trend table
    assert "57.5 to 67.5" in body  # the interval
    assert "<svg" in body and 'role="img"' in body  # the chart, drawn on the server
    assert "How these figures are made" in body and "95% interval" in body
    assert "/en/results/surveys/trust/districts/D1/" in body


def test_the_city_page_sets_every_district_side_by_side_with_its_n_and_design_effect(client, world):
    import re

    _wave, _later, districts = world
    body = client.get("/en/results/surveys/trust/").content.decode()
    assert "Every district, 2026 Q2" in body
    table = body[body.index('id="districts-caption"') :]
    table = table[: table.index("</table>")]
    for district in districts:
        assert f"/en/results/surveys/trust/districts/{district.code}/" in table
        assert district.name in table
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in rows if "<td" in row]
    trust = [c for c in cells if c[0] == "Trust in the police"]
    assert len(trust) == len(districts)
    # Score, interval, answers, design effect, method: the later wave's, not the first's.
    assert all(c[1:5] == ["66.0", "58.0 to 74.0", "40", "1.25"] for c in trust), trust
    # The trend table says what each city-wide figure rests on.
    assert "Effective number" in body and "Design effect" in body
    assert "80.0" in body


def test_a_district_page_labels_its_small_area_model_estimate(client, world):
    body = client.get("/en/results/surveys/trust/districts/D2/").content.decode()
    assert "Southpark" in body
    assert "48.0" in body and "small-area model estimate" in body
    assert client.get("/en/results/surveys/trust/districts/NOPE/").status_code == 404


def test_pages_speak_spanish(client, world):
    body = client.get("/es/results/surveys/trust/districts/D1/").content.decode()
    assert 'lang="es"' in body
    questionnaire = client.get("/es/results/surveys/trust/questionnaire/2026-q1/")
    text = questionnaire.content.decode()
    assert "Me siento seguro caminando por mi barrio de noche." in text
    assert "Muy de acuerdo" in text


def test_the_questionnaire_shows_every_question_and_choice(client, world):
    wave, _later, _districts = world
    body = client.get("/en/results/surveys/trust/questionnaire/2026-q1/").content.decode()
    for question in Question.objects.filter(instrument=wave.instrument):
        assert question.label["en"].replace("'", "&#x27;") in body, question.name
    assert "Strongly agree" in body and "I was stopped" in body
    assert "never published word for word" in body


def test_waves_not_published_are_invisible_everywhere(client, analyst):
    wave = published_wave(n=15, label="2027 Q1")
    estimate(weighting_run(wave), "trust_index", value=77.7, n=15)
    Wave.objects.filter(pk=wave.pk).update(status=WaveStatus.CLOSED)
    build_release(by=analyst)
    assert "Community trust" not in client.get("/en/results/surveys/").content.decode()
    for path in [
        "/en/results/surveys/trust/",
        "/en/results/surveys/trust/districts/D1/",
        "/en/results/surveys/trust/questionnaire/2027-q1/",
        "/en/results/surveys/trust/data/2027-q1/",
        "/en/results/surveys/trust/data/2027-q1/file.csv",
        "/en/results/surveys/trust/data/2027-q1/codebook.csv",
    ]:
        assert client.get(path).status_code == 404, path
    assert b"77.7" not in b"".join(client.get("/data/survey-estimates.csv").streaming_content)


def test_the_public_use_file_downloads_in_every_format(client, world):
    page = client.get("/en/results/surveys/trust/data/2026-q1/").content.decode()
    assert "Every combination of district" in page and "weight" in page
    csv = client.get("/en/results/surveys/trust/data/2026-q1/file.csv")
    frame = pl.read_csv(io.BytesIO(csv.content))
    assert frame.height == 60 and "weight" in frame.columns
    assert "attachment" in csv["Content-Disposition"]
    codebook = client.get("/en/results/surveys/trust/data/2026-q1/codebook.csv")
    assert b"variable" in codebook.content
    for fmt in ("sav", "dta"):
        assert client.get(f"/en/results/surveys/trust/data/2026-q1/file.{fmt}").status_code == 200
    assert client.get("/en/results/surveys/trust/data/2026-q1/file.xlsx").status_code == 404


def test_only_approved_quotes_appear_and_never_the_raw_answers(
    client, world, engagement_officer, analyst
):
    wave, _later, _districts = world
    comment = Question.objects.get(instrument=wave.instrument, name="comment")
    kept = make_quote(
        wave=wave,
        question=comment,
        text="I live at [street], my name is [name]",
        by=engagement_officer,
    )
    make_quote(wave=wave, question=comment, text="Draft quote not approved", by=engagement_officer)
    approve_quote(quote=kept, by=analyst)
    pages = [
        "/en/results/surveys/",
        "/en/results/surveys/trust/",
        "/es/results/surveys/trust/",
        "/en/results/surveys/trust/districts/D1/",
        "/en/results/surveys/trust/data/2026-q1/",
        "/en/results/surveys/trust/data/2026-q1/file.csv",
    ]
    bodies = "".join(client.get(p).content.decode("utf-8", "replace") for p in pages)
    assert "my name is [name]" in bodies
    assert "Draft quote not approved" not in bodies
    assert "Rosa Diaz" not in bodies and "Birch Lane" not in bodies
