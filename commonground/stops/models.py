"""Batches of imported records and the use-of-force incidents they hold.

Stop records live in Parquet files, one per loaded batch (`Batch.data_name`); the database keeps
the batches, their validation reports and what the staff pages need. Use-of-force incidents are
few (hundreds a year, not millions), link to officers and complaints, and feed early
intervention, so each is a row here.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.roster.models import District, Officer, Race, Sex


class BatchKind(models.TextChoices):
    STOPS = "stops", _("Stops")
    USE_OF_FORCE = "use_of_force", _("Use of force")


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Being checked")
    LOADED = "loaded", _("Loaded")
    REJECTED = "rejected", _("Rejected: nothing was loaded")
    WITHDRAWN = "withdrawn", _("Withdrawn from the analyses")


class Batch(models.Model):
    """One file an analyst imported. It loads whole or not at all."""

    kind = models.CharField(max_length=20, choices=BatchKind.choices)
    # Changed only by stops.actions (check_batch, withdraw_batch).
    status = models.CharField(
        max_length=20, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    # The file as received, in storage, until it has been checked.
    incoming_name = models.CharField(max_length=255, blank=True)
    # The loaded rows (stops only): one Parquet file in storage.
    data_name = models.CharField(max_length=255, blank=True)
    # Every problem found, one CSV row each (record, column, value, problem).
    report_name = models.CharField(max_length=255, blank=True)
    rows_total = models.PositiveBigIntegerField(null=True, blank=True)
    rows_checked = models.PositiveBigIntegerField(default=0)
    problem_count = models.PositiveBigIntegerField(default=0)
    # The first problems and a count per column and problem, for the batch page.
    problems_preview = models.JSONField(default=list, blank=True)
    problems_by_kind = models.JSONField(default=list, blank=True)
    # Columns of the file that are not part of the schema and were not loaded.
    ignored_columns = models.JSONField(default=list, blank=True)
    first_date = models.DateField(null=True, blank=True)
    last_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "batches"
        constraints = [
            # The same file cannot be loaded twice (nor queued while a copy is loaded).
            models.UniqueConstraint(
                fields=["kind", "sha256"],
                condition=models.Q(status__in=["queued", "checking", "loaded"]),
                name="batch_file_once",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} batch {self.pk} ({self.original_name})"

    @property
    def is_finished(self) -> bool:
        return self.status not in {BatchStatus.QUEUED, BatchStatus.CHECKING}


class ForceType(models.TextChoices):
    PHYSICAL = "physical", _("Physical force (hands, takedown)")
    STRIKE = "strike", _("Strikes (hands, feet)")
    CHEMICAL = "chemical", _("Chemical spray")
    CONDUCTED_ENERGY = "conducted_energy", _("Conducted energy device (Taser)")
    IMPACT_WEAPON = "impact_weapon", _("Baton or other impact weapon")
    LESS_LETHAL = "less_lethal", _("Less-lethal projectile")
    K9 = "k9", _("Police dog")
    FIREARM_POINTED = "firearm_pointed", _("Firearm pointed")
    FIREARM_DISCHARGED = "firearm_discharged", _("Firearm discharged")
    VEHICLE = "vehicle", _("Vehicle")
    OTHER = "other", _("Other")


class UseOfForceIncident(models.Model):
    """One subject's encounter in which officers used force, as the agency reported it."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="incidents")
    # The agency's own incident number.
    agency_reference = models.CharField(max_length=60, unique=True)
    occurred_on = models.DateField(db_index=True)
    occurred_time = models.TimeField(null=True, blank=True)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="+")
    # As given by the agency (a block or an address): staff only, never published.
    location = models.CharField(max_length=200, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    subject_age = models.PositiveSmallIntegerField(null=True, blank=True)
    subject_race = models.CharField(max_length=30, choices=Race.choices, default=Race.UNKNOWN)
    subject_sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    subject_injured = models.BooleanField(null=True)
    officer_injured = models.BooleanField(null=True)
    # Changed only by stops.actions.link_complaint (or given in the imported file).
    complaint = models.ForeignKey(
        "complaints.Report",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="use_of_force",
    )

    class Meta:
        ordering = ["-occurred_on", "-pk"]

    def __str__(self):
        return f"Use of force {self.agency_reference} on {self.occurred_on}"


class ForceUsed(models.Model):
    """The force one officer used in an incident."""

    incident = models.ForeignKey(
        UseOfForceIncident, on_delete=models.CASCADE, related_name="force_used"
    )
    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="force_used")
    # ForceType values, at least one.
    types = models.JSONField(default=list)

    class Meta:
        ordering = ["incident", "officer"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "officer"], name="force_officer_once")
        ]

    def __str__(self):
        return f"{self.officer} in {self.incident}"

    def type_labels(self) -> list[str]:
        return [ForceType(t).label for t in self.types if t in ForceType.values]
