"""The sampling pages: import with per-row errors that keep what was typed, the draw form,
the sample page's counts (and nothing that ties an invitation to a response), the letters'
download, the open link; and every page refused to staff without `surveys.sample`."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commonground.accounts.models import Role
from commonground.conftest import make_staff
from commonground.surveys import codes, sampling
from commonground.surveys.actions import submit_response
from commonground.surveys.models import AddressFrame, Invitation, Sample
from commonground.surveys.tests.factories import (
    COMPLETE_ANSWERS,
    make_districts,
    make_survey,
)
from commonground.surveys.tests.sample_helpers import HEADER, address_csv, sampled_wave

pytestmark = pytest.mark.django_db

SAMPLERS = {Role.COMMUNITY_ENGAGEMENT, Role.ANALYST}


def upload(content: bytes, name: str = "addresses.csv"):
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.fixture
def sampler(client, engagement_officer):
    client.force_login(engagement_officer)
    return engagement_officer


def test_the_overview_has_a_useful_empty_state(client, sampler):
    page = client.get("/en/staff/surveys/sampling/").content.decode()
    assert "No survey yet" in page


def test_the_overview_lists_lists_and_waves(client, sampler):
    _frame, _wave, sample, unsampled = sampled_wave(sampler)
    page = client.get("/en/staff/surveys/sampling/").content.decode()
    assert "City list" in page and "40 addresses" in page
    assert f"/staff/surveys/sampling/samples/{sample.pk}/" in page
    assert f"/staff/surveys/sampling/waves/{unsampled.pk}/draw/" in page


def test_an_import_with_bad_rows_names_them_keeps_what_was_typed_and_saves_nothing(client, sampler):
    make_districts()
    survey = make_survey()
    content = (HEADER + "1 Elm St,,Riverton,1,D1\n,,Riverton,1,D1\n2 Elm,,,,D7\n").encode()
    response = client.post(
        "/en/staff/surveys/sampling/lists/import/",
        {"survey": survey.pk, "name": "Spring list", "file": upload(content)},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was imported: 2 rows need correcting." in page
    assert '<th scope="row">3</th>' in page and '<th scope="row">4</th>' in page
    assert "There is no district with the code “D7”." in page
    assert 'value="Spring list"' in page
    assert not AddressFrame.objects.exists()
    skipped = client.post(
        "/en/staff/surveys/sampling/lists/import/",
        {
            "survey": survey.pk,
            "name": "Spring list",
            "file": upload(content),
            "skip_bad_rows": "on",
        },
        follow=True,
    )
    frame = AddressFrame.objects.get()
    assert skipped.redirect_chain[-1][0].endswith(f"/staff/surveys/sampling/lists/{frame.pk}/")
    text = skipped.content.decode()
    assert "1 address was imported." in text and "rows 3, 4" in text


def test_an_import_reports_duplicates(client, sampler):
    make_districts()
    survey = make_survey()
    content = (HEADER + "1 Elm St,,Riverton,1,D1\n1 Elm St,,Riverton,1,D1\n").encode()
    response = client.post(
        "/en/staff/surveys/sampling/lists/import/",
        {"survey": survey.pk, "name": "L", "file": upload(content)},
        follow=True,
    )
    assert "1 exact duplicate was left out." in response.content.decode()


def test_a_file_with_the_wrong_header_is_refused_with_the_columns_it_needs(client, sampler):
    survey = make_survey()
    response = client.post(
        "/en/staff/surveys/sampling/lists/import/",
        {"survey": survey.pk, "name": "L", "file": upload(b"street,zip\n1 Elm,1\n")},
    )
    assert response.status_code == 400
    assert "Missing: line1, line2, city, postcode, district." in response.content.decode()


def test_the_draw_form_draws_and_records_the_seed(client, sampler):
    frame, _wave, _sample, unsampled = sampled_wave(sampler)
    response = client.post(
        f"/en/staff/surveys/sampling/waves/{unsampled.pk}/draw/",
        {"frame": frame.pk, "allocation": "proportional", "total": "8", "seed": "31"},
        follow=True,
    )
    sample = Sample.objects.get(wave=unsampled)
    assert sample.seed == 31 and sample.strata == {"D1": [30, 6], "D2": [10, 2]}
    page = response.content.decode()
    assert "The sample was drawn with the seed 31." in page
    assert "Reprinting gives the letters new codes" in page
    # A second visit to the draw page goes to the sample: a wave has one.
    again = client.get(f"/en/staff/surveys/sampling/waves/{unsampled.pk}/draw/")
    assert again.status_code == 302 and again["Location"].endswith(f"/samples/{sample.pk}/")


def test_the_draw_form_says_what_is_wrong_and_keeps_what_was_typed(client, sampler):
    frame, _wave, _sample, unsampled = sampled_wave(sampler)
    response = client.post(
        f"/en/staff/surveys/sampling/waves/{unsampled.pk}/draw/",
        {"frame": frame.pk, "allocation": "per_district", "size_D1": "31", "seed": "4"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "District D1 has only 30 addresses; it cannot give 31." in page
    assert 'value="31"' in page and 'value="4"' in page
    missing = client.post(
        f"/en/staff/surveys/sampling/waves/{unsampled.pk}/draw/",
        {"frame": frame.pk, "allocation": "equal", "seed": "-1"},
    )
    text = missing.content.decode()
    assert "Give the number of addresses to draw." in text
    assert not Sample.objects.filter(wave=unsampled).exists()


def test_the_sample_page_counts_and_never_ties_an_invitation_to_a_response(
    client, sampler, monkeypatch
):
    _frame, wave, sample, _ = sampled_wave(sampler)
    response = client.post(
        f"/en/staff/surveys/sampling/samples/{sample.pk}/do/letters/",
        {"which": "unprinted", "district": "", "limit": "5"},
    )
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    code = codes.new_code()
    invitation = Invitation.objects.filter(sample=sample).first()
    Invitation.objects.filter(pk=invitation.pk).update(code_hash=codes.code_hash(code))
    answered = submit_response(
        wave=wave,
        answers=COMPLETE_ANSWERS,
        language="en",
        channel="web",
        recruitment="address_sample",
        invitation_code=code,
    )
    page = client.get(f"/en/staff/surveys/sampling/samples/{sample.pk}/").content.decode()
    assert "with the seed 5" in page
    assert "<td>30</td><td>3</td><td>10.00</td><td>3</td><td>1</td>" in page
    assert "Response rate (AAPOR RR1)" in page and "20%" in page
    assert str(answered.pk) not in page
    assert "North St" not in page  # no address on the page either


def test_a_letter_batch_with_nothing_to_print_says_so(client, sampler):
    _frame, _wave, sample, _ = sampled_wave(sampler)
    client.post(
        f"/en/staff/surveys/sampling/samples/{sample.pk}/do/letters/",
        {"which": "unprinted", "limit": "500"},
    )
    again = client.post(
        f"/en/staff/surveys/sampling/samples/{sample.pk}/do/letters/",
        {"which": "unprinted", "limit": "500"},
    )
    assert again.status_code == 400
    assert "There is no letter left to print with these choices." in again.content.decode()
    bad = client.post(
        f"/en/staff/surveys/sampling/samples/{sample.pk}/do/letters/",
        {"which": "everything", "limit": "0"},
    )
    assert bad.status_code == 400
    assert (
        client.get(f"/en/staff/surveys/sampling/samples/{sample.pk}/do/letters/").status_code == 405
    )


def test_the_open_link_page_shows_the_link_and_its_qr_or_says_it_is_off(client, sampler):
    _frame, wave, _sample, unsampled = sampled_wave(sampler)
    page = client.get(f"/en/staff/surveys/sampling/waves/{wave.pk}/open-link/").content.decode()
    link = sampling.open_link(wave)
    assert link in page and "<svg" in page
    off = client.get(f"/en/staff/surveys/sampling/waves/{unsampled.pk}/open-link/").content.decode()
    assert "This wave has no open link" in off and "<svg" not in off


def test_the_pages_are_in_spanish(client, sampler):
    _frame, _wave, sample, _ = sampled_wave(sampler)
    page = client.get(f"/es/staff/surveys/sampling/samples/{sample.pk}/").content.decode()
    assert "Imprimir cartas" in page


@pytest.mark.parametrize("role", sorted(set(Role.values) - SAMPLERS))
def test_staff_without_sampling_rights_can_neither_read_nor_print(client, role):
    _frame, wave, sample, _ = sampled_wave()
    user = make_staff(f"no-{role}", role)
    client.force_login(user)
    for path in (
        "/en/staff/surveys/sampling/",
        "/en/staff/surveys/sampling/lists/import/",
        f"/en/staff/surveys/sampling/samples/{sample.pk}/",
        f"/en/staff/surveys/sampling/waves/{wave.pk}/draw/",
        f"/en/staff/surveys/sampling/waves/{wave.pk}/open-link/",
    ):
        assert client.get(path).status_code == 403, path
    refused = client.post(
        f"/en/staff/surveys/sampling/samples/{sample.pk}/do/letters/",
        {"which": "unprinted", "limit": "5"},
    )
    assert refused.status_code == 403
    assert not Invitation.objects.filter(letter_printed=True).exists()
    imported = client.post(
        "/en/staff/surveys/sampling/lists/import/",
        {"survey": wave.survey_id, "name": "X", "file": upload(address_csv(1, 1).read())},
    )
    assert imported.status_code == 403 and AddressFrame.objects.count() == 1


def test_unknown_objects_are_not_found(client, sampler):
    for path in (
        "/en/staff/surveys/sampling/samples/999/",
        "/en/staff/surveys/sampling/lists/999/",
        "/en/staff/surveys/sampling/waves/999/draw/",
    ):
        assert client.get(path).status_code == 404, path


def test_a_file_that_is_not_text_gets_a_clear_error_not_a_crash(client, sampler):
    make_districts()
    survey = make_survey()
    content = b"\x00\xff" * 10
    response = client.post(
        "/en/staff/surveys/sampling/lists/import/",
        {"survey": survey.pk, "name": "L", "file": upload(content)},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.content.decode()


def test_a_wave_of_the_survey_appears_on_the_list_page(client, sampler):
    frame, *_ = sampled_wave(sampler)
    page = client.get(f"/en/staff/surveys/sampling/lists/{frame.pk}/").content.decode()
    assert "<td>D1</td><td>30</td>" in page and "For the wave Next" in page
