"""Seed the benchmark database with reports quickly: bulk inserts, not 100,000 action calls.

Every seeded report looks like one the public form or staff intake would have filed: a valid
tracking-code hash (random 80-bit codes, hashed by `tracking.hash_code`), a status history that
follows the declared transitions, encrypted contact details for named reporters, and one
"report.file" audit event each, chained like `audit.actions.record` chains them.

The codes themselves are never stored by the app; the seed keeps a few in a JSON file beside the
database so the lookup benchmark has real codes to look up.
"""

import datetime
import json
import random
import secrets
from collections.abc import Iterable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from commonground.audit.keys import require_chain_key
from commonground.audit.models import KEYED_FORMAT, AuditEvent, AuditHead
from commonground.complaints import tracking
from commonground.complaints.models import (
    Allegation,
    AllegationCategory,
    Channel,
    ContactMethod,
    Finding,
    InvolvedOfficer,
    Kind,
    OfficerRole,
    Report,
    ReporterType,
    Status,
    StatusChange,
)
from commonground.roster.models import District, Officer

BATCH = 2_000
LOOKUP_CODES = 64

COMPLAINT_PATH = [
    Status.RECEIVED,
    Status.TRIAGE,
    Status.INVESTIGATION,
    Status.SUPERVISOR_REVIEW,
    Status.BOARD_REVIEW,
    Status.AGENCY_DECISION,
    Status.CLOSED,
]
COMMENDATION_PATH = [Status.RECEIVED, Status.FORWARDED]
PLACES = [
    "Main St and 3rd Ave",
    "Riverside Park, near the east gate",
    "1400 block of Oak Street",
    "Bus station on Central Avenue",
    "Parking lot behind the grocery store on Elm",
    "Highway 9 northbound, exit 14",
]
SENTENCES = [
    "I was stopped while walking home from work.",
    "The officer asked for my identification and did not say why.",
    "My car was searched without my consent.",
    "The officer raised his voice and used insulting language.",
    "Another officer stood by and did nothing.",
    "I asked for a badge number and was refused.",
    "The officer helped my elderly neighbour and stayed until the ambulance arrived.",
    "I was handcuffed for about twenty minutes and then released without a ticket.",
]


def codes_file(data_dir: Path) -> Path:
    return Path(data_dir) / "lookup_codes.json"


def _random_code(rng: random.Random) -> str:
    return tracking.format_code("".join(rng.choice(tracking.ALPHABET) for _ in range(16)))


def _status_path(rng: random.Random, kind: str, age_days: int) -> list[str]:
    """Older reports are further along; some complaints go to mediation, some close at triage
    (only where investigations.actions.TRANSITIONS allows it)."""
    path = COMPLAINT_PATH if kind == Kind.COMPLAINT else COMMENDATION_PATH
    progress = min(1.0, age_days / 540 + rng.random() * 0.3)
    steps = max(1, round(progress * len(path)))
    if kind == Kind.COMPLAINT and steps >= 3 and rng.random() < 0.1:
        return [Status.RECEIVED, Status.TRIAGE, Status.MEDIATION, Status.CLOSED][: min(steps, 4)]
    closes_early = rng.random() < 0.15
    if kind == Kind.COMPLAINT and steps >= 2 and path[steps - 1] != Status.CLOSED and closes_early:
        return [Status.RECEIVED, Status.TRIAGE, Status.CLOSED]
    return path[:steps]


def _report(rng: random.Random, now: datetime.datetime, code: str):
    kind = Kind.COMPLAINT if rng.random() < 0.85 else Kind.COMMENDATION
    age_days = rng.randrange(0, 5 * 365)
    received_at = now - datetime.timedelta(days=age_days, seconds=rng.randrange(86_400))
    incident = (received_at - datetime.timedelta(days=rng.randrange(0, 30))).date()
    reporter_type = rng.choices(
        [ReporterType.SELF, ReporterType.ANONYMOUS, ReporterType.ON_BEHALF], [60, 30, 10]
    )[0]
    contact = None
    method = ContactMethod.NONE
    if reporter_type != ReporterType.ANONYMOUS:
        n = rng.randrange(1_000_000)
        contact = {"name": f"Resident {n}", "email": f"resident{n}@example.org"}
        method = ContactMethod.EMAIL
    report = Report(
        kind=kind,
        status=Status.RECEIVED,
        channel=rng.choices(
            [Channel.ONLINE, Channel.PHONE, Channel.WALK_IN, Channel.MAIL, Channel.EMAIL],
            [60, 15, 10, 5, 10],
        )[0],
        received_at=received_at,
        tracking_code_hash=tracking.hash_code(code),
        language="es" if rng.random() < 0.2 else "en",
        reporter_type=reporter_type,
        reporter_relationship="parent" if reporter_type == ReporterType.ON_BEHALF else "",
        reporter_contact=contact,
        contact_method=method,
        incident_date=incident,
        incident_time=datetime.time(rng.randrange(24), rng.randrange(60)),
        location=rng.choice(PLACES),
        narrative=" ".join(rng.choices(SENTENCES, k=rng.randrange(2, 8))),
    )
    path = _status_path(rng, kind, age_days)
    report.status = path[-1]
    return report, path


def seed(target: int, data_dir: Path, *, seed_value: int = 42, log=print) -> int:
    """Add reports until there are `target`; return how many were added.

    Keeps up to LOOKUP_CODES real codes in the codes file (merged with any kept before)."""
    existing = Report.objects.count()
    missing = target - existing
    kept = load_codes(data_dir)
    if missing <= 0:
        return 0
    rng = random.Random(seed_value + existing)
    # Codes must be unguessable in production; here they only need to be distinct and valid.
    code_rng = random.Random(secrets.randbits(64))
    now = timezone.now()
    added = 0
    while added < missing:
        size = min(BATCH, missing - added)
        codes = [_random_code(code_rng) for _ in range(size)]
        built = [_report(rng, now, code) for code in codes]
        with transaction.atomic():
            reports = Report.objects.bulk_create([r for r, _path in built])
            changes = []
            for report, (_r, path) in zip(reports, built, strict=True):
                at = report.received_at
                previous = ""
                for status in path:
                    changes.append((report.pk, previous, status, at, None, ""))
                    previous = status
                    at = min(now, at + datetime.timedelta(days=rng.randrange(1, 60)))
            _insert(
                StatusChange,
                ["report", "from_status", "to_status", "changed_at", "changed_by", "reason"],
                changes,
            )
            _audit(reports)
        if len(kept) < LOOKUP_CODES:
            kept += codes[: LOOKUP_CODES - len(kept)]
            save_codes(data_dir, kept)
        added += size
        if added % 20_000 == 0 or added == missing:
            log(f"  seeded {existing + added:,} / {target:,} reports")
    return added


# Where a seeded complaint stands once its allegations have been classified (after triage).
CLASSIFIED = [
    Status.INVESTIGATION,
    Status.SUPERVISOR_REVIEW,
    Status.BOARD_REVIEW,
    Status.AGENCY_DECISION,
    Status.CLOSED,
]


def seed_allegations(*, seed_value: int = 42, log=print) -> int:
    """Give the seeded complaints past triage what intake and triage give a real one: the
    district, an officer from the roster (the demo agency's, so run it after that is built) and
    one to three allegations, with the agency's finding on those it decided. Returns how many
    allegations were added; nothing on a second run. (No audit events: nothing reads them
    under load.)"""
    officers = list(Officer.objects.order_by("pk").values_list("pk", "last_name"))
    districts = list(District.objects.order_by("pk").values_list("pk", flat=True))
    classifier = get_user_model().objects.filter(is_staff=True).order_by("pk").first()
    if not officers or not districts or classifier is None:
        raise RuntimeError("seed_allegations needs a roster, districts and a staff account")
    # The seed's own complaints (no other report has its places) that nobody has classified.
    waiting = (
        Report.objects.filter(
            kind=Kind.COMPLAINT, status__in=CLASSIFIED, location__in=PLACES, officers=None
        )
        .order_by("pk")
        .values_list("pk", "status", "received_at")
    )
    decided = set(
        StatusChange.objects.filter(
            to_status=Status.AGENCY_DECISION, report__location__in=PLACES
        ).values_list("report_id", flat=True)
    )
    rng = random.Random(seed_value)
    pending = list(waiting)
    added = 0
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        with transaction.atomic():
            by_district: dict[int, list[int]] = {}
            for pk, _status, _at in batch:
                by_district.setdefault(rng.choice(districts), []).append(pk)
            for district, pks in by_district.items():
                Report.objects.filter(pk__in=pks).update(district=district)
            named = [rng.choice(officers) for _ in batch]
            involved = InvolvedOfficer.objects.bulk_create(
                InvolvedOfficer(
                    report_id=pk, role=OfficerRole.SUBJECT, officer_id=officer, name_given=name
                )
                for (pk, _status, _at), (officer, name) in zip(batch, named, strict=True)
            )
            rows = []
            for (pk, status, received_at), officer in zip(batch, involved, strict=True):
                ended = status == Status.CLOSED and pk in decided
                classified_at = received_at + datetime.timedelta(days=rng.randrange(1, 15))
                for category in rng.sample(AllegationCategory.values, rng.randrange(1, 4)):
                    finding = rng.choice(Finding.values) if ended else ""
                    rows.append(
                        (pk, officer.pk, category, "", finding, classified_at, classifier.pk)
                    )
            _insert(
                Allegation,
                [
                    "report",
                    "involved_officer",
                    "category",
                    "summary",
                    "final_finding",
                    "created_at",
                    "created_by",
                ],
                rows,
            )
        added += len(rows)
    if added:
        log(f"  {added:,} allegations added to {len(pending):,} seeded complaints")
    return added


def _audit(reports: list[Report]) -> None:
    """One "report.file" event per report, appended to the hash chain as `record` does."""
    append_audit_events(
        AuditEvent(
            occurred_at=timezone.now(),
            actor=None,
            actor_label="public" if report.channel == Channel.ONLINE else "intake",
            action="report.file",
            target_type=report._meta.label_lower,
            target_id=str(report.pk),
            data={"kind": report.kind, "channel": report.channel, "files": 0},
        )
        for report in reports
    )


AUDIT_FIELDS = [
    "sequence",
    "occurred_at",
    "actor",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "data",
    "outcome",
    "source",
    "address",
    "hash_format",
    "previous_hash",
    "hash",
]


def append_audit_events(events: Iterable[AuditEvent]) -> int:
    """Append unsaved events to the chain as `audit.actions.record` does, in one executemany:
    each gets the next sequence, the hash of the event before it and its own hash
    (`compute_hash`), and the head moves to the last. Call it inside a transaction; returns the
    last sequence."""
    head, _ = AuditHead.objects.get_or_create(pk=1)
    key = require_chain_key(create=not head.mac)
    sequence, previous = head.sequence, head.hash
    attnames = [AuditEvent._meta.get_field(f).attname for f in AUDIT_FIELDS]
    rows = []
    for event in events:
        sequence += 1
        event.sequence, event.previous_hash = sequence, previous
        event.hash_format = KEYED_FORMAT
        event.hash = previous = event.compute_hash(key)
        rows.append(tuple(getattr(event, attname) for attname in attnames))
    _insert(AuditEvent, AUDIT_FIELDS, rows)
    head.sequence, head.hash = sequence, previous
    AuditHead.objects.filter(pk=1).update(
        sequence=sequence, hash=previous, mac=head.compute_mac(key)
    )
    return sequence


def _insert(model, field_names: list[str], rows: list[tuple]) -> None:
    """Plain executemany: bulk_create's per-object cost dominates seeding otherwise."""
    fields = [model._meta.get_field(name) for name in field_names]
    ops = connection.ops
    adapters = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            adapters.append(ops.adapt_datetimefield_value)
        elif isinstance(f, models.JSONField):
            adapters.append(lambda v, f=f: json.dumps(v, cls=f.encoder))
        else:
            adapters.append(None)
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    adapted = [
        tuple(a(v) if a and v is not None else v for a, v in zip(adapters, row, strict=True))
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", adapted)


def load_codes(data_dir: Path) -> list[str]:
    path = codes_file(data_dir)
    if not path.exists():
        return []
    return list(json.loads(path.read_text()))


def save_codes(data_dir: Path, codes: list[str]) -> None:
    codes_file(data_dir).write_text(json.dumps(codes, indent=0))


def valid_lookup_codes(data_dir: Path) -> list[str]:
    """The kept codes that still find their report (a reset database loses them)."""
    codes = load_codes(data_dir)
    hashes = {tracking.hash_code(c): c for c in codes}
    found = set(
        Report.objects.filter(tracking_code_hash__in=hashes).values_list(
            "tracking_code_hash", flat=True
        )
    )
    return [c for h, c in hashes.items() if h in found]


def ensure_lookup_codes(data_dir: Path, *, log=print) -> list[str]:
    """At least LOOKUP_CODES valid codes: seed a few more reports if the codes file was lost."""
    codes = valid_lookup_codes(data_dir)
    if len(codes) < LOOKUP_CODES:
        save_codes(data_dir, codes)
        log(f"  {len(codes)} known lookup codes; adding {LOOKUP_CODES - len(codes)} reports")
        seed(Report.objects.count() + LOOKUP_CODES - len(codes), data_dir, log=log)
        codes = valid_lookup_codes(data_dir)
    return codes
