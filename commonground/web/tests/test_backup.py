"""`manage.py backup` and `restore`: everything comes back, and the restore proves it."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from commonground.accounts.models import Role
from commonground.audit.models import AuditEvent
from commonground.complaints.models import Report
from commonground.complaints.tests.factories import file
from commonground.conftest import make_staff
from commonground.evidence.models import StoredFile
from commonground.evidence.tests.helpers import footage
from commonground.lib.backup import check_restored, restore_backup
from commonground.lib.storage import walk

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.files]


@pytest.fixture
def system(tmp_path):
    """Some of everything: reports (with encrypted contact details), footage and its custody
    chain, audit events, a file outside evidence."""
    for n in range(3):
        file(contact={"name": f"Resident {n}", "email": f"r{n}@example.org"})
    item = footage(make_staff("custodian", Role.EVIDENCE_CUSTODIAN))
    default_storage.save("releases/test/extra.parquet", ContentFile(b"PAR1 not really"))
    return {
        "reports": Report.objects.count(),
        "events": AuditEvent.objects.count(),
        "item": (item.uuid, item.sha256),
        "files": sorted(walk(default_storage)),
    }


def wipe():
    for name in walk(default_storage):
        default_storage.delete(name)
    call_command("flush", "--no-input", verbosity=0)
    assert not Report.objects.exists() and not list(walk(default_storage))


def identity(tmp_path, capsys) -> tuple:
    key = tmp_path / "backup.key"
    call_command("backup", new_identity=key)
    return key, capsys.readouterr().out.strip()


def test_an_encrypted_backup_restores_everything_and_the_restore_checks_it(
    system, tmp_path, capsys
):
    key, public = identity(tmp_path, capsys)
    archive = tmp_path / "backup.tar.age"
    call_command("backup", archive, encrypt_to=[public])
    assert archive.read_bytes().startswith(b"age-encryption.org/v1")
    assert b"Resident 0" not in archive.read_bytes()

    wipe()
    call_command("restore", archive, identity=[key])

    output = capsys.readouterr().out
    assert "the audit chain and every evidence item verify" in output
    assert Report.objects.count() == system["reports"]
    assert sorted(walk(default_storage)) == system["files"]
    restored = StoredFile.objects.get(uuid=system["item"][0])
    assert restored.sha256 == system["item"][1]
    # The restore is recorded on the restored chain, which verifies; the backup's own event
    # came after the snapshot, so it is not in it.
    assert AuditEvent.objects.filter(action="system.restore", outcome="success").exists()
    assert not AuditEvent.objects.filter(action="system.backup").exists()
    call_command("verify_audit")
    names = {r.reporter_contact["name"] for r in Report.objects.all() if r.reporter_contact}
    assert "Resident 0" in names  # encrypted at rest, readable again


def test_the_check_after_a_restore_finds_a_changed_file_and_a_changed_row(system, tmp_path):
    archive = tmp_path / "backup.tar"
    call_command("backup", archive)
    wipe()
    report = restore_backup(archive, progress=lambda _: None)
    assert report.ok, report.problems

    import json
    import tarfile

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    name = next(n for n in manifest["files"] if n.startswith("evidence/"))
    default_storage.delete(name)
    default_storage.save(name, ContentFile(b"swapped"))
    Report.objects.filter(pk=Report.objects.first().pk).update(location="Elsewhere")
    problems = check_restored(manifest).problems
    assert any(p.startswith(f"File {name}: its content differs") for p in problems)
    assert any("Table complaints_report: its rows differ" in p for p in problems)
    assert any(p.startswith("Evidence ") for p in problems)


def test_restore_refuses_to_replace_records_unless_told_and_explains_keys(system, tmp_path, capsys):
    key, public = identity(tmp_path, capsys)
    archive = tmp_path / "backup.tar.age"
    call_command("backup", archive, encrypt_to=[public])
    with pytest.raises(CommandError, match=r"already holds records.*--replace"):
        call_command("restore", archive, identity=[key])
    with pytest.raises(CommandError, match="is encrypted: give the age identity"):
        call_command("restore", archive, replace=True)
    other = tmp_path / "other.key"
    call_command("backup", new_identity=other)
    with pytest.raises(CommandError, match="cannot be decrypted with that identity"):
        call_command("restore", archive, identity=[other], replace=True)
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", archive)
    with pytest.raises(CommandError, match="not an age public key"):
        call_command("backup", tmp_path / "b2.tar", encrypt_to=["not-a-key"])
    with pytest.raises(CommandError, match="not a Common Ground backup"):
        (tmp_path / "junk.tar").write_bytes(b"\0" * 1024)
        call_command("restore", tmp_path / "junk.tar", replace=True)
    assert Report.objects.count() == system["reports"]  # nothing was touched


def test_a_restore_where_the_audit_chain_key_is_missing_says_it_needs_the_key(
    system, tmp_path, settings, capsys
):
    """The chain key is not in the backup (it is not in the database); a machine without it
    cannot check or continue the restored log, and the restore says so instead of passing."""
    from commonground.audit.keys import _read

    archive = tmp_path / "backup.tar"
    call_command("backup", archive)
    wipe()
    settings.AUDIT_CHAIN_KEY = ""
    settings.AUDIT_CHAIN_KEY_PATH = tmp_path / "new-machine" / "audit-chain.key"
    _read.cache_clear()
    try:
        with pytest.raises(CommandError, match="audit chain key is missing"):
            call_command("restore", archive)
        assert "AUDIT_CHAIN_KEY" in capsys.readouterr().err
        assert not settings.AUDIT_CHAIN_KEY_PATH.exists()  # no new key to hide the old one
    finally:
        _read.cache_clear()
