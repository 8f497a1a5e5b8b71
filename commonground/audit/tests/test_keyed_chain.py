"""Someone with the database file but not the chain key deletes audit events and re-hashes the
rest with the code's own functions; `verify_audit`, run as it is by default, catches it. The key
and the signed heads live outside the database, and heads are exported daily on their own."""

import datetime
import json
import stat

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from commonground.audit.actions import record
from commonground.audit.keys import MissingChainKey, _read
from commonground.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from commonground.audit.tests.test_chain import tampering
from commonground.web.scheduler import enqueue_daily_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_key(settings, tmp_path):
    """The embedded default: no key in the environment, a key file made beside the data."""
    settings.AUDIT_CHAIN_KEY = ""
    settings.AUDIT_CHAIN_KEY_PATH = tmp_path / "keys" / "audit-chain.key"
    _read.cache_clear()
    yield settings.AUDIT_CHAIN_KEY_PATH
    _read.cache_clear()


def _events(n):
    for i in range(n):
        record(actor="system", action="test.event", data={"n": i})


def _delete_and_rehash(deleted: set[int], *, hash_format: int) -> None:
    """The attack: remove some events, renumber and re-link the rest with the model's own
    compute_hash, and point the head at the new end, as the code itself would have left it."""
    previous, sequence = GENESIS_HASH, 0
    with tampering():
        AuditEvent.objects.filter(sequence__in=deleted).delete()
        kept = list(AuditEvent.objects.order_by("sequence"))
        AuditEvent.objects.all().delete()
        for event in kept:
            sequence += 1
            event.sequence, event.previous_hash, event.hash_format = sequence, previous, hash_format
            event.hash = event.compute_hash()
            event.save(force_insert=True)
            previous = event.hash
        head = AuditHead.objects.get()
        head.sequence, head.hash = sequence, previous
        if hash_format >= 3:
            from commonground.audit.keys import require_chain_key

            head.mac = head.compute_mac(require_chain_key())
        head.save()


def _without_the_key(settings, tmp_path, attacker_key: str = ""):
    """The attacker's process: the database, but the chain key is not there (or is a guess)."""
    real = settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_KEY_PATH
    settings.AUDIT_CHAIN_KEY = attacker_key
    settings.AUDIT_CHAIN_KEY_PATH = tmp_path / "attacker" / "no-key-here"
    _read.cache_clear()
    return real


def _restore(settings, real):
    settings.AUDIT_CHAIN_KEY, settings.AUDIT_CHAIN_KEY_PATH = real
    _read.cache_clear()


@pytest.mark.parametrize("export_first", [True, False], ids=["after an export", "no export yet"])
def test_deleting_events_and_rehashing_the_rest_in_an_unkeyed_format_is_caught(
    own_key, settings, tmp_path, export_first
):
    _events(6)
    if export_first:
        call_command("export_audit_head")
    _events(3)
    real = _without_the_key(settings, tmp_path)
    # Without the key the newest format cannot be written, so the attacker writes the last
    # unkeyed one: exactly what re-hashing did before the chain was keyed.
    _delete_and_rehash({3, 8}, hash_format=2)
    _restore(settings, real)
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("verify_audit")


def test_deleting_events_and_rehashing_the_rest_with_a_key_of_ones_own_is_caught(
    own_key, settings, tmp_path
):
    _events(6)
    real = _without_the_key(settings, tmp_path, attacker_key="a guess at the key, long enough!!")
    _delete_and_rehash({2}, hash_format=3)
    _restore(settings, real)
    with pytest.raises(CommandError, match="broken at event #1: its content does not match"):
        call_command("verify_audit")


def test_going_back_to_an_unkeyed_format_after_keyed_events_is_caught(own_key, settings):
    _events(4)
    last = AuditEvent.objects.get(sequence=4)
    with tampering():
        AuditEvent.objects.filter(pk=last.pk).delete()
        last.hash_format = 2
        last.hash = last.compute_hash()
        last.save(force_insert=True)
    with pytest.raises(CommandError, match="broken at event #4: its hash format"):
        call_command("verify_audit")


def test_the_chain_key_is_made_outside_the_database_for_the_owner_only(own_key):
    assert not own_key.exists()
    _events(2)
    assert stat.S_IMODE(own_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(own_key.parent.stat().st_mode) == 0o700
    key = own_key.read_text().strip()
    assert len(key) >= 32
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            assert key not in repr(cursor.fetchall()), table
    assert {e.hash_format for e in AuditEvent.objects.all()} == {3}
    call_command("verify_audit")


def test_a_keyed_log_without_its_key_says_so_and_gets_no_new_key(own_key, settings, tmp_path):
    _events(2)
    settings.AUDIT_CHAIN_KEY_PATH = tmp_path / "elsewhere" / "audit-chain.key"
    _read.cache_clear()
    with pytest.raises(CommandError, match="AUDIT_CHAIN_KEY"):
        call_command("verify_audit")
    with pytest.raises(MissingChainKey):
        record(actor="system", action="test.event")
    assert not settings.AUDIT_CHAIN_KEY_PATH.exists()
    assert AuditEvent.objects.count() == 2


def test_a_short_key_in_the_environment_is_refused(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.AUDIT_CHAIN_KEY = "too short"
    with pytest.raises(ImproperlyConfigured, match="at least 32 characters"):
        record(actor="system", action="test.event")


def test_the_daily_tasks_export_a_signed_head_that_verify_audit_checks_by_default(settings, capsys):
    _events(3)
    settings.DAILY_TASKS_HOUR = 6
    morning = timezone.make_aware(datetime.datetime(2026, 3, 2, 7, 0))
    assert "commonground.audit.tasks.export_audit_head" in enqueue_daily_tasks(morning)
    (head,) = settings.AUDIT_HEAD_DIR.glob("audit-head-*.json")
    document = json.loads(head.read_text())
    exported = AuditEvent.objects.get(action="audit.head_exported")
    assert document["sequence"] == exported.sequence - 1
    assert stat.S_IMODE(settings.AUDIT_HEAD_SIGNING_KEY.stat().st_mode) == 0o600
    assert (settings.AUDIT_HEAD_DIR / "audit-head-signing.pub").exists()

    _events(2)
    call_command("verify_audit")
    assert f"including the signed head at event #{document['sequence']}" in (
        capsys.readouterr().out
    )


def test_verify_audit_by_default_catches_a_rewind_behind_the_newest_exported_head(settings):
    """Even with the key (an insider), a log cut back before the newest head is caught."""
    _events(3)
    earlier = AuditHead.objects.values("sequence", "hash", "mac").get()
    _events(3)
    call_command("export_audit_head")
    with tampering():
        AuditEvent.objects.filter(sequence__gt=earlier["sequence"]).delete()
        AuditHead.objects.update(**earlier)
    call_command("verify_audit", chain_only=True)  # the chain on its own cannot tell
    with pytest.raises(CommandError, match="signed head's event is no longer in the log"):
        call_command("verify_audit")


def test_verify_audit_says_when_no_head_was_exported_yet(settings, capsys):
    _events(1)
    call_command("verify_audit")
    assert "No signed head has been exported" in capsys.readouterr().out


def test_removing_the_exported_heads_from_their_folder_is_caught(settings):
    """With the heads gone, a rewind behind them would pass unseen; the log itself records
    each head written there, so their absence is caught (and the log cannot be cut back to
    before those records without the key)."""
    _events(3)
    call_command("export_audit_head")
    _events(2)
    newest = sorted(settings.AUDIT_HEAD_DIR.glob("audit-head-*.json"))[-1]
    call_command("export_audit_head")
    call_command("verify_audit")
    for head in settings.AUDIT_HEAD_DIR.glob("audit-head-*.json"):
        if head != newest:
            head.unlink()  # the newest two share a second's name or not: keep the earlier one
    with pytest.raises(CommandError, match="no longer holds it"):
        call_command("verify_audit")
    newest.unlink()
    with pytest.raises(CommandError, match="no longer holds it"):
        call_command("verify_audit")


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_a_log_written_before_keys_and_it_goes_on_keyed(own_key):
    """An existing log (plain SHA-256, an unsealed head) is sealed by the migration with a key
    made then, verifies, and continues in the keyed format; rewritten from its start without
    the key afterwards, it no longer verifies."""
    from django.db.migrations.executor import MigrationExecutor

    from commonground.audit.selectors import verify_chain

    before, after = [("audit", "0002_context_and_head")], [("audit", "0003_keyed_chain")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    OldHead = executor.loader.project_state(before).apps.get_model("audit", "AuditHead")
    previous = GENESIS_HASH
    for sequence in (1, 2):
        event = AuditEvent(
            sequence=sequence,
            occurred_at=timezone.now(),
            actor_label="system",
            action="test.event",
            previous_hash=previous,
            hash_format=2,
        )
        event.hash = previous = event.compute_hash()
        event.save(force_insert=True)
    OldHead.objects.update_or_create(pk=1, defaults={"sequence": 2, "hash": previous})
    assert not own_key.exists()

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert own_key.exists() and AuditHead.objects.get().mac
    assert verify_chain() == (2, None)
    record(actor="system", action="test.event")
    assert AuditEvent.objects.get(sequence=3).hash_format == 3
    assert verify_chain() == (3, None)
