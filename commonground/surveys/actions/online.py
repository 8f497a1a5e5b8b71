"""The resident's questionnaire in progress (drafts)."""

import secrets

from django.db import transaction
from django.utils import timezone

from commonground.lib.crypto import keyed_hash
from commonground.surveys import codes
from commonground.surveys.actions.answers import WaveNotOpen
from commonground.surveys.models import (
    Draft,
    Wave,
    WaveStatus,
)

#
# A resident answers without an account, so these actions check no permission; and, like
# `submit_response`, they write no audit event: an event would date a resident's answering.


def draft_key_for_code(code: str) -> str:
    """The key a questionnaire begun with an invitation code is kept under: a keyed hash of
    the code (under a purpose of its own, so it matches no `Invitation.code_hash`), so typing
    the code again on another device finds the answers given so far."""
    return keyed_hash(codes.normalise(code), "survey-draft")


def new_draft_key() -> str:
    """The key of a questionnaire begun through the open link: a hash of 256 random bits,
    kept only in the resident's session."""
    return keyed_hash(secrets.token_urlsafe(32), "survey-draft")


def start_draft(*, wave: Wave, key_hash: str, language: str) -> Draft:
    """The draft kept under `key_hash`, made (empty, at page 1) when there is none yet.
    Refused (WaveNotOpen) when the wave takes no answers."""
    with transaction.atomic():
        if not Wave.objects.filter(pk=wave.pk, status=WaveStatus.OPEN).exists():
            raise WaveNotOpen("This survey is not taking answers now.")
        draft, _made = Draft.objects.get_or_create(
            key_hash=key_hash,
            wave=wave,
            defaults={"language": language, "answers": {}, "page": 1, "updated_at": timezone.now()},
        )
    return draft


def save_draft_page(
    *, draft: Draft, page_names: list[str], answers: dict, page: int, language: str
) -> Draft | None:
    """Keep one page's answers: this page's earlier answers are replaced by `answers` (which
    the page's form has checked), the other pages' are left alone. `page` is where the
    resident goes next, so a later visit resumes there. None when the draft is gone (sent
    meanwhile from another tab)."""
    unknown = set(answers) - set(page_names)
    if unknown:
        raise ValueError(f"answers to questions not on this page: {sorted(unknown)}")
    with transaction.atomic():
        current = Draft.objects.select_for_update().filter(pk=draft.pk).first()
        if current is None:
            return None
        kept = {name: value for name, value in current.answers.items() if name not in page_names}
        kept.update(answers)
        current.answers = kept
        current.page = page
        current.language = language
        current.updated_at = timezone.now()
        current.save(update_fields=["answers", "page", "language", "updated_at"])
    return current


def discard_draft(*, key_hash: str, wave: Wave) -> None:
    """A resident stops: an open-link draft has no way back (its key was only in their
    session), so it goes."""
    Draft.objects.filter(key_hash=key_hash, wave=wave).delete()
