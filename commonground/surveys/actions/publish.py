"""Quotes staff redact from text answers and a colleague approves for the public."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.surveys.models import TEXT_KINDS, Quote, Wave

QUOTE_MAX_LENGTH = 600


def _checked_quote(wave: Wave, question, text: str) -> str:
    text = (text or "").strip()
    errors = {}
    if question is None or question.instrument_id != wave.instrument_id:
        errors["question"] = _("Choose a question of this wave's questionnaire.")
    elif question.kind not in TEXT_KINDS:
        errors["question"] = _("Quotes come from questions answered in the resident's own words.")
    if not text:
        errors["text"] = _("Write the quote, with anything that could identify a person taken out.")
    elif len(text) > QUOTE_MAX_LENGTH:
        errors["text"] = _("Keep a quote to %(limit)s characters or fewer.") % {
            "limit": QUOTE_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    return text


def make_quote(*, wave: Wave, question, text: str, by):
    """A redacted quote from a wave's text answers, not yet public. The audit event says a
    quote was made, never its words (the log is read by more people than the quotes)."""
    require(by, "surveys.redact", wave)
    text = _checked_quote(wave, question, text)
    with transaction.atomic():
        quote = Quote.objects.create(wave=wave, question=question, text=text, redacted_by=by)
        record(actor=by, action="survey.quote_made", target=quote, data={"wave": wave.pk})
    return quote


def approve_quote(*, quote, by):
    """Make a quote public (shown once its wave is published). Four eyes: someone other than
    the person who redacted it reads it again and approves it."""
    require(by, "surveys.redact", quote.wave)
    with transaction.atomic():
        current = Quote.objects.select_for_update().get(pk=quote.pk)
        if current.approved:
            raise ValidationError(_("This quote is already approved."))
        if current.redacted_by_id == by.pk:
            raise ValidationError(
                _(
                    "A colleague approves the quotes you redact: a second reader catches what "
                    "could identify someone. Ask someone else who redacts quotes to approve it."
                )
            )
        Quote.objects.filter(pk=quote.pk).update(approved=True, approved_by=by)
        quote.approved, quote.approved_by = True, by
        record(actor=by, action="survey.quote_approved", target=quote, data={})
    return quote


def withdraw_quote(*, quote, by) -> None:
    """Take a quote down and delete it: the public never sees it again."""
    require(by, "surveys.redact", quote.wave)
    with transaction.atomic():
        record(
            actor=by,
            action="survey.quote_withdrawn",
            target=quote,
            data={"wave": quote.wave_id, "was_approved": quote.approved},
        )
        quote.delete()


def note_text_answers_read(*, wave: Wave, by) -> None:
    """Reading residents' own words is reading sensitive data: audited, as every such view."""
    require(by, "surveys.redact", wave)
    record(actor=by, action="survey.text_answers_viewed", target=wave, data={})
