"""Append-only, tamper-evident records of who read and who changed a child's record.

Each event carries the hash of the one before it in its chain, so that an edit or deletion made
behind the application's back (directly in the database) breaks the chain and
`carepath verify-audit` reports where. On PostgreSQL a trigger also refuses UPDATE and DELETE.
"""

import datetime
import hashlib
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} records cannot be changed.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} records cannot be deleted.")


class AuditChainHead(models.Model):
    """The last link of each chain, locked while an event is appended so links never fork."""

    name = models.CharField(max_length=20, unique=True)
    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.name} chain at {self.seq}"


class ChainedEvent(models.Model):
    chain_name: str = ""
    hashed_fields: tuple[str, ...] = ()

    seq = models.BigIntegerField(unique=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    # A snapshot, so the event still names the person if the account is later renamed.
    actor_name = models.CharField(max_length=200)
    child = models.ForeignKey(
        "people.Child", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-seq"]
        # Related-object access uses the base manager; make that one append-only too.
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} records cannot be deleted.")

    def payload(self) -> str:
        data = {
            "seq": self.seq,
            "occurred_at": self.occurred_at.astimezone(datetime.UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "child_id": self.child_id,
            "prev_hash": self.prev_hash,
        }
        for name in self.hashed_fields:
            data[name] = getattr(self, name)
        return json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()


class Channel(models.TextChoices):
    WEB = "web", "Web page"
    API = "api", "API"
    EXPORT = "export", "Export"
    DOCUMENT = "document", "Document"


class AccessBasis(models.TextChoices):
    """Why the reader was entitled to the record at that moment."""

    ALLOCATED = "allocated", "Allocated to the child"
    AUDIT_SAMPLE = "audit_sample", "Auditing or moderating the child's case"
    TEAM = "team", "Child's team"
    SERVICE = "service", "Child's service"
    AUTHORITY = "authority", "Authority-wide role"
    RESTRICTED_GRANT = "restricted_grant", "Explicit grant to a restricted record"
    BREAK_GLASS = "break_glass", "Break-glass"


class AccessEvent(ChainedEvent):
    """One read of a child's record: a page, an API call, an export or a document."""

    chain_name = "access"
    hashed_fields = ("channel", "what", "basis", "reason")

    channel = models.CharField(max_length=10, choices=Channel.choices)
    what = models.CharField(max_length=200, help_text="Which part of the record was read.")
    basis = models.CharField(max_length=20, choices=AccessBasis.choices)
    reason = models.TextField(blank=True, help_text="The written reason, for break-glass access.")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta(ChainedEvent.Meta):
        indexes = [
            models.Index(fields=["child", "-occurred_at"]),
            models.Index(fields=["actor", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} read {self.what} ({self.occurred_at:%Y-%m-%d %H:%M})"


class ChangeAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class ChangeEvent(ChainedEvent):
    """One change to a record about a child (or to a person or account)."""

    chain_name = "change"
    hashed_fields = ("record_type", "record_id", "action", "changes")

    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=64)
    action = models.CharField(max_length=10, choices=ChangeAction.choices)
    # Canonical JSON text ({"field": [old, new]}); stored as text so the hash is over exact bytes.
    changes = models.TextField(default="{}")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta(ChainedEvent.Meta):
        indexes = [
            models.Index(fields=["child", "-occurred_at"]),
            models.Index(fields=["record_type", "record_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.action} {self.record_type} {self.record_id}"

    def changes_dict(self) -> dict:
        return json.loads(self.changes)
