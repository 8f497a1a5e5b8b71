import datetime

from django.db import transaction
from django.utils import timezone

from commonground.accounts.rules import require
from commonground.audit.actions import record
from commonground.roster.models import Assignment, Commendation, Officer, Unit


@transaction.atomic
def assign_officer(
    *, officer: Officer, unit: Unit, on: datetime.date, rank: str | None = None, by=None
) -> Assignment:
    """Move an officer to a unit (and rank) from a date, closing the current assignment."""
    rank = rank or officer.rank
    current = officer.assignments.filter(ended_on__isnull=True).first()
    if current:
        if current.unit_id == unit.pk and current.rank == rank:
            return current
        current.ended_on = max(on, current.started_on)
        current.save(update_fields=["ended_on"])
    assignment = Assignment.objects.create(officer=officer, unit=unit, rank=rank, started_on=on)
    officer.unit, officer.rank = unit, rank
    officer.save(update_fields=["unit", "rank"])
    record(
        actor=by or "system",
        action="officer.assign",
        target=officer,
        data={"unit": unit.pk, "rank": rank, "from": on},
    )
    return assignment


@transaction.atomic
def add_commendation(
    *, officer: Officer, received_on: datetime.date, source_reference: str, summary: str, by
) -> Commendation:
    """Put a resident's praise in the officer's record; it goes to the unit's commander."""
    require(by, "roster.record_commendation")
    commander = officer.unit.commander if officer.unit_id else None
    commendation = Commendation.objects.create(
        officer=officer,
        received_on=received_on,
        source_reference=source_reference,
        summary=summary,
        forwarded_to=commander,
        created_at=timezone.now(),
    )
    record(
        actor=by,
        action="officer.commend",
        target=officer,
        data={"source": source_reference, "forwarded_to": commander.pk if commander else None},
    )
    return commendation
