from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from commonground.lib.sizes import readable_size
from commonground.training.actions import Wording
from commonground.training.models import PolicyCategory


def _pdf_help() -> str:
    return gettext("The signed original, if there is one; up to %(limit)s.") % {
        "limit": readable_size(settings.POLICY_PDF_MAX_BYTES)
    }


lazy_size_help = lazy(_pdf_help, str)()


class VersionForm(forms.Form):
    """A version's wording in English and Spanish (the errors come from the action)."""

    title_en = forms.CharField(label=_("Title in English"), max_length=200, required=False)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=200, required=False)
    text_en = forms.CharField(
        label=_("Text in English"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Plain text; a blank line starts a new paragraph."),
    )
    text_es = forms.CharField(
        label=_("Text in Spanish"), required=False, widget=forms.Textarea(attrs={"rows": 12})
    )
    changes_en = forms.CharField(
        label=_("What changed, in English"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown with the version, so readers see what is new."),
    )
    changes_es = forms.CharField(
        label=_("What changed, in Spanish"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    effective_on = forms.DateField(
        label=_("Takes effect on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    pdf = forms.FileField(
        label=_("Signed PDF (optional)"),
        required=False,
        help_text=lazy_size_help,
    )

    def wording(self) -> Wording:
        data = self.cleaned_data
        return Wording(
            titles={"en": data["title_en"], "es": data["title_es"]},
            texts={"en": data["text_en"], "es": data["text_es"]},
            changes={"en": data["changes_en"], "es": data["changes_es"]},
            effective_on=data["effective_on"],
        )

    @classmethod
    def initial_from(cls, version) -> dict:
        initial = {"effective_on": version.effective_on}
        for code in ("en", "es"):
            initial[f"title_{code}"] = version.titles.get(code, "")
            initial[f"text_{code}"] = version.texts.get(code, "")
            initial[f"changes_{code}"] = version.changes.get(code, "")
        return initial


class NewPolicyForm(VersionForm):
    number = forms.CharField(label=_("Number"), max_length=30, help_text=_("For example GO 3.02."))
    category = forms.ChoiceField(label=_("Category"), choices=PolicyCategory.choices)
    field_order = ["number", "category"]


class RetireForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is retired"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the public with the policy, e.g. “Replaced by GO 3.05”."),
    )
