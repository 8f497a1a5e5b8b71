"""Forms of the results pages: a margins file, and a weighting run's trimming settings."""

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_MARGINS_BYTES = 2 * 1024 * 1024


class MarginsForm(forms.Form):
    file = forms.FileField(
        label=_("Margins file (CSV)"),
        help_text=_(
            "One line per district, variable and category, with the columns district, variable, "
            "category, population, source and year. A line for a district, variable and "
            "category that is already kept replaces it."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_MARGINS_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB; split it in parts."))
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _("The file is not text in UTF-8; save it from the spreadsheet as CSV UTF-8.")
            ) from None


class WeightingForm(forms.Form):
    lower = forms.FloatField(
        label=_("Lowest weight, as a multiple of the mean weight (optional)"),
        required=False,
        min_value=0,
        help_text=_("For example 0.2. Leave empty for no lower bound."),
    )
    upper = forms.FloatField(
        label=_("Highest weight, as a multiple of the mean weight (optional)"),
        required=False,
        help_text=_("For example 5. Leave empty for no upper bound."),
    )
    max_design_effect = forms.FloatField(
        label=_("Largest design effect allowed (optional)"),
        required=False,
        help_text=_(
            "For example 2.5: the largest weights are cut until the design effect is no more "
            "than this. Leave empty for no cap."
        ),
    )
