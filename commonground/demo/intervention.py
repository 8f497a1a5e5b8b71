"""Early intervention in the demo: the recommended detectors, run over the window ending today,
and supervisors' judgements of some of the alerts they raised, all through the app's actions.

About a third of the threshold alerts are judged as not needing attention (a busy assignment,
complaints about one incident) and most peer-comparison alerts are agreed with, so the report
per detector tells the tuning story a real agency would see.
"""

import datetime
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from commonground.accounts.models import Role
from commonground.demo.names import STAFF_NAMES
from commonground.early_warning.actions import (
    install_recommended_detectors,
    plan_intervention,
    record_follow_up,
    review_alert,
    run_detectors,
)
from commonground.early_warning.models import (
    Alert,
    AlertStatus,
    DetectorKind,
    FollowUpOutcome,
    InterventionKind,
    InterventionStatus,
)

AGREE = [
    "The complaints describe the same behaviour on traffic stops; it is worth a conversation.",
    "Several of these involve force on people already handcuffed. Needs attention.",
    "Pattern matches what the shift sergeant has noticed on calls.",
    "Force incidents are rising month by month; early support before it becomes discipline.",
]
DISAGREE = [
    "Assigned to the entertainment district on weekend nights; complaints track the assignment.",
    "Two of the complaints come from one incident filed by different residents.",
    "Officer is a field training officer and is named alongside every trainee.",
    "All complaints were unfounded on the body-camera footage.",
]
PLANS = {
    InterventionKind.TRAINING: "De-escalation refresher (8 hours) at the academy.",
    InterventionKind.MENTORING: "Six weeks of ride-alongs with a senior field training officer.",
    InterventionKind.COUNSELLING: "Referral to the employee assistance programme.",
    InterventionKind.SUPERVISION: "Sergeant reviews body-camera footage of two stops a week.",
}
# The demo's supervisors have judged two thirds of the alerts, at most this many; the rest wait.
REVIEWED = 24


@dataclass
class Interventions:
    detectors: int
    alerts: int
    reviewed: int
    agreed: int
    interventions: int


def build(*, seed: int, today: datetime.date) -> Interventions:
    rng = random.Random(seed)
    detectors = install_recommended_detectors()
    raised = run_detectors(on=today)
    ia = get_user_model().objects.get(username=STAFF_NAMES[Role.IA_SUPERVISOR][0])
    # Sorted before shuffling so the same seed gives the same demo on every database.
    raised = sorted(raised, key=lambda a: (a.detector.name, a.officer.badge_number))
    rng.shuffle(raised)
    peer_first = sorted(raised, key=lambda a: a.detector.kind != DetectorKind.PEER)
    agreed = planned = 0
    for i, alert in enumerate(peer_first[: min(REVIEWED, len(raised) * 2 // 3)]):
        reviewer = alert.supervisor or ia
        threshold = alert.detector.kind == DetectorKind.THRESHOLD
        # One in three threshold alerts is judged not to need attention, one in five peer
        # alerts; the second review is always a disagreement, so even a small demo shows one.
        agrees = i % (3 if threshold else 5) != 1
        review_alert(
            alert=alert,
            by=reviewer,
            agrees=agrees,
            reason=rng.choice(AGREE if agrees else DISAGREE),
        )
        if not agrees:
            continue
        agreed += 1
        if rng.random() < 0.2:
            continue  # agreed, plan still to come
        kind = rng.choice(list(PLANS))
        intervention = plan_intervention(
            alert=alert,
            by=reviewer,
            kind=kind,
            description=PLANS[kind],
            follow_up_on=today + datetime.timedelta(days=rng.choice([0, 14, 21, 30])),
        )
        planned += 1
        if rng.random() < 0.4:
            record_follow_up(
                intervention=intervention,
                by=reviewer,
                outcome=FollowUpOutcome.IMPROVING,
                note="Good engagement so far; no new complaint since the plan began.",
                status=InterventionStatus.UNDER_WAY,
                next_follow_up_on=today + datetime.timedelta(days=30),
            )
    return Interventions(
        detectors=len(detectors),
        alerts=len(raised),
        reviewed=Alert.objects.exclude(status=AlertStatus.OPEN).count(),
        agreed=agreed,
        interventions=planned,
    )


def describe(result: Interventions | None) -> list[str]:
    if result is None:
        return []
    return [
        f"  Early intervention: {result.detectors} detectors raised {result.alerts} alerts; "
        f"{result.reviewed} reviewed ({result.agreed} agreed), {result.interventions} "
        "interventions planned"
    ]
