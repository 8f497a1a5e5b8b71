"""The audit chain's key: the database holds hashes made with it, never the key itself.

Events are chained with HMAC-SHA256 under this key (hash format 3), and the chain's head carries
an HMAC too. Whoever has only the database (a copy of the SQLite file, a PostgreSQL superuser)
can still delete and edit rows, but cannot compute the hashes that make the rest look intact.

The key comes from AUDIT_CHAIN_KEY (or AUDIT_CHAIN_KEY_FILE, a file holding it). Without either,
the embedded default keeps it in AUDIT_CHAIN_KEY_PATH (KEYS_DIR/audit-chain.key, a folder of
mode 0700 and a file of mode 0600 beside the data, not in the database or its backups), made on
the first append. It is never made afresh for a log that was already keyed: that would only hide
the loss of the real key behind a chain that no longer verifies."""

import contextlib
import hmac
import os
import secrets
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_LENGTH = 32


class MissingChainKey(ImproperlyConfigured):
    """The log is keyed and the key is not here: it cannot be verified or appended to."""


def chain_key(*, create: bool = False) -> bytes | None:
    """The key, or None if there is none yet (and `create` is false)."""
    return _key(settings.AUDIT_CHAIN_KEY, Path(settings.AUDIT_CHAIN_KEY_PATH), create)


def require_chain_key(*, create: bool = False) -> bytes:
    key = chain_key(create=create)
    if key is None:
        raise MissingChainKey(missing_key_message())
    return key


def missing_key_message() -> str:
    return (
        "The audit log is chained with a key that is not available here. Set AUDIT_CHAIN_KEY "
        "(or AUDIT_CHAIN_KEY_FILE), or put the key file back at "
        f"{settings.AUDIT_CHAIN_KEY_PATH}; a new key cannot continue or verify the old chain."
    )


def mac(key: bytes, message: bytes) -> str:
    return hmac.digest(key, message, "sha256").hex()


def _key(configured: str, path: Path, create: bool) -> bytes | None:
    if configured:
        return _checked(configured, "AUDIT_CHAIN_KEY")
    found = _read(path)
    if found is not None or not create:
        return found
    _create(path)
    _read.cache_clear()
    return _read(path)


@cache
def _read(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return _checked(text, str(path))


def _checked(text: str, where: str) -> bytes:
    if len(text) < MIN_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"The audit chain key in {where} is too short: it needs at least {MIN_KEY_LENGTH} "
            "characters (for example the output of `python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'`)."
        )
    return text.encode()


def _create(path: Path) -> None:
    """Write a new key so that no process ever reads half of it: to a temporary file first,
    then linked into place, which fails if another process got there first."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-chain-")
    try:
        os.write(descriptor, (secrets.token_urlsafe(48) + "\n").encode())
        os.fsync(descriptor)
        os.close(descriptor)
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
