from django import forms
from django.utils.translation import gettext_lazy as _

from commonground.roster.models import District
from commonground.stops.models import BatchKind, BatchStatus


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"), choices=BatchKind.choices, widget=forms.RadioSelect
    )
    file = forms.FileField(
        label=_("File (CSV or Parquet)"),
        help_text=_(
            "Columns named as the Stanford Open Policing Project names them (see the list "
            "below). Every row is checked before anything is loaded."
        ),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=500,
        help_text=_("Where the file came from, what period it covers."),
    )


class BatchFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *BatchKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *BatchStatus.choices], required=False
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this batch withdrawn?"),
        max_length=500,
        help_text=_("For example: the agency sent a corrected file. The reason is kept."),
    )


class LinkComplaintForm(forms.Form):
    reference = forms.CharField(
        label=_("Complaint reference"),
        required=False,
        max_length=20,
        help_text=_("Such as CG-2025-000123. Leave empty to remove the link."),
    )


class IncidentFilterForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("All districts"),
        to_field_name="code",
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    badge = forms.CharField(label=_("Officer's badge number"), required=False, max_length=20)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data


class StopFilterForm(forms.Form):
    """The filters every analysis page shares."""

    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.all(),
        required=False,
        empty_label=_("All districts"),
        to_field_name="code",
    )
    stop_type = forms.ChoiceField(
        label=_("Stop type"),
        required=False,
        choices=[
            ("", _("All stops")),
            ("vehicular", _("Vehicle stops")),
            ("pedestrian", _("Pedestrian stops")),
        ],
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data


class VodFilterForm(StopFilterForm):
    """The veil-of-darkness test is about drivers, so it reads vehicle stops unless asked."""

    default_stop_type = "vehicular"

    stop_type = forms.ChoiceField(
        label=_("Stop type"),
        required=False,
        initial="vehicular",
        choices=[
            ("vehicular", _("Vehicle stops")),
            ("pedestrian", _("Pedestrian stops")),
            ("all", _("All stops")),
        ],
    )
    group = forms.ChoiceField(
        label=_("Group compared with white drivers"),
        required=False,
        choices=[
            ("black", _("Black")),
            ("hispanic", _("Hispanic")),
            ("asian/pacific islander", _("Asian or Pacific Islander")),
        ],
    )

    def clean_stop_type(self) -> str:
        chosen = self.cleaned_data["stop_type"] or self.default_stop_type
        return "" if chosen == "all" else chosen
