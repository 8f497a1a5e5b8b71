"""Tracking codes: 80 random bits, written in Crockford's base 32 (no I, L, O or U) in four
groups of four, stored only as a keyed hash.

A code is derived from the signed submission token that the review page hands out, so a repeated
submission (double click, reload, network retry) finds the report it already created and shows the
same code again, while the server never keeps the code itself.

A token made for a resident's session is bound to it (commonground.complaints.draft): from any
other session it shows nothing, so a token seen on a shared computer or in a leaked page cannot be
replayed elsewhere to read the code.
"""

import hashlib
import hmac
import re
import secrets

from django.core import signing

from commonground.lib.crypto import derive_key, keyed_hash

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 symbols x 5 bits = 80 bits
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_TOKEN_SALT = "commonground.complaints.submission"  # noqa: S105 (a salt, not a secret)
TOKEN_MAX_AGE = 7 * 24 * 3600


class MalformedCode(ValueError):
    pass


class WrongSession(signing.BadSignature):
    """A submission token presented from a session other than the one it was made for."""


def new_submission_token(bound_to: str = "") -> str:
    """A fresh token; `bound_to` (a session's secret binding) ties it to that session. Staff
    intake's tokens are bound to nothing (the intake permission guards them)."""
    nonce = secrets.token_hex(16)
    payload = f"{nonce}:{_binding_hash(bound_to)}" if bound_to else nonce
    return signing.dumps(payload, salt=_TOKEN_SALT)


def code_for_token(token: str, bound_to: str = "") -> str:
    """The tracking code that belongs to a submission token; BadSignature if it is not ours,
    WrongSession if it was made for another binding than `bound_to` (a bound token given
    without its binding, or an unbound one given with one, included)."""
    raw = signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    nonce, _, binding = raw.partition(":")
    expected = _binding_hash(bound_to) if bound_to else ""
    if not hmac.compare_digest(binding, expected):
        raise WrongSession("This submission token was made for another session.")
    digest = hmac.new(
        derive_key("commonground.tracking-code"), nonce.encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest[:10], "big")
    symbols = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, 32)
        symbols.append(ALPHABET[index])
    return format_code("".join(reversed(symbols)))


def _binding_hash(bound_to: str) -> str:
    return keyed_hash(bound_to, "submission-binding")


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise(text: str) -> str:
    """Accept any case, spaces and dashes, and the look-alikes O, I and L; raise if malformed."""
    cleaned = re.sub(r"[\s\-]", "", text or "").upper().translate(_LOOKALIKES)
    if len(cleaned) != CODE_LENGTH or any(c not in ALPHABET for c in cleaned):
        raise MalformedCode(text)
    return cleaned


def hash_code(code: str) -> str:
    return keyed_hash(normalise(code), "tracking-code")
