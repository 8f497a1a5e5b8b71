"""The chain's head, signed for safekeeping outside the system (a printout, another server, a
notary). A signed head fixes every event up to it: if a later check finds the chain shorter or
the event at that sequence different, the log was tampered with after the head was taken.

Signatures are Ed25519 (cryptography). The private key stays with whoever exports heads; only
the public key is needed to check one.

A daily task (`audit.tasks.export_audit_head`) writes one into AUDIT_HEAD_DIR with the key in
AUDIT_HEAD_SIGNING_KEY (made there on first use), and `verify_audit` checks the newest one there
unless told otherwise. A head fixes the log up to its event even against someone who holds the
chain key; the chain key protects the events after it. The folder is best another machine's, or
copied off this one: whoever can rewrite both the database and that folder can rewind both."""

import base64
import contextlib
import datetime
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from commonground.audit.actions import record
from commonground.audit.models import AuditEvent
from commonground.audit.selectors import ChainBreak, chain_head

SIGNED_FIELDS = ("site", "sequence", "hash", "occurred_at", "exported_at")
HEAD_PREFIX = "audit-head-"
PUBLIC_KEY_NAME = "audit-head-signing.pub"


class SigningError(Exception):
    """A key or a signed head that cannot be used, with a message saying why."""


def create_key(path: Path) -> Ed25519PublicKey:
    if path.exists():
        raise SigningError(f"{path} already exists; a signing key is never overwritten.")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key.public_key()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = _load(path, serialization.load_pem_private_key, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"{path} is not an Ed25519 private key.")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    key = _load(path, serialization.load_pem_public_key)
    if not isinstance(key, Ed25519PublicKey):
        raise SigningError(f"{path} is not an Ed25519 public key.")
    return key


def _load(path: Path, loader, **kwargs):
    try:
        return loader(path.read_bytes(), **kwargs)
    except FileNotFoundError:
        raise SigningError(f"{path} does not exist.") from None
    except (ValueError, TypeError) as error:
        raise SigningError(f"{path} is not a PEM key: {error}") from None


def signed_head(key: Ed25519PrivateKey) -> dict:
    head = chain_head()
    last = AuditEvent.objects.filter(sequence=head.sequence).first()
    document = {
        "site": settings.SITE_URL,
        "sequence": head.sequence,
        "hash": head.hash,
        "occurred_at": last.occurred_at.isoformat() if last else None,
        "exported_at": timezone.now().isoformat(),
    }
    document["signature"] = base64.b64encode(key.sign(_signed_bytes(document))).decode()
    document["public_key"] = public_pem(key.public_key())
    return document


def check_signed_head(document: dict, key: Ed25519PublicKey) -> ChainBreak | None:
    """Check the signature, then that the log still holds the signed event, unchanged.
    (Run `verify_chain` too: this checks only that one link.)"""
    try:
        signature = base64.b64decode(document["signature"], validate=True)
        key.verify(signature, _signed_bytes(document))
    except (KeyError, ValueError, TypeError, InvalidSignature):
        raise SigningError("The head's signature does not match its content and key.") from None
    sequence = document["sequence"]
    if sequence == 0:
        return None
    event = AuditEvent.objects.filter(sequence=sequence).first()
    if event is None:
        return ChainBreak(sequence, "the signed head's event is no longer in the log")
    if event.hash != document["hash"]:
        return ChainBreak(sequence, "the event differs from the one the signed head fixed")
    return None


def _signed_bytes(document: dict) -> bytes:
    return json.dumps({name: document[name] for name in SIGNED_FIELDS}, sort_keys=True).encode()


def export_head(folder: Path, key_path: Path, *, actor: str) -> Path:
    """Sign the head with the key at `key_path` (made, mode 0600, if there is none yet) and write
    it into `folder` under a name that sorts by time, beside the public key; record the export.
    Returns the head's path. A head is written to a temporary name first, then renamed, so the
    folder never holds half of one."""
    if not key_path.exists():
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(SigningError):  # another process made it first
            create_key(key_path)
    key = load_private_key(key_path)
    document = signed_head(key)
    folder.mkdir(parents=True, exist_ok=True)
    public = folder / PUBLIC_KEY_NAME
    if not public.exists():
        public.write_text(document["public_key"])
    stamp = datetime.datetime.fromisoformat(document["exported_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{HEAD_PREFIX}{stamp}-{document['sequence']:012d}.json"
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(document, indent=2) + "\n")
    os.replace(partial, path)
    record(
        actor=actor,
        action="audit.head_exported",
        data={"sequence": document["sequence"], "hash": document["hash"], "file": path.name},
    )
    return path


def latest_head(folder: Path) -> Path | None:
    """The newest head written into `folder` by export_head, or None."""
    if not folder.is_dir():
        return None
    # By the sequence the name ends with, then the time it starts with: a clock set back
    # (or a head copied in from elsewhere) does not hide a later head.
    heads = sorted(folder.glob(f"{HEAD_PREFIX}*.json"), key=lambda p: (p.stem[-12:], p.name))
    return heads[-1] if heads else None


def configured_public_key() -> Ed25519PublicKey | None:
    """The key that checks the exported heads: AUDIT_HEAD_PUBLIC_KEY, or else that of the
    signing key; None if neither is there."""
    if settings.AUDIT_HEAD_PUBLIC_KEY:
        return load_public_key(Path(settings.AUDIT_HEAD_PUBLIC_KEY))
    if Path(settings.AUDIT_HEAD_SIGNING_KEY).exists():
        return load_private_key(Path(settings.AUDIT_HEAD_SIGNING_KEY)).public_key()
    return None


def missing_exports(folder: Path, newest: dict | None) -> ChainBreak | None:
    """The log records every head written into the folder (`audit.head_exported` with its file
    name). If the newest it records is not there, or is newer than the newest head there, heads
    were removed from the folder: with them gone, a rewind behind them would go unseen."""
    recorded = (
        AuditEvent.objects.filter(action="audit.head_exported", data__has_key="file")
        .order_by("-sequence")
        .first()
    )
    if recorded is None:
        return None
    name, sequence = recorded.data["file"], recorded.data["sequence"]
    if (folder / name).exists() and newest is not None and newest["sequence"] >= sequence:
        return None
    return ChainBreak(
        recorded.sequence,
        f"the log records a signed head ({name}, event #{sequence}) written to {folder}, "
        "which no longer holds it",
    )
