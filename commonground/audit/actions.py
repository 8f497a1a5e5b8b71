from typing import Any

from django.db import models, transaction
from django.utils import timezone

from commonground.audit.models import GENESIS_HASH, AuditEvent


def record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain.

    Runs inside the caller's transaction. Appends are serialised by a row lock on the last event
    (PostgreSQL) or by SQLite's single writer (transaction_mode IMMEDIATE); the unique sequence
    makes a lost race fail loudly instead of forking the chain.
    """
    with transaction.atomic():
        last = AuditEvent.objects.select_for_update().order_by("-sequence").first()
        is_user = actor is not None and getattr(actor, "is_authenticated", False)
        event = AuditEvent(
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now(),
            actor=actor if is_user else None,
            actor_label=actor.get_username() if is_user else (actor or "public"),
            action=action,
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            data=data or {},
            previous_hash=last.hash if last else GENESIS_HASH,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        return event
