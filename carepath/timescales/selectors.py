"""Reads for the timescales: work queues, a child's clocks, escalations. Every selector takes the
acting user and returns only children that user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from carepath.people.models import Child, User
from carepath.people.selectors import children_visible_to

from .engine import Status
from .models import Deadline, Escalation, Rule
from .rulebook import Kind


class Bucket:
    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this_week"
    LATER = "later"

    ORDER = (OVERDUE, TODAY, THIS_WEEK, LATER)
    LABELS = {OVERDUE: "Overdue", TODAY: "Due today", THIS_WEEK: "Due this week", LATER: "Due later"}


def bucket_of(deadline: Deadline, today: date) -> str:
    if deadline.due_on < today or (deadline.due_at is not None and deadline.due_at < timezone.now()):
        return Bucket.OVERDUE
    if deadline.due_on == today:
        return Bucket.TODAY
    if deadline.due_on <= today + timedelta(days=7):
        return Bucket.THIS_WEEK
    return Bucket.LATER


def _work(queryset: QuerySet) -> QuerySet:
    """Open items that are work: deadlines, and drift flags once raised (a drift clock that has not
    reached its limit is being watched, not owed)."""
    today = timezone.localdate()
    return queryset.filter(
        Q(status=Status.OPEN, kind=Kind.DEADLINE)
        | Q(status=Status.OPEN, kind=Kind.DRIFT, due_on__lt=today)
        | Q(status=Status.FLAGGED)
    ).select_related("child", "child__allocated_worker", "assigned_to")


def responsible_filter(user: User) -> Q:
    """Items the user is responsible for: given to them, or about children allocated to them and
    not given to anyone else."""
    return Q(assigned_to=user) | Q(assigned_to__isnull=True, child__allocated_worker=user)


def _among_visible(user: User, given: QuerySet, allocated: QuerySet, horizon: date) -> QuerySet:
    """Open items due by `horizon` that were given to someone (`given`) or are about children
    allocated (`allocated`, a query of child ids) and not given to anyone, for children `user` may
    see. Built from small indexed reads: asking the database for "visible children" across the
    whole authority on every page took most of a second at 60,000 children."""
    # Few items are ever given to anyone, so these are read whole and filtered here (a status filter
    # tempts the database into its status index, which holds every open item).
    rows = [
        (pk, child_id)
        for pk, child_id, status, due_on in given.values_list("pk", "child_id", "status", "due_on")
        if status in Status.ACTIVE and due_on <= horizon
    ]
    # The child ids first, as a list: the database then reads each child's deadlines by index.
    rows += Deadline.objects.filter(
        child_id__in=list(allocated.values_list("pk", flat=True)),
        assigned_to__isnull=True,
        status__in=Status.ACTIVE,
        due_on__lte=horizon,
    ).values_list("pk", "child_id")
    children = {child_id for _pk, child_id in rows}
    visible = set(children_visible_to(user).filter(pk__in=children).values_list("pk", flat=True))
    return Deadline.objects.filter(pk__in=[pk for pk, child_id in rows if child_id in visible])


def work_for(user: User, *, horizon_days: int = 7) -> QuerySet:
    """The user's own open items, overdue first, up to `horizon_days` ahead."""
    horizon = timezone.localdate() + timedelta(days=horizon_days)
    items = _among_visible(
        user,
        Deadline.objects.filter(assigned_to=user),
        Child.objects.filter(allocated_worker=user),
        horizon,
    )
    return _work(items).order_by("due_on", "child__last_name", "pk")


@dataclass
class WorkCounts:
    overdue: int = 0
    today: int = 0
    this_week: int = 0
    escalated_to_me: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.today + self.this_week


def work_counts_for(user: User) -> WorkCounts:
    counts = WorkCounts()
    today = timezone.localdate()
    # Two queries on every page: the navigation shows these counts.
    for deadline in work_for(user).select_related(None).only("due_on", "due_at"):
        bucket = bucket_of(deadline, today)
        setattr(counts, bucket, getattr(counts, bucket) + 1)
    counts.escalated_to_me = open_escalations_for(user).count()
    return counts


@dataclass
class Group:
    key: str
    label: str
    items: list[Deadline] = field(default_factory=list)


def grouped_by_bucket(items, today: date | None = None) -> list[Group]:
    today = today or timezone.localdate()
    groups = {b: Group(b, Bucket.LABELS[b]) for b in Bucket.ORDER}
    for item in items:
        groups[bucket_of(item, today)].items.append(item)
    return [g for g in groups.values() if g.items]


def team_work(user: User, team_id: int, *, horizon_days: int = 7) -> QuerySet:
    """A team's open items (overdue and due soon), for the team manager and those above."""
    horizon = timezone.localdate() + timedelta(days=horizon_days)
    items = _among_visible(
        user,
        Deadline.objects.filter(assigned_to__team_id=team_id),
        Child.objects.filter(allocated_team_id=team_id),
        horizon,
    )
    return _work(items).order_by("due_on", "pk")


def child_clocks(user: User, child: Child) -> QuerySet:
    """A child's stored clocks: open first, then the history of late, missed and flagged. The
    caller has already opened the child's record through child_for_reading (which logs the read).

    A moderator grades blind (assurance, F18): while they moderate an audit of the child, the
    clocks of that audit's actions and escalation are left out, since they say the grade was below
    good."""
    rows = Deadline.objects.filter(child=child)
    from carepath.assurance.models import AuditAction, AuditEscalation, Moderation  # builds on this app

    blind = Moderation.objects.filter(
        moderator_id=user.pk, status=Moderation.Status.ASSIGNED, audit__child=child
    ).values("audit_id")
    if blind.exists():
        rows = rows.exclude(
            Q(
                context_type="audit_action",
                context_id__in=AuditAction.objects.filter(audit__in=blind).values("pk"),
            )
            | Q(
                context_type="audit_escalation",
                context_id__in=AuditEscalation.objects.filter(audit__in=blind).values("pk"),
            )
        )
    return rows.order_by("-status", "due_on", "pk")


def open_escalations_for(user: User) -> QuerySet:
    """Escalations sent to this user whose item is still open."""
    open_keys = Deadline.objects.filter(status__in=Status.ACTIVE).values("key")
    return Escalation.objects.filter(escalated_to=user, deadline_key__in=open_keys)


def escalations_visible_to(user: User) -> QuerySet:
    visible = children_visible_to(user).values("pk")
    return Escalation.objects.filter(child__in=visible).select_related("child", "escalated_to", "responsible")


def rules_by_id() -> dict[str, Rule]:
    return {rule.rule_id: rule for rule in Rule.objects.all()}


def reassign_candidates(actor: User, deadline: Deadline) -> QuerySet:
    """Who an item can be given to: social workers and team managers still working in the team (a
    team manager's own team; for a head of service, the team the item is in now), other than the
    person who has it, who can open the child's record on their own scope. Someone who could not
    open it would never see the item: work_for lists only children the worker may see."""
    from carepath.core.models import AccessBasis
    from carepath.core.permissions import Role
    from carepath.people.selectors import child_access_decision

    if actor.role == Role.TEAM_MANAGER:
        team_id = actor.team_id
    elif deadline.assigned_to_id and deadline.assigned_to.team_id:
        team_id = deadline.assigned_to.team_id
    else:
        team_id = deadline.child.allocated_team_id
    if team_id is None:
        return User.objects.none()
    responsible = deadline.assigned_to if deadline.assigned_to_id else deadline.child.allocated_worker
    members = User.objects.filter(
        team_id=team_id,
        is_active=True,
        left_on__isnull=True,
        role__in=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER],
    ).exclude(pk=getattr(responsible, "pk", None))
    able = []
    for member in members:
        decision = child_access_decision(member, deadline.child)
        if decision.allowed and decision.basis != AccessBasis.BREAK_GLASS:
            able.append(member.pk)
    return User.objects.filter(pk__in=able).order_by("last_name", "first_name", "pk")
