"""Authorised plans (F04): a care plan, child protection plan or pre-proceedings plan changes only by
a new version that a recorded decision authorises. Versions are never edited.

The letter found plans changed without any further decision-making meeting. So a new version needs a
decision that may authorise it: about this child, not in the future, no older than the decision behind
the plan in force (and not that same decision again), from a forum that can decide this kind of plan,
taken by someone entitled to decide. An attempt without one is refused, and the attempt is kept
(`PlanChangeRefused`) so that managers can see who tried to change the plan and what they wanted.
"""

from __future__ import annotations

import json
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Function, Role
from carepath.journey.models import ChildProtectionConference, LookedAfterReview
from carepath.people.models import Child, User

from ..models import AuthorisedPlan, LegalCaseChild, PanelDecision, PlanChangeRefused, PreProceedingsMeeting
from ..models.plans import DecisionKind, PlanKind
from .common import create, writing

# Which forums may authorise which plan (Working Together 2023; the IRO Handbook; the PLO).
ALLOWED_DECISIONS: dict[str, tuple[str, ...]] = {
    PlanKind.CP_PLAN: (DecisionKind.CONFERENCE, DecisionKind.MANAGER),
    PlanKind.CARE_PLAN: (DecisionKind.CLA_REVIEW, DecisionKind.PANEL, DecisionKind.MANAGER),
    PlanKind.PRE_PROCEEDINGS_PLAN: (DecisionKind.PRE_PROCEEDINGS_MEETING, DecisionKind.PANEL),
}

# The managers entitled to make a plan decision themselves (outside a panel, review or conference).
MANAGER_ROLES = frozenset({Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR})

DECISION_MODELS: dict[str, type] = {
    DecisionKind.PANEL: PanelDecision,
    DecisionKind.CLA_REVIEW: LookedAfterReview,
    DecisionKind.CONFERENCE: ChildProtectionConference,
    DecisionKind.PRE_PROCEEDINGS_MEETING: PreProceedingsMeeting,
}

# The AuthorisedPlan field that names each kind of decision.
DECISION_FIELDS: dict[str, str] = {
    DecisionKind.PANEL: "panel_decision",
    DecisionKind.CLA_REVIEW: "cla_review",
    DecisionKind.CONFERENCE: "conference",
    DecisionKind.PRE_PROCEEDINGS_MEETING: "pre_proceedings_meeting",
}

ACTION_PARTS = (("what", "what must happen"), ("who", "who will do it"), ("by_when", "by when"))


def decision_date(decision_kind: str, decision, authorised_on: date | None) -> date | None:
    """The day a decision was made: a manager's decision is made when they authorise the plan."""
    if decision_kind == DecisionKind.PANEL:
        return decision.decided_on
    if decision_kind in (
        DecisionKind.CLA_REVIEW,
        DecisionKind.CONFERENCE,
        DecisionKind.PRE_PROCEEDINGS_MEETING,
    ):
        return decision.held_on
    return authorised_on


def decision_of(plan: AuthorisedPlan):
    """The decision record that authorised a plan version (None for a manager's decision)."""
    field = DECISION_FIELDS.get(plan.decision_kind)
    return getattr(plan, field) if field else None


def plan_in_force(child: Child, kind: str) -> AuthorisedPlan | None:
    """The newest version: versions are only ever added, so the newest is the one in force."""
    return AuthorisedPlan.objects.filter(child=child, kind=kind).order_by("-number").first()


def is_entitled_manager(user: User) -> bool:
    return user.role in MANAGER_ROLES


def clean_actions(actions) -> tuple[list[dict], list[str]]:
    """The actions as stored ({what, who, by_when as an ISO date}), and what is wrong with them."""
    problems: list[str] = []
    cleaned: list[dict] = []
    if not isinstance(actions, list | tuple):
        return [], ["List what must happen, each with who will do it and by when."]
    for number, action in enumerate(actions, start=1):
        action = action if isinstance(action, dict) else {}
        row: dict[str, str] = {}
        for key, words in ACTION_PARTS:
            value = action.get(key)
            if isinstance(value, date):
                value = value.isoformat()
            value = str(value or "").strip()
            if not value:
                problems.append(f"Action {number}: enter {words}.")
            row[key] = value
        if row["by_when"]:
            try:
                row["by_when"] = date.fromisoformat(row["by_when"]).isoformat()
            except ValueError:
                problems.append(f"Action {number}: 'by when' must be a real date, like 2026-03-27.")
        cleaned.append(row)
    if not actions:
        problems.append("List at least one thing that must happen, with who will do it and by when.")
    return cleaned, problems


def _decision_problems(
    *,
    actor: User,
    child: Child,
    kind: str,
    decision_kind: str,
    decision,
    decision_summary: str,
    authorised_on: date | None,
    current: AuthorisedPlan | None,
) -> dict[str, str]:
    """Why this decision cannot authorise this plan, keyed by field: empty when it can."""
    kind_words = PlanKind(kind).label.lower()
    allowed = ALLOWED_DECISIONS[kind]
    allowed_words = " or ".join(DecisionKind(k).label.lower() for k in allowed)
    if decision_kind not in DecisionKind.values:
        return {
            "decision": f"A new version of the {kind_words} needs a recorded decision: a {allowed_words}. "
            "Choose the one that decided this change; if there has not been one, the plan in force stays "
            "as it is."
        }
    if decision_kind not in allowed:
        return {
            "decision": f"A {kind_words} can only be authorised by a {allowed_words}, "
            f"not by a {DecisionKind(decision_kind).label.lower()}."
        }
    if decision_kind == DecisionKind.MANAGER:
        problems = {}
        if decision is not None:
            problems["decision"] = "A manager's decision is made by you: do not also name a meeting."
        if not is_entitled_manager(actor):
            forums = " or ".join(DecisionKind(k).label.lower() for k in allowed if k != DecisionKind.MANAGER)
            problems["decision"] = (
                "Only a team manager, head of service or director can authorise a plan by their own "
                f"decision. Choose the {forums} that decided this change, or ask your manager to decide it."
            )
        if not (decision_summary or "").strip():
            problems["decision_summary"] = "Enter what you decided as the manager, and why."
        return problems
    model = DECISION_MODELS[decision_kind]
    label = DecisionKind(decision_kind).label.lower()
    if decision is None:
        return {
            "decision": f"A new version of the {kind_words} needs a recorded decision. Choose the {label} "
            "that decided this change; if there has not been one, the plan in force stays as it is."
        }
    if not isinstance(decision, model):
        return {"decision": f"Choose a {label}: the decision chosen is a different kind of decision."}
    if not _decision_is_about(decision_kind, decision, child):
        return {
            "decision": f"That {label} was not about {child.full_name}. Choose a decision made about this child."
        }
    decided_on = decision_date(decision_kind, decision, authorised_on)
    today = timezone.localdate()
    if decided_on > today:
        return {
            "decision": f"That {label} is dated {_day(decided_on)}, in the future. A plan can only be "
            "authorised by a decision that has been made."
        }
    if decision_kind == DecisionKind.CONFERENCE:
        if not decision.quorate:
            return {"decision": "That conference was not quorate, so it could not decide the plan."}
        if kind == PlanKind.CP_PLAN and not decision.plan_required:
            return {
                "decision": "That conference decided the child does not need a child protection plan, so "
                "it cannot authorise one."
            }
    if decision_kind == DecisionKind.PRE_PROCEEDINGS_MEETING and not decision.effective:
        return {"decision": "That meeting did not go ahead, so it could not decide the plan."}
    if current is not None:
        if decision_of(current) == decision:
            return {
                "decision": f"That {label} already authorised version {current.number}. A further change "
                "needs a further decision."
            }
        current_on = decision_date(current.decision_kind, decision_of(current), current.authorised_on)
        if decided_on < current_on:
            return {
                "decision": f"That {label} ({_day(decided_on)}) is older than the decision that "
                f"authorised version {current.number} of the plan ({_day(current_on)}). Choose a "
                "decision made since then."
            }
    if authorised_on is not None and authorised_on < decided_on:
        return {"authorised_on": "The plan cannot be authorised before the decision that authorised it."}
    return {}


def _day(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _decision_is_about(decision_kind: str, decision, child: Child) -> bool:
    if decision_kind == DecisionKind.PRE_PROCEEDINGS_MEETING:
        return LegalCaseChild.objects.filter(
            legal_case_id=decision.pre_proceedings.legal_case_id, child=child
        ).exists()
    return decision.child_id == child.pk


def _proposed(**values) -> dict:
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder, default=str))


def _log_refusal(*, actor: User, child: Child, kind: str, why: str, proposed: dict) -> None:
    """Keep a refused attempt. Runs after the refused transaction has rolled back, in its own."""
    if not getattr(actor, "is_authenticated", False) or actor.pk is None:
        return
    with transaction.atomic():
        PlanChangeRefused.objects.create(
            child=child,
            kind=kind if kind in PlanKind.values else "",
            attempted_by=actor,
            why_refused=why,
            proposed=proposed,
        )


def plan_authorise(
    *,
    actor: User,
    child: Child,
    kind: str,
    summary: str,
    actions: list[dict],
    contingency: str = "",
    decision_kind: str,
    decision=None,
    decision_summary: str,
    authorised_on: date,
    change_summary: str = "",
    expected_number: int,
) -> AuthorisedPlan:
    """Add version `expected_number` of the child's plan of this kind, authorised by `decision` (a
    PanelDecision, LookedAfterReview, ChildProtectionConference or PreProceedingsMeeting; None for a
    manager's own decision). Refusals for want of a decision, or of the right to decide, are logged;
    if someone else added a version first, EditConflict (carrying the plan now in force)."""
    proposed = _proposed(
        summary=summary,
        actions=actions,
        contingency=contingency,
        decision_kind=decision_kind,
        decision_id=getattr(decision, "pk", None),
        decision_summary=decision_summary,
        authorised_on=authorised_on,
        change_summary=change_summary,
    )
    try:
        return _authorise(
            actor=actor,
            child=child,
            kind=kind,
            summary=summary,
            actions=actions,
            contingency=contingency,
            decision_kind=decision_kind,
            decision=decision,
            decision_summary=decision_summary,
            authorised_on=authorised_on,
            change_summary=change_summary,
            expected_number=expected_number,
        )
    except PermissionDenied as error:
        _log_refusal(actor=actor, child=child, kind=kind, why=str(error), proposed=proposed)
        raise
    except _DecisionRefused as refused:
        why = " ".join(refused.decision_problems.values())
        _log_refusal(actor=actor, child=child, kind=kind, why=why, proposed=proposed)
        raise refused.error from None


class _DecisionRefused(Exception):
    """Carries a refusal out of the transaction so that it is logged after the rollback."""

    def __init__(self, error: ValidationError, decision_problems: dict[str, str]):
        super().__init__(str(error))
        self.error = error
        self.decision_problems = decision_problems


def _authorise(
    *,
    actor: User,
    child: Child,
    kind: str,
    summary: str,
    actions: list[dict],
    contingency: str,
    decision_kind: str,
    decision,
    decision_summary: str,
    authorised_on: date,
    change_summary: str,
    expected_number: int,
) -> AuthorisedPlan:
    if kind not in PlanKind.values:
        raise ValidationError({"kind": "Choose a care plan, child protection plan or pre-proceedings plan."})
    if not (actor.is_authenticated and actor.can(Function.AUTHORISE_PLAN)):
        raise PermissionDenied(
            "Only a manager, or the reviewing officer or conference chair who made the decision, can "
            "authorise a new version of a plan. Ask your team manager to take the change to a decision."
        )
    try:
        with writing(actor, [child], Function.AUTHORISE_PLAN):
            current = plan_in_force(child, kind)
            number = current.number + 1 if current else 1
            if expected_number != number:
                # Someone else authorised a version since this person opened the form.
                raise EditConflict(current)
            decision_problems = _decision_problems(
                actor=actor,
                child=child,
                kind=kind,
                decision_kind=decision_kind,
                decision=decision,
                decision_summary=decision_summary,
                authorised_on=authorised_on,
                current=current,
            )
            problems = _input_problems(
                summary=summary,
                actions=actions,
                decision_summary=decision_summary,
                authorised_on=authorised_on,
                change_summary=change_summary,
                first_version=current is None,
            )
            cleaned_actions, action_problems = clean_actions(actions)
            if action_problems:
                problems["actions"] = " ".join(action_problems)
            for field, message in decision_problems.items():
                problems[field] = message
            if problems:
                error = ValidationError(problems)
                if decision_problems:
                    raise _DecisionRefused(error, decision_problems)
                raise error
            plan = AuthorisedPlan(
                child=child,
                kind=kind,
                number=number,
                summary=summary.strip(),
                actions=cleaned_actions,
                contingency=(contingency or "").strip(),
                decision_kind=decision_kind,
                decision_summary=decision_summary.strip(),
                authorised_by=actor,
                authorised_on=authorised_on,
                change_summary=(change_summary or "").strip(),
            )
            if decision_kind in DECISION_FIELDS:
                setattr(plan, DECISION_FIELDS[decision_kind], decision)
            create(actor=actor, children=[child], record=plan)
            return plan
    except IntegrityError:
        # Two people saved version n+1 at the same moment: the unique version number refused one.
        raise EditConflict(plan_in_force(child, kind)) from None


def _input_problems(
    *,
    summary: str,
    actions,
    decision_summary: str,
    authorised_on: date | None,
    change_summary: str,
    first_version: bool,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not (summary or "").strip():
        problems["summary"] = "Enter what the plan is for: the outcome it aims at."
    if not (decision_summary or "").strip():
        problems["decision_summary"] = "Enter what was decided, in the decision-maker's words."
    if authorised_on is None:
        problems["authorised_on"] = "Enter the date the plan was authorised."
    elif authorised_on > timezone.localdate():
        problems["authorised_on"] = "The date the plan was authorised must be today or in the past."
    if not first_version and not (change_summary or "").strip():
        problems["change_summary"] = "Say what has changed from the plan in force, and why."
    return problems
