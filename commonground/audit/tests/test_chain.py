from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.audit.actions import record
from commonground.audit.keys import require_chain_key
from commonground.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from commonground.audit.selectors import verify_chain

pytestmark = pytest.mark.django_db


def _events(n=5):
    return [record(actor="system", action="test.event", data={"n": i}) for i in range(n)]


@contextmanager
def tampering():
    """What someone with the database owner's powers could do: lift the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of this transaction's inserts must run first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_event_append_only")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only"
                )
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                cursor.execute(
                    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_auditevent "
                    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
                )


def test_each_event_links_to_the_one_before():
    events = _events(3)
    assert events[0].previous_hash == GENESIS_HASH
    assert events[1].previous_hash == events[0].hash
    assert events[2].previous_hash == events[1].hash
    assert [e.sequence for e in events] == [1, 2, 3]
    assert (AuditHead.objects.get().sequence, AuditHead.objects.get().hash) == (3, events[2].hash)


def test_intact_chain_verifies(capsys):
    _events(4)
    assert verify_chain() == (4, None)
    call_command("verify_audit")
    assert "4 event(s) verified" in capsys.readouterr().out


def test_an_empty_log_verifies():
    assert verify_chain() == (0, None)


def test_the_database_refuses_to_change_an_event():
    _events(2)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(sequence=1).update(action="tampered")
    assert AuditEvent.objects.get(sequence=1).action == "test.event"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps DELETE for flushes")
def test_on_postgresql_the_application_role_cannot_delete_an_event():
    _events(2)
    refused = pytest.raises(DatabaseError, match="append-only: DELETE refused")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE sequence = 1")
    assert AuditEvent.objects.count() == 2


def test_verify_audit_reports_a_row_edited_in_the_database():
    _events(5)
    with tampering(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET action = %s WHERE sequence = %s", ["tampered", 3]
        )
    with pytest.raises(CommandError, match="broken at event #3: its content does not match"):
        call_command("verify_audit")


def test_verify_audit_reports_the_newest_events_deleted():
    _events(5)
    with tampering():
        AuditEvent.objects.filter(sequence__gte=4).delete()
    checked, broken = verify_chain()
    assert checked == 3
    assert "head records event #5" in broken.reason


def _as_legacy(formats: list[int]) -> None:
    """Rewrite the log's events in the older, unkeyed formats, as a log written before them
    holds them, and seal its head with the key as the keyed-chain migration does."""
    previous = GENESIS_HASH
    with tampering():
        for event, hash_format in zip(
            AuditEvent.objects.order_by("sequence"), formats, strict=True
        ):
            event.hash_format, event.previous_hash = hash_format, previous
            if hash_format == 1:
                event.outcome, event.source = "success", "system"
            event.hash = event.compute_hash()
            AuditEvent.objects.filter(pk=event.pk).update(
                hash_format=hash_format, previous_hash=previous, hash=event.hash
            )
            previous = event.hash
        head = AuditHead.objects.get()
        head.hash = previous
        head.mac = head.compute_mac(require_chain_key())
        head.save()


def test_events_written_before_the_keyed_hash_formats_still_verify():
    _events(2)
    _as_legacy([1, 2])
    assert AuditEvent.objects.filter(hash_format__lt=3).count() == 2
    assert verify_chain() == (2, None)
    record(actor="system", action="test.event")
    assert AuditEvent.objects.get(sequence=3).hash_format == 3
    assert verify_chain() == (3, None)


FIELDS_TO_EDIT = {
    "occurred_at": lambda e: e.occurred_at + timedelta(seconds=1),
    "actor_label": lambda e: e.actor_label + "x",
    "action": lambda e: "case.delete",
    "target_type": lambda e: "complaints.report",
    "target_id": lambda e: e.target_id + "9",
    "data": lambda e: {**e.data, "n": -1},
    "outcome": lambda e: "denied",
    "source": lambda e: "web",
    "address": lambda e: "192.0.2.7",
    "previous_hash": lambda e: "f" * 64,
    "hash": lambda e: "e" * 64,
    "hash_format": lambda e: 1,
}


def _forged(after: AuditEvent | None, sequence: int) -> AuditEvent:
    """A well-formed event that links properly to the one it is slipped in after."""
    forged = AuditEvent(
        sequence=sequence,
        occurred_at=after.occurred_at if after else AuditEvent.objects.first().occurred_at,
        actor_label="intruder",
        action="test.forged",
        previous_hash=after.hash if after else GENESIS_HASH,
    )
    forged.hash = forged.compute_hash()
    return forged


def _shift_sequences(from_sequence: int, by: int) -> None:
    ordered = "-sequence" if by > 0 else "sequence"
    for event in AuditEvent.objects.filter(sequence__gte=from_sequence).order_by(ordered):
        AuditEvent.objects.filter(pk=event.pk).update(sequence=event.sequence + by)


def _mutate(kind: str, events: list[AuditEvent], i: int, j: int, field: str) -> None:
    target = events[i]
    if kind == "edit":
        AuditEvent.objects.filter(pk=target.pk).update(**{field: FIELDS_TO_EDIT[field](target)})
    elif kind == "delete":
        AuditEvent.objects.filter(pk=target.pk).delete()
    elif kind == "delete and renumber":
        AuditEvent.objects.filter(pk=target.pk).delete()
        _shift_sequences(target.sequence + 1, -1)
    elif kind == "insert":
        _shift_sequences(target.sequence, 1)
        _forged(events[i - 1] if i else None, target.sequence).save(force_insert=True)
    elif kind == "append":
        _forged(events[-1], events[-1].sequence + 1).save(force_insert=True)
    elif kind == "reorder":
        j = j if j != i else (i + 1) % len(events)
        a, b = events[i], events[j]
        AuditEvent.objects.filter(pk=a.pk).update(sequence=0)
        AuditEvent.objects.filter(pk=b.pk).update(sequence=a.sequence)
        AuditEvent.objects.filter(pk=a.pk).update(sequence=b.sequence)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    size=st.integers(min_value=2, max_value=8),
    kind=st.sampled_from(["edit", "delete", "delete and renumber", "insert", "append", "reorder"]),
    position=st.integers(min_value=0, max_value=100),
    other=st.integers(min_value=0, max_value=100),
    field=st.sampled_from(sorted(FIELDS_TO_EDIT)),
    actor=st.sampled_from(["system", "public", "intake"]),
)
def test_the_verifier_catches_every_single_row_tampering(size, kind, position, other, field, actor):
    with transaction.atomic():
        events = [
            record(actor=actor, action="test.event", data={"n": n, "text": "ñ"})
            for n in range(size)
        ]
        assert verify_chain() == (size, None)
        with tampering():
            _mutate(kind, events, position % size, other % size, field)
        _, broken = verify_chain()
        assert broken is not None, f"{kind} of event #{position % size + 1} went unnoticed"
        transaction.set_rollback(True)
