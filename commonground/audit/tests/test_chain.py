import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from commonground.audit.actions import record
from commonground.audit.models import GENESIS_HASH, AuditEvent
from commonground.audit.selectors import verify_chain

pytestmark = pytest.mark.django_db


def _events(n=5):
    return [record(actor="system", action="test.event", data={"n": i}) for i in range(n)]


def test_each_event_links_to_the_one_before():
    events = _events(3)
    assert events[0].previous_hash == GENESIS_HASH
    assert events[1].previous_hash == events[0].hash
    assert events[2].previous_hash == events[1].hash
    assert [e.sequence for e in events] == [1, 2, 3]


def test_intact_chain_verifies(capsys):
    _events(4)
    assert verify_chain() == (4, None)
    call_command("verify_audit")
    assert "4 event(s) verified" in capsys.readouterr().out


def test_verify_audit_reports_a_row_edited_in_the_database():
    _events(5)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET action = %s WHERE sequence = %s", ["tampered", 3]
        )
    with pytest.raises(CommandError, match="broken at event #3: its content does not match"):
        call_command("verify_audit")


def test_verify_audit_reports_a_deleted_row():
    _events(5)
    AuditEvent.objects.filter(sequence=2).delete()
    checked, broken = verify_chain()
    assert (checked, broken.sequence) == (1, 3)


def test_rehashing_an_edited_row_still_breaks_the_next_link():
    _events(4)
    event = AuditEvent.objects.get(sequence=2)
    event.data = {"n": 99}
    event.hash = event.compute_hash()
    AuditEvent.objects.filter(pk=event.pk).update(data=event.data, hash=event.hash)
    _, broken = verify_chain()
    assert broken.sequence == 3
    assert "does not link" in broken.reason
