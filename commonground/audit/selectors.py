from collections.abc import Iterator
from dataclasses import dataclass

from commonground.audit.models import GENESIS_HASH, AuditEvent, AuditHead


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


def verify_chain(batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the whole log in order; return how many events were checked and the first break.

    The walk ends at the head the log keeps, so events deleted from its end are caught too."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for event in _events_in_order(batch_size):
        if event.sequence != expected_sequence:
            return checked, ChainBreak(
                event.sequence, f"expected event #{expected_sequence}, found #{event.sequence}"
            )
        if event.previous_hash != expected_previous:
            return checked, ChainBreak(event.sequence, "does not link to the event before it")
        if event.compute_hash() != event.hash:
            return checked, ChainBreak(event.sequence, "its content does not match its hash")
        expected_previous = event.hash
        expected_sequence += 1
        checked += 1
    head = chain_head()
    if (head.sequence, head.hash) != (checked, expected_previous):
        return checked, ChainBreak(
            checked + 1 if head.sequence > checked else checked,
            f"the log ends at event #{checked} but its head records event #{head.sequence}"
            if head.sequence != checked
            else "the last event is not the one the head records",
        )
    return checked, None


def chain_head() -> AuditHead:
    return AuditHead.objects.filter(pk=1).first() or AuditHead(pk=1)


def _events_in_order(batch_size: int) -> Iterator[AuditEvent]:
    last_sequence = 0
    while True:
        batch = list(
            AuditEvent.objects.filter(sequence__gt=last_sequence).order_by("sequence")[:batch_size]
        )
        if not batch:
            return
        yield from batch
        last_sequence = batch[-1].sequence
