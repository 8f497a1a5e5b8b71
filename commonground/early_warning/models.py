"""Early intervention: detectors that flag officers whose record stands out, the alerts they
raise, and what supervisors did about each: a review (agree or not, and why), intervention plans
and their follow-ups.

Never public. Indicators are computed on demand from the records other apps hold (complaints,
allegations, use of force, stops, commendations); only detectors and what they raised are stored.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from commonground.complaints.models import AllegationCategory, Report
from commonground.roster.models import Officer


class Indicator(models.TextChoices):
    COMPLAINTS = "complaints", _("Complaints naming the officer")
    SUSTAINED = "sustained", _("Sustained allegations")
    USE_OF_FORCE = "use_of_force", _("Use-of-force incidents")
    FORCE_INJURIES = "force_injuries", _("Use of force that injured the subject")
    STOPS = "stops", _("Stops")
    SEARCHES = "searches", _("Searches")
    FRUITLESS_SEARCHES = "fruitless_searches", _("Searches that found nothing")
    COMMENDATIONS = "commendations", _("Commendations")


# Shown for context beside the others, never counted against an officer.
CONTEXT_ONLY = {Indicator.COMMENDATIONS, Indicator.STOPS}


class Exposure(models.TextChoices):
    """What a peer comparison divides by, so busier officers are not flagged for being busy."""

    NONE = "none", _("Nothing (compare counts)")
    DAYS_ASSIGNED = "days_assigned", _("Days on assignment in the window")
    STOPS = "stops", _("Stops made")
    SEARCHES = "searches", _("Searches made")


# What one unit of each exposure is, for the sentence that describes a detector.
EXPOSURE_UNITS = {
    Exposure.DAYS_ASSIGNED: _("day on assignment"),
    Exposure.STOPS: _("stop"),
    Exposure.SEARCHES: _("search"),
}

# indicator -> the exposures it is a part of (each event is one of the exposure's trials), which
# makes the peer comparison a binomial test instead of a Poisson rate test.
PART_OF = {
    Indicator.SEARCHES: {Exposure.STOPS},
    Indicator.FRUITLESS_SEARCHES: {Exposure.SEARCHES},
}


class DetectorKind(models.TextChoices):
    THRESHOLD = "threshold", _("Threshold: a number of events in a window")
    PEER = "peer", _("Peer comparison: far above officers of the same unit and rank")


class Detector(models.Model):
    """One rule for raising alerts, kept by administrators (every change audited)."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=DetectorKind.choices)
    indicator = models.CharField(max_length=30, choices=Indicator.choices)
    # Complaints only: count those with an allegation of this category against the officer.
    category = models.CharField(max_length=30, choices=AllegationCategory.choices, blank=True)
    window_days = models.PositiveIntegerField(
        default=180, help_text=_("How far back the events are counted, ending on the day it runs.")
    )
    min_events = models.PositiveIntegerField(
        default=3,
        help_text=_(
            "Threshold: an alert at this many events or more. Peer comparison: never an alert "
            "for fewer events than this, however few the peers have."
        ),
    )
    # Peer comparison only.
    exposure = models.CharField(max_length=20, choices=Exposure.choices, default=Exposure.NONE)
    false_discovery_rate = models.FloatField(
        default=0.05,
        help_text=_(
            "Peer comparison: the share of alerts that may be false across the whole agency "
            "(Benjamini-Hochberg). Lower means fewer, surer alerts."
        ),
    )
    min_peers = models.PositiveIntegerField(
        default=5,
        help_text=_("Peer comparison: officers with fewer peers than this are not compared."),
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(false_discovery_rate__gt=0, false_discovery_rate__lt=1),
                name="detector_fdr_between_0_and_1",
            ),
            models.CheckConstraint(condition=models.Q(window_days__gt=0), name="detector_window"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.indicator in CONTEXT_ONLY:
            errors["indicator"] = _(
                "%(indicator)s are context, not a concern: choose another indicator."
            ) % {"indicator": Indicator(self.indicator).label}
        if self.category and self.indicator != Indicator.COMPLAINTS:
            errors["category"] = _("A category applies only to complaints.")
        if self.min_events < 1:
            errors["min_events"] = _("At least one event is needed to raise an alert.")
        if self.kind == DetectorKind.THRESHOLD and self.exposure != Exposure.NONE:
            errors["exposure"] = _("A threshold counts events; exposure is for peer comparisons.")
        if self.kind == DetectorKind.PEER:
            if self.exposure == self.indicator:
                errors["exposure"] = _("An indicator cannot be measured against itself.")
            if self.min_peers < 1:
                errors["min_peers"] = _("A comparison needs at least one peer.")
        if errors:
            raise ValidationError(errors)

    def describe(self) -> str:
        """The rule in one sentence, for alerts and reports."""
        what = Indicator(self.indicator).label.lower()
        if self.category:
            what = _("%(what)s (%(category)s)") % {
                "what": what,
                "category": AllegationCategory(self.category).label.lower(),
            }
        if self.kind == DetectorKind.THRESHOLD:
            return _("%(n)s or more %(what)s in %(days)s days") % {
                "n": self.min_events,
                "what": what,
                "days": self.window_days,
            }
        values = {"what": what, "days": self.window_days, "fdr": self.false_discovery_rate}
        if self.exposure == Exposure.NONE:
            return (
                _(
                    "%(what)s in %(days)s days, far above peers of the same unit and rank (false "
                    "discovery rate %(fdr)s)"
                )
                % values
            )
        return _(
            "%(what)s per %(unit)s over %(days)s days, far above peers of the same unit and rank "
            "(false discovery rate %(fdr)s)"
        ) % {**values, "unit": EXPOSURE_UNITS[self.exposure]}

    def rule(self) -> dict:
        """The settings that decide what the detector flags (an estimate holds for these)."""
        return {field: getattr(self, field) for field in RULE_FIELDS}


RULE_FIELDS = (
    "kind",
    "indicator",
    "category",
    "window_days",
    "min_events",
    "exposure",
    "false_discovery_rate",
    "min_peers",
)


class FalseAlertEstimate(models.Model):
    """How many alerts a year the detector would raise if no officer differed from their peers
    (early_warning.simulation), estimated each morning with the detectors; written only by
    early_warning.actions.estimate_false_alerts."""

    detector = models.OneToOneField(
        Detector, on_delete=models.CASCADE, related_name="false_alert_estimate"
    )
    estimated_on = models.DateField()
    per_year = models.FloatField()
    low = models.FloatField()
    high = models.FloatField()
    years = models.PositiveIntegerField()  # simulated years of daily runs
    officers = models.PositiveIntegerField()  # officers simulated
    rule = models.JSONField()  # the detector's settings it was made for (Detector.rule())

    def __str__(self):
        return f"False alerts a year for {self.detector}"

    @property
    def is_current(self) -> bool:
        return self.rule == self.detector.rule()


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the supervisor's review")
    AGREED = "agreed", _("Supervisor agreed: plan an intervention")
    DISMISSED = "dismissed", _("Supervisor disagreed: closed")
    INTERVENTION = "intervention", _("Intervention under way")
    CLOSED = "closed", _("Interventions completed")


# Alerts still waiting for someone: a review, a plan or the end of an intervention.
OPEN_ALERT_STATUSES = [AlertStatus.OPEN, AlertStatus.AGREED, AlertStatus.INTERVENTION]


class Alert(models.Model):
    """One officer flagged by one detector on one day, with the figures behind it."""

    officer = models.ForeignKey(Officer, on_delete=models.PROTECT, related_name="alerts")
    detector = models.ForeignKey(Detector, on_delete=models.PROTECT, related_name="alerts")
    raised_on = models.DateField(db_index=True)
    window_start = models.DateField()
    window_end = models.DateField()
    observed = models.PositiveIntegerField()
    # Peer comparison only: the officer's exposure, what peers' rate predicts for it, the
    # one-sided p-value and the Benjamini-Hochberg adjusted one, and who the peers were.
    exposure = models.FloatField(null=True, blank=True)
    expected = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    q_value = models.FloatField(null=True, blank=True)
    peers = models.PositiveIntegerField(null=True, blank=True)
    peer_group = models.CharField(max_length=200, blank=True)
    # Peer comparison only: how many officers across the agency were tested together that day,
    # the number Benjamini-Hochberg allowed for in q (empty on alerts raised before it was kept).
    compared = models.PositiveIntegerField(null=True, blank=True)
    # Complaint indicators only: the complaints counted, so the officer's own page shows the
    # alert once each of them (and no complaint entered later) may be known to the officer.
    complaints = models.ManyToManyField(Report, blank=True, related_name="+")
    # Who it was sent to: the commander of the officer's unit (or the unit above it).
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="early_warning_alerts",
    )
    # Changed only by early_warning.actions (review_alert, plan_intervention, record_follow_up).
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-raised_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "detector", "raised_on"], name="alert_once_a_day"
            )
        ]

    def __str__(self):
        return f"Alert {self.pk}: {self.officer} ({self.detector})"


class AlertReview(models.Model):
    """The supervisor's judgement of an alert: it feeds back into tuning the detector."""

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="review")
    agrees = models.BooleanField()
    reason = models.TextField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField()

    def __str__(self):
        return f"Review of alert {self.alert_id}"


class InterventionKind(models.TextChoices):
    TRAINING = "training", _("Training")
    MENTORING = "mentoring", _("Mentoring")
    COUNSELLING = "counselling", _("Counselling")
    REASSIGNMENT = "reassignment", _("Change of assignment")
    SUPERVISION = "supervision", _("Closer supervision")
    OTHER = "other", _("Other")


class InterventionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    UNDER_WAY = "under_way", _("Under way")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Ended without being completed")


class Intervention(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="interventions")
    kind = models.CharField(max_length=20, choices=InterventionKind.choices)
    description = models.TextField()
    # The next date someone must look at how it is going; empty once it has ended.
    follow_up_on = models.DateField(null=True, blank=True)
    # Changed only by early_warning.actions.record_follow_up.
    status = models.CharField(
        max_length=20, choices=InterventionStatus.choices, default=InterventionStatus.PLANNED
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} for alert {self.alert_id}"

    @property
    def has_ended(self) -> bool:
        return self.status in {InterventionStatus.COMPLETED, InterventionStatus.NOT_COMPLETED}


class FollowUpOutcome(models.TextChoices):
    IMPROVING = "improving", _("Improving")
    NO_CHANGE = "no_change", _("No change yet")
    WORSE = "worse", _("Worse")
    RESOLVED = "resolved", _("Resolved")


class FollowUp(models.Model):
    """What a supervisor saw when following up an intervention."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.CASCADE, related_name="follow_ups"
    )
    outcome = models.CharField(max_length=20, choices=FollowUpOutcome.choices)
    note = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"Follow-up of {self.intervention}"
