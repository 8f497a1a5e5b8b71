import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from commonground.audit.keys import MissingChainKey, chain_key, missing_key_message
from commonground.audit.models import GENESIS_HASH, KEYED_FORMAT, AuditEvent, AuditHead


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    reason: str


def verify_chain(batch_size: int = 5000) -> tuple[int, ChainBreak | None]:
    """Walk the whole log in order; return how many events were checked and the first break.

    The walk ends at the head the log keeps, so events deleted from its end are caught too.
    Keyed events (format 3) and the head's seal are checked with the chain key, so a log whose
    rows were deleted and the rest re-hashed without the key does not verify, whichever format
    the rewrite used: keyed, it fails its hashes; unkeyed after keyed events, it goes back a
    format; unkeyed from the start, its head has no valid seal. Raises MissingChainKey if the
    log is keyed and the key is not here."""
    key = chain_key()
    head = chain_head()
    if key is None and head.mac:
        raise MissingChainKey(missing_key_message())
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    newest_format = 1
    for event in _events_in_order(batch_size):
        if event.sequence != expected_sequence:
            return checked, ChainBreak(
                event.sequence, f"expected event #{expected_sequence}, found #{event.sequence}"
            )
        if event.previous_hash != expected_previous:
            return checked, ChainBreak(event.sequence, "does not link to the event before it")
        if not newest_format <= event.hash_format <= KEYED_FORMAT:
            return checked, ChainBreak(
                event.sequence,
                f"its hash format ({event.hash_format}) is not one that may follow "
                f"format {newest_format}",
            )
        if event.hash_format >= KEYED_FORMAT and key is None:
            raise MissingChainKey(missing_key_message())
        if event.compute_hash(key) != event.hash:
            return checked, ChainBreak(event.sequence, "its content does not match its hash")
        expected_previous = event.hash
        expected_sequence += 1
        newest_format = event.hash_format
        checked += 1
    if (head.sequence, head.hash) != (checked, expected_previous):
        return checked, ChainBreak(
            checked + 1 if head.sequence > checked else checked,
            f"the log ends at event #{checked} but its head records event #{head.sequence}"
            if head.sequence != checked
            else "the last event is not the one the head records",
        )
    if key is not None and checked and not hmac.compare_digest(head.mac, head.compute_mac(key)):
        return checked, ChainBreak(
            checked, "the head is not sealed with the chain key: the log was rewritten without it"
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
