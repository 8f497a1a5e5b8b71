import datetime

from django.db import transaction

from commonground.audit.actions import record
from commonground.roster.models import Assignment, Officer, Unit


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
