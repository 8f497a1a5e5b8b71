"""Tracking codes: 80 random bits, written in Crockford's base 32 (no I, L, O or U) in four
groups of four, stored only as a keyed hash.

A code is derived from the signed submission token that the review page hands out, so a repeated
submission (double click, reload, network retry) finds the report it already created and shows the
same code again, while the server never keeps the code itself.
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


def new_submission_token() -> str:
    return signing.dumps(secrets.token_hex(16), salt=_TOKEN_SALT)


def code_for_token(token: str) -> str:
    """The tracking code that belongs to a submission token; BadSignature if it is not ours."""
    raw = signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    digest = hmac.new(
        derive_key("commonground.tracking-code"), raw.encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest[:10], "big")
    symbols = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, 32)
        symbols.append(ALPHABET[index])
    return format_code("".join(reversed(symbols)))


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
