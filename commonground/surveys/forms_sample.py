"""Forms of the sampling pages: importing an address list, drawing a sample, printing letters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commonground.surveys import sampling
from commonground.surveys.actions import LETTERS_PER_BATCH, LetterBatch
from commonground.surveys.models import Survey


class FrameImportForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Survey"), queryset=Survey.objects.all(), empty_label=None
    )
    name = forms.CharField(
        label=_("Name of the list"),
        max_length=120,
        help_text=_("For example “City addresses, January 2026”."),
    )
    file = forms.FileField(
        label=_("Address list (CSV)"),
        help_text=_(
            "A CSV file, UTF-8, whose first line names the columns line1, line2, city, "
            "postcode and district (the district's code, e.g. D1)."
        ),
    )
    skip_bad_rows = forms.BooleanField(
        label=_("Import the good rows and skip the rows with errors"),
        required=False,
        help_text=_("Leave unticked to import nothing until every row is right."),
    )


class DrawForm(forms.Form):
    frame = forms.ModelChoiceField(label=_("Address list"), queryset=None, empty_label=None)
    allocation = forms.ChoiceField(
        label=_("How to share the sample among districts"),
        widget=forms.RadioSelect,
        choices=[
            (
                sampling.Allocation.PROPORTIONAL,
                _("In proportion to each district's number of addresses"),
            ),
            (sampling.Allocation.EQUAL, _("The same number in every district")),
            (sampling.Allocation.PER_DISTRICT, _("A number I give for each district")),
        ],
        initial=sampling.Allocation.PROPORTIONAL,
    )
    total = forms.IntegerField(
        label=_("Addresses to draw in all"),
        min_value=1,
        required=False,
        help_text=_("For proportional or equal shares."),
    )
    seed = forms.IntegerField(
        label=_("Seed (optional)"),
        min_value=0,
        max_value=sampling.SEED_LIMIT - 1,
        required=False,
        help_text=_(
            "Leave empty for a random one. The seed is recorded: the same list, sizes and seed "
            "always draw the same addresses."
        ),
    )

    def __init__(self, *args, frames, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frame"].queryset = frames
        self.districts = districts
        for district in districts:
            self.fields[f"size_{district.code}"] = forms.IntegerField(
                label=_("Addresses to draw in %(name)s (%(code)s)")
                % {"name": district.name, "code": district.code},
                min_value=0,
                required=False,
            )

    def per_district(self) -> dict[str, int]:
        return {d.code: self.cleaned_data.get(f"size_{d.code}") or 0 for d in self.districts}

    def size_fields(self):
        return [self[f"size_{d.code}"] for d in self.districts]

    def clean(self):
        data = super().clean()
        allocation = data.get("allocation")
        shares = allocation in (sampling.Allocation.PROPORTIONAL, sampling.Allocation.EQUAL)
        if shares and not data.get("total") and "total" not in self.errors:
            self.add_error("total", _("Give the number of addresses to draw."))
        return data


class LettersForm(forms.Form):
    which = forms.ChoiceField(
        label=_("Which letters"),
        widget=forms.RadioSelect,
        choices=[
            (LetterBatch.UNPRINTED, _("Letters not printed yet")),
            (
                LetterBatch.REPRINT,
                _(
                    "Reprint every unused invitation: new codes, the old letters' codes stop working"
                ),
            ),
        ],
        initial=LetterBatch.UNPRINTED,
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    limit = forms.IntegerField(
        label=_("Letters in this batch"),
        min_value=1,
        max_value=LETTERS_PER_BATCH,
        initial=200,
        help_text=_("At most 500 letters in one file."),
    )

    def __init__(self, *args, districts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("Every district"))] + [
            (d.code, f"{d.name} ({d.code})") for d in districts
        ]


class ReturnsForm(forms.Form):
    codes = forms.CharField(
        label=_("Codes on the returned letters"),
        help_text=_(
            "One code per line, as printed on the letter; spaces and dashes do not matter."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
    )
    disposition = forms.ChoiceField(label=_("What came back"))

    def __init__(self, *args, dispositions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["disposition"].choices = [("", _("Choose…"))] + [
            (d.code, f"{d.code} {d.label}") for d in dispositions
        ]
