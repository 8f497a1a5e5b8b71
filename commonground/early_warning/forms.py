from django import forms
from django.utils.translation import gettext_lazy as _

from commonground.early_warning.models import (
    OPEN_ALERT_STATUSES,
    AlertStatus,
    FollowUpOutcome,
    InterventionKind,
    InterventionStatus,
)


class ReviewForm(forms.Form):
    agrees = forms.TypedChoiceField(
        label=_("Do you agree this officer's record needs attention?"),
        choices=[("yes", _("Yes, I agree")), ("no", _("No, I disagree"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether you agree.")},
    )
    reason = forms.CharField(
        label=_("Why"),
        help_text=_(
            "What you know that the figures do not: the context of the incidents, what the "
            "officer's assignment involves. Your reasons are read when the detectors are tuned."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        error_messages={"required": _("Say why you agree or disagree.")},
    )


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Intervention"),
        choices=[("", _("Choose…")), *InterventionKind.choices],
        error_messages={"required": _("Choose what kind of intervention this is.")},
    )
    description = forms.CharField(
        label=_("What will be done"),
        help_text=_("For example the course, the mentor, or how supervision changes."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Describe the intervention.")},
    )
    follow_up_on = forms.DateField(
        label=_("First follow-up"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the date of the first follow-up."),
            "invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-31."),
        },
    )


class FollowUpForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How is it going"),
        choices=FollowUpOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how the officer is doing.")},
    )
    note = forms.CharField(
        label=_("What you saw"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        error_messages={"required": _("Write what you saw at this follow-up.")},
    )
    status = forms.ChoiceField(
        label=_("The intervention is now"),
        choices=[
            (InterventionStatus.UNDER_WAY, _("Still under way")),
            (InterventionStatus.COMPLETED, InterventionStatus.COMPLETED.label),
            (InterventionStatus.NOT_COMPLETED, InterventionStatus.NOT_COMPLETED.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the intervention goes on.")},
    )
    next_follow_up_on = forms.DateField(
        label=_("Next follow-up"),
        help_text=_("Needed while the intervention is under way."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-31.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("status") == InterventionStatus.UNDER_WAY and not data.get("next_follow_up_on"):
            self.add_error(
                "next_follow_up_on", _("Give the date of the next follow-up while it goes on.")
            )
        return data


STATUS_FILTERS = {
    "open": OPEN_ALERT_STATUSES,
    "waiting": [AlertStatus.OPEN],
    "closed": [AlertStatus.DISMISSED, AlertStatus.CLOSED],
    "all": list(AlertStatus.values),
}


class AlertFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("open", _("Open alerts")),
            ("waiting", _("Waiting for review")),
            ("closed", _("Closed alerts")),
            ("all", _("All alerts")),
        ],
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("Raised from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-31.")},
    )
    end = forms.DateField(
        label=_("Raised until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2026-03-31.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data
