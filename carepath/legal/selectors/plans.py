"""Reads about a child's authorised plans: the plan in force of each kind, the decision that
authorised it, every version with what changed from the one before, the decisions that could
authorise a new version, and (for managers) the attempts that were refused."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from carepath.core.permissions import Function
from carepath.journey.models import ChildProtectionConference, LookedAfterReview
from carepath.people.models import Child, User
from carepath.people.selectors import child_access_decision

from ..models import AuthorisedPlan, PanelDecision, PlanChangeRefused, PreProceedingsMeeting
from ..models.plans import DecisionKind, PlanKind
from ..services.plans import ALLOWED_DECISIONS, decision_date, decision_of, is_entitled_manager

# How far back the "authorise a new version" form looks for decisions, and how many of each kind.
RECENT_DAYS = 730
RECENT_PER_KIND = 10


@dataclass
class DecisionShown:
    kind: str
    kind_label: str
    on: date
    by: str
    words: str
    forum_words: str = ""


@dataclass
class Segment:
    """A piece of a diff: `op` is "same", "inserted" or "removed"."""

    op: str
    text: str


@dataclass
class VersionShown:
    plan: AuthorisedPlan
    decision: DecisionShown
    previous_number: int | None = None
    summary_diff: list[Segment] = field(default_factory=list)
    actions_diff: list[Segment] = field(default_factory=list)
    contingency_diff: list[Segment] = field(default_factory=list)

    @property
    def actions_shown(self) -> list[dict]:
        return [{**a, "by_when": _iso_day(a.get("by_when", ""))} for a in self.plan.actions]

    @property
    def changed(self) -> bool:
        return any(s.op != "same" for s in (*self.summary_diff, *self.actions_diff, *self.contingency_diff))


@dataclass
class PlanOfKind:
    kind: str
    label: str
    in_force: VersionShown | None
    versions: list[VersionShown]


def _require_reading(actor: User, child: Child) -> None:
    if not child_access_decision(actor, child).allowed:
        raise PermissionDenied("You cannot see this child's record.")


def _chaired(forum: str, chair) -> str:
    return f"{forum} chaired by {chair}" if chair else f"{forum} (the chair is not recorded)"


def describe_decision(plan: AuthorisedPlan) -> DecisionShown:
    """Which decision authorised a plan version: its kind, date, who made it and their words."""
    decision = decision_of(plan)
    on = decision_date(plan.decision_kind, decision, plan.authorised_on)
    forum_words = ""
    if plan.decision_kind == DecisionKind.PANEL:
        by = _chaired("Legal gateway panel", decision.meeting.chair)
        forum_words = f"{decision.get_outcome_display()}: {decision.rationale}"
    elif plan.decision_kind == DecisionKind.CLA_REVIEW:
        by = _chaired("Looked-after review", decision.chaired_by)
    elif plan.decision_kind in (DecisionKind.CONFERENCE, DecisionKind.PRE_PROCEEDINGS_MEETING):
        by = _chaired(decision.get_kind_display(), decision.chair)
    else:
        by = f"{plan.authorised_by} ({plan.authorised_by.get_role_display()})"
    return DecisionShown(
        kind=plan.decision_kind,
        kind_label=plan.get_decision_kind_display(),
        on=on,
        by=by,
        words=plan.decision_summary,
        forum_words=forum_words,
    )


_TOKENS = re.compile(r"\s+|[^\s]+")


def text_diff(old: str, new: str) -> list[Segment]:
    """Word by word: what was kept, inserted and removed between two texts."""
    before = _TOKENS.findall(old or "")
    after = _TOKENS.findall(new or "")
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            _append(segments, "same", "".join(before[a1:a2]))
            continue
        if op in ("delete", "replace"):
            _append(segments, "removed", "".join(before[a1:a2]))
        if op in ("insert", "replace"):
            _append(segments, "inserted", "".join(after[b1:b2]))
    return segments


def _append(segments: list[Segment], op: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].op == op:
        segments[-1].text += text
    else:
        segments.append(Segment(op, text))


def _iso_day(value: str) -> str:
    """An ISO date as people write it ("27 March 2026"); anything else as it is."""
    try:
        return _day(date.fromisoformat(value))
    except (TypeError, ValueError):
        return value


def action_line(action: dict) -> str:
    return (
        f"{action.get('what', '')} (who: {action.get('who', '')}; by {_iso_day(action.get('by_when', ''))})"
    )


def actions_diff(old: list[dict], new: list[dict]) -> list[Segment]:
    """Action by action: each action is kept, added or removed (a changed action is both)."""
    before = [action_line(a) for a in old or []]
    after = [action_line(a) for a in new or []]
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            segments.extend(Segment("same", line) for line in before[a1:a2])
            continue
        if op in ("delete", "replace"):
            segments.extend(Segment("removed", line) for line in before[a1:a2])
        if op in ("insert", "replace"):
            segments.extend(Segment("inserted", line) for line in after[b1:b2])
    return segments


def plans_for_child(*, actor: User, child: Child) -> list[PlanOfKind]:
    """Every kind of plan, with the plan in force (the newest version) and each version's changes
    from the one before it. The caller has read the child through child_for_reading (logged)."""
    _require_reading(actor, child)
    plans = list(
        AuthorisedPlan.objects.filter(child=child)
        .select_related(
            "authorised_by",
            "panel_decision__meeting__chair",
            "cla_review__chaired_by",
            "conference__chair",
            "pre_proceedings_meeting__chair",
        )
        .order_by("kind", "number")
    )
    result = []
    for kind, label in PlanKind.choices:
        versions: list[VersionShown] = []
        previous: AuthorisedPlan | None = None
        for plan in (p for p in plans if p.kind == kind):
            shown = VersionShown(plan=plan, decision=describe_decision(plan))
            if previous is None:
                shown.summary_diff = [Segment("same", plan.summary)]
                shown.actions_diff = [Segment("same", action_line(a)) for a in plan.actions]
                shown.contingency_diff = [Segment("same", plan.contingency)] if plan.contingency else []
            else:
                shown.previous_number = previous.number
                shown.summary_diff = text_diff(previous.summary, plan.summary)
                shown.actions_diff = actions_diff(previous.actions, plan.actions)
                shown.contingency_diff = text_diff(previous.contingency, plan.contingency)
            versions.append(shown)
            previous = plan
        versions.reverse()
        result.append(PlanOfKind(kind, label, versions[0] if versions else None, versions))
    return result


@dataclass
class DecisionChoice:
    value: str
    label: str
    kind: str
    decision: object | None


def decision_choices(
    *, actor: User, child: Child, kind: str, starting_from: int | None = None
) -> list[DecisionChoice]:
    """The child's recent decisions that could authorise a new version of this plan: of the kinds
    allowed for it, already made, and no older than the decision behind the plan in force (and not
    that decision itself). A manager's own decision is offered only to managers entitled to make it.

    `starting_from` is the version the person's form started from, when it is not the plan in force
    (someone else authorised one meanwhile): their choice is judged against what they saw, so that
    they are told of the other version rather than that their decision is not on the list."""
    _require_reading(actor, child)
    allowed = ALLOWED_DECISIONS[kind]
    today = timezone.localdate()
    since = today - timedelta(days=RECENT_DAYS)
    plans = AuthorisedPlan.objects.filter(child=child, kind=kind)
    if starting_from is not None:
        plans = plans.filter(number__lte=starting_from)
    current = plans.order_by("-number").first()
    used = None
    if current is not None:
        used = decision_of(current)
        current_on = decision_date(current.decision_kind, used, current.authorised_on)
        since = max(since, current_on)
    choices: list[DecisionChoice] = []
    if DecisionKind.PANEL in allowed:
        for d in (
            PanelDecision.objects.filter(child=child, decided_on__gte=since, decided_on__lte=today)
            .select_related("meeting")
            .order_by("-decided_on", "-pk")[:RECENT_PER_KIND]
        ):
            choices.append(
                DecisionChoice(
                    f"{DecisionKind.PANEL}:{d.pk}",
                    f"Legal gateway panel, {_day(d.decided_on)}: {d.get_outcome_display()}",
                    DecisionKind.PANEL,
                    d,
                )
            )
    if DecisionKind.CLA_REVIEW in allowed:
        for d in LookedAfterReview.objects.filter(
            child=child, held_on__gte=since, held_on__lte=today
        ).order_by("-held_on", "-pk")[:RECENT_PER_KIND]:
            choices.append(
                DecisionChoice(
                    f"{DecisionKind.CLA_REVIEW}:{d.pk}",
                    f"Looked-after review, {_day(d.held_on)}",
                    DecisionKind.CLA_REVIEW,
                    d,
                )
            )
    if DecisionKind.CONFERENCE in allowed:
        for d in ChildProtectionConference.objects.filter(
            child=child, held_on__gte=since, held_on__lte=today, quorate=True, plan_required=True
        ).order_by("-held_on", "-pk")[:RECENT_PER_KIND]:
            choices.append(
                DecisionChoice(
                    f"{DecisionKind.CONFERENCE}:{d.pk}",
                    f"{d.get_kind_display()}, {_day(d.held_on)}",
                    DecisionKind.CONFERENCE,
                    d,
                )
            )
    if DecisionKind.PRE_PROCEEDINGS_MEETING in allowed:
        for d in PreProceedingsMeeting.objects.filter(
            pre_proceedings__legal_case__members__child=child,
            held_on__gte=since,
            held_on__lte=today,
            effective=True,
        ).order_by("-held_on", "-pk")[:RECENT_PER_KIND]:
            choices.append(
                DecisionChoice(
                    f"{DecisionKind.PRE_PROCEEDINGS_MEETING}:{d.pk}",
                    f"{d.get_kind_display()}, {_day(d.held_on)}",
                    DecisionKind.PRE_PROCEEDINGS_MEETING,
                    d,
                )
            )
    choices = [c for c in choices if c.decision != used]
    choices.sort(key=lambda c: decision_date(c.kind, c.decision, None), reverse=True)
    if DecisionKind.MANAGER in allowed and is_entitled_manager(actor):
        choices.append(
            DecisionChoice(DecisionKind.MANAGER.value, "My decision as a manager", DecisionKind.MANAGER, None)
        )
    return choices


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def refused_attempts(*, actor: User, child: Child):
    """Attempts to change the child's plans that were refused: for managers (who may see who has
    seen or changed a record), nobody else."""
    _require_reading(actor, child)
    if not actor.can(Function.VIEW_RECORD_ACCESS):
        return PlanChangeRefused.objects.none()
    return PlanChangeRefused.objects.filter(child=child).select_related("attempted_by")
