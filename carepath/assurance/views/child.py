"""The "Audits and supervision" tab of a child's record: the case directions and management
oversight on the child's record, and the child's audits with the actions still open.

The reads here are shared with the API (children/<id>/audits/ and children/<id>/case-directions/),
so the page and the API show the same records under the same two rules:

- Blind moderation. Someone moderating an audit they have not finished must not see the first
  auditor's grades, findings or actions (an action is only set for a grade below good, so it would
  give the grade away). `moderating_blind` says which audits those are for a reader.
- Supervision notes are the supervisee's own file, not the child's record: nothing here reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from carepath.core.models import AccessBasis
from carepath.core.permissions import Function
from carepath.core.reads import clocks_for
from carepath.people.models import Child, User
from carepath.people.selectors import child_access_decision, child_for_reading
from carepath.timescales.engine import Status

from ..models import AuditAction, CaseAudit, CaseDirection, DirectionAction, Moderation

# ---------------------------------------------------------------------------------------------
# Reads (shared with the API)
# ---------------------------------------------------------------------------------------------


def moderating_blind(user: User, audit_ids) -> set[int]:
    """Of `audit_ids`, the audits the user is moderating and has not yet completed."""
    ids = list(audit_ids)
    if not ids:
        return set()
    return set(
        Moderation.objects.filter(moderator=user, audit_id__in=ids)
        .exclude(status=Moderation.Status.COMPLETED)
        .values_list("audit_id", flat=True)
    )


def completed_audits_of(child: Child) -> QuerySet[CaseAudit]:
    """The child's completed audits, newest first, with their grades, actions and moderation."""
    return (
        CaseAudit.objects.filter(child=child, status=CaseAudit.Status.COMPLETED)
        .select_related("tool", "auditor", "programme", "moderation__moderator")
        .prefetch_related(
            "grades__domain",
            Prefetch(
                "actions", AuditAction.objects.select_related("owner", "domain").order_by("due_on", "pk")
            ),
            "moderation__grades__domain",
        )
        .order_by("-completed_on", "-pk")
    )


def directions_of(child: Child) -> QuerySet[CaseDirection]:
    """The child's case directions and management oversight, newest first, with their actions.
    The session is read for who was supervised, never for its notes."""
    return (
        CaseDirection.objects.filter(child=child)
        .select_related("directed_by", "session__supervisee")
        .defer("session__notes")
        .prefetch_related(
            Prefetch(
                "actions", DirectionAction.objects.select_related("owner", "done_by").order_by("due_on", "pk")
            )
        )
        .order_by("-directed_on", "-pk")
    )


@dataclass(frozen=True)
class Standing:
    """Where an action stands, in the engine's words: `code` for the API, `label` for people."""

    code: str
    label: str
    colour: str  # the govuk-tag modifier; the label always says it in words too


def standing_of(action, clock, today: date) -> Standing:
    """An action's standing from the engine's stored clock (DIRECTION-ACTION or AUDIT-ACTION).
    The engine stores only clocks that are open, late or missed: an action done in time has none."""
    if clock is not None:
        if clock.status == Status.OPEN:
            if clock.due_on < today or (clock.due_at is not None and clock.due_at < timezone.now()):
                return Standing("overdue", "Overdue", "red")
            return Standing("open", "Open", "blue")
        if clock.status == Status.LATE:
            return Standing("done_late", "Done late", "orange")
        if clock.status == Status.MISSED:
            return Standing("missed", "Missed", "red")
    if action.done_on:
        return Standing("done", "Done", "green")
    return Standing("open", "Open", "blue")


def clocks_by_action(context_type: str, actions, child_ids) -> dict[int, object]:
    """The engine's stored clock of each action, by the action's id."""
    ids = [a.pk for a in actions]
    if not ids:
        return {}
    return {
        clock.context_id: clock
        for clock in clocks_for(context_type=context_type, context_ids=ids, child_ids=child_ids)
    }


def with_standing(context_type: str, actions: list, child_ids, today: date | None = None) -> list:
    """Give each action its engine clock (`clock`) and its standing (`standing`)."""
    today = today or timezone.localdate()
    clocks = clocks_by_action(context_type, actions, child_ids)
    for action in actions:
        action.clock = clocks.get(action.pk)
        action.standing = standing_of(action, action.clock, today)
    return actions


@dataclass
class ChildAssurance:
    directions: list[CaseDirection]
    audits: list[CaseAudit]  # completed, each with `.blind`
    audits_under_way: list[CaseAudit]
    open_audit_actions: list[AuditAction]
    moderating: bool  # the reader is moderating an audit of this child, blind


def child_assurance(user: User, child: Child) -> ChildAssurance:
    today = timezone.localdate()
    directions = list(directions_of(child))
    direction_actions = [a for d in directions for a in d.actions.all()]
    with_standing("direction_action", direction_actions, [child.pk], today)

    audits = list(completed_audits_of(child))
    blind = moderating_blind(user, [a.pk for a in audits])
    for audit in audits:
        audit.blind = audit.pk in blind
        audit.grade_label = audit.tool.grade_label(audit.overall_grade)
        # A completed moderation's grade is shown beside the audit's; one under way has none yet.
        moderation = getattr(audit, "moderation", None)
        audit.moderation_shown = moderation
        audit.moderated_grade_label = (
            audit.tool.grade_label(moderation.overall_grade)
            if moderation is not None and moderation.status == Moderation.Status.COMPLETED
            else ""
        )
    open_actions = [
        action
        for audit in audits
        if not audit.blind
        for action in audit.actions.all()
        if action.done_on is None
    ]
    open_actions.sort(key=lambda a: (a.due_on, a.pk))
    with_standing("audit_action", open_actions, [child.pk], today)
    under_way = list(
        CaseAudit.objects.filter(
            child=child, status__in=[CaseAudit.Status.ASSIGNED, CaseAudit.Status.IN_PROGRESS]
        )
        .select_related("auditor")
        .order_by("due_on", "pk")
    )
    return ChildAssurance(
        directions=directions,
        audits=audits,
        audits_under_way=under_way,
        open_audit_actions=open_actions,
        moderating=bool(blind),
    )


# ---------------------------------------------------------------------------------------------
# The tab
# ---------------------------------------------------------------------------------------------


@login_required
def child_assurance_tab(request, child_id):
    user = request.user
    child, decision = child_for_reading(actor=user, public_id=child_id, what="Audits and supervision")
    found = child_assurance(user, child)
    # The audit page is for those who may read audits (audits_visible_to): others see the row only.
    from ..selectors.audits import audits_visible_to

    openable = set(
        audits_visible_to(user).filter(pk__in=[a.pk for a in found.audits]).values_list("pk", flat=True)
    )
    for audit in found.audits:
        audit.openable = audit.pk in openable
    # Recording oversight changes the record: never by break-glass, and only on a child whose
    # record the user's scope lets them change (as the oversight form itself checks).
    can_record_oversight = (
        decision.basis != AccessBasis.BREAK_GLASS
        and user.can(Function.RECORD_SUPERVISION)
        and child_access_decision(user, child, Function.RECORD_SUPERVISION).allowed
    )
    return render(
        request,
        "assurance/child.html",
        {
            "child": child,
            "access_basis": decision.basis,
            "can_see_access": user.can(Function.VIEW_RECORD_ACCESS),
            "can_record_oversight": can_record_oversight,
            "found": found,
            "tab": "assurance",
        },
    )


urlpatterns = [
    path("children/<uuid:child_id>/assurance/", child_assurance_tab, name="child"),
]
