"""Reading children's records in lists, pages and exports outside the child's own pages: which
of a list's children the reader may open, the engine's stored clocks for a kind of record, and the
access log entry for each child shown."""

from __future__ import annotations

from django.utils import timezone

from carepath.core import audit
from carepath.core.models import AccessBasis, Channel
from carepath.people.models import BreakGlassAccess, Child, User
from carepath.people.selectors import AccessDecision, child_access_decisions, children_visible_to


def visible_child_ids(user: User, candidate_ids) -> set[int]:
    """Of `candidate_ids`, the children the user may open. Reads the candidates first, so a list
    of a few hundred children never asks for every child the user can see in the authority."""
    ids = set(candidate_ids)
    if not ids:
        return set()
    return set(children_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def clocks_for(*, context_type: str, context_ids, child_ids=None):
    """The timescales engine's stored clocks for records of one kind (open, late, missed,
    flagged). No page works out a due date itself: the engine does, from the rules table."""
    from carepath.timescales.models import Deadline

    rows = Deadline.objects.filter(context_type=context_type, context_id__in=list(context_ids))
    if child_ids is not None:
        rows = rows.filter(child_id__in=list(child_ids))
    return rows.select_related("child").order_by("due_on", "pk")


def log_read(
    actor: User, child: Child, decision: AccessDecision, what: str, channel: str = Channel.WEB
) -> None:
    """Log that a list, page, document or export showed the child, as child_for_reading does for
    the child's own pages: a break-glass read carries its written reason."""
    reason = ""
    if decision.basis == AccessBasis.BREAK_GLASS:
        glass = (
            BreakGlassAccess.objects.filter(child=child, user=actor, expires_at__gt=timezone.now())
            .order_by("-started_at")
            .first()
        )
        reason = glass.reason if glass else ""
    audit.record_access(
        actor=actor, child=child, what=what, basis=decision.basis, channel=channel, reason=reason
    )


def log_reads(actor: User, children, what: str, channel: str = Channel.WEB) -> None:
    """Log a read of each child a list, page or download names (once each, in the order first
    named) that the actor may open now, as log_read would one by one, with a fixed number of
    queries: the access decisions together, the break-glass reasons together, then one write."""
    first: dict[int, Child] = {}
    for child in children:
        first.setdefault(child.pk, child)
    named = list(first.values())
    decisions = child_access_decisions(actor, named)
    allowed = [(child, decisions[child.pk]) for child in named if decisions[child.pk].allowed]
    glass = [child.pk for child, decision in allowed if decision.basis == AccessBasis.BREAK_GLASS]
    reasons: dict[int, str] = {}
    if glass:
        for child_id, reason in (
            BreakGlassAccess.objects.filter(child_id__in=glass, user=actor, expires_at__gt=timezone.now())
            .order_by("child_id", "-started_at")
            .values_list("child_id", "reason")
        ):
            reasons.setdefault(child_id, reason)
    audit.record_accesses(
        actor=actor,
        reads=[(child, decision.basis, reasons.get(child.pk, "")) for child, decision in allowed],
        what=what,
        channel=channel,
    )
