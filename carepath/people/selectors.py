"""Reads about people, always on behalf of an actor and scoped to what that actor may see.

Deny by default: `child_access_decision` is the single statement of who may open a child's
record, and `children_visible_to` is the same rule as a query. The access matrix test and a
property test hold the two to each other.
"""

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from carepath.core import audit
from carepath.core.models import AccessBasis, Channel
from carepath.core.permissions import Function, Scope

from .models import Allocation, BreakGlassAccess, Child, ChildStatus, RestrictedRecordGrant, Team, User


@dataclass(frozen=True)
class AccessDecision:
    allowed: bool
    basis: str | None = None
    # Why not, in words a user can act on.
    refusal: str = ""
    # True when the user could open the record by breaking the glass.
    can_break_glass: bool = False


# An auditor or moderator reads the child while the audit is open and for this long after it is
# completed (to finish the moderation conversation and follow up actions); then the grant lapses.
AUDIT_ACCESS_DAYS_AFTER = 90


def _audit_sample(user: User) -> Q:
    """Children in an audit or moderation assigned to the user: the assignment grants the record,
    as an allocation does, whatever the user's scope."""
    # Imported here: people is the foundation the assurance app builds on, not the reverse.
    from carepath.assurance.models import CaseAudit, Moderation

    since = timezone.localdate() - timedelta(days=AUDIT_ACCESS_DAYS_AFTER)
    open_audit = ~Q(status=CaseAudit.Status.WITHDRAWN) & (
        Q(completed_on__isnull=True) | Q(completed_on__gte=since)
    )
    audited = CaseAudit.objects.filter(open_audit, auditor=user).values("child_id")
    moderated = Moderation.objects.filter(
        Q(completed_on__isnull=True) | Q(completed_on__gte=since), moderator=user
    ).values("audit__child_id")
    return Q(pk__in=audited) | Q(pk__in=moderated)


def _active_break_glass(user: User, child_id) -> BreakGlassAccess | None:
    return (
        BreakGlassAccess.objects.filter(child_id=child_id, user=user, expires_at__gt=timezone.now())
        .order_by("-started_at")
        .first()
    )


# What an audit or moderation lets its auditor do with the child's record: read it (the legal
# lists included) and audit it. Not record casework, change details or authorise plans: an auditor
# from another service stands outside the case.
AUDIT_SAMPLE_FUNCTIONS = frozenset(
    {Function.VIEW_CHILD_RECORD, Function.VIEW_LEGAL, Function.CONDUCT_AUDITS, Function.VIEW_ASSURANCE}
)


def _scope_basis(
    user: User,
    child: Child,
    function: str,
    *,
    allocated: bool,
    in_sample: bool,
    team_service_id: int | None,
) -> str | None:
    """The basis on which the user's scope covers the child for `function`, or None, from what
    was read about the child (child_access_decisions reads it for many children at once)."""
    if user.scope == Scope.NONE:
        return None
    if allocated:
        return AccessBasis.ALLOCATED
    if function in AUDIT_SAMPLE_FUNCTIONS and in_sample:
        return AccessBasis.AUDIT_SAMPLE
    if user.scope == Scope.AUTHORITY:
        return AccessBasis.AUTHORITY
    if (
        user.scope == Scope.SERVICE
        and child.allocated_team_id is not None
        and user.service_id
        and team_service_id == user.service_id
    ):
        return AccessBasis.SERVICE
    if (
        user.scope == Scope.TEAM
        and child.allocated_team_id is not None
        and user.team_id
        and child.allocated_team_id == user.team_id
    ):
        return AccessBasis.TEAM
    return None


def child_access_decision(
    user: User, child: Child, function: str = Function.VIEW_CHILD_RECORD
) -> AccessDecision:
    return child_access_decisions(user, [child], function)[child.pk]


def child_access_decisions(
    user: User, children, function: str = Function.VIEW_CHILD_RECORD
) -> dict[int, AccessDecision]:
    """child_access_decision for each of `children`, by child id, with a fixed number of queries
    however many there are (a list that logs a read of each child it names)."""
    children = list({c.pk: c for c in children}.values())
    if not user.is_authenticated or not user.can(function):
        return {c.pk: AccessDecision(False, refusal="Your role does not allow this.") for c in children}
    unrestricted = [c.pk for c in children if not c.is_restricted]
    restricted = [c.pk for c in children if c.is_restricted]
    allocated: set[int] = set()
    in_sample: set[int] = set()
    team_services: dict[int, int] = {}
    if unrestricted and user.scope != Scope.NONE:
        allocated = set(
            Allocation.objects.filter(
                child_id__in=unrestricted, worker=user, ended_on__isnull=True
            ).values_list("child_id", flat=True)
        )
        rest = [pk for pk in unrestricted if pk not in allocated]
        if rest and function in AUDIT_SAMPLE_FUNCTIONS:
            in_sample = set(
                Child.objects.filter(_audit_sample(user), pk__in=rest).values_list("pk", flat=True)
            )
        if user.scope == Scope.SERVICE:
            # The service of each team still in question: from the child's team where it was read
            # with the child, else one query for the rest.
            asked = [
                c
                for c in children
                if not c.is_restricted
                and c.allocated_team_id is not None
                and c.pk not in allocated
                and c.pk not in in_sample
            ]
            for child in asked:
                if Child.allocated_team.is_cached(child):
                    team_services[child.allocated_team_id] = child.allocated_team.service_id
            unread = {c.allocated_team_id for c in asked} - team_services.keys()
            if unread:
                team_services.update(Team.objects.filter(pk__in=unread).values_list("pk", "service_id"))
    granted: set[int] = set()
    if restricted:
        granted = set(
            RestrictedRecordGrant.objects.filter(
                child_id__in=restricted, user=user, revoked_at__isnull=True
            ).values_list("child_id", flat=True)
        )
    decisions: dict[int, AccessDecision] = {}
    for child in children:
        if child.is_restricted:
            basis = AccessBasis.RESTRICTED_GRANT if child.pk in granted else None
        else:
            basis = _scope_basis(
                user,
                child,
                function,
                allocated=child.pk in allocated,
                in_sample=child.pk in in_sample,
                team_service_id=team_services.get(child.allocated_team_id),
            )
        if basis:
            decisions[child.pk] = AccessDecision(True, basis)
    undecided = [c for c in children if c.pk not in decisions]
    glass: set[int] = set()
    if undecided and function == Function.VIEW_CHILD_RECORD:
        glass = set(
            BreakGlassAccess.objects.filter(
                child_id__in=[c.pk for c in undecided], user=user, expires_at__gt=timezone.now()
            ).values_list("child_id", flat=True)
        )
    for child in undecided:
        if child.pk in glass:
            decisions[child.pk] = AccessDecision(True, AccessBasis.BREAK_GLASS)
            continue
        decisions[child.pk] = AccessDecision(
            False,
            refusal="This record is restricted."
            if child.is_restricted
            else "This child is not in your caseload, team or service.",
            can_break_glass=user.can(Function.BREAK_GLASS) and function == Function.VIEW_CHILD_RECORD,
        )
    return decisions


def children_visible_to(user: User) -> QuerySet[Child]:
    """Every child whose record the user may open now: the query form of child_access_decision."""
    if not user.is_authenticated or not user.can(Function.VIEW_CHILD_RECORD):
        return Child.objects.none()
    allocated = Exists(Allocation.objects.filter(child=OuterRef("pk"), worker=user, ended_on__isnull=True))
    if user.scope != Scope.AUTHORITY:
        allocated = allocated | _audit_sample(user)
    if user.scope == Scope.NONE:
        in_scope = Q(pk__in=[])
    elif user.scope == Scope.AUTHORITY:
        in_scope = Q()
    elif user.scope == Scope.SERVICE:
        in_scope = allocated | Q(allocated_team__service_id=user.service_id, allocated_team__isnull=False)
    elif user.scope == Scope.TEAM:
        in_scope = allocated | Q(allocated_team_id=user.team_id, allocated_team__isnull=False)
    else:
        in_scope = allocated
    granted = Exists(
        RestrictedRecordGrant.objects.filter(child=OuterRef("pk"), user=user, revoked_at__isnull=True)
    )
    glass = Exists(
        BreakGlassAccess.objects.filter(child=OuterRef("pk"), user=user, expires_at__gt=timezone.now())
    )
    if user.scope == Scope.NONE:
        return Child.objects.filter((Q(is_restricted=True) & granted) | glass)
    return Child.objects.filter(
        (Q(is_restricted=False) & in_scope) | (Q(is_restricted=True) & granted) | glass
    )


def child_for_reading(
    *, actor: User, public_id: UUID, what: str, channel: str = Channel.WEB, to_use_for: str | None = None
) -> tuple[Child, AccessDecision]:
    """Fetch a child for the actor to read, logging the read. Raises Http404 for an unknown child
    and PermissionDenied (carrying the decision) where the actor may not see it. `to_use_for` names a
    further function the page needs (recording, editing); it is checked before the read is logged,
    so a refused page leaves no access event."""
    try:
        child = Child.objects.select_related("allocated_worker", "allocated_team__service", "family").get(
            public_id=public_id
        )
    except Child.DoesNotExist:
        raise Http404("No child with that identifier.") from None
    decision = child_access_decision(actor, child)
    if not decision.allowed:
        raise RecordAccessRefused(child=child, decision=decision)
    if to_use_for is not None:
        further = child_access_decision(actor, child, to_use_for)
        if not further.allowed:
            raise RecordAccessRefused(child=child, decision=further)
    reason = ""
    if decision.basis == AccessBasis.BREAK_GLASS:
        glass = _active_break_glass(actor, child.pk)
        reason = glass.reason if glass else ""
    audit.record_access(
        actor=actor, child=child, what=what, basis=decision.basis, channel=channel, reason=reason
    )
    return child, decision


class RecordAccessRefused(PermissionDenied):
    def __init__(self, *, child: Child, decision: AccessDecision):
        super().__init__(decision.refusal)
        self.child = child
        self.decision = decision


OPEN_STATUSES = [
    ChildStatus.LOOKED_AFTER,
    ChildStatus.CHILD_PROTECTION,
    ChildStatus.CHILD_IN_NEED,
    ChildStatus.EARLY_HELP,
    ChildStatus.CONTACT,
]


def caseload_for(*, actor: User, worker: User) -> QuerySet[Child]:
    """A worker's open caseload, as far as the actor may see it."""
    return (
        children_visible_to(actor)
        .filter(allocated_worker=worker, status__in=OPEN_STATUSES)
        .select_related("allocated_team")
        .order_by("last_name", "first_name")
    )


def team_children(*, actor: User, team: Team) -> QuerySet[Child]:
    return (
        children_visible_to(actor)
        .filter(allocated_team=team, status__in=OPEN_STATUSES)
        .select_related("allocated_worker")
        .order_by("last_name", "first_name")
    )


def team_caseloads(*, actor: User, team: Team) -> list[dict]:
    """Each member's open caseload count and mix, for the team page (F20)."""
    if not actor.can(Function.VIEW_TEAM) or not team_visible_to(actor, team):
        raise PermissionDenied("You cannot see this team.")
    counts = {
        row["allocated_worker"]: row
        for row in Child.objects.filter(allocated_team=team, status__in=OPEN_STATUSES)
        .values("allocated_worker")
        .annotate(
            total=Count("id"),
            cp=Count("id", filter=Q(status=ChildStatus.CHILD_PROTECTION)),
            cla=Count("id", filter=Q(status=ChildStatus.LOOKED_AFTER)),
            cin=Count("id", filter=Q(status=ChildStatus.CHILD_IN_NEED)),
        )
    }
    rows = []
    for member in team.members.filter(is_active=True).order_by("last_name", "first_name"):
        c = counts.get(member.pk, {})
        rows.append(
            {
                "worker": member,
                "total": c.get("total", 0),
                "cp": c.get("cp", 0),
                "cla": c.get("cla", 0),
                "cin": c.get("cin", 0),
            }
        )
    unallocated = counts.get(None)
    if unallocated:
        rows.append({"worker": None, **{k: unallocated[k] for k in ("total", "cp", "cla", "cin")}})
    return rows


def team_visible_to(actor: User, team: Team) -> bool:
    if not actor.can(Function.VIEW_TEAM):
        return False
    if actor.scope == Scope.AUTHORITY:
        return True
    if actor.scope == Scope.SERVICE:
        return team.service_id == actor.service_id
    if actor.scope == Scope.TEAM:
        return team.pk == actor.team_id
    return False


def teams_visible_to(actor: User) -> QuerySet[Team]:
    if not actor.can(Function.VIEW_TEAM):
        return Team.objects.none()
    if actor.scope == Scope.AUTHORITY:
        return Team.objects.select_related("service").all()
    if actor.scope == Scope.SERVICE:
        return Team.objects.filter(service_id=actor.service_id).select_related("service")
    if actor.scope == Scope.TEAM:
        return Team.objects.filter(pk=actor.team_id).select_related("service")
    return Team.objects.none()


def service_summary(*, actor: User, service) -> list[dict]:
    """Per team: open children by status, and staff mix (F20), for the service page."""
    if not actor.can(Function.VIEW_SERVICE):
        raise PermissionDenied("You cannot see this service.")
    if actor.scope not in (Scope.AUTHORITY,) and not (
        actor.scope == Scope.SERVICE and actor.service_id == service.pk
    ):
        raise PermissionDenied("You cannot see this service.")
    by_team = {
        row["allocated_team"]: row
        for row in Child.objects.filter(allocated_team__service=service, status__in=OPEN_STATUSES)
        .values("allocated_team")
        .annotate(
            total=Count("id"),
            cp=Count("id", filter=Q(status=ChildStatus.CHILD_PROTECTION)),
            cla=Count("id", filter=Q(status=ChildStatus.LOOKED_AFTER)),
            cin=Count("id", filter=Q(status=ChildStatus.CHILD_IN_NEED)),
            unallocated=Count("id", filter=Q(allocated_worker__isnull=True)),
        )
    }
    staff = {
        row["team"]: row
        for row in User.objects.filter(team__service=service, is_active=True)
        .values("team")
        .annotate(
            workers=Count("id", filter=Q(role="social_worker")),
            agency=Count("id", filter=Q(role="social_worker", employment_type=User.EmploymentType.AGENCY)),
        )
    }
    rows = []
    for team in service.teams.all().order_by("name"):
        c = by_team.get(team.pk, {})
        s = staff.get(team.pk, {})
        rows.append(
            {
                "team": team,
                "total": c.get("total", 0),
                "cp": c.get("cp", 0),
                "cla": c.get("cla", 0),
                "cin": c.get("cin", 0),
                "unallocated": c.get("unallocated", 0),
                "workers": s.get("workers", 0),
                "agency": s.get("agency", 0),
            }
        )
    return rows
