"""Writes for the legal gateway panel (F01, F02, F03, F05, F26): legal cases, requests to the
panel, panel meetings, the panel's decisions and its actions.

Which children a request is about. A request is made for a legal case (a child or a sibling
group), and the panel considers every child of that case together. So the children of a request
are the members of its legal case, except that once the panel has decided, they are the children
it decided about (a sibling added to the family's case later is not in an earlier request). A
legal case has at most one request waiting for the panel at a time. The request's lead child is
its first member (by when it joined the case): panel actions, which need one child's record for
their clock and their owner's work queue, are recorded against that child.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from carepath.core import codes
from carepath.core.permissions import Function, Role
from carepath.people.models import Allocation, Child, User
from carepath.people.selectors import child_access_decision

from ..models import (
    CareProceedings,
    GatewayRequest,
    LegalCase,
    LegalCaseChild,
    PanelAction,
    PanelDecision,
    PanelMeeting,
    PreProceedings,
    ProceedingsChild,
)
from .common import action_mark_done, change, create, owner_refusal, refuse, require_function, writing

# Who may open a legal case: anyone who may put a child to the panel, the panel itself, and the
# people who record the rest of the pathway (a case can reach pre-proceedings without the panel).
OPEN_CASE_FUNCTIONS = (Function.REQUEST_LEGAL_GATEWAY, Function.RECORD_PANEL, Function.RECORD_LEGAL)
ASSIGN_SOLICITOR_FUNCTIONS = (Function.RECORD_PANEL, Function.REVIEW_LEGAL_CASES)

SOLICITOR_PRESENT = (
    "The panel's decisions need legal advice: add the local authority solicitor who attended to "
    "the meeting's attendees before recording decisions."
)


def _today() -> date:
    return timezone.localdate()


def _function_held(actor: User, functions: Sequence[str], message: str) -> str:
    for function in functions:
        if actor.is_authenticated and actor.is_active and actor.can(function):
            return function
    raise PermissionDenied(message)


def _may_use(actor: User, children: Iterable[Child], function: str) -> bool:
    return all(child_access_decision(actor, child, function).allowed for child in children)


# ---------------------------------------------------------------------------------------------
# Legal cases
# ---------------------------------------------------------------------------------------------


def _one_family(children: list[Child]) -> None:
    if not children:
        refuse("children", "Choose at least one child")
    if len({c.pk for c in children}) != len(children):
        refuse("children", "Each child can be chosen only once")
    if len(children) > 1:
        families = {c.family_id for c in children}
        if None in families or len(families) != 1:
            refuse("children", "Children considered together must be siblings in one family")


def open_legal_case_of(children: Iterable[Child]) -> LegalCase | None:
    """The open legal case any of these children (or their family) is in, if there is one.
    Refuses when they are in different open cases: which one to use is a decision for people."""
    children = list(children)
    family_ids = {c.family_id for c in children if c.family_id}
    found = Q(members__child__in=children)
    if family_ids:
        found |= Q(family_id__in=family_ids)
    cases = list(LegalCase.objects.filter(found, closed_on__isnull=True).distinct().order_by("pk")[:3])
    if len(cases) > 1:
        refuse(
            "children",
            f"These children are in more than one open legal case ({', '.join(c.reference for c in cases)}). "
            "Ask the legal team which case to use, or close one first.",
        )
    return cases[0] if cases else None


def _next_reference(case: LegalCase) -> str:
    number = case.pk
    while LegalCase.objects.filter(reference=f"LC-{number:06d}").exists():
        number += 1
    return f"LC-{number:06d}"


def _legal_case_for(*, actor: User, children: list[Child]) -> LegalCase:
    """Find or open the case and add any child not yet in it (rights already checked)."""
    from carepath.core import audit

    today = _today()
    case = open_legal_case_of(children)
    if case is None:
        # The reference is the case's own number, so two people opening cases at once cannot
        # take the same one; a placeholder holds the unique column until the number is known.
        case = LegalCase(
            reference=f"LC-new-{timezone.now():%H%M%S%f}", family=children[0].family, opened_on=today
        )
        case.save(force_insert=True)
        case.reference = _next_reference(case)
        case.save(update_fields=["reference"])
        for child in children:
            audit.record_creation(actor=actor, child=child, record=case)
    members = set(case.members.values_list("child_id", flat=True))
    for child in children:
        if child.pk not in members:
            create(
                actor=actor,
                children=[child],
                record=LegalCaseChild(legal_case=case, child=child, added_on=today),
            )
    return case


def legal_case_for(*, actor: User, children: Iterable[Child]) -> LegalCase:
    """The open legal case holding these children, opened if there is none (reference LC-000123,
    the family from the children). The children must be siblings of one family whose records the
    actor may use; a child not yet in the family's open case is added to it."""
    children = list(children)
    function = _function_held(
        actor, OPEN_CASE_FUNCTIONS, "Your role does not allow you to open a legal case."
    )
    _one_family(children)
    with writing(actor, children, function):
        return _legal_case_for(actor=actor, children=children)


def legal_case_assign_solicitor(
    *,
    actor: User,
    legal_case: LegalCase,
    solicitor: User,
    legal_team=None,
    expected_version: int | None = None,
) -> LegalCase:
    """Give the case to a local authority solicitor. Each child gets an open solicitor allocation
    (ending the previous solicitor's), so that a solicitor whose scope is 'allocated' can open the
    children's records, and the children appear in the solicitor's caseload."""
    from carepath.people.services import allocation_change

    function = _function_held(
        actor,
        ASSIGN_SOLICITOR_FUNCTIONS,
        "Only the panel, managers and the director can give a legal case to a solicitor.",
    )
    if solicitor is None or solicitor.role != Role.SOLICITOR or not solicitor.is_active:
        refuse("solicitor", "Choose a local authority solicitor who is still working here")
    if solicitor.team_id is None:
        refuse("solicitor", f"{solicitor} is not in a team, so cannot be allocated. Ask an administrator.")
    legal_team = legal_team or solicitor.team
    children = [m.child for m in legal_case.members.select_related("child")]
    today = _today()
    with writing(actor, children, function):
        change(
            actor=actor,
            children=children,
            record=legal_case,
            changes={"solicitor": solicitor, "legal_team": legal_team},
            expected_version=expected_version,
        )
        for child in children:
            current = Allocation.objects.filter(
                child=child, kind=Allocation.Kind.SOLICITOR, ended_on__isnull=True
            )
            if current.filter(worker=solicitor).exists():
                continue
            allocation_change(
                actor=actor,
                child=child,
                worker=solicitor,
                team=solicitor.team,
                started_on=today,
                end_reason=Allocation.EndReason.MANAGE,
                kind=Allocation.Kind.SOLICITOR,
            )
    return legal_case


# ---------------------------------------------------------------------------------------------
# Requests to the panel
# ---------------------------------------------------------------------------------------------


def request_children(gateway_request: GatewayRequest) -> list[Child]:
    """The children a request is about (see the module's docstring), in the case's order."""
    decided = list(gateway_request.decisions.values_list("child_id", flat=True))
    members = gateway_request.legal_case.members.select_related("child").order_by("pk")
    if decided:
        members = members.filter(child_id__in=decided)
    return [m.child for m in members]


def lead_child(gateway_request: GatewayRequest) -> Child:
    """The first member of the legal case that is in the request: panel actions are recorded on
    this child's record."""
    return request_children(gateway_request)[0]


def _required_text(errors: dict, **fields: tuple[str, str]) -> None:
    for name, (value, message) in fields.items():
        if not (value or "").strip():
            errors[name] = message


def gateway_request_create(
    *,
    actor: User,
    children: Iterable[Child],
    route: str,
    urgency: str,
    requested_on: date,
    concerns: str,
    history: str,
    tried: str,
    question: str = "",
) -> GatewayRequest:
    """Put a child or sibling group on the panel's list. The clock to the panel starts on
    `requested_on` (the engine's GATEWAY rule)."""
    children = list(children)
    require_function(
        actor, Function.REQUEST_LEGAL_GATEWAY, "Your role does not allow you to ask for the panel."
    )
    errors: dict[str, str] = {}
    if route not in GatewayRequest.Route.values:
        errors["route"] = "Say whether this is a manager's direction or a request for legal consultation"
    if urgency not in GatewayRequest.Urgency.values:
        errors["urgency"] = "Say whether the request is routine or urgent"
    if requested_on is None:
        errors["requested_on"] = "Enter the date of the direction or request"
    elif requested_on > _today():
        errors["requested_on"] = "The date of the direction or request must be today or in the past"
    _required_text(
        errors,
        concerns=(concerns, "Say what the local authority is worried about, and why now"),
        history=(history, "Give the history of involvement with the family"),
        tried=(tried, "Say what has been tried, and with what effect"),
    )
    if errors:
        raise ValidationError(errors)
    _one_family(children)
    with transaction.atomic():
        case = open_legal_case_of(children)
        already = [m.child for m in case.members.select_related("child")] if case else []
        covered = children + [c for c in already if c.pk not in {x.pk for x in children}]
        # Named refusals come from `writing`; a brother or sister the actor cannot open must not be
        # named, so say only that there is one.
        if not _may_use(actor, covered[len(children) :], Function.REQUEST_LEGAL_GATEWAY):
            refuse(
                "children",
                "This family's legal case includes a child whose record you cannot open. Ask their "
                "team manager or the panel to make the request.",
            )
        with writing(actor, covered, Function.REQUEST_LEGAL_GATEWAY):
            waiting = (
                GatewayRequest.objects.filter(
                    withdrawn_on__isnull=True,
                    decisions__isnull=True,
                    legal_case__members__child__in=covered,
                )
                .select_related("legal_case")
                .order_by("requested_on")
                .first()
            )
            if waiting is not None:
                refuse(
                    "children",
                    f"Legal case {waiting.legal_case.reference} already has a request waiting for the "
                    f"panel (made on {waiting.requested_on:%-d %B %Y}). Add to that request, or "
                    "withdraw it first.",
                )
            case = _legal_case_for(actor=actor, children=children)
            record = GatewayRequest(
                legal_case=case,
                route=route,
                urgency=urgency,
                requested_on=requested_on,
                requested_by=actor,
                concerns=concerns.strip(),
                history=history.strip(),
                tried=tried.strip(),
                question=(question or "").strip(),
            )
            return create(actor=actor, children=covered, record=record)


def _may_act_on_request(actor: User) -> str:
    return _function_held(
        actor,
        (Function.REQUEST_LEGAL_GATEWAY, Function.RECORD_PANEL),
        "Your role does not allow you to change requests to the panel.",
    )


def gateway_request_withdraw(
    *, actor: User, gateway_request: GatewayRequest, reason: str, expected_version: int
) -> GatewayRequest:
    """Take a request off the panel's list, saying why. A decided request cannot be withdrawn."""
    function = _may_act_on_request(actor)
    if not (reason or "").strip():
        refuse("reason", "Say why the request is withdrawn")
    children = request_children(gateway_request)
    with writing(actor, children, function):
        if gateway_request.withdrawn_on is not None:
            refuse(NON_FIELD_ERRORS, "This request has already been withdrawn.")
        if gateway_request.decisions.exists():
            refuse(NON_FIELD_ERRORS, "The panel has decided this request, so it cannot be withdrawn.")
        return change(
            actor=actor,
            children=children,
            record=gateway_request,
            changes={"withdrawn_on": _today(), "withdrawn_reason": reason.strip()},
            expected_version=expected_version,
        )


# ---------------------------------------------------------------------------------------------
# Panel meetings
# ---------------------------------------------------------------------------------------------


def _check_meeting(held_on: date | None, chair: User | None, attendees: Iterable[User]) -> list[User]:
    errors: dict[str, str] = {}
    if held_on is None:
        errors["held_on"] = "Enter the date of the meeting"
    if chair is None or not chair.is_active or not chair.can(Function.RECORD_PANEL):
        errors["chair"] = "The chair must be a panel member, head of service or the director"
    attendees = list(attendees)
    if any(not a.is_active for a in attendees):
        errors["attendees"] = "Attendees who are carepath users must have an account that is in use"
    if errors:
        raise ValidationError(errors)
    return attendees


def panel_meeting_create(
    *,
    actor: User,
    held_on: date,
    chair: User,
    attendees: Iterable[User] = (),
    other_attendees: str = "",
    minutes: str = "",
) -> PanelMeeting:
    """A sitting of the panel: a coming one (to put requests on its agenda) or one that was held."""
    require_function(actor, Function.RECORD_PANEL, "Only panel members can record panel meetings.")
    attendees = _check_meeting(held_on, chair, attendees)
    with transaction.atomic():
        meeting = PanelMeeting(
            held_on=held_on,
            chair=chair,
            other_attendees=(other_attendees or "").strip(),
            minutes=(minutes or "").strip(),
            created_by=actor,
        )
        # A meeting is not a child's record: changes to it are logged with its decisions and actions.
        create(actor=actor, children=[], record=meeting)
        meeting.attendees.set(attendees)
    return meeting


def panel_meeting_update(
    *,
    actor: User,
    meeting: PanelMeeting,
    expected_version: int,
    held_on: date,
    chair: User,
    attendees: Iterable[User],
    other_attendees: str = "",
    minutes: str = "",
) -> PanelMeeting:
    """Change the meeting's details or minutes. Its date cannot change once it has decisions or
    actions, because they are dated by the meeting."""
    require_function(actor, Function.RECORD_PANEL, "Only panel members can record panel meetings.")
    attendees = _check_meeting(held_on, chair, attendees)
    if held_on != meeting.held_on and (meeting.decisions.exists() or meeting.actions.exists()):
        refuse(
            "held_on",
            "The panel has recorded decisions or actions at this meeting, so its date cannot change",
        )
    with transaction.atomic():
        change(
            actor=actor,
            children=[],
            record=meeting,
            changes={
                "held_on": held_on,
                "chair": chair,
                "other_attendees": (other_attendees or "").strip(),
                "minutes": (minutes or "").strip(),
            },
            expected_version=expected_version,
        )
        meeting.attendees.set(attendees)
    return meeting


def panel_meeting_list_request(
    *,
    actor: User,
    meeting: PanelMeeting,
    gateway_request: GatewayRequest,
    expected_version: int | None = None,
) -> GatewayRequest:
    """Put a waiting request on the meeting's agenda (moving it from another agenda if it was
    listed elsewhere and not decided there)."""
    require_function(actor, Function.RECORD_PANEL, "Only panel members can set the panel's agenda.")
    children = request_children(gateway_request)
    with writing(actor, children, Function.RECORD_PANEL):
        if gateway_request.withdrawn_on is not None:
            refuse("gateway_request", "This request was withdrawn")
        if gateway_request.decisions.exists():
            refuse("gateway_request", "The panel has already decided this request")
        return change(
            actor=actor,
            children=children,
            record=gateway_request,
            changes={"listed_for": meeting},
            expected_version=expected_version,
        )


def panel_meeting_unlist_request(
    *, actor: User, gateway_request: GatewayRequest, expected_version: int | None = None
) -> GatewayRequest:
    """Take a request off an agenda (it goes back to waiting for a panel)."""
    require_function(actor, Function.RECORD_PANEL, "Only panel members can set the panel's agenda.")
    children = request_children(gateway_request)
    with writing(actor, children, Function.RECORD_PANEL):
        if gateway_request.decisions.exists():
            refuse("gateway_request", "The panel has decided this request, so it stays on the agenda")
        return change(
            actor=actor,
            children=children,
            record=gateway_request,
            changes={"listed_for": None},
            expected_version=expected_version,
        )


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildDecision:
    child: Child
    outcome: str
    rationale: str
    dissent: str = ""


def decision_field(child: Child, name: str) -> str:
    """The name a decision's field has in errors (and in the decisions form): `outcome_<id>`."""
    return f"{name}_{child.pk}"


def _may_decide(meeting: PanelMeeting, gateway_request: GatewayRequest) -> None:
    if meeting.held_on > _today():
        refuse(NON_FIELD_ERRORS, "This meeting has not happened yet. Record decisions on or after its date.")
    if gateway_request.withdrawn_on is not None:
        refuse(NON_FIELD_ERRORS, "This request was withdrawn, so the panel cannot decide it.")
    if gateway_request.listed_for_id != meeting.pk:
        refuse(NON_FIELD_ERRORS, "Put this request on the meeting's agenda before recording decisions.")
    # Rules.md 3.13: the decision is made at the gateway with legal advice.
    if not meeting.attendees.filter(role=Role.SOLICITOR).exists():
        refuse(NON_FIELD_ERRORS, SOLICITOR_PRESENT)


def panel_decisions_record(
    *,
    actor: User,
    meeting: PanelMeeting,
    gateway_request: GatewayRequest,
    decisions: Sequence[ChildDecision],
    expected_version: int | None = None,
) -> list[PanelDecision]:
    """Record the panel's decision for every child of the request together, dated by the meeting.
    Starting pre-proceedings opens a PreProceedings for the case (unless one is open); issuing
    creates a CareProceedings with the children it is for (unless proceedings are open). Errors
    about one child's decision are keyed `outcome_<child id>`, `rationale_<child id>`."""
    require_function(actor, Function.RECORD_PANEL, "Only panel members can record the panel's decisions.")
    children = request_children(gateway_request)
    with writing(actor, children, Function.RECORD_PANEL):
        _may_decide(meeting, gateway_request)
        if gateway_request.decisions.exists():
            refuse(NON_FIELD_ERRORS, "The panel's decisions on this request have already been recorded.")
        by_child = {d.child.pk: d for d in decisions}
        if set(by_child) != {c.pk for c in children} or len(by_child) != len(decisions):
            refuse(NON_FIELD_ERRORS, "Record one decision for each child of the request.")
        errors: dict[str, str] = {}
        for child in children:
            d = by_child[child.pk]
            if d.outcome not in codes.LegalGatewayOutcome.values:
                errors[decision_field(child, "outcome")] = (
                    f"Choose the panel's decision for {child.full_name}"
                )
            if not (d.rationale or "").strip():
                errors[decision_field(child, "rationale")] = f"Give the panel's reasons for {child.full_name}"
        if errors:
            raise ValidationError(errors)
        # The request's version is the lock: someone withdrawing it meanwhile makes this an EditConflict.
        change(
            actor=actor, children=[], record=gateway_request, changes={}, expected_version=expected_version
        )
        made = [
            create(
                actor=actor,
                children=[child],
                record=PanelDecision(
                    meeting=meeting,
                    request=gateway_request,
                    child=child,
                    decided_on=meeting.held_on,
                    outcome=by_child[child.pk].outcome,
                    rationale=by_child[child.pk].rationale.strip(),
                    dissent=(by_child[child.pk].dissent or "").strip(),
                ),
            )
            for child in children
        ]
        _start_what_the_panel_decided(actor=actor, gateway_request=gateway_request, made=made)
    return made


def _start_what_the_panel_decided(
    *, actor: User, gateway_request: GatewayRequest, made: list[PanelDecision]
) -> None:
    case = gateway_request.legal_case
    started = [d for d in made if d.outcome == codes.LegalGatewayOutcome.PRE_PROCEEDINGS]
    open_pp = (
        case.pre_proceedings.filter(step_decision_on__isnull=True).order_by("-started_on", "-pk").first()
    )
    if started and open_pp is None:
        open_pp = create(
            actor=actor,
            children=[d.child for d in started],
            record=PreProceedings(legal_case=case, decision=started[0], started_on=started[0].decided_on),
        )
    to_issue = [d for d in made if d.outcome == codes.LegalGatewayOutcome.ISSUE]
    if to_issue and not case.proceedings.filter(concluded_on__isnull=True).exists():
        proceedings = create(
            actor=actor,
            children=[d.child for d in to_issue],
            record=CareProceedings(
                legal_case=case, pre_proceedings=open_pp, decided_on=to_issue[0].decided_on
            ),
        )
        for d in to_issue:
            create(
                actor=actor,
                children=[d.child],
                record=ProceedingsChild(proceedings=proceedings, child=d.child),
            )


# ---------------------------------------------------------------------------------------------
# Actions (F03)
# ---------------------------------------------------------------------------------------------


def panel_action_create(
    *,
    actor: User,
    meeting: PanelMeeting,
    gateway_request: GatewayRequest,
    action: str,
    owner: User,
    due_on: date,
) -> PanelAction:
    """Something the panel decided must be done, by whom and by when, on the lead child's record.
    The timescales engine runs its clock (PANEL-ACTION) and escalates it when it is late."""
    require_function(actor, Function.RECORD_PANEL, "Only panel members can record the panel's actions.")
    child = lead_child(gateway_request)
    errors: dict[str, str] = {}
    if not (action or "").strip():
        errors["action"] = "Say what must be done"
    why_not = owner_refusal(owner, child)
    if why_not:
        errors["owner"] = why_not
    if due_on is None:
        errors["due_on"] = "Enter the date the action is due"
    elif due_on < meeting.held_on:
        errors["due_on"] = f"The due date must be on or after the meeting ({meeting.held_on:%-d %B %Y})"
    if errors:
        raise ValidationError(errors)
    with writing(actor, [child], Function.RECORD_PANEL):
        if meeting.held_on > _today():
            refuse(
                NON_FIELD_ERRORS,
                "This meeting has not happened yet. Record its actions on or after its date.",
            )
        considered = (
            gateway_request.listed_for_id == meeting.pk
            or gateway_request.decisions.filter(meeting=meeting).exists()
        )
        if not considered:
            refuse(NON_FIELD_ERRORS, "This request was not considered at this meeting.")
        return create(
            actor=actor,
            children=[child],
            record=PanelAction(
                meeting=meeting,
                request=gateway_request,
                child=child,
                action=action.strip(),
                owner=owner,
                set_on=meeting.held_on,
                due_on=due_on,
            ),
        )


def may_mark_done(actor: User, action: PanelAction) -> bool:
    return (
        actor.is_authenticated
        and actor.is_active
        and (actor.pk == action.owner_id or actor.can(Function.RECORD_PANEL))
    )


def panel_action_done(
    *, actor: User, action: PanelAction, done_on: date, note: str = "", expected_version: int
) -> PanelAction:
    """Mark an action done: by its owner, or by anyone who records the panel's work."""
    if not may_mark_done(actor, action):
        raise PermissionDenied("Only the action's owner or a panel member can mark it done.")
    # The owner needs only to be able to open the child's record; the panel needs its function.
    function = Function.RECORD_PANEL if actor.can(Function.RECORD_PANEL) else Function.VIEW_CHILD_RECORD
    return action_mark_done(
        actor=actor,
        action=action,
        function=function,
        done_on=done_on,
        done_note=note,
        expected_version=expected_version,
        set_by="the panel set it",
    )
