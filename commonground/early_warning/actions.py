"""Every write in early intervention: raising alerts, a supervisor's review, intervention plans
and their follow-ups. Each checks permission, validates, saves in one transaction and writes the
audit event."""

import datetime

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commonground.accounts.rules import can, require
from commonground.audit.actions import record
from commonground.early_warning import detectors, indicators, simulation, tasks
from commonground.early_warning.models import (
    PART_OF,
    Alert,
    AlertReview,
    AlertStatus,
    Detector,
    DetectorKind,
    FalseAlertEstimate,
    FollowUp,
    FollowUpOutcome,
    Intervention,
    InterventionKind,
    InterventionStatus,
)
from commonground.roster.models import Officer, OfficerStatus


class EarlyWarningError(ValueError):
    """A change the rules refuse; the message is for the person who tried it."""


def _require_reviewer(by, alert: Alert) -> None:
    """The alert's chain of command or IA, and never the officer it is about (an IA supervisor
    or a sergeant who is also an officer reads their own record as any officer does)."""
    require(by, "early_warning.review", alert)
    if by.officer_id is not None and by.officer_id == alert.officer_id:
        raise PermissionDenied("early_warning.review")


def supervisor_of(officer: Officer):
    """The account of whoever commands the officer's unit, going up the units when the unit's
    commander is the officer, has no account, or has an account that may not review alerts
    (a chief whose role is agency head, say); None if nobody in the chain can."""
    units = officer.unit.chain_of_command() if officer.unit else ()
    for unit in units:
        commander = unit.commander
        if commander is not None and commander.pk != officer.pk:
            account = getattr(commander, "user_account", None)
            if account is not None and can(account, "early_warning.review"):
                return account
    return None


def _peer_group_label(officer: Officer) -> str:
    unit = officer.unit.name if officer.unit else _("no unit")
    return f"{unit} · {officer.get_rank_display()}"


def _flags(detector: Detector, officers: list[Officer], start, end):
    """The officers the detector flags, and how many it compared (None for a threshold)."""
    counts = indicators.counts(detector.indicator, officers, start, end, category=detector.category)
    if detector.kind == DetectorKind.THRESHOLD:
        return detectors.threshold(counts, min_events=detector.min_events), None
    return detectors.peer_comparison(
        {o.pk: (o.unit_id, o.rank) for o in officers if o.unit_id},
        counts,
        indicators.exposures(detector.exposure, officers, start, end),
        binomial=detector.exposure in PART_OF.get(detector.indicator, set()),
        false_discovery_rate=detector.false_discovery_rate,
        min_peers=detector.min_peers,
        min_events=detector.min_events,
    )


@transaction.atomic
def run_detectors(*, on: datetime.date, detector_ids: list[int] | None = None) -> list[Alert]:
    """Run every active detector over the window ending `on` and raise an alert for each officer
    it flags, unless the same detector already flagged that officer within its window (the same
    events are not raised twice). Each alert goes to the officer's supervisor."""
    officers = _active_officers()
    by_pk = {o.pk: o for o in officers}
    detectors_to_run = Detector.objects.filter(active=True)
    if detector_ids is not None:
        detectors_to_run = detectors_to_run.filter(pk__in=detector_ids)
    raised = []
    now = timezone.now()
    for detector in detectors_to_run:
        start = on - datetime.timedelta(days=detector.window_days - 1)
        recent = set(
            Alert.objects.filter(detector=detector, raised_on__gte=start).values_list(
                "officer_id", flat=True
            )
        )
        flags, compared = _flags(detector, officers, start, on)
        for flag in flags:
            if flag.officer_id in recent:
                continue
            officer = by_pk[flag.officer_id]
            alert = Alert.objects.create(
                officer=officer,
                detector=detector,
                raised_on=on,
                window_start=start,
                window_end=on,
                observed=flag.observed,
                exposure=flag.exposure,
                expected=flag.expected,
                p_value=flag.p_value,
                q_value=flag.q_value,
                peers=flag.peers,
                compared=compared,
                peer_group=_peer_group_label(officer) if flag.peers is not None else "",
                supervisor=supervisor_of(officer),
                created_at=now,
            )
            alert.complaints.set(
                indicators.complaints_counted(
                    detector.indicator, officer, start, on, category=detector.category
                )
            )
            record(
                actor="early intervention",
                action="early_warning.alert.raise",
                target=alert,
                data={"detector": detector.pk, "officer": officer.pk, "observed": flag.observed},
            )
            raised.append(alert)
    for alert in raised:
        if alert.supervisor_id:
            transaction.on_commit(lambda pk=alert.pk: tasks.notify_supervisor.enqueue(alert_id=pk))
    return raised


def _active_officers() -> list[Officer]:
    return list(
        Officer.objects.filter(status=OfficerStatus.ACTIVE).select_related(
            "unit__commander__user_account", "unit__parent__commander__user_account"
        )
    )


def null_agency(detector: Detector, officers: list[Officer], on: datetime.date):
    """The agency as the detector sees it on the window ending `on`, with every officer given
    the same rate as their peers (the null the false-alert estimate simulates): a peer
    comparison's groups, exposures and each group's pooled rate; for a threshold, the agency's
    rate per day on assignment. None when nobody can be simulated."""
    start = on - datetime.timedelta(days=detector.window_days - 1)
    counts = indicators.counts(detector.indicator, officers, start, on, category=detector.category)
    if detector.kind == DetectorKind.THRESHOLD:
        members = officers
        groups = dict.fromkeys((o.pk for o in members), 0)
        exposure_of = indicators.days_assigned(members, start, on)
    else:
        members = [o for o in officers if o.unit_id]
        groups = {o.pk: (o.unit_id, o.rank) for o in members}
        exposure_of = indicators.exposures(detector.exposure, members, start, on)
    if not members:
        return None
    labels: dict = {}
    group_index = np.array([labels.setdefault(groups[o.pk], len(labels)) for o in members])
    exposure = np.array(
        [1.0 if exposure_of is None else float(exposure_of.get(o.pk, 0)) for o in members]
    )
    # Each group's events over its exposure: the rate every member has under the null (for a
    # threshold one group, the whole agency).
    events = np.array([float(counts.get(o.pk, 0)) for o in members])
    group_events = np.bincount(group_index, weights=np.where(exposure > 0, events, 0.0))
    group_exposure = np.bincount(group_index, weights=exposure)
    rate = np.divide(
        group_events, group_exposure, out=np.zeros_like(group_events), where=group_exposure > 0
    )
    return simulation.NullAgency(
        group_index=group_index,
        exposure=exposure,
        rate=rate[group_index],
        window_days=detector.window_days,
        min_events=detector.min_events,
        peer=detector.kind == DetectorKind.PEER,
        binomial=detector.exposure in PART_OF.get(detector.indicator, set()),
        false_discovery_rate=detector.false_discovery_rate,
        min_peers=detector.min_peers,
    )


# Simulated years per estimate: the 95% range of the average is then about a fifth of a year's
# spread either side, and a 400-officer agency's detectors take seconds each.
SIMULATED_YEARS = 20


def estimate_false_alerts(
    *, on: datetime.date, detector_ids: list[int] | None = None
) -> list[FalseAlertEstimate]:
    """Estimate, for each active detector, the alerts a year it would raise from chance alone
    (early_warning.simulation), and keep the figure for the detector report. Run each morning
    after the detectors; the simulation runs outside any transaction, each save in its own."""
    officers = _active_officers()
    to_estimate = Detector.objects.filter(active=True)
    if detector_ids is not None:
        to_estimate = to_estimate.filter(pk__in=detector_ids)
    estimates = []
    for detector in to_estimate:
        agency = null_agency(detector, officers, on)
        found = (
            simulation.false_alerts_per_year(agency, years=SIMULATED_YEARS, seed=detector.pk)
            if agency is not None
            else simulation.Estimate(per_year=0.0, low=0.0, high=0.0, years=SIMULATED_YEARS)
        )
        with transaction.atomic():
            estimate, _created = FalseAlertEstimate.objects.update_or_create(
                detector=detector,
                defaults={
                    "estimated_on": on,
                    "per_year": found.per_year,
                    "low": found.low,
                    "high": found.high,
                    "years": found.years,
                    "officers": 0 if agency is None else int(agency.exposure.size),
                    "rule": detector.rule(),
                },
            )
            record(
                actor="early intervention",
                action="early_warning.detector.estimate",
                target=detector,
                data={"per_year": round(found.per_year, 2), "years": found.years},
            )
        estimates.append(estimate)
    return estimates


# A starting set, from the thresholds agencies commonly use and the peer comparisons the
# research favours; each agency tunes them in the admin with the per-detector report.
RECOMMENDED_DETECTORS = [
    dict(
        name="Three complaints in six months",
        kind=DetectorKind.THRESHOLD,
        indicator="complaints",
        window_days=182,
        min_events=3,
    ),
    dict(
        name="Three uses of force in three months",
        kind=DetectorKind.THRESHOLD,
        indicator="use_of_force",
        window_days=91,
        min_events=3,
    ),
    dict(
        name="Two sustained allegations in a year",
        kind=DetectorKind.THRESHOLD,
        indicator="sustained",
        window_days=365,
        min_events=2,
    ),
    dict(
        name="Complaints far above peers",
        kind=DetectorKind.PEER,
        indicator="complaints",
        exposure="days_assigned",
        window_days=365,
        min_events=3,
    ),
    dict(
        name="Use of force far above peers",
        kind=DetectorKind.PEER,
        indicator="use_of_force",
        exposure="days_assigned",
        window_days=365,
        min_events=3,
    ),
    dict(
        name="Searches per stop far above peers",
        kind=DetectorKind.PEER,
        indicator="searches",
        exposure="stops",
        window_days=182,
        min_events=10,
    ),
    dict(
        name="Searches finding nothing far above peers",
        kind=DetectorKind.PEER,
        indicator="fruitless_searches",
        exposure="searches",
        window_days=365,
        min_events=10,
    ),
]


@transaction.atomic
def install_recommended_detectors(*, by=None) -> list[Detector]:
    """Add the recommended detectors that are not there yet (by name); returns those added."""
    added = []
    for values in RECOMMENDED_DETECTORS:
        if Detector.objects.filter(name=values["name"]).exists():
            continue
        detector = Detector(**values)
        detector.full_clean()
        detector.save()
        record(actor=by or "system", action="config.add", target=detector, data=values)
        added.append(detector)
    return added


def _required_text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise EarlyWarningError(message)
    return value


@transaction.atomic
def review_alert(*, alert: Alert, by, agrees: bool, reason: str) -> AlertReview:
    """The supervisor's judgement. Agreeing leads to an intervention plan; disagreeing closes the
    alert. The reason is required either way: it is how detectors get tuned."""
    _require_reviewer(by, alert)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise EarlyWarningError(_("This alert has already been reviewed."))
    reason = _required_text(
        reason,
        _("Say why you agree: what in the officer's record concerns you.")
        if agrees
        else _("Say why you disagree: it helps tune the detector."),
    )
    review = AlertReview.objects.create(
        alert=alert, agrees=agrees, reason=reason, reviewed_by=by, reviewed_at=timezone.now()
    )
    alert.status = AlertStatus.AGREED if agrees else AlertStatus.DISMISSED
    alert.save(update_fields=["status"])
    record(
        actor=by,
        action="early_warning.alert.review",
        target=alert,
        data={"agrees": agrees},
    )
    return review


def _check_follow_up_date(follow_up_on: datetime.date | None) -> datetime.date:
    if follow_up_on is None:
        raise EarlyWarningError(_("Give the date of the next follow-up."))
    if follow_up_on < timezone.localdate():
        raise EarlyWarningError(_("The follow-up date cannot be in the past."))
    return follow_up_on


@transaction.atomic
def plan_intervention(
    *, alert: Alert, by, kind: str, description: str, follow_up_on: datetime.date | None
) -> Intervention:
    _require_reviewer(by, alert)
    if kind not in InterventionKind.values:
        raise EarlyWarningError(_("Choose what kind of intervention this is."))
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status not in (AlertStatus.AGREED, AlertStatus.INTERVENTION):
        raise EarlyWarningError(
            _("An intervention can be planned only once a supervisor has agreed with the alert.")
        )
    intervention = Intervention.objects.create(
        alert=alert,
        kind=kind,
        description=_required_text(description, _("Describe the intervention.")),
        follow_up_on=_check_follow_up_date(follow_up_on),
        planned_by=by,
        created_at=timezone.now(),
    )
    alert.status = AlertStatus.INTERVENTION
    alert.save(update_fields=["status"])
    record(
        actor=by,
        action="early_warning.intervention.plan",
        target=intervention,
        data={"alert": alert.pk, "kind": kind, "follow_up_on": str(follow_up_on)},
    )
    return intervention


@transaction.atomic
def record_follow_up(
    *,
    intervention: Intervention,
    by,
    outcome: str,
    note: str,
    status: str,
    next_follow_up_on: datetime.date | None,
) -> FollowUp:
    """What the supervisor saw. An intervention that goes on needs the next follow-up date; when
    the last intervention of an alert ends, the alert is closed."""
    _require_reviewer(by, intervention.alert)
    if outcome not in FollowUpOutcome.values:
        raise EarlyWarningError(_("Choose how the officer is doing."))
    if status not in InterventionStatus.values or status == InterventionStatus.PLANNED:
        raise EarlyWarningError(
            _("Say whether the intervention is under way, completed or ended without completion.")
        )
    intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    if intervention.has_ended:
        raise EarlyWarningError(_("This intervention has already ended."))
    follow_up = FollowUp.objects.create(
        intervention=intervention,
        outcome=outcome,
        note=_required_text(note, _("Write what you saw at this follow-up.")),
        recorded_by=by,
        recorded_at=timezone.now(),
    )
    intervention.status = status
    intervention.follow_up_on = (
        None if intervention.has_ended else _check_follow_up_date(next_follow_up_on)
    )
    intervention.save(update_fields=["status", "follow_up_on"])
    alert = intervention.alert
    if not alert.interventions.exclude(
        status__in=[InterventionStatus.COMPLETED, InterventionStatus.NOT_COMPLETED]
    ).exists():
        alert.status = AlertStatus.CLOSED
        alert.save(update_fields=["status"])
    record(
        actor=by,
        action="early_warning.intervention.follow_up",
        target=intervention,
        data={"outcome": outcome, "status": status},
    )
    return follow_up


def record_view(*, by, target, what: str) -> None:
    """Early-intervention records are personnel records: every staff view is audited."""
    record(actor=by, action=f"early_warning.{what}.view", target=target)
