"""The resident's form, step by step, through the Django test client: validation messages at
the field, nothing typed lost, uploads checked, one report per submission."""

import datetime
import io
import re

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from commonground.complaints.models import Attachment, Report

pytestmark = [pytest.mark.django_db, pytest.mark.files]

TODAY = timezone.localdate()


def walk_to(client, last_step, lang="en", **answers):
    steps = {
        "kind": {"kind": "complaint"},
        "reporter": {"reporter_type": "anonymous", "language": lang},
        "when": {
            "timing": "exact",
            "incident_date": str(TODAY - datetime.timedelta(days=2)),
            "location": "Main & 3rd",
        },
        "what": {"narrative": "The officer pushed me without reason."},
    }
    for name, data in steps.items():
        response = client.post(f"/{lang}/report/{name}/", {**data, **answers.get(name, {})})
        assert response.status_code == 302, (name, response.content.decode()[:2000])
        if name == last_step:
            return response


def jpeg_with_gps(colour="red") -> bytes:
    image = Image.new("RGB", (32, 32), colour)
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x8825] = {1: "N", 2: (40.0, 26.0, 46.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(name, content, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


def submit(client, lang="en"):
    review = client.get(f"/{lang}/report/review/")
    assert review.status_code == 200, review
    token = re.search(r'name="submission_token" value="([^"]+)"', review.content.decode()).group(1)
    response = client.post(f"/{lang}/report/submit/", {"submission_token": token}, follow=True)
    return response, token


def code_in(response) -> str:
    return re.search(r'id="tracking-code">([^<]+)<', response.content.decode()).group(1)


def test_a_full_anonymous_report_gets_a_code_that_shows_its_status(client):
    walk_to(client, "what")
    response, _ = submit(client)
    assert response.status_code == 200
    code = code_in(response)
    status = client.post("/en/status/", {"code": code}, follow=True)
    assert status.status_code == 200
    assert "Received" in status.content.decode()
    assert Report.objects.get().channel == "online"


def test_reload_of_the_submission_shows_the_same_code_and_files_nothing_new(client):
    walk_to(client, "what")
    first, token = submit(client)
    again = client.post("/en/report/submit/", {"submission_token": token}, follow=True)
    assert code_in(again) == code_in(first)
    assert Report.objects.count() == 1


def test_a_submission_token_replayed_from_another_browser_does_not_show_the_code(client):
    """A token seen elsewhere (a shared computer's page cache, a leaked page) is replayed from
    another browser: with no draft (the reload path) and with a draft of the replayer's own
    (the filing path). Neither shows the code, nor files a second report."""
    from django.test import Client

    walk_to(client, "what")
    first, token = submit(client)
    code = code_in(first)
    stranger = Client()
    replayed = stranger.post("/en/report/submit/", {"submission_token": token})
    assert code not in replayed.content.decode()
    assert replayed.status_code in (302, 400)
    walk_to(stranger, "what")
    with_draft = stranger.post("/en/report/submit/", {"submission_token": token})
    assert with_draft.status_code == 400
    assert code not in with_draft.content.decode()
    assert Report.objects.count() == 1
    # The resident's own browser still gets it back (reload, or a retry after a lost answer).
    again = client.post("/en/report/submit/", {"submission_token": token}, follow=True)
    assert code_in(again) == code


def test_replaying_submission_tokens_from_elsewhere_counts_against_the_lookup_limit(
    client, settings
):
    settings.TRACKING_LOOKUP_RATE = "3/15m"
    walk_to(client, "what")
    _, token = submit(client)
    # The resident's own reloads and retries always see their code...
    mine = [client.post("/en/report/submit/", {"submission_token": token}) for _ in range(4)]
    # ...a token tried from another browser shows nothing and counts like a lookup.
    other = Client()
    theirs = [other.post("/en/report/submit/", {"submission_token": token}) for _ in range(4)]
    assert [a.url for a in mine] == ["/en/report/received/"] * 4
    assert [a.status_code for a in theirs] == [302, 302, 302, 429]


def test_missing_answer_is_reported_at_the_field(client):
    response = client.post("/en/report/kind/", {}, follow=True)
    assert response.status_code == 200
    assert "Choose a complaint or a commendation." in response.content.decode()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (
            {"incident_date": str(TODAY + datetime.timedelta(days=1))},
            "The date cannot be in the future.",
        ),
        (
            {
                "timing": "approximate",
                "incident_date": "2026-03-10",
                "incident_date_end": "2026-03-01",
            },
            "The latest date cannot be before the earliest date.",
        ),
        ({"incident_date": "2026-02-31"}, "Enter a real date"),
        ({"location": ""}, "Tell us where it happened"),
    ],
)
def test_bad_dates_and_places_get_a_clear_message_and_keep_what_was_typed(client, answers, message):
    walk_to(client, "reporter")
    data = {"timing": "exact", "incident_date": "2026-03-10", "location": "Elm & 5th", **answers}
    response = client.post("/en/report/when/", data, follow=True)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    if data["location"]:
        assert 'value="Elm &amp; 5th"' in body


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"reporter_type": "self", "name": "", "contact_method": "none"}, "Enter your name"),
        (
            {"reporter_type": "self", "name": "Ana", "contact_method": "email", "email": "ana@"},
            "Enter an e-mail address like",
        ),
        (
            {"reporter_type": "self", "name": "Ana", "contact_method": "phone", "phone": "12ab"},
            "Enter a phone number",
        ),
        (
            {"reporter_type": "on_behalf", "name": "Ana", "contact_method": "none"},
            "how you know the person",
        ),
    ],
)
def test_reporter_errors_are_specific(client, answers, message):
    walk_to(client, "kind")
    response = client.post("/en/report/reporter/", {"language": "en", **answers}, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'value="Ana"' in response.content.decode() or not answers.get("name")


def test_a_narrative_over_the_limit_is_refused_with_the_numbers(client, settings):
    walk_to(client, "when")
    text = "x" * (settings.NARRATIVE_MAX_CHARS + 1)
    response = client.post("/en/report/what/", {"narrative": text}, follow=True)
    body = response.content.decode()
    assert "Please shorten this to 10000 characters (it has 10001)" in body
    assert text in body


def test_messages_come_in_the_residents_language(client):
    response = client.post("/es/report/kind/", {}, follow=True)
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()


def test_script_in_any_text_is_shown_as_text(client):
    walk_to(client, "what", what={"narrative": "<script>alert('x')</script><b>bold</b>"})
    body = client.get("/en/report/review/").content.decode()
    assert "<script>alert" not in body and "<b>bold</b>" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


def test_photo_metadata_is_stripped_and_the_hash_recorded(client):
    walk_to(client, "what")
    original = jpeg_with_gps()
    assert b"SecretCameraMaker" in original
    response = client.post(
        "/en/report/files/", {"files": [upload("street.jpg", original)], "action": "upload"}
    )
    assert response.status_code == 302
    submit(client)
    stored = Attachment.objects.get().stored_file
    data = stored.file.read()
    assert b"SecretCameraMaker" not in data
    assert not Image.open(io.BytesIO(data)).getexif()
    import hashlib

    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data) and stored.metadata_stripped


def test_an_executable_named_jpg_is_refused(client):
    walk_to(client, "what")
    response = client.post(
        "/en/report/files/",
        {"files": [upload("cat.jpg", b"MZ\x90\x00" + b"\x00" * 200)], "action": "upload"},
    )
    assert response.status_code == 200
    assert "“cat.jpg” is a program or script, not a photo" in response.content.decode()


def test_a_pdf_named_jpg_is_refused_as_not_what_its_name_says(client):
    walk_to(client, "what")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        "/en/report/files/", {"files": [upload("photo.jpg", pdf)], "action": "upload"}
    )
    assert "is not what its name says" in response.content.decode()


def test_a_file_over_the_limit_is_refused_and_earlier_uploads_are_kept(client, settings):
    walk_to(client, "what")
    client.post(
        "/en/report/files/", {"files": [upload("first.jpg", jpeg_with_gps())], "action": "upload"}
    )
    settings.ATTACHMENT_MAX_BYTES = 100
    response = client.post(
        "/en/report/files/", {"files": [upload("big.jpg", jpeg_with_gps())], "action": "upload"}
    )
    body = response.content.decode()
    assert "the limit is" in body
    assert "first.jpg" in body


def test_too_many_files_are_refused_beyond_the_limit(client, settings):
    settings.ATTACHMENT_MAX_FILES = 2
    walk_to(client, "what")
    files = [upload(f"p{i}.jpg", jpeg_with_gps()) for i in range(3)]
    response = client.post("/en/report/files/", {"files": files, "action": "upload"})
    assert "at most 2 files; 1 was not added" in response.content.decode()


def test_wrong_and_unknown_codes_get_the_same_answer_and_malformed_a_specific_one(client):
    walk_to(client, "what")
    submit(client)
    unknown = client.post("/en/status/", {"code": "7K3M-Q9XW-T2RB-84HN"}).content.decode()
    assert "We could not find a report with this code" in unknown
    malformed = client.post("/en/status/", {"code": "12345"}).content.decode()
    assert "A tracking code has 16 letters and numbers" in malformed
    assert 'value="12345"' in malformed


def test_too_many_lookups_are_throttled(client, settings):
    settings.TRACKING_LOOKUP_RATE = "3/15m"
    for _ in range(3):
        assert client.post("/en/status/", {"code": "7K3M-Q9XW-T2RB-84HN"}).status_code == 200
    response = client.post("/en/status/", {"code": "7K3M-Q9XW-T2RB-84HN"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_the_resident_can_add_information_and_a_file_later(client):
    walk_to(client, "what")
    code = code_in(submit(client)[0])
    response = client.post(
        "/en/status/add/",
        {
            "code": code,
            "text": "I remembered the car number: 4412.",
            "files": [upload("later.jpg", jpeg_with_gps())],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Your information was added" in response.content.decode()
    report = Report.objects.get()
    assert report.updates.get().text.startswith("I remembered")
    assert report.attachments.get().added_later
