"""The append-only, hash-chained audit log.

Each event's hash covers its own content and the hash of the event before it, so an edit,
deletion, insertion or reordering of any row breaks the chain from that row on. Since hash
format 3 the hash is an HMAC under a key the database does not hold (audit.keys), so rows
deleted or edited cannot be made to look intact again by re-hashing the rest.
"""

import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from commonground.audit.choices import Outcome, Source
from commonground.audit.keys import mac, require_chain_key

GENESIS_HASH = "0" * 64
KEYED_FORMAT = 3


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
    # How the hash is made: 1 for events written before outcome, source and address were
    # recorded (so their hashes still verify), 2 once they were, 3 (the same fields) since the
    # hash is an HMAC under the chain key. Along the chain a format never goes back.
    hash_format = models.PositiveSmallIntegerField(default=KEYED_FORMAT)

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

    def compute_hash(self, key: bytes | None = None) -> str:
        """The event's hash; from format 3 on an HMAC under the chain key (`key`, or the
        configured one: MissingChainKey if there is none)."""
        if self.hash_format >= KEYED_FORMAT:
            return mac(key or require_chain_key(), self.canonical())
        return hashlib.sha256(self.canonical()).hexdigest()


class AuditHead(models.Model):
    """The last event of the chain, one row kept by `record` in the same transaction.

    A chain alone cannot show that its newest events were deleted; the head can. Appends lock
    this row, which serialises them on PostgreSQL even when the log is empty."""

    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # HMAC of sequence and hash under the chain key. Without it, a log rewritten from the start
    # in an unkeyed format (with the code's own functions) would verify.
    mac = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"head #{self.sequence}"

    def compute_mac(self, key: bytes) -> str:
        return mac(key, f"{self.sequence}:{self.hash}".encode())
