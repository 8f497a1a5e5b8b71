"""Invitation codes: 60 random bits in Crockford's base 32 (no I, L, O or U), written as three
groups of four so a resident can type one from a letter, and stored only as a keyed hash
(and, for printing the letter, encrypted until the wave closes).

Sixty bits is enough for a code that opens one questionnaire: guessing one of a wave's few
thousand live codes takes about 2^48 tries, and lookups are rate-limited."""

import re
import secrets

from commonground.lib.crypto import keyed_hash

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_PURPOSE = "survey-invitation"


class MalformedCode(ValueError):
    pass


def new_code() -> str:
    """A fresh code, grouped for reading: "7KQ2-M9XD-4HRT"."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise(typed: str) -> str:
    """The code as typed, in any case, with spaces or dashes and look-alike letters, in its
    canonical form; MalformedCode when it cannot be one."""
    raw = re.sub(r"[\s\-]", "", typed or "").upper().translate(_LOOKALIKES)
    if len(raw) != CODE_LENGTH or any(c not in ALPHABET for c in raw):
        raise MalformedCode(typed)
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def code_hash(code: str) -> str:
    """The keyed hash an invitation is found by; `code` must be normalised."""
    return keyed_hash(normalise(code), _PURPOSE)
