"""Requests larger than a route takes are refused with 413, before their body is read, or as
soon as it passes the limit; CSRF is checked on those views exactly as everywhere else."""

import io
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import get_resolver, resolve, reverse

from commonground.evidence.decorators import limit_upload
from commonground.evidence.files import (
    ROUTE_LIMITS,
    HashingUploadHandler,
    UploadLimit,
    UploadTooLarge,
    form_overhead,
    upload_limit_for,
)
from commonground.evidence.models import StoredFile, UploadSession
from commonground.evidence.tests.helpers import officer
from commonground.evidence.tests.media import mp4
from commonground.evidence.tests.test_views import footage_post

pytestmark = [pytest.mark.django_db, pytest.mark.files]

TEN_GB = 10 * 1000**3


class Unread(io.RawIOBase):
    """A request body that must not be read: the answer has to come from its declared length."""

    def readable(self):
        return True

    def readinto(self, buffer):
        raise AssertionError("the body of a request refused for its size was read")


def post_declaring(client, url, length, content_type="multipart/form-data; boundary=xyz"):
    return client.generic(
        "POST",
        url,
        CONTENT_LENGTH=str(length),
        CONTENT_TYPE=content_type,
        **{"wsgi.input": Unread()},
    )


def temporary_files():
    from django.conf import settings

    return set(os.listdir(settings.FILE_UPLOAD_TEMP_DIR))


def test_footage_larger_than_any_upload_may_be_gets_413_before_its_body_is_read(
    client, custodian, settings
):
    settings.EVIDENCE_MAX_BYTES = 5_000_000_000
    client.force_login(custodian)
    response = post_declaring(client, reverse("evidence:import_footage"), TEN_GB)
    page = response.content.decode()
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "What you sent (10 GB) is more than we can receive at once." in page
    assert "The most one file may be is 5 GB." in page
    assert "Nothing you sent was stored." in page
    assert not StoredFile.objects.exists()


def test_a_redaction_too_large_for_the_route_gets_413_before_its_body_is_read(client, custodian):
    client.force_login(custodian)
    url = reverse("evidence:item_action", args=["6f1b1c1e-0000-4000-8000-000000000000", "x"])
    assert post_declaring(client, url, TEN_GB).status_code == 413


def test_a_piece_declared_larger_than_a_piece_gets_413_json_before_it_is_read(
    client, custodian, settings
):
    settings.EVIDENCE_UPLOAD_CHUNK_BYTES = 64 * 1024
    client.force_login(custodian)
    session = client.post(
        reverse("evidence:start_upload"),
        {"name": "cam.mp4", "size": 1_000_000},
        content_type="application/json",
    ).json()
    response = client.generic(
        "PUT",
        session["chunk_url"],
        CONTENT_LENGTH=str(64 * 1024 + 1),
        CONTENT_TYPE="application/octet-stream",
        HTTP_UPLOAD_OFFSET="0",
        **{"wsgi.input": Unread()},
    )
    assert response.status_code == 413
    assert response.json() == {
        "error": f"This piece is {64 * 1024 + 1} bytes; send pieces of at most {64 * 1024} bytes."
    }
    assert UploadSession.objects.get().chunks.count() == 0


def test_an_announcement_too_large_to_be_a_name_and_a_size_gets_413(client, custodian):
    client.force_login(custodian)
    response = post_declaring(
        client, reverse("evidence:start_upload"), 10_000_000, "application/json"
    )
    assert response.status_code == 413
    assert "name and its size" in response.json()["error"]


def test_a_body_longer_than_it_declared_is_refused_as_soon_as_it_passes_the_limit():
    """A server that passes on more than Content-Length says (or no length at all: ASGI does)
    is refused by the upload handler while the body streams in, and no temporary file stays."""
    limit = UploadLimit(request_bytes=20_000, file_bytes=15_000)

    @limit_upload(lambda: limit, json=True)
    def view(request):
        request.FILES  # noqa: B018 (reading the body is what is tested)
        return HttpResponse("read whole")

    request = RequestFactory().post(
        "/upload/", {"file": SimpleUploadedFile("cam.mp4", mp4(payload=b"\x01" * 60_000))}
    )
    body = request.read()
    request = RequestFactory().generic(
        "POST",
        "/upload/",
        CONTENT_TYPE=f"multipart/form-data; boundary={_boundary(body)}",
        CONTENT_LENGTH="900",  # a false, small length
        **{"wsgi.input": io.BytesIO(body)},
    )
    request._stream = io.BytesIO(body)  # all of it, as ASGI passes it on
    request._dont_enforce_csrf_checks = True
    before = temporary_files()
    response = view(request)
    assert response.status_code == 413
    assert "more than we can receive at once" in json.loads(response.content)["error"]
    assert temporary_files() == before


def _boundary(body: bytes) -> str:
    return body.split(b"\r\n", 1)[0].removeprefix(b"--").decode()


def test_the_handler_holds_routes_of_other_apps_to_their_own_limits(rf, settings):
    """Policy PDFs and stop imports are received by views in other apps: the upload handler
    refuses their oversized requests all the same, before reading them."""
    settings.POLICY_PDF_MAX_BYTES = 1_000_000
    request = rf.post("/en/staff/policies/new/")
    request.resolver_match = resolve("/en/staff/policies/new/")
    handler = HashingUploadHandler(request)
    assert handler.max_bytes == 1_000_000
    with pytest.raises(UploadTooLarge):
        handler.handle_raw_input(
            Unread(), request.META, 1_000_000 + form_overhead() + 1, b"xyz", "utf-8"
        )
    assert handler.handle_raw_input(Unread(), request.META, 900_000, b"xyz", "utf-8") is None


def test_every_route_with_a_limit_exists():
    resolver = get_resolver()
    for name in ROUTE_LIMITS:
        app, url_name = name.split(":")
        assert url_name in resolver.namespace_dict[app][1].reverse_dict, name


def test_an_unlisted_route_keeps_the_limits_of_who_is_sending(rf, settings, custodian):
    request = rf.post("/somewhere/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert upload_limit_for(request).file_bytes == settings.ATTACHMENT_MAX_BYTES
    request.user = custodian
    assert upload_limit_for(request).file_bytes == settings.EVIDENCE_MAX_BYTES


def test_views_that_check_sizes_first_still_refuse_a_forged_request(custodian):
    client = Client(enforce_csrf_checks=True)
    client.force_login(custodian)
    url = reverse("evidence:import_footage")
    forged = client.post(url, footage_post(officer().badge_number))
    assert forged.status_code == 403
    client.get(url)
    token = client.cookies["csrftoken"].value
    genuine = client.post(url, {**footage_post("9999"), "csrfmiddlewaretoken": token})
    assert genuine.status_code == 400  # checked, and refused for its unknown badge only
    assert "No officer on the roster has badge number 9999" in genuine.content.decode()


def test_other_apps_upload_routes_answer_413_too_with_the_limit_in_words(client, settings):
    """A policy PDF or a stop file too large for its route: the upload handler refuses it before
    reading it, and the page says so with status 413 (web.views.bad_request)."""
    from commonground.accounts.models import Role
    from commonground.conftest import make_staff

    settings.POLICY_PDF_MAX_BYTES = 1_000_000
    client.force_login(make_staff("keeper", Role.TRAINING_COORDINATOR))
    body = b"--xyz\r\n" + b"x" * 10
    response = client.generic(
        "POST",
        "/en/staff/policies/new/",
        CONTENT_LENGTH=str(TEN_GB),
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        **{"wsgi.input": io.BytesIO(body)},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "Too large to receive" in page and "more than we can receive at once" in page
