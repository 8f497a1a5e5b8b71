"""Intake forms, shared by the resident's step-by-step form and the clerk's one-page form.

Every message is translated, and every form re-renders with what was typed."""

import re

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import Channel, ContactMethod, Kind, PersonRole, ReporterType
from commonground.roster.models import District

PHONE_RE = re.compile(r"^\+?[\d\s().\-]{7,25}$")


def _check_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if not PHONE_RE.match(value) or not 7 <= len(digits) <= 15:
        raise forms.ValidationError(
            _("Enter a phone number with 7 to 15 digits, for example 555-201-3344."),
            code="phone",
        )
    return value.strip()


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What would you like to tell us about?"),
        choices=[
            (Kind.COMPLAINT, _("A problem with an officer (a complaint)")),
            (Kind.COMMENDATION, _("Something an officer did well (a commendation)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a complaint or a commendation.")},
    )


class ReporterForm(forms.Form):
    reporter_type = forms.ChoiceField(
        label=_("Who is reporting?"),
        choices=[
            (ReporterType.SELF, _("Me, and I will give my name")),
            (ReporterType.ANONYMOUS, _("Me, anonymously (we cannot contact you)")),
            (ReporterType.ON_BEHALF, _("I am reporting for someone else")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose who is reporting.")},
    )
    reporter_relationship = forms.CharField(
        label=_("Your relationship to the person"),
        help_text=_("For example: parent, friend, lawyer, advocate."),
        max_length=120,
        required=False,
    )
    name = forms.CharField(label=_("Your name"), max_length=120, required=False)
    contact_method = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        initial=ContactMethod.EMAIL,
        required=False,
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        max_length=254,
        error_messages={"invalid": _("Enter an e-mail address like name@example.org.")},
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(
        label=_("Postal address"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    language = forms.ChoiceField(
        label=_("Language for our messages to you"),
        choices=[
            (code, settings.LANGUAGE_NAMES_NATIVE[code]) for code, _name in settings.LANGUAGES
        ],
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
        if not reporter_type:
            # The details below depend on this choice: until it is made, asking for them (an
            # e-mail address the resident has not reached yet) only adds noise to one error.
            return data
        if not data.get("name"):
            self.add_error("name", _("Enter your name, or choose to report anonymously."))
        if reporter_type == ReporterType.ON_BEHALF and not data.get("reporter_relationship"):
            self.add_error(
                "reporter_relationship", _("Tell us how you know the person you are reporting for.")
            )
        method = data.get("contact_method") or ContactMethod.NONE
        data["contact_method"] = method
        needed = {
            ContactMethod.EMAIL: "email",
            ContactMethod.PHONE: "phone",
            ContactMethod.MAIL: "address",
        }
        field = needed.get(method)
        if field and not data.get(field) and field not in self.errors:
            messages = {
                "email": _("Enter your e-mail address, or choose another way to contact you."),
                "phone": _("Enter your phone number, or choose another way to contact you."),
                "address": _("Enter your postal address, or choose another way to contact you."),
            }
            self.add_error(field, messages[field])
        return data


class WhenWhereForm(forms.Form):
    timing = forms.ChoiceField(
        label=_("Do you know the exact date?"),
        choices=[("exact", _("Yes, I know the date")), ("approximate", _("No, only roughly"))],
        widget=forms.RadioSelect,
        initial="exact",
        error_messages={"required": _("Tell us whether you know the exact date.")},
    )
    incident_date = forms.DateField(
        label=_("Date (or the earliest it could have been)"),
        widget=DateInput(),
        error_messages={
            "required": _("Enter the date it happened."),
            "invalid": _("Enter a real date, like 2026-03-14."),
        },
    )
    incident_time = forms.TimeField(
        label=_("Time (if you know it)"),
        required=False,
        widget=TimeInput(),
        error_messages={"invalid": _("Enter a time like 14:30.")},
    )
    incident_date_end = forms.DateField(
        label=_("The latest it could have been"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a real date, like 2026-03-14.")},
    )
    location = forms.CharField(
        label=_("Where did it happen?"),
        help_text=_("An address, an intersection, or a description of the place."),
        max_length=300,
        error_messages={"required": _("Tell us where it happened, even roughly.")},
    )
    district = forms.ModelChoiceField(
        label=_("District (if you know it)"),
        queryset=District.objects.order_by("code"),
        required=False,
        empty_label=_("I don't know"),
    )

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        start, end = data.get("incident_date"), data.get("incident_date_end")
        if start and start > today:
            self.add_error("incident_date", _("The date cannot be in the future."))
        if data.get("timing") == "exact":
            data["incident_date_end"] = None
            at = data.get("incident_time")
            if start == today and at and at > timezone.localtime().time():
                self.add_error("incident_time", _("The time cannot be in the future."))
        else:
            data["incident_time"] = None
            if not end and "incident_date_end" not in self.errors:
                self.add_error("incident_date_end", _("Enter the latest date it could have been."))
            elif end and end > today:
                self.add_error("incident_date_end", _("The date cannot be in the future."))
            elif end and start and end < start:
                self.add_error(
                    "incident_date_end", _("The latest date cannot be before the earliest date.")
                )
        return data


class LongTextForm(forms.Form):
    """Long answers are limited on the server only: a browser's maxlength would silently cut
    the end of a resident's account, where our message tells them what to do."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)


class NarrativeForm(LongTextForm):
    narrative = forms.CharField(
        label=_("What happened?"),
        help_text=_("In your own words. Include what was said and done, and by whom."),
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=settings.NARRATIVE_MAX_CHARS,
        error_messages={
            "required": _("Tell us what happened."),
            "max_length": _(
                "Please shorten this to %(limit_value)d characters (it has %(show_value)d). You can add more later with your tracking code."
            ),
        },
    )


class OfficerForm(forms.Form):
    officer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name_given = forms.CharField(label=_("Name, as you know it"), max_length=120, required=False)
    badge_given = forms.CharField(label=_("Badge number"), max_length=20, required=False)
    description = forms.CharField(
        label=_("What the officer looked like"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
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
            from commonground.roster.selectors import public_officers

            if not public_officers().filter(pk=data["officer_id"]).exists():
                raise forms.ValidationError(_("That officer is not in the roster."))
        return data


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Who is this?"), choices=PersonRole.choices)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        error_messages={"invalid": _("Enter an e-mail address like name@example.org.")},
    )
    description = forms.CharField(
        label=_("How they were involved, or what they look like"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        return _check_phone(phone) if phone else ""

    def clean(self):
        data = super().clean()
        if (
            not any(data.get(f) for f in ("name", "phone", "email", "description"))
            and not self.errors
        ):
            raise forms.ValidationError(_("Give at least a name or a description."))
        return data


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked later by evidence ingest."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        # Each file's size, emptiness and type are checked by evidence ingest, which names the
        # file in its message.
        if isinstance(data, list | tuple):
            return [item for item in data if item]
        return [data] if data else []


class FilesForm(forms.Form):
    files = MultipleFileField(label=_("Photos, videos or documents"), required=False)


class StaffReceiptForm(forms.Form):
    """What only staff intake asks: how and when the report reached us."""

    channel = forms.ChoiceField(
        label=_("How it reached us"), choices=[c for c in Channel.choices if c[0] != Channel.ONLINE]
    )
    received_on = forms.DateField(label=_("Date received"), widget=DateInput())

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class TrackingLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        help_text=_("16 letters and numbers, for example 7K3M-Q9XW-T2RB-84HN."),
        max_length=40,
        error_messages={"required": _("Enter your tracking code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )


class AddInformationForm(LongTextForm):
    text = forms.CharField(
        label=_("What would you like to add?"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=settings.NARRATIVE_MAX_CHARS,
        required=False,
    )


class ReviewRequestForm(LongTextForm):
    reason = forms.CharField(
        label=_("Why should the decision be looked at again?"),
        help_text=_(
            "For example: something we got wrong, or something we did not know. A supervisor "
            "who did not close the case reads it."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.NARRATIVE_MAX_CHARS,
        error_messages={
            "required": _("Tell us why you think the decision should be looked at again."),
        },
    )


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.all(), required=False
    )
    received_from = forms.DateField(required=False, widget=DateInput(), label=_("Received from"))
    received_to = forms.DateField(required=False, widget=DateInput(), label=_("Received to"))
    officer = forms.CharField(required=False, label=_("Officer badge"), max_length=20)

    def __init__(self, *args, **kwargs):
        from commonground.complaints.models import Status

        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["status"].choices = every + list(Status.choices)
        self.fields["kind"].choices = every + list(Kind.choices)
        self.fields["channel"].choices = every + list(Channel.choices)
        self.fields["district"].empty_label = _("All")
