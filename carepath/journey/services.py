"""Writes to the child's journey. Each service checks the actor's right to record on this child,
applies the DfE integrity rules at entry (integrity.py), writes in one transaction, logs the
change, and refreshes the child's derived status."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from carepath.core import audit
from carepath.core.permissions import Function
from carepath.people.models import Child, User
from carepath.people.selectors import child_access_decision

from . import models as m
from .selectors import derive_status


def _require_recording_rights(actor: User, child: Child) -> None:
    decision = child_access_decision(actor, child, Function.RECORD_CASEWORK)
    if not decision.allowed:
        raise PermissionDenied(decision.refusal)


def _not_in_future(value: datetime, field: str) -> None:
    if value > timezone.now():
        raise ValidationError({field: "The date and time cannot be in the future"})


def child_status_refresh(*, child: Child) -> str:
    """Recompute the stored status from the child's open episodes."""
    status = derive_status(child)
    if status != child.status:
        Child.objects.filter(pk=child.pk).update(status=status)
        child.status = status
    return status


def case_note_create(*, actor: User, child: Child, happened_at: datetime, subject: str, text: str,
                     kind: str = m.CaseNote.Kind.CASE_NOTE) -> m.CaseNote:
    _require_recording_rights(actor, child)
    _not_in_future(happened_at, "happened_at")
    note = m.CaseNote(child=child, happened_at=happened_at, subject=subject, text=text, kind=kind,
                      author=actor, recorded_by=actor)
    note.full_clean()
    with transaction.atomic():
        note.save()
        audit.record_creation(actor=actor, child=child, record=note)
    return note


def visit_create(*, actor: User, child: Child, visited_at: datetime, kind: str, child_seen: bool,
                 child_seen_alone: bool = False, bedroom_seen: bool = False, notes: str = "") -> m.Visit:
    _require_recording_rights(actor, child)
    _not_in_future(visited_at, "visited_at")
    if child_seen_alone and not child_seen:
        raise ValidationError({"child_seen_alone": "A child cannot be seen alone if they were not seen"})
    visit = m.Visit(child=child, visited_at=visited_at, kind=kind, visitor=actor, child_seen=child_seen,
                    child_seen_alone=child_seen_alone, bedroom_seen=bedroom_seen, notes=notes, recorded_by=actor)
    visit.full_clean()
    with transaction.atomic():
        visit.save()
        audit.record_creation(actor=actor, child=child, record=visit)
    return visit
