"""The clerk's intake form: a report taken by phone, at the counter, by post or from a partner.

It asks what the resident's step-by-step form asks, in a clerk's words ("Caller's name", not
"Your name"), on one page: officers are found in the roster as the clerk types, and there are as
many officer and person rows as the call needs (`Rows`). Validation of dates and long answers is
the resident form's own, so both intakes refuse the same things."""

import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonground.complaints.forms import (
    DateInput,
    LongTextForm,
    NarrativeForm,
    PersonForm,
    WhenWhereForm,
    _check_phone,
)
from commonground.complaints.models import Channel, ContactMethod, Kind, PersonRole, ReporterType
from commonground.roster.models import Officer
from commonground.roster.selectors import officers_with_badge, roster_officers_by_id

MAX_ROWS = 30


class ReceiptForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How the report reached us"),
        choices=[c for c in Channel.choices if c[0] != Channel.ONLINE],
        initial=Channel.PHONE,
    )
    received_on = forms.DateField(
        label=_("Date received"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the date the report reached us."),
            "invalid": _("Enter a real date, like 2026-03-14."),
        },
    )

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Complaint or commendation?"),
        choices=[
            (Kind.COMPLAINT, _("Complaint about an officer")),
            (Kind.COMMENDATION, _("Commendation of an officer")),
        ],
        widget=forms.RadioSelect,
        initial=Kind.COMPLAINT,
        error_messages={"required": _("Choose a complaint or a commendation.")},
    )


class CallerForm(forms.Form):
    reporter_type = forms.ChoiceField(
        label=_("The caller is"),
        choices=[
            (ReporterType.SELF, _("Reporting for themselves, by name")),
            (ReporterType.ON_BEHALF, _("Reporting on behalf of someone else")),
            (ReporterType.ANONYMOUS, _("Anonymous: keep no name or contact details")),
        ],
        widget=forms.RadioSelect,
        initial=ReporterType.SELF,
        error_messages={"required": _("Choose who the caller is reporting for.")},
    )
    name = forms.CharField(label=_("Caller's name"), max_length=120, required=False)
    reporter_relationship = forms.CharField(
        label=_("Caller's relationship to the person affected"),
        max_length=120,
        required=False,
    )
    phone = forms.CharField(label=_("Caller's phone"), max_length=30, required=False)
    email = forms.EmailField(
        label=_("Caller's e-mail"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an e-mail address like name@example.org.")},
    )
    address = forms.CharField(
        label=_("Caller's postal address"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    language = forms.ChoiceField(
        label=_("Caller's language, for our letters and messages"),
        choices=[
            (code, settings.LANGUAGE_NAMES_NATIVE[code]) for code, _name in settings.LANGUAGES
        ],
    )
    contact_method = forms.ChoiceField(
        label=_("How the caller wants to hear from us"),
        choices=[
            (ContactMethod.PHONE, _("Phone")),
            (ContactMethod.EMAIL, _("E-mail")),
            (ContactMethod.MAIL, _("Post")),
            (ContactMethod.NONE, _("No contact")),
        ],
        widget=forms.RadioSelect,
        initial=ContactMethod.PHONE,
        required=False,
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        return _check_phone(phone) if phone else ""

    def clean(self):
        data = super().clean()
        reporter_type = data.get("reporter_type")
        if reporter_type == ReporterType.ANONYMOUS:
            for name in ("name", "email", "phone", "address", "reporter_relationship"):
                data[name] = ""
            data["contact_method"] = ContactMethod.NONE
            return data
        if reporter_type and not data.get("name"):
            self.add_error("name", _("Enter the caller's name, or choose an anonymous caller."))
        if reporter_type == ReporterType.ON_BEHALF and not data.get("reporter_relationship"):
            self.add_error(
                "reporter_relationship",
                _("Enter how the caller knows the person they are reporting for."),
            )
        method = data.get("contact_method") or ContactMethod.NONE
        data["contact_method"] = method
        needed = {
            ContactMethod.EMAIL: (
                "email",
                _("Enter the caller's e-mail address, or choose another way to reach them."),
            ),
            ContactMethod.PHONE: (
                "phone",
                _("Enter the caller's phone number, or choose another way to reach them."),
            ),
            ContactMethod.MAIL: (
                "address",
                _("Enter the caller's postal address, or choose another way to reach them."),
            ),
        }
        if method in needed:
            field, message = needed[method]
            if not data.get(field) and field not in self.errors:
                self.add_error(field, message)
        return data


class ClerkWhenWhereForm(WhenWhereForm):
    """The resident's questions and checks, asked about the caller's account."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timing"].label = _("Does the caller know the exact date?")
        self.fields["timing"].choices = [
            ("exact", _("Yes, the exact date")),
            ("approximate", _("No, only roughly")),
        ]
        self.fields["incident_time"].label = _("Time (if known)")
        self.fields["location"].label = _("Where it happened")
        self.fields["location"].help_text = ""
        self.fields["district"].label = _("District (if known)")
        self.fields["district"].empty_label = _("Not known")


class ClerkNarrativeForm(NarrativeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["narrative"]
        field.label = _("What happened, in the caller's words")
        field.help_text = _("What was said and done, and by whom.")
        field.widget.attrs["rows"] = 5


@dataclass(frozen=True)
class BadgeCheck:
    """What the roster says about a typed badge number."""

    badge: str
    officer: Officer | None
    several: bool = False


def check_badge(badge: str) -> BadgeCheck | None:
    badge = (badge or "").strip()
    if not badge:
        return None
    found = officers_with_badge(badge)
    if len(found) == 1:
        return BadgeCheck(badge, found[0])
    return BadgeCheck(badge, None, several=len(found) > 1)


class OfficerRowForm(LongTextForm):
    """One officer: picked from the roster (`officer_id`), or as the caller described them. A
    badge typed exactly as the roster has it links the roster officer too."""

    officer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name_given = forms.CharField(
        label=_("Name, as the caller gave it"), max_length=120, required=False
    )
    badge_given = forms.CharField(
        label=_("Badge number"),
        max_length=20,
        required=False,
        # Says what the roster has for the badge as it is typed; filing says it again.
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "hx-get": reverse_lazy("complaints:staff_badge_check"),
                "hx-trigger": "input changed delay:400ms",
                "hx-target": "next .badge-check",
            }
        ),
    )
    description = forms.CharField(
        label=_("What the officer looked like, or anything else the caller said"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    vehicle = forms.CharField(label=_("Vehicle or car number"), max_length=60, required=False)

    def clean(self):
        data = super().clean()
        if not any(
            data.get(f)
            for f in ("officer_id", "name_given", "badge_given", "description", "vehicle")
        ):
            raise forms.ValidationError(_("Give at least a name, a badge number or a description."))
        if data.get("officer_id"):
            if data["officer_id"] not in roster_officers_by_id([data["officer_id"]]):
                raise forms.ValidationError(_("That officer is not in the roster."))
        else:
            check = check_badge(data.get("badge_given", ""))
            if check and check.officer:
                data["officer_id"] = check.officer.pk
        return data


class PersonRowForm(PersonForm):
    """A witness, the person affected or someone else the caller names."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"role": PersonRole.WITNESS})
        super().__init__(*args, **kwargs)
        self.fields["role"].label = _("Who is this?")
        self.fields["description"].widget.attrs["rows"] = 1


class Rows:
    """As many rows of one form as the call needs, named `<prefix>-<n>-<field>` like a formset's.

    Rows are kept as what was typed (plain dicts), so a row can be added or removed without
    a submission and without checking what is still being typed; `forms()` then builds them bound
    (to check and file) or showing the typed values (to carry on)."""

    def __init__(self, prefix: str, form_class, rows: list[dict]):
        self.prefix, self.form_class, self.rows = prefix, form_class, rows[:MAX_ROWS]

    @classmethod
    def from_post(cls, prefix: str, form_class, post) -> "Rows":
        pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-(\w+)$")
        found: dict[int, dict] = {}
        for key in post:
            match = pattern.match(key)
            if match and int(match[1]) < MAX_ROWS:
                found.setdefault(int(match[1]), {})[match[2]] = post.get(key, "")
        try:
            count = int(post.get(f"{prefix}-rows", 0))
        except ValueError:
            count = 0
        count = min(max([count, *(i + 1 for i in found)]), MAX_ROWS)
        return cls(prefix, form_class, [found.get(i, {}) for i in range(count)])

    def add(self, row: dict | None = None) -> int:
        if row is not None:
            # A picked officer takes the place of an empty last row.
            while self.rows and not self._typed(self.rows[-1]):
                self.rows.pop()
        self.rows.append(row or {})
        self.rows = self.rows[:MAX_ROWS]
        return len(self.rows) - 1

    def remove(self, index: int | None) -> None:
        if index is not None and 0 <= index < len(self.rows):
            self.rows.pop(index)

    def _typed(self, row: dict) -> bool:
        initial = self.form_class().initial
        return any(v and v != initial.get(k) for k, v in row.items())

    def forms(self, *, bound: bool) -> list:
        made = []
        for i, row in enumerate(self.rows):
            prefix = f"{self.prefix}-{i}"
            if bound:
                data = {f"{prefix}-{k}": v for k, v in row.items()}
                # Like a formset's extra forms: a row left as it was is skipped, not refused.
                form = self.form_class(
                    data, prefix=prefix, empty_permitted=True, use_required_attribute=False
                )
            else:
                form = self.form_class(
                    prefix=prefix,
                    use_required_attribute=False,
                    initial={**self.form_class(prefix=prefix).initial, **row},
                )
            made.append(form)
        return made
