import re
import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.lib.crypto import keyed_hash
from commonground.lib.fields import EncryptedJSONField
from commonground.lib.i18n import in_current_language


def name_token_digests(name: str) -> list[str]:
    """Keyed hashes of each word of a name, folded (case, accents, punctuation): "María
    López-Díaz" and "maria lopez diaz" give the same three. A search hashes its words the same
    way, so names are found without decrypting any row and the database never holds them."""
    folded = unicodedata.normalize("NFKD", name or "").casefold()
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = {w for w in re.split(r"[\W_]+", folded) if w}
    return sorted(keyed_hash(w, "name-index")[:32] for w in words)


class NameIndexField(models.TextField):
    """A blind index of the "name" in an encrypted JSON field of the same row: the words'
    keyed hashes, space-separated with a space at each end (so `contains=" digest "` matches
    whole words). Filled on every insert, bulk ones included; the names are never updated."""

    def __init__(self, *args, source: str = "", **kwargs):
        self.source = source
        kwargs.setdefault("default", "")
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("default", ""), ("blank", True), ("editable", False)):
            if kwargs.get(key) == value:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.source) or {}
        index = name_index(value.get("name", ""))
        setattr(model_instance, self.attname, index)
        return index


def name_index(name: str) -> str:
    digests = name_token_digests(name)
    return f" {' '.join(digests)} " if digests else ""


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
    """Every stage of the workflow, as staff see it. Residents see `MILESTONES` instead."""

    RECEIVED = "received", _("Received")
    TRIAGE = "triage", _("In triage")
    INVESTIGATION = "investigation", _("Under investigation")
    SUPERVISOR_REVIEW = "supervisor_review", _("Findings awaiting approval")
    MEDIATION = "mediation", _("In mediation")
    BOARD_REVIEW = "board_review", _("With the civilian oversight board")
    AGENCY_DECISION = "agency_decision", _("Awaiting the agency's decision")
    FORWARDED = "forwarded", _("Forwarded to the officer's commander")
    CLOSED = "closed", _("Closed")


class Milestone(models.TextChoices):
    """The stages a resident is told about."""

    RECEIVED = "received", _("Received")
    INVESTIGATION = "investigation", _("Under investigation")
    MEDIATION = "mediation", _("In mediation")
    BOARD_REVIEW = "board_review", _("Under review by the civilian oversight board")
    FORWARDED = "forwarded", _("Forwarded to the officer's commander")
    CLOSED = "closed", _("Closed")


MILESTONES = {
    Status.RECEIVED: Milestone.RECEIVED,
    Status.TRIAGE: Milestone.RECEIVED,
    Status.INVESTIGATION: Milestone.INVESTIGATION,
    Status.SUPERVISOR_REVIEW: Milestone.INVESTIGATION,
    Status.MEDIATION: Milestone.MEDIATION,
    Status.BOARD_REVIEW: Milestone.BOARD_REVIEW,
    Status.AGENCY_DECISION: Milestone.BOARD_REVIEW,
    Status.FORWARDED: Milestone.FORWARDED,
    Status.CLOSED: Milestone.CLOSED,
}

OPEN_STATUSES = frozenset(Status) - {Status.CLOSED, Status.FORWARDED}


class AllegationCategory(models.TextChoices):
    USE_OF_FORCE = "use_of_force", _("Use of force")
    ABUSE_OF_AUTHORITY = "abuse_of_authority", _("Abuse of authority")
    DISCOURTESY = "discourtesy", _("Discourtesy")
    OFFENSIVE_LANGUAGE = "offensive_language", _("Offensive language or bias")
    IMPROPER_STOP = "improper_stop", _("Improper stop or search")
    UNTRUTHFULNESS = "untruthfulness", _("Untruthfulness")
    FAILURE_TO_ACT = "failure_to_act", _("Failure to act")
    OTHER = "other", _("Other misconduct")


class Finding(models.TextChoices):
    """What an investigation concluded about one allegation, most serious first."""

    SUSTAINED = "sustained", _("Sustained")
    POLICY_FAILURE = "policy_failure", _("Policy failure")
    NOT_SUSTAINED = "not_sustained", _("Not sustained")
    EXONERATED = "exonerated", _("Exonerated")
    UNFOUNDED = "unfounded", _("Unfounded")
    CLOSED_ADMINISTRATIVELY = "closed_administratively", _("Closed administratively")


class Outcome(models.TextChoices):
    """How a report ended, as the resident and the public are told (a finding, or why none)."""

    SUSTAINED = "sustained", _("Sustained: the officer broke a rule")
    POLICY_FAILURE = "policy_failure", _("Policy failure: the policy itself needs to change")
    NOT_SUSTAINED = "not_sustained", _("Not sustained: the evidence could not settle it")
    EXONERATED = "exonerated", _("Exonerated: it happened, and it was within policy")
    UNFOUNDED = "unfounded", _("Unfounded: the evidence shows it did not happen")
    CLOSED_ADMINISTRATIVELY = "closed_administratively", _("Closed administratively")
    MEDIATED = "mediated", _("Resolved through mediation")
    REFERRED = "referred", _("Referred to the agency responsible")
    MERGED = "merged", _("Combined with another report of the same incident")
    WITHDRAWN = "withdrawn", _("Withdrawn at the reporter's request")
    INSUFFICIENT_INFORMATION = (
        "insufficient_information",
        _("Not enough information to investigate"),
    )
    FORWARDED = "forwarded", _("Sent to the officer's commander")


class DistrictSource(models.TextChoices):
    CHOSEN = "chosen", _("Chosen by the reporter")
    DERIVED = "derived", _("Derived from the officers' units")
    UNKNOWN = "unknown", _("Unknown")


class Report(models.Model):
    """A complaint or a commendation, as received."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Changed only by commonground.investigations.actions.transition_case.
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
    reporter_name_index = NameIndexField(source="reporter_contact")
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

    # Set when the report closes, by commonground.investigations.actions.transition_case.
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    # Set by investigations.actions.merge_duplicate: this report is followed on the other one.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )

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


class OfficerRole(models.TextChoices):
    SUBJECT = "subject", _("Officer the report is about")
    WITNESS = "witness", _("Officer who witnessed it")


class InvolvedOfficer(models.Model):
    """An officer as the reporter identified or described them; linked to the roster if known.

    What the reporter gave (name, badge, description) is kept as given when triage links the
    officer to the roster."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="officers")
    role = models.CharField(max_length=10, choices=OfficerRole.choices, default=OfficerRole.SUBJECT)
    # Set at intake, or by investigations.actions.identify_officer at triage.
    officer = models.ForeignKey(
        "roster.Officer", null=True, blank=True, on_delete=models.PROTECT, related_name="reports"
    )
    name_given = models.CharField(max_length=120, blank=True)
    badge_given = models.CharField(max_length=20, blank=True)
    description = models.CharField(max_length=500, blank=True)
    vehicle = models.CharField(max_length=60, blank=True)

    def __str__(self):
        # Shown to roles that may not read personal data (the board, analysts): never the
        # reporter's words about the officer.
        if self.officer_id:
            return str(self.officer)
        return str(_("Officer not identified"))

    def as_described(self) -> str:
        """The officer with what the reporter gave, for those who may read it (triage)."""
        badge = f"#{self.badge_given}" if self.badge_given else ""
        given = " ".join(filter(None, [self.name_given, badge]))
        if self.officer_id:
            return f"{self.officer} ({given})" if given else str(self.officer)
        return given or self.description[:60] or "?"


class AllegationSubtype(models.Model):
    """A finer label within a category, kept by administrators (e.g. "Taser" under use of force)."""

    category = models.CharField(max_length=30, choices=AllegationCategory.choices)
    # {"en": "...", "es": "..."}: one name per language; English is the fallback.
    names = models.JSONField(default=dict)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "pk"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return in_current_language(self.names)


class Allegation(models.Model):
    """One thing one officer is said to have done wrong, as classified at triage.

    Written by commonground.investigations.actions; `final_finding` is set when the agency
    decides, by commonground.oversight.actions.record_agency_decision."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="allegations")
    involved_officer = models.ForeignKey(
        InvolvedOfficer, on_delete=models.PROTECT, related_name="allegations"
    )
    category = models.CharField(max_length=30, choices=AllegationCategory.choices)
    subtype = models.ForeignKey(
        AllegationSubtype, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    summary = models.CharField(max_length=500, blank=True)
    final_finding = models.CharField(max_length=30, choices=Finding.choices, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return f"{self.get_category_display()} ({self.involved_officer})"


class PersonRole(models.TextChoices):
    WITNESS = "witness", _("Witness")
    AFFECTED = "affected", _("Person affected")
    OTHER = "other", _("Other")


class InvolvedPerson(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="people")
    role = models.CharField(max_length=20, choices=PersonRole.choices, default=PersonRole.WITNESS)
    # {"name", "email", "phone", "description"}; encrypted at rest.
    details = EncryptedJSONField()
    name_index = NameIndexField(source="details")

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


class UpdatePurpose(models.TextChoices):
    INFORMATION = "information", _("Added information")
    REVIEW_REQUEST = "review_request", _("Asked for a review of the closure")


class ReportUpdate(models.Model):
    """Information the reporter added after filing, through the status page, or their request
    that a closed report be looked at again (its text is their reason)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    purpose = models.CharField(
        max_length=20, choices=UpdatePurpose.choices, default=UpdatePurpose.INFORMATION
    )
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
    # Why, in staff words (a triage decision, the board's request): staff-only.
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.from_status or '-'} -> {self.to_status}"


class NoticeKind(models.TextChoices):
    MILESTONE = "milestone", _("New stage")
    STILL_OPEN = "still_open", _("Still open")
    REFERRAL = "referral", _("Referral letter")


class ResidentNotice(models.Model):
    """A message sent to the reporter; the address itself stays in the encrypted contact."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    milestone = models.CharField(max_length=20, choices=Milestone.choices, blank=True)
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["report", "sent_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.report_id} at {self.sent_at:%Y-%m-%d}"
