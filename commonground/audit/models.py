"""The append-only, hash-chained audit log.

Each event's hash covers its own content and the hash of the event before it, so an edit,
deletion, insertion or reordering of any row breaks the chain from that row on.
"""

import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from commonground.audit.choices import Outcome, Source

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    # Written only by commonground.audit.actions.record; never updated or deleted.
    sequence = models.PositiveBigIntegerField(unique=True)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SYSTEM)
    # Where a staff member (or someone signing in) was: their address. Never set for residents.
    address = models.GenericIPAddressField(null=True, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which fields the hash covers: 1 for events written before outcome, source and address
    # were recorded (so their hashes still verify), 2 since.
    hash_format = models.PositiveSmallIntegerField(default=2)

    class Meta:
        ordering = ["sequence"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self):
        return f"#{self.sequence} {self.action} {self.target_type}:{self.target_id}"

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field except the hash itself."""
        payload = {
            "sequence": self.sequence,
            "occurred_at": self.occurred_at.isoformat(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "data": self.data,
            "previous_hash": self.previous_hash,
        }
        if self.hash_format >= 2:
            payload |= {
                "hash_format": self.hash_format,
                "outcome": self.outcome,
                "source": self.source,
                "address": self.address,
            }
        return json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


class AuditHead(models.Model):
    """The last event of the chain, one row kept by `record` in the same transaction.

    A chain alone cannot show that its newest events were deleted; the head can. Appends lock
    this row, which serialises them on PostgreSQL even when the log is empty."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self):
        return f"head #{self.sequence}"
