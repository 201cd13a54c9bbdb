"""Reads about early permanence (F07, F10): the very young children on the legal pathway or in care,
and whether each has a parallel plan and a recorded consideration of Fostering for Adoption and
concurrent planning."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from carepath.core.permissions import Function
from carepath.people.models import Child, ChildStatus, User
from carepath.people.selectors import child_access_decision

from ..models import PermanenceRecord, PreProceedings, ProceedingsChild
from .common import clocks_for, visible_child_ids

IN_PRE_PROCEEDINGS = "Pre-proceedings"
IN_PROCEEDINGS = "Care proceedings"
LOOKED_AFTER = "Looked after"
NO_PARALLEL_PLAN = "No parallel plan"
NOT_CONSIDERED = "Early permanence not considered"


@dataclass
class EarlyPermanenceRow:
    child: Child
    where: list[str]
    record: PermanenceRecord | None
    flags: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)

    @property
    def has_parallel_plan(self) -> bool:
        return bool(self.record and self.record.parallel_plan)

    @property
    def has_consideration(self) -> bool:
        return bool(self.record and self.record.early_permanence_considered_on)


def two_years_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 2, day=28)


def _open_pre_proceedings_children():
    return PreProceedings.objects.filter(step_decision_on__isnull=True).values(
        "legal_case__members__child_id"
    )


def _open_proceedings_children():
    return ProceedingsChild.objects.filter(proceedings__concluded_on__isnull=True).values("child_id")


def early_permanence_children(*, actor: User) -> list[EarlyPermanenceRow]:
    """Every child under 2 (or unborn) in pre-proceedings, in care proceedings or looked after, whom
    the actor may see; those without a parallel plan or a recorded consideration first."""
    if not actor.can(Function.VIEW_LEGAL):
        raise PermissionDenied("Your role does not include the legal pathway.")
    today = timezone.localdate()
    young = Child.objects.filter(date_of_death__isnull=True).filter(
        Q(date_of_birth__isnull=True) | Q(date_of_birth__gt=two_years_before(today))
    )
    # The candidates first (a few hundred at most), then only those the actor may see.
    candidates = young.filter(
        Q(pk__in=_open_pre_proceedings_children())
        | Q(pk__in=_open_proceedings_children())
        | Q(status=ChildStatus.LOOKED_AFTER)
    ).values_list("pk", flat=True)
    visible = visible_child_ids(actor, candidates)
    if not visible:
        return []
    in_pre_proceedings = set(
        PreProceedings.objects.filter(
            step_decision_on__isnull=True, legal_case__members__child_id__in=visible
        ).values_list("legal_case__members__child_id", flat=True)
    )
    in_proceedings = set(
        ProceedingsChild.objects.filter(
            proceedings__concluded_on__isnull=True, child_id__in=visible
        ).values_list("child_id", flat=True)
    )
    rows = []
    for child in Child.objects.filter(pk__in=visible).select_related("permanence", "allocated_worker"):
        record = getattr(child, "permanence", None)
        where = []
        if child.pk in in_pre_proceedings:
            where.append(IN_PRE_PROCEEDINGS)
        if child.pk in in_proceedings:
            where.append(IN_PROCEEDINGS)
        if child.status == ChildStatus.LOOKED_AFTER:
            where.append(LOOKED_AFTER)
        row = EarlyPermanenceRow(child=child, where=where, record=record)
        if not row.has_parallel_plan:
            row.flags.append(NO_PARALLEL_PLAN)
        if not row.has_consideration:
            row.flags.append(NOT_CONSIDERED)
        rows.append(row)
    rows.sort(key=lambda r: (not r.flagged, r.child.last_name, r.child.first_name, r.child.pk))
    return rows


def permanence_for_child(*, actor: User, child: Child) -> PermanenceRecord | None:
    """The child's permanence record, if any. The caller has read the child through
    child_for_reading (which logs the read)."""
    if not child_access_decision(actor, child).allowed:
        raise PermissionDenied("You cannot see this child's record.")
    return PermanenceRecord.objects.filter(child=child).first()


def adoption_clocks(*, record: PermanenceRecord | None):
    """The adoption timeliness clocks (rules.md 6.5: ADOPT-A1, ADOPT-A2), as the engine stored them."""
    if record is None:
        return []
    return list(clocks_for(context_type="adoption", context_ids=[record.pk], child_ids=[record.child_id]))
