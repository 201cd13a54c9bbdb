"""What every write about children does: the actor's rights and scope for every child, one
transaction holding the children's rows, a change event per child, optimistic locking, and the
children's clocks refreshed before the transaction commits. Used by the legal pathway and practice
assurance services alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction

from carepath.core import audit
from carepath.core.audit import ChangeAction
from carepath.core.concurrency import save_if_unchanged
from carepath.core.events import child_record_changed
from carepath.people.models import Child, User
from carepath.people.selectors import child_access_decision


def require_function(actor: User, function: str, message: str = "Your role does not allow this.") -> None:
    if not (actor.is_authenticated and actor.is_active and actor.can(function)):
        raise PermissionDenied(message)


def require_access(actor: User, children: Iterable[Child], function: str) -> None:
    """The actor may use `function` on every one of the children (role and scope, as for reading)."""
    require_function(actor, function)
    for child in children:
        decision = child_access_decision(actor, child, function)
        if not decision.allowed:
            # The message names no one: the actor may see a sibling but not this child.
            raise PermissionDenied(f"You cannot record this for every child in it. {decision.refusal}")


@contextmanager
def writing(actor: User, children: Iterable[Child], function: str) -> Iterator[list[Child]]:
    """Check rights, then one transaction holding the children's rows; when it succeeds, every
    child's clocks are refreshed inside the same transaction (core.events)."""
    children = list(children)
    require_access(actor, children, function)
    with transaction.atomic():
        ids = sorted(c.pk for c in children)
        list(Child.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        yield children
        for child_id in ids:
            child_record_changed(child_id)


def validate(record: models.Model) -> None:
    record.full_clean(validate_constraints=False)


def create(*, actor: User, children: Iterable[Child], record: models.Model) -> models.Model:
    """Validate, save and log a new record against each child it is about."""
    if hasattr(record, "recorded_by_id") and record.recorded_by_id is None:
        record.recorded_by = actor
    validate(record)
    record.save(force_insert=True)
    # A record about no child (a panel meeting, a reflective supervision session) is logged once,
    # so every creation leaves a trace in the change log.
    for child in list(children) or [None]:
        audit.record_creation(actor=actor, child=child, record=record)
    return record


def change(
    *,
    actor: User,
    children: Iterable[Child],
    record: models.Model,
    changes: dict,
    expected_version: int | None = None,
) -> models.Model:
    """Apply `changes` if nobody else saved the record since `expected_version` (EditConflict
    otherwise); the record passed in is left as it was when the change is refused."""
    before = {name: getattr(record, name) for name in changes}
    before_version = record.version
    for name, value in changes.items():
        setattr(record, name, value)
    try:
        validate(record)
        save_if_unchanged(
            record,
            expected_version=record.version if expected_version is None else expected_version,
            fields=list(changes),
        )
    except Exception:
        for name, value in before.items():
            setattr(record, name, value)
        record.version = before_version
        raise
    diff = {name: (before[name], value) for name, value in changes.items() if before[name] != value}
    if diff:
        for child in list(children) or [None]:
            audit.record_change(
                actor=actor, child=child, record=record, action=ChangeAction.UPDATED, changes=diff
            )
    return record


def refuse(field: str, message: str) -> None:
    raise ValidationError({field: message})
