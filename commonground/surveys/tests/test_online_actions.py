"""The online questionnaire's drafts: begun only while the wave is open, kept page by page,
keyed so that a code finds its draft again and matches nothing else."""

import pytest

from commonground.audit.models import AuditEvent
from commonground.surveys.actions import (
    WaveNotOpen,
    discard_draft,
    draft_key_for_code,
    new_draft_key,
    save_draft_page,
    start_draft,
)
from commonground.surveys.models import Draft, Invitation, WaveStatus
from commonground.surveys.tests.factories import make_invitations, make_wave

pytestmark = pytest.mark.django_db


def test_a_codes_draft_key_is_the_same_however_the_code_is_typed_and_matches_no_invitation():
    wave = make_wave()
    (code, invitation), *_rest = make_invitations(wave)
    key = draft_key_for_code(code)
    assert key == draft_key_for_code(code.lower().replace("-", " "))
    assert key != invitation.code_hash
    assert not Invitation.objects.filter(code_hash=key).exists()
    assert new_draft_key() != new_draft_key()


def test_a_draft_begins_once_and_only_while_the_wave_is_open():
    wave = make_wave()
    first = start_draft(wave=wave, key_hash="k" * 64, language="es")
    again = start_draft(wave=wave, key_hash="k" * 64, language="en")
    assert first.pk == again.pk
    assert (again.language, again.page, again.answers) == ("es", 1, {})
    closed = make_wave(wave.instrument, status=WaveStatus.CLOSED, label="closed")
    with pytest.raises(WaveNotOpen):
        start_draft(wave=closed, key_hash="c" * 64, language="en")
    assert Draft.objects.count() == 1


def test_a_page_replaces_only_its_own_answers():
    wave = make_wave()
    draft = start_draft(wave=wave, key_hash="k" * 64, language="en")
    save_draft_page(
        draft=draft,
        page_names=["safe", "contact"],
        answers={"safe": "4", "contact": "yes"},
        page=2,
        language="en",
    )
    save_draft_page(
        draft=draft,
        page_names=["contact_kind", "trust"],
        answers={"trust": 3.0},
        page=3,
        language="es",
    )
    saved = save_draft_page(
        draft=draft, page_names=["safe", "contact"], answers={"safe": "1"}, page=2, language="es"
    )
    assert saved.answers == {"safe": "1", "trust": 3.0}
    assert (saved.page, saved.language) == (2, "es")
    with pytest.raises(ValueError, match="not on this page"):
        save_draft_page(
            draft=draft, page_names=["safe"], answers={"trust": 1.0}, page=2, language="en"
        )


def test_a_sent_draft_is_not_brought_back_by_a_late_page():
    wave = make_wave()
    draft = start_draft(wave=wave, key_hash="k" * 64, language="en")
    discard_draft(key_hash="k" * 64, wave=wave)
    assert (
        save_draft_page(
            draft=draft, page_names=["safe"], answers={"safe": "2"}, page=2, language="en"
        )
        is None
    )
    assert not Draft.objects.exists()


def test_a_residents_draft_writes_no_audit_event():
    wave = make_wave()
    before = AuditEvent.objects.count()
    draft = start_draft(wave=wave, key_hash="k" * 64, language="en")
    save_draft_page(draft=draft, page_names=["safe"], answers={"safe": "2"}, page=2, language="en")
    discard_draft(key_hash="k" * 64, wave=wave)
    assert AuditEvent.objects.count() == before
