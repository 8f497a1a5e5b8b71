from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import AllegationCategory, Finding, Status


class Case(models.Model):
    """The internal-affairs file of one complaint, opened at triage.

    The report's status is the case's stage. Every field here is written by
    commonground.investigations.actions, which bump `version` on each change so that two people
    editing the same case cannot overwrite each other."""

    report = models.OneToOneField(
        "complaints.Report", on_delete=models.PROTECT, related_name="case"
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    investigator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_investigated",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    # Deadlines, recomputed by the actions whenever the stage or the clock changes.
    stage_started_on = models.DateField()
    stage_due_on = models.DateField(null=True, blank=True)
    case_due_on = models.DateField(null=True, blank=True)
    # The earlier of the two; empty while the clock is paused or no rule applies.
    due_on = models.DateField(null=True, blank=True, db_index=True)
    paused = models.BooleanField(default=False)

    # Where a report outside our jurisdiction was referred.
    referred_to = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at"]

    def __str__(self):
        return self.report.reference

    @property
    def status(self) -> str:
        return self.report.status


class Clock(models.TextChoices):
    CASE = "case", _("Whole case, from receipt to closing")
    TRIAGE = Status.TRIAGE.value, Status.TRIAGE.label
    INVESTIGATION = Status.INVESTIGATION.value, Status.INVESTIGATION.label
    SUPERVISOR_REVIEW = Status.SUPERVISOR_REVIEW.value, Status.SUPERVISOR_REVIEW.label
    MEDIATION = Status.MEDIATION.value, Status.MEDIATION.label
    BOARD_REVIEW = Status.BOARD_REVIEW.value, Status.BOARD_REVIEW.label
    AGENCY_DECISION = Status.AGENCY_DECISION.value, Status.AGENCY_DECISION.label


class DeadlineRule(models.Model):
    """How long a stage (or the whole case) may take; a rule for a category overrides the
    general one when it is stricter. Kept by administrators."""

    clock = models.CharField(max_length=20, choices=Clock.choices)
    category = models.CharField(
        max_length=30,
        choices=AllegationCategory.choices,
        blank=True,
        help_text=_("Empty: every category."),
    )
    days = models.PositiveIntegerField()
    working_days = models.BooleanField(
        default=False, help_text=_("Count only working days (no weekends or public holidays).")
    )

    class Meta:
        ordering = ["clock", "category"]
        constraints = [
            models.UniqueConstraint(fields=["clock", "category"], name="one_rule_per_clock")
        ]

    def __str__(self):
        kind = _("working days") if self.working_days else _("days")
        return f"{self.get_clock_display()}: {self.days} {kind}"


class Toll(models.Model):
    """A pause of the case's clocks, with its reason (e.g. criminal proceedings pending)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tolls")
    reason = models.TextField()
    paused_at = models.DateTimeField()
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["paused_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(resumed_at__isnull=True), name="one_open_toll"
            )
        ]

    def __str__(self):
        return f"Pause of {self.case} from {self.paused_at:%Y-%m-%d}"


class EntryKind(models.TextChoices):
    INTERVIEW = "interview", _("Interview")
    EVIDENCE_REQUEST = "evidence_request", _("Evidence request")
    EVIDENCE_RECEIVED = "evidence_received", _("Evidence received")
    NOTE = "note", _("Note")


class LogEntry(models.Model):
    """One step of the investigation, as the investigator recorded it. Never edited: a
    correction is a new entry."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="log")
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    # The day it happened, in the agency's time zone, always known; the moment only when the
    # investigator gave a time (no time given is stored as none, never as a made-up hour).
    occurred_on = models.DateField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    # Whom was interviewed, or from whom evidence was requested.
    person = models.CharField(max_length=200, blank=True)
    summary = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        # By day; on each day the entries without a time first (they stand for the whole day),
        # then the timed ones in order.
        ordering = ["occurred_on", models.F("occurred_at").asc(nulls_first=True), "pk"]
        verbose_name_plural = "log entries"

    def __str__(self):
        return f"{self.get_kind_display()} on {self.case}"


class LogAttachment(models.Model):
    entry = models.ForeignKey(LogEntry, on_delete=models.CASCADE, related_name="attachments")
    stored_file = models.OneToOneField(
        "evidence.StoredFile", on_delete=models.PROTECT, related_name="log_attachment"
    )

    def __str__(self):
        return str(self.stored_file)


class ProposedFinding(models.Model):
    """The investigator's recommended finding on one allegation; the supervisor approves it.

    The finding the agency finally decides is kept apart, on the allegation itself."""

    allegation = models.OneToOneField(
        "complaints.Allegation", on_delete=models.CASCADE, related_name="proposed_finding"
    )
    finding = models.CharField(max_length=30, choices=Finding.choices)
    rationale = models.TextField()
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.get_finding_display()} on {self.allegation}"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned to the investigator")


class FindingsReview(models.Model):
    """A supervisor's decision on the proposed findings of a case, with comments."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(max_length=10, choices=ReviewDecision.choices)
    comments = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]

    def __str__(self):
        return f"{self.get_decision_display()} ({self.case})"


class LinkState(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed as evidence")
    DISMISSED = "dismissed", _("Not relevant")


class CaseEvidence(models.Model):
    """Footage (or any evidence item) tied to a case. Footage whose officer and recording time
    match the incident is suggested; an investigator confirms or dismisses it.

    Written only by commonground.investigations.actions."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence_links")
    item = models.ForeignKey(
        "evidence.StoredFile", on_delete=models.PROTECT, related_name="case_links"
    )
    state = models.CharField(max_length=20, choices=LinkState.choices)
    # Why it was suggested, in words kept with the link (officer and overlap).
    basis = models.CharField(max_length=300, blank=True)
    suggested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["state", "suggested_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "item"], name="one_link_per_case_and_item")
        ]

    def __str__(self):
        return f"{self.case} ↔ {self.item.reference}"
