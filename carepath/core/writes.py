"""What every write about children does: the actor's rights and scope for every child, one
transaction holding the children's rows, a change event per child, optimistic locking, and the
children's clocks refreshed before the transaction commits. Used by the legal pathway and practice
assurance services alike."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from carepath.core import audit
from carepath.core.audit import ChangeAction
from carepath.core.concurrency import save_if_unchanged
from carepath.core.events import child_record_changed
from carepath.core.models import AccessBasis
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


def owner_refusal(owner: User | None, child: Child) -> str:
    """Why this person cannot own an action on the child's record (a panel action, an audit action,
    a case direction's action), or "" if they can: they must be in post and able to open the
    record, since they could not otherwise see the action or do it."""
    if owner is None:
        return "Choose who owns this action"
    if not owner.is_active or owner.left_on is not None:
        return f"{owner} is no longer working here. Choose someone who is."
    decision = child_access_decision(owner, child)
    # Break-glass opens a record for a short time only, and an audit's grant lapses after it; an
    # owner needs lasting access.
    if not decision.allowed or decision.basis in (AccessBasis.BREAK_GLASS, AccessBasis.AUDIT_SAMPLE):
        return (
            f"{owner} cannot open {child.full_name}'s record (not in their caseload, team or service), "
            "so could not see the action or do it. Choose someone who can, or allocate them first."
        )
    return ""


def action_mark_done(
    *,
    actor: User,
    action: models.Model,
    function: str,
    done_on,
    done_note: str,
    expected_version: int | None,
    set_by: str = "it was set",
) -> models.Model:
    """Mark an owned, dated action done (a panel action, an audit action, a case direction's
    action: each has child, set_on, done_on, done_by, done_note and version). The caller has
    decided who may; this refuses a date in the future or before the action was set ("before
    {set_by}"), and an action someone else has marked done meanwhile. The child's clocks refresh, so
    the action's clock stops."""
    if done_on is None:
        refuse("done_on", "Enter the date it was done")
    if done_on > timezone.localdate():
        refuse("done_on", "The date it was done must be today or in the past")
    if done_on < action.set_on:
        refuse("done_on", f"The date it was done cannot be before {set_by} ({done_on_words(action.set_on)})")
    with writing(actor, [action.child], function):
        if type(action).objects.filter(pk=action.pk, done_on__isnull=False).exists():
            refuse(NON_FIELD_ERRORS, "This action has already been marked done.")
        return change(
            actor=actor,
            children=[action.child],
            record=action,
            changes={"done_on": done_on, "done_by": actor, "done_note": (done_note or "").strip()},
            expected_version=expected_version,
        )


def done_on_words(day) -> str:
    return f"{day.day} {day:%B %Y}"
