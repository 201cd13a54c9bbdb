"""Writes for supervision and management oversight (F16): sessions with the case directions they
give each child discussed, management oversight at a key point, actions being done, and the
nightly escalation of supervision gaps.

Who may record supervision of whom. The supervisor needs RECORD_SUPERVISION (team managers, heads
of service and the director have it) and must be above the supervisee in the line:

- the named manager of the supervisee's team (Team.manager), or the named head of their service
  (Service.head), always may;
- otherwise a manager of the same service who is senior to them: a team manager for social
  workers, a head of service for social workers and team managers (which covers a team manager
  supervising a colleague's worker while they are away, and a deputy head);
- the director may supervise anyone, and is the only one who supervises heads of service.

Everyone else is refused with a message that says so. Supervision is recorded for social workers,
team managers and heads of service; the clocks (selectors.supervision) are for the first two.

What a session writes. The session itself is the supervisee's file (its notes are personal, so it
is logged against no child). Each child discussed gets a CaseDirection on their own record
(key point "supervision", directed by the supervisor on the day of the session) with its actions,
each with an owner who can open the child's record and a due date on or after the session. The
writes go through core.writes.writing, which checks the supervisor may record on every child in
one transaction and refreshes each child's clocks: the direction meets the child's CASE-SUPV
clock, and each action gets a DIRECTION-ACTION clock assigned to its owner (their work queue).

Errors about a child's direction are keyed by the child (`c<child id>_decided`, `c<child id>_why`)
and its action rows (`c<child id>_a<row>_owner`, `..._due_on`, `..._what`): `direction_field` and
`action_field` build the names, and the supervision form uses the same names for its fields, so a
refusal lands on the box that needs changing. Management oversight of one child uses
`a<row>_<name>` for its actions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from carepath.core.permissions import Function, Role
from carepath.core.writes import (
    action_mark_done,
    change,
    create,
    owner_refusal,
    require_function,
    writing,
)
from carepath.people.models import Child, User
from carepath.people.selectors import child_access_decision

from ..models import CaseDirection, DirectionAction, SupervisionEscalation, SupervisionSession

SUPERVISEE_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE)
# Seniority in the line, for "a manager of the same service who is senior to them".
_RANK = {Role.SOCIAL_WORKER: 1, Role.TEAM_MANAGER: 2, Role.HEAD_OF_SERVICE: 3, Role.DIRECTOR: 4}
# A session longer than a working day is a typing slip (minutes entered as hours and minutes).
LONGEST_SESSION_MINUTES = 480
# The key points at which management oversight is recorded without a session (rules.md 7.4).
OVERSIGHT_KEY_POINTS = [k for k in CaseDirection.KeyPoint.values if k != CaseDirection.KeyPoint.SUPERVISION]

NOT_YOURS = (
    "You can record supervision only for people you manage: the members of a team you manage, "
    "the social workers and team managers of your service if you are a manager there, and, for "
    "the director, anyone."
)


def _today() -> date:
    return timezone.localdate()


def _in_post(user: User | None) -> bool:
    return user is not None and user.is_active and user.left_on is None


# ---------------------------------------------------------------------------------------------
# Who supervises whom
# ---------------------------------------------------------------------------------------------


def may_supervise(actor: User, supervisee: User) -> bool:
    """The rule in the module's docstring: is the actor above the supervisee in the line?"""
    if not (actor.is_authenticated and actor.can(Function.RECORD_SUPERVISION)):
        return False
    if supervisee.pk == actor.pk or supervisee.role not in SUPERVISEE_ROLES:
        return False
    if actor.role == Role.DIRECTOR:
        return True
    team = supervisee.team if supervisee.team_id else None
    if team is not None and team.manager_id == actor.pk:
        return True
    service = supervisee.service if supervisee.service_id else (team.service if team else None)
    if service is not None and service.head_id == actor.pk:
        return True
    senior = _RANK.get(actor.role, 0) > _RANK.get(supervisee.role, 0)
    same_service = actor.service_id is not None and actor.service_id == supervisee.service_id
    return senior and same_service and supervisee.role != Role.HEAD_OF_SERVICE


def supervisee_refusal(actor: User, supervisee: User | None) -> str:
    """Why the actor cannot record supervision of this person, or "" if they can."""
    if supervisee is None:
        return "Choose who was supervised"
    if supervisee.pk == actor.pk:
        return "You cannot record your own supervision: your supervisor records it"
    if not _in_post(supervisee):
        return f"{supervisee} is no longer working here"
    if supervisee.role not in SUPERVISEE_ROLES:
        return (
            f"Supervision is recorded here for social workers and their managers; {supervisee} is "
            f"a {supervisee.get_role_display().lower()}"
        )
    if not may_supervise(actor, supervisee):
        return NOT_YOURS
    return ""


def line_manager_of(worker: User) -> User | None:
    """Who supervises the worker by the organisation chart: a social worker's team manager, a team
    manager's head of service, a head of service's director; or the next one up if that post is
    empty. Supervision gaps name them."""
    team = worker.team if worker.team_id else None
    service = worker.service if worker.service_id else (team.service if team else None)
    candidates = []
    if worker.role == Role.SOCIAL_WORKER and team is not None and team.manager_id != worker.pk:
        candidates.append(team.manager)
    if worker.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER) and service is not None:
        candidates.append(service.head)
    found = next((c for c in candidates if _in_post(c) and c.pk != worker.pk), None)
    return found or a_director()


def head_of_service_of(worker: User) -> User | None:
    """The named head of the worker's service, if they are still in post."""
    team = worker.team if worker.team_id else None
    service = worker.service if worker.service_id else (team.service if team else None)
    head = service.head if service is not None and service.head_id else None
    return head if _in_post(head) else None


def a_director() -> User | None:
    """The director in post (the first, if an authority has more than one account)."""
    return (
        User.objects.filter(role=Role.DIRECTOR, is_active=True, left_on__isnull=True).order_by("pk").first()
    )


# ---------------------------------------------------------------------------------------------
# Directions and their actions
# ---------------------------------------------------------------------------------------------


def direction_field(child: Child, name: str) -> str:
    """The name of a field about one child's direction, in errors and in the supervision form."""
    return f"c{child.pk}_{name}"


def action_field(child: Child | None, row: int, name: str) -> str:
    """The name of a field of one action row: `c<child id>_a<row>_<name>` in a session, or
    `a<row>_<name>` in management oversight of one child."""
    return f"{'c' + str(child.pk) + '_' if child is not None else ''}a{row}_{name}"


def _blank(value) -> bool:
    return not (value or "").strip()


def _check_actions(
    errors: dict, child: Child, actions: Sequence[dict], set_on: date | None, *, in_session: bool
) -> None:
    """Each action needs what, an owner who can open the child's record and a due date on or
    after the day it was set. Messages name the child (in a session) and the row."""
    for index, action in enumerate(actions, start=1):
        row = action.get("row") or index
        where = f"{child.full_name}, action {row}" if in_session else f"Action {row}"
        key = child if in_session else None
        if _blank(action.get("what")):
            errors[action_field(key, row, "what")] = f"{where}: say what must be done"
        why_not = owner_refusal(action.get("owner"), child)
        if why_not:
            # After "<child>, action 2: " the reason reads on in lower case.
            errors[action_field(key, row, "owner")] = f"{where}: {why_not[0].lower()}{why_not[1:]}"
        due_on = action.get("due_on")
        if due_on is None:
            errors[action_field(key, row, "due_on")] = f"{where}: enter the date it is due"
        elif set_on is not None and due_on < set_on:
            errors[action_field(key, row, "due_on")] = (
                f"{where}: the due date must be on or after {set_on:%-d %B %Y}, when it was set"
            )


def _create_direction(
    *,
    actor: User,
    child: Child,
    session: SupervisionSession | None,
    key_point: str,
    decided: str,
    why: str,
    directed_on: date,
    actions: Sequence[dict],
) -> CaseDirection:
    direction = create(
        actor=actor,
        children=[child],
        record=CaseDirection(
            child=child,
            session=session,
            key_point=key_point,
            decided=decided.strip(),
            why=why.strip(),
            directed_by=actor,
            directed_on=directed_on,
        ),
    )
    for action in actions:
        create(
            actor=actor,
            children=[child],
            record=DirectionAction(
                direction=direction,
                child=child,
                action=action["what"].strip(),
                owner=action["owner"],
                set_on=directed_on,
                due_on=action["due_on"],
            ),
        )
    return direction


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------


def _check_session_fields(errors: dict, *, held_on, duration_minutes, kind, today: date) -> None:
    if held_on is None:
        errors["held_on"] = "Enter the date of the session"
    elif held_on > today:
        errors["held_on"] = "The date of the session must be today or in the past"
    if duration_minutes is None or duration_minutes <= 0:
        errors["duration_minutes"] = "Enter how long the session lasted, in minutes"
    elif duration_minutes > LONGEST_SESSION_MINUTES:
        errors["duration_minutes"] = f"Enter the length in minutes, up to {LONGEST_SESSION_MINUTES} (8 hours)"
    if kind not in SupervisionSession.Kind.values:
        errors["kind"] = "Choose the type of supervision"


def session_record(
    *,
    actor: User,
    supervisee: User,
    held_on: date,
    duration_minutes: int,
    kind: str,
    uninterrupted: bool = True,
    notes: str = "",
    directions: Sequence[dict] = (),
    today: date | None = None,
) -> SupervisionSession:
    """Record a supervision session and, for each child discussed, the case direction on the
    child's record with its actions. `directions` is a list of {child, decided, why, actions:
    [{what, owner, due_on, row?}]}; a session with none (reflective supervision) is allowed.
    Everything is refused together, each reason on its field, and nothing is saved."""
    require_function(
        actor, Function.RECORD_SUPERVISION, "Your role does not allow you to record supervision."
    )
    today = today or _today()
    errors: dict[str, str] = {}
    why_not = supervisee_refusal(actor, supervisee)
    if why_not:
        errors["supervisee"] = why_not
    _check_session_fields(errors, held_on=held_on, duration_minutes=duration_minutes, kind=kind, today=today)
    directions = list(directions)
    seen: set[int] = set()
    children: list[Child] = []
    for direction in directions:
        child = direction.get("child")
        if child is None:
            errors[NON_FIELD_ERRORS] = "Each case direction must be about a child"
            continue
        if child.pk in seen:
            errors[direction_field(child, "discussed")] = (
                f"{child.full_name} is chosen twice: record one direction for each child"
            )
            continue
        seen.add(child.pk)
        decision = child_access_decision(actor, child, Function.RECORD_SUPERVISION)
        if not decision.allowed:
            # The message names no one: the supervisor may not be allowed to know who this is.
            errors[direction_field(child, "discussed")] = (
                "You cannot record a case direction for one of the children chosen: their record is "
                "not in your team or service. Nothing has been saved."
            )
            continue
        children.append(child)
        if _blank(direction.get("decided")):
            errors[direction_field(child, "decided")] = f"{child.full_name}: say what was decided"
        if _blank(direction.get("why")):
            errors[direction_field(child, "why")] = f"{child.full_name}: say why it was decided"
        _check_actions(errors, child, direction.get("actions") or [], held_on, in_session=True)
    if errors:
        raise ValidationError(errors)
    with writing(actor, children, Function.RECORD_SUPERVISION):
        session = create(
            actor=actor,
            children=[],  # the supervisee's own file: logged against no child
            record=SupervisionSession(
                supervisor=actor,
                supervisee=supervisee,
                held_on=held_on,
                duration_minutes=duration_minutes,
                kind=kind,
                uninterrupted=bool(uninterrupted),
                notes=(notes or "").strip(),
            ),
        )
        for direction in directions:
            _create_direction(
                actor=actor,
                child=direction["child"],
                session=session,
                key_point=CaseDirection.KeyPoint.SUPERVISION,
                decided=direction["decided"],
                why=direction["why"],
                directed_on=held_on,
                actions=direction.get("actions") or [],
            )
    return session


def session_change(
    *,
    actor: User,
    session: SupervisionSession,
    expected_version: int,
    held_on: date,
    duration_minutes: int,
    kind: str,
    uninterrupted: bool,
    notes: str = "",
    today: date | None = None,
) -> SupervisionSession:
    """Change the session's own details (date, length, type, notes), by the supervisor who
    recorded it, if nobody saved it meanwhile (EditConflict). Its date cannot change once it has
    case directions: they, and their actions' clocks, are dated by the session."""
    require_function(
        actor, Function.RECORD_SUPERVISION, "Your role does not allow you to record supervision."
    )
    if session.supervisor_id != actor.pk:
        raise PermissionDenied("Only the supervisor who recorded this session can change it.")
    errors: dict[str, str] = {}
    _check_session_fields(
        errors, held_on=held_on, duration_minutes=duration_minutes, kind=kind, today=today or _today()
    )
    if held_on is not None and held_on != session.held_on and session.directions.exists():
        errors["held_on"] = (
            "This session gave case directions, which are dated by it on the children's records, so "
            "its date cannot change"
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return change(
            actor=actor,
            children=[],
            record=session,
            changes={
                "held_on": held_on,
                "duration_minutes": duration_minutes,
                "kind": kind,
                "uninterrupted": bool(uninterrupted),
                "notes": (notes or "").strip(),
            },
            expected_version=expected_version,
        )


# ---------------------------------------------------------------------------------------------
# Management oversight at a key point
# ---------------------------------------------------------------------------------------------


def oversight_record(
    *,
    actor: User,
    child: Child,
    key_point: str,
    decided: str,
    why: str,
    directed_on: date,
    actions: Sequence[dict] = (),
    today: date | None = None,
) -> CaseDirection:
    """Management oversight at a key point (allocation, assessment sign-off, strategy decision,
    legal planning, placement move, closure): a case direction on the child's record without a
    session, with the same rules for its actions."""
    require_function(
        actor, Function.RECORD_SUPERVISION, "Your role does not allow you to record management oversight."
    )
    today = today or _today()
    errors: dict[str, str] = {}
    if key_point not in OVERSIGHT_KEY_POINTS:
        errors["key_point"] = "Choose the key point this oversight is at"
    if directed_on is None:
        errors["directed_on"] = "Enter the date of the decision"
    elif directed_on > today:
        errors["directed_on"] = "The date of the decision must be today or in the past"
    if _blank(decided):
        errors["decided"] = "Say what was decided"
    if _blank(why):
        errors["why"] = "Say why it was decided"
    _check_actions(errors, child, list(actions), directed_on, in_session=False)
    if errors:
        raise ValidationError(errors)
    with writing(actor, [child], Function.RECORD_SUPERVISION):
        return _create_direction(
            actor=actor,
            child=child,
            session=None,
            key_point=key_point,
            decided=decided,
            why=why,
            directed_on=directed_on,
            actions=list(actions),
        )


# ---------------------------------------------------------------------------------------------
# Actions being done
# ---------------------------------------------------------------------------------------------


def may_mark_done(actor: User, action: DirectionAction) -> bool:
    """The action's owner, or a manager who manages work for the child (MANAGE_WORK in scope)."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    if actor.pk == action.owner_id:
        return True
    return child_access_decision(actor, action.child, Function.MANAGE_WORK).allowed


def direction_action_done(
    *,
    actor: User,
    action: DirectionAction,
    done_note: str = "",
    done_on: date | None = None,
    expected_version: int | None = None,
) -> DirectionAction:
    """Mark an action done: by its owner, or by a manager of the child's work. Its clock
    (DIRECTION-ACTION) stops on `done_on` (today unless given)."""
    if not may_mark_done(actor, action):
        raise PermissionDenied("Only the action's owner or a manager of this child's work can mark it done.")
    # The owner needs only to be able to open the record; anyone else manages the child's work.
    function = Function.VIEW_CHILD_RECORD if actor.pk == action.owner_id else Function.MANAGE_WORK
    return action_mark_done(
        actor=actor,
        action=action,
        function=function,
        done_on=done_on or _today(),
        done_note=done_note,
        expected_version=expected_version,
    )


# ---------------------------------------------------------------------------------------------
# Escalating supervision gaps (the nightly job)
# ---------------------------------------------------------------------------------------------


def _level(days_overdue: int, points: Sequence[int]) -> int:
    """How many of the rule's escalation points the gap is past (as timescales.escalations_run
    reads them: escalated once it is more than that many days overdue)."""
    return sum(1 for point in points[:2] if days_overdue >= point + 1)


def supervision_escalations_run(
    *, today: date | None = None, workers: Iterable[User] | None = None
) -> list[SupervisionEscalation]:
    """Escalate every worker whose supervision is overdue past its rule's `escalate_after_days`:
    level 1 to the head of the worker's service, level 2 to the director. One escalation per
    clock and level (a unique constraint), so running it again, or twice a night, sends nothing
    twice. Returns the escalations made now.

    Nobody is emailed from here: the daily digest (timescales.notifications) lists escalations of
    children's deadlines only. The escalated-to person sees these on their supervision page
    (assurance:supervision, "Supervision gaps escalated to you")."""
    from carepath.timescales.engine import Status

    from ..selectors.supervision import supervised_workers, supervision_clocks

    today = today or _today()
    workers = list(supervised_workers() if workers is None else workers)
    by_id = {w.pk: w for w in workers}
    rules = _engine_rules()
    director = a_director()
    made: list[SupervisionEscalation] = []
    for worker_id, clocks in supervision_clocks(workers, today).items():
        worker = by_id[worker_id]
        for clock in clocks:
            if clock.status != Status.OPEN or clock.due_on >= today:
                continue
            rule = rules.get(clock.rule_id)
            if rule is None:
                continue
            days_overdue = (today - clock.due_on).days
            level = _level(days_overdue, rule.escalate_after_days)
            for step in range(1, level + 1):
                # With no head of service in post, the first escalation goes to the director too.
                to = (head_of_service_of(worker) or director) if step == 1 else director
                try:
                    with transaction.atomic():
                        escalation, created = SupervisionEscalation.objects.get_or_create(
                            clock_key=clock.key,
                            level=step,
                            defaults={
                                "supervisee": worker,
                                "supervisor": line_manager_of(worker),
                                "rule_id": clock.rule_id,
                                "due_on": clock.due_on,
                                "escalated_to": to,
                                "days_overdue": days_overdue,
                            },
                        )
                except IntegrityError:
                    continue  # another run made it at the same moment
                if created:
                    made.append(escalation)
    return made


def _engine_rules() -> dict:
    from carepath.timescales.services import engine_in_force

    return engine_in_force().by_id
