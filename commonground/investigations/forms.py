import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonground.complaints.forms import CaseFilterForm, FilesForm
from commonground.complaints.models import (
    AllegationCategory,
    AllegationSubtype,
    Finding,
    Kind,
    OfficerRole,
    Outcome,
    Report,
    Status,
)
from commonground.investigations.actions import MEDIATION_CLOSINGS, TRIAGE_CLOSINGS
from commonground.investigations.models import EntryKind, LinkState, ReviewDecision
from commonground.roster.models import Officer


class CaseListForm(CaseFilterForm):
    """The case list's search, filters and order (all in the query string, so every page,
    bookmark and link keeps them)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_(
            "A reference (CG-2026-000123, or just 123), an officer's name or badge, or the name "
            "of a person in the report."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["q"]

    def filters(self) -> dict:
        """The filters that are valid: one mistyped field is shown with its error while the
        others still apply."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in ("q", "sort")}

    def search(self) -> str:
        if not self.is_bound:
            return ""
        self.is_valid()
        return self.cleaned_data.get("q", "")


class CaseForm(forms.Form):
    """A form on the case page: built for one report (and its case, once open)."""

    def __init__(self, report, case, *args, **kwargs):
        self.report, self.case = report, case
        super().__init__(*args, **kwargs)


class EmptyForm(CaseForm):
    pass


class OfficerByBadgeField(forms.CharField):
    def clean(self, value):
        badge = super().clean(value).strip().lstrip("#")
        officer = Officer.objects.filter(badge_number__iexact=badge).first()
        if officer is None:
            raise forms.ValidationError(
                _("No officer on the roster has badge number %(badge)s.") % {"badge": badge}
            )
        return officer


class IdentifyOfficerForm(CaseForm):
    involved = forms.TypedChoiceField(label=_("Officer as described"), coerce=int)
    officer = OfficerByBadgeField(label=_("Badge number on the roster"), max_length=20)
    role = forms.ChoiceField(label=_("Role in the events"), choices=OfficerRole.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["involved"].choices = [
            (o.pk, o.as_described()) for o in self.report.officers.all()
        ]


class AddOfficerForm(CaseForm):
    officer = OfficerByBadgeField(label=_("Badge number on the roster"), max_length=20)
    role = forms.ChoiceField(label=_("Role in the events"), choices=OfficerRole.choices)


class SubtypeSelect(forms.Select):
    """Sub-types grouped by category; each option names its category (data-category) so the
    page's script can offer only the chosen category's sub-types."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories: dict[str, str] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if (category := self.categories.get(str(value))) is not None:
            option["attrs"]["data-category"] = category
        return option


class AllegationForm(CaseForm):
    involved = forms.TypedChoiceField(label=_("Officer"), coerce=int)
    category = forms.ChoiceField(
        label=_("Category"),
        choices=AllegationCategory.choices,
        widget=forms.Select(attrs={"data-subtypes": "id_allegation-subtype"}),
    )
    subtype = forms.ModelChoiceField(
        label=_("Sub-type"),
        queryset=AllegationSubtype.objects.filter(active=True),
        required=False,
        widget=SubtypeSelect,
        help_text=_("Optional. Only the sub-types of the category chosen above fit."),
    )
    summary = forms.CharField(label=_("What the officer is said to have done"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["involved"].choices = [
            (o.pk, o.as_described()) for o in self.report.officers.filter(role=OfficerRole.SUBJECT)
        ]
        subtype = self.fields["subtype"]
        subtypes = list(subtype.queryset)
        subtype.widget.categories = {str(s.pk): s.category for s in subtypes}
        subtype.choices = [("", _("(none)"))] + [
            (label, [(s.pk, s.name) for s in subtypes if s.category == category])
            for category, label in AllegationCategory.choices
            if any(s.category == category for s in subtypes)
        ]

    def clean(self):
        cleaned = super().clean()
        category, subtype = cleaned.get("category"), cleaned.get("subtype")
        if category and subtype and subtype.category != category:
            self.add_error(
                "subtype",
                _(
                    "“%(subtype)s” is a sub-type of %(its)s, not of %(chosen)s: choose one of "
                    "%(chosen)s or none."
                )
                % {
                    "subtype": subtype.name,
                    "its": AllegationCategory(subtype.category).label,
                    "chosen": AllegationCategory(category).label,
                },
            )
        return cleaned


class RemoveAllegationForm(CaseForm):
    allegation = forms.TypedChoiceField(coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allegation"].choices = [(a.pk, str(a)) for a in self.report.allegations.all()]


class FootageForm(CaseForm):
    """Confirm suggested footage as evidence on the case, or dismiss it with the reason."""

    link = forms.TypedChoiceField(label=_("Footage"), coerce=int)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirm", _("Evidence on this case")),
            ("dismiss", _("Not relevant")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the footage is not relevant: say why."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        links = (
            self.case.evidence_links.filter(state=LinkState.SUGGESTED).select_related(
                "item__recording__officer"
            )
            if self.case
            else []
        )
        self.fields["link"].choices = [
            (link.pk, f"{link.item.reference} — {link.basis}") for link in links
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "dismiss" and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why this footage is not relevant."))
        return cleaned


REFERENCE = re.compile(r"^\s*CG-(\d{4})-(\d+)\s*$", re.IGNORECASE)


class MergeForm(CaseForm):
    into = forms.CharField(
        label=_("Reference of the report to combine it with"),
        help_text=_("For example, CG-2026-000123."),
        max_length=30,
    )
    reason = forms.CharField(label=_("Why they are the same incident"), widget=forms.Textarea)

    def clean_into(self):
        match = REFERENCE.match(self.cleaned_data["into"])
        report = None
        if match:
            report = Report.objects.filter(
                pk=int(match[2]), received_at__year=int(match[1]), kind=Kind.COMPLAINT
            ).first()
        if report is None:
            raise forms.ValidationError(_("No complaint has this reference."))
        return report


class RouteForm(CaseForm):
    to = forms.ChoiceField(
        label=_("Send to"),
        choices=[
            (Status.INVESTIGATION, _("Full investigation")),
            (Status.MEDIATION, _("Mediation")),
        ],
        widget=forms.RadioSelect,
    )
    investigator = forms.TypedChoiceField(label=_("Investigator"), required=False, empty_value=None)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea, required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        _offer_investigators(self.fields["investigator"], candidates, optional=True)


def _offer_investigators(field, candidates, *, optional: bool) -> None:
    """The field lists every investigator and its cleaned value is the chosen person."""
    users = {str(c.user.pk): c.user for c in candidates}
    field.choices = investigator_choices(candidates)[0 if optional else 1 :]
    field.coerce = users.__getitem__


def investigator_choices(candidates):
    """Everyone who investigates, with the reason they cannot take this case, if any."""
    choices = [("", _("(assign later)"))]
    for c in candidates:
        label = c.user.get_full_name() or c.user.get_username()
        if c.conflicts:
            label = _("%(name)s — conflict: %(reasons)s") % {
                "name": label,
                "reasons": "; ".join(c.conflicts),
            }
        choices.append((c.user.pk, label))
    return choices


class AssignForm(CaseForm):
    investigator = forms.TypedChoiceField(label=_("Investigator"))

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        _offer_investigators(self.fields["investigator"], candidates, optional=False)


class CloseForm(CaseForm):
    outcome = forms.ChoiceField(label=_("Why it is closed"))
    reason = forms.CharField(label=_("Explanation (staff only)"), widget=forms.Textarea)
    referred_to = forms.CharField(
        label=_("Agency it is referred to"),
        required=False,
        max_length=200,
        help_text=_("Only for a referral: the reporter receives a letter naming it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = MEDIATION_CLOSINGS if self.report.status == Status.MEDIATION else TRIAGE_CLOSINGS
        self.fields["outcome"].choices = [(o, Outcome(o).label) for o in allowed]


class PauseForm(CaseForm):
    reason = forms.CharField(
        label=_("Why the clock is paused"),
        widget=forms.Textarea,
        help_text=_("For example: criminal proceedings pending, the complainant is unavailable."),
    )


class LogForm(CaseForm, FilesForm):
    kind = forms.ChoiceField(label=_("What"), choices=EntryKind.choices)
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    occurred_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    person = forms.CharField(
        label=_("Of whom, or from whom"),
        required=False,
        max_length=200,
        help_text=_("Who was interviewed, or who was asked for evidence."),
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea)

    field_order = ["kind", "occurred_on", "occurred_time", "person", "summary", "files"]

    def __init__(self, report, case, data=None, files=None, **kwargs):
        super().__init__(report, case, data, files, **kwargs)
        self.fields["occurred_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        day, at = cleaned.get("occurred_on"), cleaned.get("occurred_time")
        # No time given stays no time: the entry records the day only.
        cleaned["occurred_at"] = None
        if day:
            if day > timezone.localdate():
                self.add_error("occurred_on", _("The date cannot be in the future."))
            elif at:
                moment = timezone.make_aware(datetime.datetime.combine(day, at))
                if moment > timezone.now():
                    self.add_error("occurred_time", _("The time cannot be in the future."))
                cleaned["occurred_at"] = moment
        return cleaned


class FindingsForm(CaseForm):
    """One finding and rationale per allegation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allegation_fields = []
        for allegation in self.report.allegations.select_related("proposed_finding"):
            proposed = getattr(allegation, "proposed_finding", None)
            finding = forms.ChoiceField(
                label=_("Finding"),
                choices=[("", "—"), *Finding.choices],
                initial=proposed.finding if proposed else "",
            )
            rationale = forms.CharField(
                label=_("Rationale"),
                widget=forms.Textarea(attrs={"rows": 3}),
                initial=proposed.rationale if proposed else "",
            )
            self.fields[f"finding_{allegation.pk}"] = finding
            self.fields[f"rationale_{allegation.pk}"] = rationale
            self.allegation_fields.append(
                (allegation, self[f"finding_{allegation.pk}"], self[f"rationale_{allegation.pk}"])
            )

    def findings(self) -> dict[int, tuple[str, str]]:
        return {
            a.pk: (self.cleaned_data[f"finding_{a.pk}"], self.cleaned_data[f"rationale_{a.pk}"])
            for a, _f, _r in self.allegation_fields
        }


class ReviewForm(CaseForm):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label=_("Comments"),
        widget=forms.Textarea,
        required=False,
        help_text=_("Required when you return the findings."),
    )
