"""Writes about people: each service is one transaction and logs its change."""

import hashlib
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from carepath.core import audit
from carepath.core.audit import ChangeAction
from carepath.core.concurrency import EditConflict, save_if_unchanged
from carepath.core.events import child_record_changed
from carepath.core.permissions import Function

from .models import Allocation, BreakGlassAccess, Child, Team, User
from .selectors import child_access_decision

EDITABLE_CHILD_FIELDS = [
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "expected_date_of_birth",
    "sex",
    "ethnicity",
    "first_language",
    "postcode",
    "upn",
]


def child_details_update(*, actor: User, child: Child, expected_version: int, **changes) -> Child:
    """Change a child's details, refusing if someone else saved since `expected_version`."""
    decision = child_access_decision(actor, child, Function.EDIT_CHILD_DETAILS)
    if not decision.allowed:
        raise PermissionDenied(decision.refusal)
    unknown = set(changes) - set(EDITABLE_CHILD_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    before = {name: getattr(child, name) for name in changes}
    for name, value in changes.items():
        setattr(child, name, value)
    # The DfE rules about a child's own details (e.g. an unborn child's sex is U), in plain English,
    # before the database constraints would refuse the same thing less helpfully.
    from carepath.journey.integrity import violations_for

    problems = violations_for(child)
    if problems:
        child.refresh_from_db()
        raise ValidationError({v.field: v.message for v in problems})
    diff = {k: (before[k], v) for k, v in changes.items() if before[k] != v}
    try:
        child.full_clean(exclude=["allocated_worker", "allocated_team", "family", "recorded_by"])
        with transaction.atomic():
            save_if_unchanged(child, expected_version=expected_version, fields=list(changes))
            child_record_changed(child.pk)
            if diff:
                audit.record_change(
                    actor=actor, child=child, record=child, action=ChangeAction.UPDATED, changes=diff
                )
    except (EditConflict, ValidationError):
        # The caller's object must not go on showing values that were not saved.
        child.refresh_from_db()
        raise
    return child


def allocation_change(
    *,
    actor: User,
    child: Child,
    worker: User,
    team: Team | None = None,
    started_on: date,
    end_reason: str = Allocation.EndReason.MANAGE,
    kind: str = Allocation.Kind.SOCIAL_WORKER,
) -> Allocation:
    """Allocate a worker, ending the current allocation of the same kind with a reason (F06)."""
    team = team or worker.team
    if team is None:
        raise ValidationError({"worker": "This worker is not in a team, so cannot be allocated."})
    with transaction.atomic():
        current = (
            Allocation.objects.select_for_update()
            .filter(child=child, kind=kind, ended_on__isnull=True)
            .first()
        )
        if current:
            if current.worker_id == worker.pk:
                raise ValidationError({"worker": f"{worker} is already allocated to this child."})
            if started_on < current.started_on:
                raise ValidationError(
                    {"started_on": "The new allocation cannot start before the current one did."}
                )
            current.ended_on = started_on
            current.end_reason = end_reason
            current.save(update_fields=["ended_on", "end_reason"])
            audit.record_change(
                actor=actor,
                child=child,
                record=current,
                action=ChangeAction.UPDATED,
                changes={"ended_on": (None, started_on), "end_reason": ("", end_reason)},
            )
        allocation = Allocation.objects.create(
            child=child, worker=worker, team=team, kind=kind, started_on=started_on, recorded_by=actor
        )
        audit.record_creation(actor=actor, child=child, record=allocation)
        if kind == Allocation.Kind.SOCIAL_WORKER:
            Child.objects.filter(pk=child.pk).update(allocated_worker=worker, allocated_team=team)
            child.allocated_worker, child.allocated_team = worker, team
        child_record_changed(child.pk)
    return allocation


MIN_BREAK_GLASS_REASON = 20


def break_glass_start(*, actor: User, child: Child, reason: str) -> BreakGlassAccess:
    """Open a record outside the actor's scope for a limited time, with a written reason that is
    kept with every read and reported."""
    if not actor.can(Function.BREAK_GLASS):
        raise PermissionDenied("Your role does not allow break-glass access.")
    reason = reason.strip()
    if len(reason) < MIN_BREAK_GLASS_REASON:
        raise ValidationError(
            {
                "reason": f"Explain why you need to open this record now, in at least {MIN_BREAK_GLASS_REASON} characters"
            }
        )
    now = timezone.now()
    with transaction.atomic():
        access = BreakGlassAccess.objects.create(
            child=child,
            user=actor,
            reason=reason,
            started_at=now,
            expires_at=now + timedelta(minutes=settings.CAREPATH_BREAK_GLASS_MINUTES),
        )
        audit.record_creation(actor=actor, child=child, record=access)
    return access


ACCOUNT_FIELDS = [
    "role",
    "scope",
    "team",
    "job_title",
    "employment_type",
    "newly_qualified",
    "social_work_england_number",
    "two_factor_required",
]


def user_update(*, actor: User, user: User, expected_version_stamp: str, **changes) -> User:
    """An administrator changes an account: role, scope, team, whether two-factor is required.
    `expected_version_stamp` is the account's state when the form was opened (see account_stamp),
    so two administrators cannot silently overwrite each other."""
    if not actor.can(Function.MANAGE_USERS):
        raise PermissionDenied("Your role does not allow you to manage accounts.")
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if account_stamp(locked) != expected_version_stamp:
            raise EditConflict(locked)
        before = {name: getattr(locked, name) for name in changes}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.service_id = locked.team.service_id if locked.team_id else locked.service_id
        locked.save()
        diff = {k: (before[k], v) for k, v in changes.items() if before[k] != v}
        if diff:
            audit.record_change(
                actor=actor, child=None, record=locked, action=ChangeAction.UPDATED, changes=diff
            )
    return locked


def user_mark_leaver(*, actor: User, user: User, left_on: date) -> User:
    """Disable a leaver's account. Their records, allocations history and audit trail are kept."""
    if not actor.can(Function.MANAGE_USERS):
        raise PermissionDenied("Your role does not allow you to manage accounts.")
    if user.pk == actor.pk:
        raise ValidationError({"left_on": "You cannot disable your own account"})
    with transaction.atomic():
        open_allocations = Allocation.objects.filter(worker=user, ended_on__isnull=True).count()
        if open_allocations:
            raise ValidationError(
                {
                    "left_on": f"{user} still has {open_allocations} open allocation{'s' if open_allocations != 1 else ''}. "
                    "Reallocate those children first"
                }
            )
        user.is_active = False
        user.left_on = left_on
        user.save(update_fields=["is_active", "left_on"])
        audit.record_change(
            actor=actor,
            child=None,
            record=user,
            action=ChangeAction.UPDATED,
            changes={"is_active": (True, False), "left_on": (None, left_on)},
        )
    return user


def account_stamp(user: User) -> str:
    """A fingerprint of the editable account fields, for optimistic locking of account edits."""
    values = "|".join(str(getattr(user, name + ("_id" if name == "team" else ""))) for name in ACCOUNT_FIELDS)
    return hashlib.sha256(f"{values}|{user.is_active}".encode()).hexdigest()[:16]
