"""The resident's forms for the online questionnaire: typing an invitation code. The
questionnaire's own pages use `answers.PageForm`."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your invitation code"),
        help_text=_(
            "It is on the letter we sent you: 12 letters and numbers, like 7KQ2-M9XD-4HRT. "
            "Capital or small letters, spaces and dashes are all fine."
        ),
        max_length=40,
        error_messages={"required": _("Type the code from your letter.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
    )
