from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commonground.evidence.actions import Box
from commonground.evidence.models import ItemKind, RedactionPurpose, RetentionSchedule
from commonground.evidence.selectors import find_upload_session
from commonground.roster.models import Officer


class WholeUploadForm(forms.Form):
    """A form with files that knows whether the whole request arrived.

    Browsers send fields in page order, and this hidden field comes after the files: if it is
    missing, the connection dropped part-way through a file, and what arrived is not kept."""

    upload_end = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")

    def clean(self):
        cleaned = super().clean()
        if self.files and cleaned.get("upload_end") != "1":
            raise forms.ValidationError(
                _(
                    "The upload was cut off before it finished, so nothing was stored. Choose "
                    "the file again and send it once more."
                ),
                code="truncated",
            )
        return cleaned

    def order_fields(self, field_order):
        super().order_fields(field_order)
        self.fields["upload_end"] = self.fields.pop("upload_end")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class FootageForm(WholeUploadForm):
    """One body-worn-camera recording with what the camera says about it."""

    file = forms.FileField(
        label=_("Footage file"),
        help_text=_("The file as exported from the camera system: it is kept bit for bit."),
        required=False,
    )
    device_id = forms.CharField(label=_("Camera (device id)"), max_length=80)
    badge = forms.CharField(label=_("Badge number of the officer wearing it"), max_length=20)
    started_at = forms.DateTimeField(label=_("Recording started"), widget=DateTimeInput())
    ended_at = forms.DateTimeField(label=_("Recording ended"), widget=DateTimeInput())
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )

    # A file already sent in pieces (evidence.views.start_upload): set by web/upload.js, and kept
    # when the form comes back with an error, so the file need not be sent again.
    upload_session = forms.UUIDField(widget=forms.HiddenInput, required=False)

    field_order = ["device_id", "badge", "started_at", "ended_at", "latitude", "longitude", "file"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_badge(self):
        badge = self.cleaned_data["badge"].strip().lstrip("#")
        officer = Officer.objects.filter(badge_number__iexact=badge).first()
        if officer is None:
            raise forms.ValidationError(
                _("No officer on the roster has badge number %(badge)s.") % {"badge": badge}
            )
        return officer

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_at"), cleaned.get("ended_at")
        if start and end and end <= start:
            self.add_error("ended_at", _("The recording must end after it starts."))
        if start and start > timezone.now():
            self.add_error("started_at", _("The recording cannot start in the future."))
        self._clean_source(cleaned)
        return cleaned

    def _clean_source(self, cleaned):
        """Exactly one file: the one chosen in this form, or one already uploaded in pieces."""
        chosen, session_id = cleaned.get("file"), cleaned.get("upload_session")
        session = find_upload_session(self.user, session_id) if session_id else None
        cleaned["upload_session"] = session
        if "file" in self.errors:
            return
        if chosen and session_id:
            self.add_error(
                "file",
                _(
                    "Send either the file chosen here or the one already uploaded, not both. "
                    "To use the one already uploaded, clear the file field."
                ),
            )
        elif session_id and session is None:
            self.add_error(
                "file",
                _(
                    "The file uploaded earlier is no longer here (unfinished uploads are removed "
                    "after a few days). Choose it again."
                ),
            )
        elif not chosen and not session_id:
            self.add_error("file", _("Choose the footage file."))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why"),
        max_length=500,
        help_text=_("Recorded in the item's chain of custody."),
        error_messages={
            "required": _("Say why: every access to evidence is recorded with its reason.")
        },
    )


class ShareForm(ReasonForm):
    PARTIES = [
        ("prosecutor", _("Prosecutor")),
        ("board", _("Civilian oversight board")),
        ("court", _("Court")),
        ("defence", _("Defence counsel")),
        ("resident", _("The resident who reported")),
        ("other", _("Other")),
    ]
    party = forms.ChoiceField(label=_("Shared with"), choices=PARTIES)
    recipient = forms.CharField(label=_("Name of the person who received it"), max_length=200)
    field_order = ["party", "recipient", "reason"]


class ExportForm(ReasonForm):
    recipient = forms.CharField(
        label=_("Who receives it"),
        max_length=200,
        help_text=_("The person and office, for example: ADA Chen, County Prosecutor."),
    )
    field_order = ["recipient", "reason"]


class HoldForm(ReasonForm):
    matter = forms.CharField(
        label=_("Matter"),
        max_length=200,
        help_text=_("The lawsuit, claim or request the hold is for."),
    )
    field_order = ["matter", "reason"]


class ReleaseHoldForm(ReasonForm):
    hold = forms.TypedChoiceField(label=_("Hold"), coerce=int)

    def __init__(self, *args, holds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hold"].choices = [(h.pk, h.matter) for h in holds]


class RetentionForm(ReasonForm):
    schedule = forms.ModelChoiceField(
        label=_("Schedule"), queryset=RetentionSchedule.objects.all(), required=False
    )
    retain_until = forms.DateField(
        label=_("Or keep until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A date of your own overrides the schedule's."),
    )
    field_order = ["schedule", "retain_until", "reason"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("schedule") and not cleaned.get("retain_until"):
            raise forms.ValidationError(_("Choose a schedule or a date."))
        if cleaned.get("retain_until") and cleaned["retain_until"] < timezone.localdate():
            self.add_error("retain_until", _("The date cannot be in the past."))
        return cleaned


class RedactImageForm(forms.Form):
    boxes = forms.CharField(
        label=_("Areas to black out"),
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "data-draw-hint": _("You can also drag on the photo above to mark an area."),
                "data-added-text": _("Area added:"),
            }
        ),
        help_text=_(
            "One area per line, in pixels from the top-left corner: left, top, width, height. "
            "For example: 120, 40, 80, 60."
        ),
    )
    purpose = forms.ChoiceField(label=_("Who the copy is for"), choices=RedactionPurpose.choices)
    note = forms.CharField(
        label=_("What was redacted"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_boxes(self):
        boxes = []
        for number, line in enumerate(self.cleaned_data["boxes"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace(";", ",").split(",")]
            try:
                left, top, width, height = (int(p) for p in parts)
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)d is not four whole numbers (left, top, width, height).")
                    % {"n": number}
                ) from None
            boxes.append(Box(left, top, width, height))
        if not boxes:
            raise forms.ValidationError(_("Mark at least one area to black out."))
        return boxes


class AttachRedactionForm(WholeUploadForm):
    file = forms.FileField(label=_("Redacted copy"))
    purpose = forms.ChoiceField(label=_("Who the copy is for"), choices=RedactionPurpose.choices)
    note = forms.CharField(
        label=_("What was redacted, and with what tool"), widget=forms.Textarea(attrs={"rows": 2})
    )
    field_order = ["file", "purpose", "note"]


class ItemFilterForm(forms.Form):
    q = forms.CharField(label=_("Reference, file name or SHA-256"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *ItemKind.choices]
    )
