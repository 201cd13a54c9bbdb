"""The Auditor: the one way access and change events are written, and the chain verified.

Called explicitly by selectors (reads) and services (writes), never from signals, so that each
read or change is logged where the code that does it can be seen (NHS breast screening ADR).
"""

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from .models import (
    GENESIS_HASH,
    AccessEvent,
    AuditChainHead,
    ChainedEvent,
    ChangeAction,
    ChangeEvent,
    Channel,
)


def _append(model: type[ChainedEvent], **fields) -> ChainedEvent:
    return _append_many(model, [fields])[0]


def _append_many(model: type[ChainedEvent], rows: list[dict]) -> list[ChainedEvent]:
    """Append events to a chain in order: one transaction, the head locked once, one insert."""
    if not rows:
        return []
    with transaction.atomic():
        # The heads are created by migration; get_or_create only matters for a database emptied by a
        # test run's flush. A head lost otherwise restarts at seq 1, which the unique seq refuses loudly.
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(name=model.chain_name)
        events = []
        seq, last_hash = head.seq, head.last_hash
        for fields in rows:
            seq += 1
            event = model(seq=seq, prev_hash=last_hash, **fields)
            event.hash = last_hash = event.compute_hash()
            events.append(event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            model.objects.bulk_create(events)
        head.seq = seq
        head.last_hash = last_hash
        head.save(update_fields=["seq", "last_hash"])
    return events


def record_access(
    *, actor, child, what: str, basis: str, channel: str = Channel.WEB, reason: str = ""
) -> AccessEvent:
    return _append(
        AccessEvent,
        actor=actor,
        actor_name=actor.get_full_name() or actor.get_username(),
        child=child,
        channel=channel,
        what=what[:200],
        basis=basis,
        reason=reason,
    )


def record_accesses(*, actor, reads: list[tuple], what: str, channel: str = Channel.WEB) -> list[AccessEvent]:
    """Log several reads by one actor at once (a list naming many children): `reads` holds
    (child, basis, break-glass reason) in the order to log them. The same events as record_access
    would write one by one, appended in one transaction."""
    actor_name = actor.get_full_name() or actor.get_username()
    return _append_many(
        AccessEvent,
        [
            {
                "actor": actor,
                "actor_name": actor_name,
                "child": child,
                "channel": channel,
                "what": what[:200],
                "basis": basis,
                "reason": reason,
            }
            for child, basis, reason in reads
        ],
    )


def _plain(value):
    if isinstance(value, models.Model):
        return value.pk
    return value


def record_change(
    *, actor, child, record: models.Model, action: str, changes: dict | None = None
) -> ChangeEvent:
    """Log a change. `changes` maps field name to (old, new); for a creation, the new values."""
    canonical = json.dumps(
        {k: [_plain(v[0]), _plain(v[1])] for k, v in (changes or {}).items()},
        sort_keys=True,
        cls=DjangoJSONEncoder,
    )
    return _append(
        ChangeEvent,
        actor=actor,
        actor_name=actor.get_full_name() or actor.get_username(),
        child=child,
        record_type=record._meta.label,
        record_id=str(record.pk),
        action=action,
        changes=canonical,
    )


def record_creation(*, actor, child, record: models.Model) -> ChangeEvent:
    values = {
        f.name: (None, getattr(record, f.attname))
        for f in record._meta.concrete_fields
        if f.name not in ("id", "version")
    }
    return record_change(actor=actor, child=child, record=record, action=ChangeAction.CREATED, changes=values)


@dataclass
class ChainBreak:
    chain: str
    seq: int
    problem: str


def verify_chain(model: type[ChainedEvent], batch: int = 5000) -> tuple[int, list[ChainBreak]]:
    """Walk a chain from its genesis; return how many events were checked and every break found."""
    breaks: list[ChainBreak] = []
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seen = 0
    while True:
        events = list(model.objects.filter(seq__gt=last_seen).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            checked += 1
            if event.seq != expected_seq:
                missing = (
                    f"event {expected_seq} is missing"
                    if event.seq - 1 == expected_seq
                    else f"events {expected_seq}–{event.seq - 1} are missing"
                )
                breaks.append(ChainBreak(model.chain_name, expected_seq, missing))
            if event.prev_hash != expected_prev:
                breaks.append(ChainBreak(model.chain_name, event.seq, "does not link to the event before it"))
            if event.compute_hash() != event.hash:
                breaks.append(
                    ChainBreak(model.chain_name, event.seq, "its contents were altered after it was written")
                )
            expected_prev = event.hash
            expected_seq = event.seq + 1
            last_seen = event.seq
    head = AuditChainHead.objects.filter(name=model.chain_name).first() or AuditChainHead(
        name=model.chain_name
    )
    if head.seq != last_seen or head.last_hash != expected_prev:
        breaks.append(ChainBreak(model.chain_name, head.seq, "the newest events have been removed"))
    return checked, breaks


def verify_all() -> dict[str, tuple[int, list[ChainBreak]]]:
    return {m.chain_name: verify_chain(m) for m in (AccessEvent, ChangeEvent)}


__all__ = ["record_access", "record_change", "record_creation", "verify_chain", "verify_all", "ChangeAction"]
