"""Where the events of the current request or command come from (CJIS AU-3: source and
location), kept in a context variable so actions need not pass the request around."""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field

from commonground.audit.choices import Source


@dataclass
class Origin:
    source: str = Source.SYSTEM
    # Set only for staff and sign-in requests: a resident's address is never stored.
    address: str | None = None
    # A resident's page (commonground.web.resident): nothing recorded names who made the request.
    resident: bool = False
    events: int = field(default=0)


_origin: contextvars.ContextVar[Origin | None] = contextvars.ContextVar(
    "audit_origin", default=None
)


def current() -> Origin:
    return _origin.get() or Origin()


@contextmanager
def origin(source: str, address: str | None = None, *, resident: bool = False):
    token = _origin.set(
        Origin(source=source, address=None if resident else address, resident=resident)
    )
    try:
        yield current()
    finally:
        _origin.reset(token)


def set_default_source(source: str) -> None:
    """For a whole process (manage.py): events outside a request come from this source."""
    _origin.set(Origin(source=source))
