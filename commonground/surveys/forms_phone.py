"""Forms of the phone and paper pages: a phone sample file, the calling rule, a call's
outcome, and a paper questionnaire typed in whole."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from commonground.roster.models import District
from commonground.surveys import phone as phone_rules
from commonground.surveys.actions import MAX_CALL_ATTEMPTS_LIMIT
from commonground.surveys.answers import field_for, questions_of
from commonground.surveys.models import Instrument


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PhoneSampleForm(forms.Form):
    sample_file = forms.FileField(
        label=_("Phone sample (CSV file)"),
        help_text=_(
            "One number a line. The first line names the columns: phone, district (the district's code) and language (en, es; empty for the questionnaire's first language)."
        ),
        error_messages={"required": _("Choose the CSV file to import.")},
    )


class MaxAttemptsForm(forms.Form):
    max_call_attempts = forms.IntegerField(
        label=_("Calls to a number before it is finished"),
        help_text=_(
            "A number nobody answers is called again, at least an hour later, until it has had this many calls. Its last outcome then becomes its final one."
        ),
        min_value=1,
        max_value=MAX_CALL_ATTEMPTS_LIMIT,
        error_messages={"required": _("Give a number of calls from 1 to 20.")},
    )


class CallForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("What happened on the call?"),
        help_text=_(
            "A complete interview is not chosen here: it is recorded when you finish the interview."
        ),
        error_messages={"required": _("Choose what happened on the call.")},
    )
    callback_at = forms.DateTimeField(
        label=_("Call back on (only for a callback)"),
        required=False,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Give the day and the time, for example 2026-12-08 18:30.")},
    )
    note = forms.CharField(
        label=_("Note for the next interviewer (optional)"),
        help_text=_("For example: ask for the younger adult. Never write the number here."),
        max_length=300,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposition"].choices = [
            ("", _("Choose the outcome")),
            *phone_rules.disposition_choices(),
        ]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("disposition") == phone_rules.CALLBACK
            and not cleaned.get("callback_at")
            and "callback_at" not in self.errors
        ):
            self.add_error("callback_at", _("Give the day and time to call back."))
        return cleaned


class PaperDetailsForm(forms.Form):
    """What is printed on the questionnaire beside its answers."""

    language = forms.ChoiceField(label=_("Language of the printed questionnaire"))
    invitation_code = forms.CharField(
        label=_("Invitation code printed on it (if any)"),
        help_text=_(
            "For example 7KQ2-M9XD-4HRT. Leave empty for a questionnaire handed out in person."
        ),
        max_length=30,
        required=False,
    )
    district = forms.ModelChoiceField(
        label=_("District the person gave (without an invitation code)"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("Not given"),
    )

    def __init__(self, *args, instrument: Instrument, **kwargs):
        super().__init__(*args, prefix="paper", **kwargs)
        names = dict(settings.LANGUAGES)
        languages = instrument.languages or [instrument.default_language]
        self.fields["language"].choices = [(code, names.get(code, code)) for code in languages]


class PaperAnswersForm(forms.Form):
    """Every question of the questionnaire on one page, in one language. Nothing is required
    here: what must be answered depends on the skip logic, and `submit_response` checks the
    whole questionnaire (its messages are put back next to the questions)."""

    def __init__(self, *args, instrument: Instrument, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions_of(instrument)
        for question in self.questions:
            field = field_for(question, language)
            if field is None:
                continue
            field.required = False
            self.fields[question.name] = field

    def questions_and_fields(self):
        return [
            (question, self[question.name] if question.name in self.fields else None)
            for question in self.questions
        ]

    def answers(self) -> dict:
        return {
            name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])
        }
