import json

import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.core.management import CommandError, call_command

from commonground.audit.actions import record
from commonground.audit.models import AuditEvent
from commonground.audit.tests.test_chain import tampering

pytestmark = pytest.mark.django_db


def _events(n):
    for i in range(n):
        record(actor="system", action="test.event", data={"n": i})


@pytest.fixture
def keys(tmp_path, capsys):
    private = tmp_path / "head-signing.pem"
    call_command("export_audit_head", key=private, new_key=True, output=tmp_path / "first.json")
    public = tmp_path / "head-signing.pub"
    public.write_text(capsys.readouterr().err.split("with the heads:\n", 1)[1])
    return private, public


def export(tmp_path, private) -> dict:
    path = tmp_path / "head.json"
    call_command("export_audit_head", key=private, output=path)
    return json.loads(path.read_text())


def verify(head, public):
    call_command("verify_audit", head=head, public_key=public)


def test_a_signed_head_is_exported_and_verifies_later(tmp_path, keys, capsys):
    private, public = keys
    _events(3)
    head = export(tmp_path, private)
    assert (head["sequence"], head["hash"]) == (4, AuditEvent.objects.get(sequence=4).hash)
    assert oct((private).stat().st_mode & 0o777) == "0o600"
    _events(2)  # the log grows after the export
    verify(tmp_path / "head.json", public)
    assert "including the signed head at event #4" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="audit.head_exported").count() == 2


def test_deleting_the_end_of_the_log_and_its_head_is_caught_by_a_signed_head(tmp_path, keys):
    from commonground.audit.models import AuditHead

    private, public = keys
    earlier = AuditHead.objects.values("sequence", "hash", "mac").get()  # a copy kept then
    _events(3)
    export(tmp_path, private)
    # Someone removes the last events and puts back the head row of a copy of the database
    # they kept, sealed with the chain key then, so that the chain alone looks intact.
    with tampering():
        AuditEvent.objects.filter(sequence__gt=earlier["sequence"]).delete()
        AuditHead.objects.update(**earlier)
    call_command("verify_audit", chain_only=True)  # the chain on its own cannot tell
    with pytest.raises(CommandError, match="signed head's event is no longer in the log"):
        verify(tmp_path / "head.json", public)


def test_a_forged_head_or_the_wrong_key_is_refused(tmp_path, keys):
    private, public = keys
    _events(2)
    head = export(tmp_path, private)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(head | {"sequence": 1}))
    with pytest.raises(CommandError, match="signature does not match"):
        verify(forged, public)
    other = tmp_path / "other.pem"
    call_command("export_audit_head", key=other, new_key=True, output=tmp_path / "o.json")
    with pytest.raises(CommandError, match="signature does not match"):
        verify(tmp_path / "o.json", public)


def test_clear_errors_for_missing_or_wrong_keys(tmp_path, keys):
    private, public = keys
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_audit_head", key=tmp_path / "missing.pem")
    with pytest.raises(CommandError, match="already exists"):
        call_command("export_audit_head", key=private, new_key=True)
    with pytest.raises(CommandError, match="not a PEM key"):
        call_command("export_audit_head", key=tmp_path / "first.json")
    with pytest.raises(CommandError, match="no BEGIN/END delimiters for a private key"):
        call_command("export_audit_head", key=public)
    rsa = tmp_path / "rsa.pem"
    rsa.write_bytes(
        generate_private_key(65537, 2048).private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
        )
    )
    with pytest.raises(CommandError, match="not an Ed25519 private key"):
        call_command("export_audit_head", key=rsa)
    with pytest.raises(CommandError, match="go together"):
        call_command("verify_audit", head=tmp_path / "first.json")
