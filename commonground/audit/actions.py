from typing import Any

from django.db import models, transaction
from django.utils import timezone

from commonground.audit import context
from commonground.audit.choices import Outcome
from commonground.audit.keys import MissingChainKey, chain_key, missing_key_message
from commonground.audit.models import KEYED_FORMAT, AuditEvent, AuditHead


def record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    outcome: str = Outcome.SUCCESS,
) -> AuditEvent:
    """Append one event to the chain: who (actor), what (action, target, data), when (UTC),
    where and through which door (from the request's audit context), and the outcome.

    Runs inside the caller's transaction. Appends are serialised by a row lock on the chain's
    head (PostgreSQL) or by SQLite's single writer (transaction_mode IMMEDIATE); the unique
    sequence makes a lost race fail loudly instead of forking the chain.
    """
    origin = context.current()
    if origin.resident:
        # On a resident's page nobody is named, whoever the caller thought was acting.
        actor = "public"
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        # A key is made only for a log that has never had one (see audit.keys).
        key = chain_key(create=not head.mac)
        if key is None:
            raise MissingChainKey(missing_key_message())
        is_user = actor is not None and getattr(actor, "is_authenticated", False)
        event = AuditEvent(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor=actor if is_user else None,
            actor_label=actor.get_username() if is_user else (actor or "public"),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            data=data or {},
            outcome=outcome,
            source=origin.source,
            address=origin.address,
            previous_hash=head.hash,
            hash_format=KEYED_FORMAT,
        )
        event.hash = event.compute_hash(key)
        event.save(force_insert=True)
        head.sequence, head.hash = event.sequence, event.hash
        head.mac = head.compute_mac(key)
        head.save(update_fields=["sequence", "hash", "mac"])
    origin.events += 1
    return event
