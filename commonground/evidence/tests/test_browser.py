"""A custodian imports body-worn-camera footage in a real browser, views it, downloads the
original after confirming their second factor, and reads its custody report. Every page on the
way is checked with axe-core."""

import datetime

import pytest
from django.utils import timezone

from commonground.complaints.tests.factories import agency_with_officers
from commonground.evidence.models import CustodyKind, StoredFile
from commonground.evidence.tests.media import mp4
from commonground.testing.browser import assert_accessible, fresh_totp_code

pytestmark = [pytest.mark.browser, pytest.mark.files]


def test_footage_from_import_to_custody_report(
    live_server, page, sign_in_browser, custodian, tmp_path
):
    officer = agency_with_officers(1)[3][0]
    sign_in_browser(custodian)
    page.goto("/en/staff/evidence/")
    assert_accessible(page)  # the empty list says how evidence arrives
    page.locator("main a[href$='/staff/evidence/footage/new/']").click()
    assert_accessible(page)

    footage = tmp_path / "cam-31.mp4"
    footage.write_bytes(mp4(754, payload=b"\x07" * 300_000))
    start = timezone.localtime() - datetime.timedelta(days=1)
    page.fill("input[name=device_id]", "CAM-31")
    page.fill("input[name=badge]", officer.badge_number)
    page.fill("input[name=started_at]", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill(
        "input[name=ended_at]", (start + datetime.timedelta(minutes=13)).strftime("%Y-%m-%dT%H:%M")
    )
    page.set_input_files("input[name=file]", str(footage))
    page.locator("main form[enctype] [type=submit]").click()
    page.wait_for_url("**/staff/evidence/*/")
    item = StoredFile.objects.get()
    assert item.duration_seconds == pytest.approx(754)
    assert item.sha256 in page.content()
    assert_accessible(page)

    # Viewing the video in the page is recorded.
    page.locator("main video").evaluate("v => v.load()")
    page.wait_for_function(
        "() => document.querySelector('main video').readyState >= 1 || "
        "document.querySelector('main video').error !== null"
    )

    # Downloading the original: a reason, then the second factor, then the file.
    page.locator("main details:has(form[action$='/download/']) summary").click()
    page.fill("input[name=download-reason]", "Disclosure to the prosecutor, request 26-114")
    page.locator("main form[action$='/download/'] [type=submit]").click()
    page.wait_for_url("**/accounts/2fa/reauthenticate/**")
    assert_accessible(page)
    page.fill("input[name=code]", fresh_totp_code("JBSWY3DPEHPK3PXP"))
    with page.expect_download() as download:
        page.locator("main form [type=submit]").click()
    saved = tmp_path / "downloaded.mp4"
    download.value.save_as(saved)
    assert saved.read_bytes() == footage.read_bytes()

    kinds = list(item.custody.values_list("kind", flat=True))
    assert kinds[0] == CustodyKind.RECEIVED
    assert CustodyKind.VIEWED in kinds
    assert kinds[-1] == CustodyKind.DOWNLOADED

    page.goto(f"/en/staff/evidence/{item.uuid}/custody/")
    assert "Disclosure to the prosecutor" in page.content()
    assert_accessible(page)


def test_areas_drawn_on_a_photo_are_blacked_out_in_a_redacted_copy(
    live_server, page, sign_in_browser, supervisor
):
    from commonground.evidence.actions import ingest_upload
    from commonground.evidence.models import ItemKind
    from commonground.evidence.tests.media import png, uploaded

    original = ingest_upload(
        upload=uploaded("scene.png", png((400, 300), "white")),
        kind=ItemKind.CASE_FILE,
        by=supervisor,
    )
    sign_in_browser(supervisor)
    page.goto(f"/en/staff/evidence/{original.uuid}/")
    image = page.locator("main img.evidence-preview")
    image.wait_for()
    page.wait_for_function("() => document.querySelector('main img.evidence-preview').complete")
    box = image.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    drawn = page.input_value("textarea[name=redact-boxes]")
    left, top, width, height = (int(v) for v in drawn.split(","))
    assert abs(left - 100) <= 3 and abs(top - 75) <= 3
    assert abs(width - 100) <= 3 and abs(height - 75) <= 3
    page.select_option("select[name=redact-purpose]", "release")
    page.fill("textarea[name=redact-note]", "A bystander's face")
    assert_accessible(page)
    page.locator("main form[action*='/do/redact/'] [type=submit]").click()
    page.wait_for_load_state()
    copy = StoredFile.objects.get(derived_from=original)
    assert copy.redaction_purpose == "release"
    from PIL import Image

    with copy.file.open("rb") as stored, Image.open(stored) as redacted:
        assert redacted.convert("RGB").getpixel((150, 110)) == (0, 0, 0)
        assert redacted.convert("RGB").getpixel((300, 250)) == (255, 255, 255)
