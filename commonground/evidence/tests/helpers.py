"""Evidence built through the same actions the pages use."""

import datetime

from django.utils import timezone

from commonground.complaints.tests.factories import agency_with_officers
from commonground.evidence.actions import RecordingFacts, import_footage
from commonground.evidence.tests.media import mp4, uploaded


def officer():
    return agency_with_officers(1)[3][0]


def footage(by, *, worn_by=None, device="CAM-7", start=None, minutes=20, seconds=None):
    worn_by = worn_by or officer()
    start = start or timezone.now() - datetime.timedelta(days=2)
    facts = RecordingFacts(
        device_id=device,
        officer=worn_by,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=minutes),
    )
    content = mp4(seconds or minutes * 60, payload=f"{device}{start}".encode())
    return import_footage(upload=uploaded(f"{device}.mp4", content), facts=facts, by=by)
