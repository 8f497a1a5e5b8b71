"""Upload limits are stated to people exactly as the settings give them: one unit convention
(decimal megabytes, as phones and computers show file sizes and as upload.js counts), one helper
(lib.sizes.readable_size). The resident's files step said 26 MB where the settings meant 25."""

import importlib

import pytest
from django.urls import reverse

from commonground.complaints.tests.test_intake_views import walk_to
from commonground.evidence.files import FileTooLarge, check_size
from commonground.lib.sizes import readable_size

DEFAULTS = importlib.import_module("commonground.settings")


@pytest.mark.parametrize(
    ("setting", "stated"),
    [
        ("ATTACHMENT_MAX_BYTES", "25 MB"),
        ("POLICY_PDF_MAX_BYTES", "20 MB"),
        ("EVIDENCE_MAX_BYTES", "8 GB"),
        ("STOPS_IMPORT_MAX_BYTES", "4 GB"),
    ],
)
def test_each_default_limit_reads_as_the_round_number_it_was_set_as(setting, stated):
    assert readable_size(getattr(DEFAULTS, setting)) == stated


@pytest.mark.django_db
def test_the_residents_files_step_states_the_settings_limit(client, settings):
    settings.ATTACHMENT_MAX_BYTES = DEFAULTS.ATTACHMENT_MAX_BYTES
    walk_to(client, "what")
    page = client.get(reverse("complaints:files")).content.decode()
    assert "each up to 25 MB." in page


def test_a_file_over_the_limit_is_told_the_limit_as_set():
    with pytest.raises(FileTooLarge) as refused:
        check_size(name="video.mp4", size=25_600_000, max_bytes=25_000_000)
    assert "“video.mp4” is 25.6 MB; the limit is 25 MB." in str(refused.value)


def test_sizes_read_in_the_readers_language():
    from django.utils import translation

    with translation.override("es"):
        assert readable_size(1_500_000_000) == "1,5 GB"
    assert readable_size(1_500_000_000) == "1.5 GB"
    assert readable_size(999) == "1 kB"
