"""Body-worn-camera footage for the demo agency, imported through the real actions.

Officers' cameras recorded around some incidents that residents reported (so investigators find
suggested footage on their cases), and routine shifts nobody complained about (footage that no
case needs, disposed of by its retention schedule once it is old enough). Files are tiny MP4s:
the header says how long each plays; the demo does not need the pictures."""

import datetime
import random

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from commonground.complaints.models import Kind, Report, Status
from commonground.demo.media import mp4
from commonground.evidence.actions import RecordingFacts, dispose_due_items, import_footage
from commonground.investigations.actions import decide_footage, suggest_footage_for_open_cases
from commonground.investigations.models import LinkState

# Share of recent complaints with an identified officer and a time whose camera was recording.
RECORDED_SHARE = 0.35
# Older footage has mostly passed its schedule; the demo keeps to the recent past.
RECENT = datetime.timedelta(days=240)
ROUTINE_RECORDINGS = 80


def _import(custodian, officer, start: datetime.datetime, minutes: int, rng: random.Random):
    device = f"BWC-{officer.badge_number}"
    end = start + datetime.timedelta(minutes=minutes)
    facts = RecordingFacts(device_id=device, officer=officer, started_at=start, ended_at=end)
    name = f"{device}_{timezone.localtime(start):%Y%m%d_%H%M}.mp4"
    tag = f"{name}{rng.random()}".encode()  # each file unique
    upload = SimpleUploadedFile(name, mp4(minutes * 60, tag * 8))
    # Cameras upload at the end of the shift.
    with time_machine.travel(end + datetime.timedelta(hours=rng.uniform(1, 8)), tick=False):
        return import_footage(upload=upload, facts=facts, by=custodian)


def build_footage(*, custodian, officers: list, rng: random.Random, now: datetime.datetime):
    """Returns how many recordings were imported, linked to cases, and disposed of."""
    taken: dict[str, list[tuple[datetime.datetime, datetime.datetime]]] = {}

    def free(officer, start, minutes) -> bool:
        end = start + datetime.timedelta(minutes=minutes)
        slots = taken.setdefault(officer.badge_number, [])
        if start > now - datetime.timedelta(hours=1) or any(
            s < end and start < e for s, e in slots
        ):
            return False
        slots.append((start, end))
        return True

    imported = 0
    reports = (
        Report.objects.filter(
            kind=Kind.COMPLAINT, incident_time__isnull=False, received_at__gte=now - RECENT
        )
        .exclude(status=Status.RECEIVED)
        .prefetch_related("officers__officer")
        .order_by("pk")
    )
    for report in reports:
        identified = [o.officer for o in report.officers.all() if o.officer]
        if not identified or rng.random() > RECORDED_SHARE:
            continue
        at = timezone.make_aware(
            datetime.datetime.combine(report.incident_date, report.incident_time)
        )
        officer = rng.choice(identified)
        start = at - datetime.timedelta(minutes=rng.randint(2, 25))
        minutes = rng.randint(15, 50)
        if free(officer, start, minutes):
            _import(custodian, officer, start, minutes, rng)
            imported += 1
    for _ in range(ROUTINE_RECORDINGS):
        officer = rng.choice(officers)
        start = now - datetime.timedelta(days=rng.uniform(1, 240), hours=rng.uniform(0, 23))
        minutes = rng.randint(5, 40)
        if free(officer, start, minutes):
            _import(custodian, officer, start, minutes, rng)
            imported += 1

    suggest_footage_for_open_cases()
    confirmed = 0
    for report in Report.objects.filter(
        status=Status.INVESTIGATION, case__investigator__isnull=False
    ):
        case = report.case
        for link in case.evidence_links.filter(state=LinkState.SUGGESTED):
            if rng.random() < 0.6:
                decide_footage(
                    link=link,
                    by=case.investigator,
                    confirm=True,
                    note="Shows the stop and the conversation with the complainant.",
                )
                confirmed += 1
    disposed, _held = dispose_due_items()
    return imported, confirmed, disposed
