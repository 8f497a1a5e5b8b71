import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(zone)s is not a time zone name such as America/Chicago."), params={"zone": value}
        )


class Agency(models.Model):
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)
    jurisdiction = models.CharField(max_length=200, blank=True)
    # Where stop times are local; empty means the server's TIME_ZONE.
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])
    # The agency's area as a box of latitudes and longitudes: imported coordinates outside it are
    # refused as mistakes. Empty means any coordinate on Earth is accepted.
    area_south = models.FloatField(null=True, blank=True)
    area_north = models.FloatField(null=True, blank=True)
    area_west = models.FloatField(null=True, blank=True)
    area_east = models.FloatField(null=True, blank=True)
    # What the public datasets may show (commonground.publish reads these, strictest agency wins).
    suppression_threshold = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Published counts from 1 up to this number are shown as suppressed (10 follows the "
            "CMS cell-size rule)."
        ),
    )
    publish_officer_data = models.BooleanField(
        default=False,
        help_text=_(
            "Name the officer in the public allegation records. Off by default: check your "
            "jurisdiction's personnel-records law first."
        ),
    )

    class Meta:
        verbose_name_plural = "agencies"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area_south__isnull=True)
                | models.Q(area_north__isnull=True)
                | models.Q(area_south__lt=models.F("area_north")),
                name="agency_area_south_of_north",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> str:
        return self.time_zone or settings.TIME_ZONE

    @property
    def area(self) -> tuple[float, float, float, float] | None:
        """(south, west, north, east), or None when the box is not set."""
        box = (self.area_south, self.area_west, self.area_north, self.area_east)
        return None if None in box else box


class District(models.Model):
    """A patrol district, with its resident population by group for benchmarks."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="districts")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=100)
    population = models.PositiveIntegerField(default=0)
    # {"white": 41000, "black": 22000, ...}: census counts by race/ethnicity for benchmarks.
    population_by_group = models.JSONField(default=dict, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="district_code_unique")
        ]

    def __str__(self):
        return self.name


class Unit(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=120)
    district = models.ForeignKey(
        District, null=True, blank=True, on_delete=models.SET_NULL, related_name="units"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    # Receives the unit's commendations.
    commander = models.ForeignKey(
        "Officer", null=True, blank=True, on_delete=models.SET_NULL, related_name="commands"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def chain_of_command(self):
        """This unit, then each unit above it (stopping if the tree loops back on itself)."""
        unit, seen = self, set()
        while unit is not None and unit.pk not in seen:
            seen.add(unit.pk)
            yield unit
            unit = unit.parent


class Rank(models.TextChoices):
    OFFICER = "officer", _("Officer")
    CORPORAL = "corporal", _("Corporal")
    SERGEANT = "sergeant", _("Sergeant")
    LIEUTENANT = "lieutenant", _("Lieutenant")
    CAPTAIN = "captain", _("Captain")
    COMMANDER = "commander", _("Commander")
    DEPUTY_CHIEF = "deputy_chief", _("Deputy chief")
    CHIEF = "chief", _("Chief")


class OfficerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEAVE = "leave", _("On leave")
    SUSPENDED = "suspended", _("Suspended")
    SEPARATED = "separated", _("No longer with the agency")


class Race(models.TextChoices):
    """The Stanford Open Policing Project's categories, so analyses line up with theirs."""

    ASIAN_PACIFIC = "asian/pacific islander", _("Asian or Pacific Islander")
    BLACK = "black", _("Black")
    HISPANIC = "hispanic", _("Hispanic or Latino")
    WHITE = "white", _("White")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Officer(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="officers")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    badge_number = models.CharField(max_length=20)
    rank = models.CharField(max_length=20, choices=Rank.choices, default=Rank.OFFICER)
    # Current unit; changed only by roster.actions.assign_officer, which keeps the history.
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="officers"
    )
    status = models.CharField(
        max_length=20, choices=OfficerStatus.choices, default=OfficerStatus.ACTIVE
    )
    race = models.CharField(max_length=30, choices=Race.choices, default=Race.UNKNOWN)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    work_email = models.EmailField(blank=True)
    hired_on = models.DateField(null=True, blank=True)
    separated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "badge_number"], name="badge_unique")
        ]
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self):
        return (
            f"{self.get_rank_display()} {self.first_name} {self.last_name} (#{self.badge_number})"
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Assignment(models.Model):
    """One period of an officer in a unit; the open one (ended_on empty) is current."""

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="assignments")
    rank = models.CharField(max_length=20, choices=Rank.choices)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer"],
                condition=models.Q(ended_on__isnull=True),
                name="one_current_assignment",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.officer} in {self.unit} from {self.started_on}"


class Commendation(models.Model):
    """Praise from the public, in the officer's record; written by roster.actions.add_commendation."""

    officer = models.ForeignKey(Officer, on_delete=models.CASCADE, related_name="commendations")
    received_on = models.DateField()
    # The staff reference of the report it came from (e.g. CG-2026-000123).
    source_reference = models.CharField(max_length=40)
    summary = models.TextField()
    forwarded_to = models.ForeignKey(
        Officer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_on", "-pk"]

    def __str__(self):
        return f"Commendation for {self.officer} ({self.source_reference})"
