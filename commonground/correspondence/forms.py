from django import forms
from django.utils.translation import gettext_lazy as _

from commonground.correspondence.models import CallOutcome, TaskKind, TaskStatus


class TaskFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Calls and letters")), *TaskKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (TaskStatus.OPEN, TaskStatus.OPEN.label),
            *[c for c in TaskStatus.choices if c[0] != TaskStatus.OPEN],
            ("all", _("All")),
        ],
        required=False,
    )


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("What happened on the call?"),
        choices=CallOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what happened on the call.")},
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        help_text=_("For example: the resident asked to be called after 5 pm."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReturnedForm(forms.Form):
    note = forms.CharField(
        label=_("What the post said (optional)"),
        help_text=_("For example: 'Addressee unknown'."),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
