"""Reads for early intervention. Alerts are personnel records: each read is scoped to who asks."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from commonground.accounts.rules import can, commanded_unit_ids, require
from commonground.early_warning import indicators
from commonground.early_warning.models import (
    Alert,
    AlertStatus,
    Detector,
    FalseAlertEstimate,
    Indicator,
    Intervention,
    InterventionStatus,
)
from commonground.roster.models import Officer


def is_own(user, officer_id: int | None) -> bool:
    """Whether the record is the user's own: then they read it as an officer, not as staff
    (internal affairs or a supervisor about themselves would see complaints early)."""
    return user.officer_id is not None and user.officer_id == officer_id


def alerts_for_user(user) -> QuerySet[Alert]:
    require(user, "early_warning.review")
    alerts = (
        Alert.objects.select_related("officer__unit", "detector", "supervisor", "review")
        .order_by("-raised_on", "-pk")
        .exclude(officer_id=user.officer_id)
    )
    if can(user, "early_warning.view_all"):
        return alerts
    return alerts.filter(Q(supervisor=user) | Q(officer__unit_id__in=commanded_unit_ids(user)))


@dataclass
class OfficerAlerts:
    """One officer's alerts in the list: the most recent first."""

    officer: Officer
    alerts: list[Alert]


class AlertsByOfficer:
    """The alerts of a (scoped, filtered) queryset grouped by officer, for a paginator: officers
    come in the order of their latest alert, and only the page's officers' alerts are read."""

    def __init__(self, alerts: QuerySet[Alert]):
        self.alerts = alerts
        self.officers = (
            alerts.order_by()
            .values("officer_id")
            .annotate(latest=Max("raised_on"), last_pk=Max("pk"))
            .order_by("-latest", "-last_pk")
        )

    def count(self) -> int:
        return self.officers.count()

    def alert_count(self) -> int:
        return self.alerts.count()

    def __getitem__(self, key: slice) -> list[OfficerAlerts]:
        ids = [row["officer_id"] for row in self.officers[key]]
        grouped: dict[int, list[Alert]] = {pk: [] for pk in ids}
        for alert in self.alerts.filter(officer_id__in=ids).order_by("-raised_on", "-pk"):
            grouped[alert.officer_id].append(alert)
        return [
            OfficerAlerts(officer=alerts[0].officer, alerts=alerts) for alerts in grouped.values()
        ]


def get_alert_for_user(user, pk: int) -> Alert:
    alert = get_object_or_404(
        Alert.objects.select_related(
            "officer__unit", "detector", "supervisor", "review__reviewed_by"
        ),
        pk=pk,
    )
    require(user, "early_warning.review", alert)
    if is_own(user, alert.officer_id):
        raise PermissionDenied("early_warning.review")
    return alert


def get_intervention_for_user(user, pk: int) -> Intervention:
    intervention = get_object_or_404(Intervention.objects.select_related("alert"), pk=pk)
    require(user, "early_warning.review", intervention.alert)
    return intervention


def interventions_of(alert: Alert) -> QuerySet[Intervention]:
    return alert.interventions.select_related("planned_by").prefetch_related(
        "follow_ups__recorded_by"
    )


def get_officer_record_for_user(user, pk: int) -> Officer:
    officer = get_object_or_404(Officer.objects.select_related("unit"), pk=pk)
    require(user, "early_warning.review", officer)
    if is_own(user, officer.pk):
        raise PermissionDenied("early_warning.review")
    return officer


def own_officer(user) -> Officer | None:
    """The officer record linked to the user's account, if any."""
    if user.officer_id is None:
        return None
    return Officer.objects.select_related("unit").get(pk=user.officer_id)


def _rests_on_unseen_complaints(alert: Alert) -> bool:
    """Whether a complaint the alert counted has not reached the stage from which the officer
    may know of it. An alert kept no list of its complaints before the list was kept: then
    any complaint in its window that the officer may not know of yet holds it back."""
    if alert.detector.indicator not in (Indicator.COMPLAINTS, Indicator.SUSTAINED):
        return False
    counted = alert.complaints.count()
    if counted:
        return alert.complaints.filter(indicators.seen_by_officer_q("")).count() < counted
    return bool(
        indicators.unseen_by_officer(
            alert.detector.indicator,
            alert.officer,
            alert.window_start,
            alert.window_end,
            category=alert.detector.category,
        )
    )


def alerts_about(officer: Officer, *, seen_by_officer: bool = False) -> list[Alert]:
    """The alerts about the officer. For the officer's own page, an alert that rests on a
    complaint they may not know of yet (see indicators.seen_by_officer_q) is left out until
    they may: its date, count or figures would give the complaint away. Only the complaints
    it counted matter, so one entered later with an earlier date cannot take it away again."""
    alerts = list(
        officer.alerts.select_related("officer", "detector", "review").prefetch_related(
            "interventions"
        )
    )
    if not seen_by_officer:
        return alerts
    return [alert for alert in alerts if not _rests_on_unseen_complaints(alert)]


def follow_ups_due(user, on: datetime.date) -> QuerySet[Intervention]:
    """Interventions of the user's alerts whose follow-up date has come."""
    return (
        Intervention.objects.filter(
            alert__in=alerts_for_user(user),
            follow_up_on__lte=on,
            status__in=[InterventionStatus.PLANNED, InterventionStatus.UNDER_WAY],
        )
        .select_related("alert__officer")
        .order_by("follow_up_on", "pk")
    )


@dataclass(frozen=True)
class DetectorFigures:
    detector: Detector
    raised: int
    reviewed: int
    agreed: int
    disagreed: int
    waiting: int
    with_intervention: int
    closed: int
    disagreement_reasons: list[str]
    # Alerts a year it would raise from chance alone (None until first estimated).
    estimate: FalseAlertEstimate | None = None

    @property
    def agreement_rate(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None


def detector_report(
    user, start: datetime.date | None = None, end: datetime.date | None = None
) -> list[DetectorFigures]:
    """Per detector: how many alerts it raised in the period and how supervisors judged them,
    with the reasons they gave for disagreeing (what tuning should look at)."""
    require(user, "early_warning.report")
    period = Q()
    if start:
        period &= Q(alerts__raised_on__gte=start)
    if end:
        period &= Q(alerts__raised_on__lte=end)
    detectors = Detector.objects.annotate(
        raised=Count("alerts", filter=period, distinct=True),
        reviewed=Count("alerts", filter=period & Q(alerts__review__isnull=False), distinct=True),
        agreed=Count("alerts", filter=period & Q(alerts__review__agrees=True), distinct=True),
        disagreed=Count("alerts", filter=period & Q(alerts__review__agrees=False), distinct=True),
        waiting=Count("alerts", filter=period & Q(alerts__status=AlertStatus.OPEN), distinct=True),
        with_intervention=Count(
            "alerts",
            filter=period & Q(alerts__interventions__isnull=False),
            distinct=True,
        ),
        closed=Count("alerts", filter=period & Q(alerts__status=AlertStatus.CLOSED), distinct=True),
    ).order_by("name")
    estimates = {e.detector_id: e for e in FalseAlertEstimate.objects.select_related("detector")}
    reasons: dict[int, list[str]] = {}
    disagreements = Alert.objects.filter(review__agrees=False)
    if start:
        disagreements = disagreements.filter(raised_on__gte=start)
    if end:
        disagreements = disagreements.filter(raised_on__lte=end)
    for detector_id, reason in disagreements.order_by("-raised_on").values_list(
        "detector_id", "review__reason"
    ):
        reasons.setdefault(detector_id, []).append(reason)
    return [
        DetectorFigures(
            detector=d,
            raised=d.raised,
            reviewed=d.reviewed,
            agreed=d.agreed,
            disagreed=d.disagreed,
            waiting=d.waiting,
            with_intervention=d.with_intervention,
            closed=d.closed,
            disagreement_reasons=reasons.get(d.pk, [])[:10],
            estimate=estimates.get(d.pk),
        )
        for d in detectors
    ]
