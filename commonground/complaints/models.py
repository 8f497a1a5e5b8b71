from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.lib.fields import EncryptedJSONField


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    COMMENDATION = "commendation", _("Commendation")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    MAIL = "mail", _("Mail")
    EMAIL = "email", _("E-mail")
    PARTNER = "partner", _("Partner organisation")


class ReporterType(models.TextChoices):
    SELF = "self", _("By name")
    ANONYMOUS = "anonymous", _("Anonymously")
    ON_BEHALF = "on_behalf", _("On behalf of someone else")


class ContactMethod(models.TextChoices):
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    MAIL = "mail", _("Post")
    NONE = "none", _("Do not contact me")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    TRIAGE = "triage", _("Being reviewed")
    INVESTIGATION = "investigation", _("Under investigation")
    MEDIATION = "mediation", _("In mediation")
    BOARD_REVIEW = "board_review", _("With the civilian oversight board")
    AGENCY_DECISION = "agency_decision", _("Awaiting the agency's decision")
    FORWARDED = "forwarded", _("Forwarded to the officer's commander")
    CLOSED = "closed", _("Closed")


class DistrictSource(models.TextChoices):
    CHOSEN = "chosen", _("Chosen by the reporter")
    DERIVED = "derived", _("Derived from the officers' units")
    UNKNOWN = "unknown", _("Unknown")


class Report(models.Model):
    """A complaint or a commendation, as received."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Changed only by commonground.complaints.actions.transition_report.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(db_index=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_received",
    )
    # HMAC-SHA256 of the tracking code; the code itself is never stored.
    tracking_code_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, default="en")

    reporter_type = models.CharField(max_length=20, choices=ReporterType.choices)
    reporter_relationship = models.CharField(max_length=120, blank=True)
    # {"name", "email", "phone", "address"}; encrypted at rest; None for anonymous reports.
    reporter_contact = EncryptedJSONField(null=True, blank=True)
    contact_method = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.NONE
    )

    incident_date = models.DateField()
    incident_time = models.TimeField(null=True, blank=True)
    # Set when the reporter gave a range instead of one day: incident_date is its first day.
    incident_date_end = models.DateField(null=True, blank=True)
    location = models.CharField(max_length=300, blank=True)
    district = models.ForeignKey(
        "roster.District", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    district_source = models.CharField(
        max_length=10, choices=DistrictSource.choices, default=DistrictSource.UNKNOWN
    )
    narrative = models.TextField()

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["kind", "received_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(incident_date_end__isnull=True)
                | models.Q(incident_date_end__gte=models.F("incident_date")),
                name="incident_range_ordered",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.reference}"

    @property
    def reference(self) -> str:
        """The staff reference number (not the resident's tracking code)."""
        return f"CG-{self.received_at:%Y}-{self.pk:06d}"

    @property
    def is_anonymous(self) -> bool:
        return self.reporter_type == ReporterType.ANONYMOUS


class InvolvedOfficer(models.Model):
    """An officer as the reporter identified or described them; linked to the roster if known."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="officers")
    officer = models.ForeignKey(
        "roster.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    name_given = models.CharField(max_length=120, blank=True)
    badge_given = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=500, blank=True)
    vehicle = models.CharField(max_length=60, blank=True)

    def __str__(self):
        if self.officer_id:
            return str(self.officer)
        return self.name_given or self.badge_given or self.description[:40] or "?"


class PersonRole(models.TextChoices):
    WITNESS = "witness", _("Witness")
    AFFECTED = "affected", _("Person affected")
    OTHER = "other", _("Other")


class InvolvedPerson(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=20, choices=PersonRole.choices, default=PersonRole.WITNESS)
    # {"name", "email", "phone", "description"}; encrypted at rest.
    details = EncryptedJSONField()

    def __str__(self):
        return self.get_role_display()


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    stored_file = models.OneToOneField(
        "evidence.StoredFile", on_delete=models.PROTECT, related_name="attachment"
    )
    added_later = models.BooleanField(default=False)

    def __str__(self):
        return str(self.stored_file)


class ReportUpdate(models.Model):
    """Information the reporter added after filing, through the status page."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Update to {self.report_id} at {self.created_at:%Y-%m-%d %H:%M}"


class StatusChange(models.Model):
    """Each stage a report has been through, with its date: the resident's timeline."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"
