"""Supervision and management oversight services (F16): recording a session with the case
directions it gives each child, the refusals (who, which children, actions without an owner or a
date, dates), the clocks the directions meet and start, actions done, changing a session, and the
nightly escalation of supervision gaps."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carepath.assurance import models as am
from carepath.assurance.services import supervision as svc
from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.core.permissions import Role
from carepath.timescales.models import Deadline
from carepath.timescales.services import child_clocks_refresh, due_date_for
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def setting():
    """A team with its manager and head of service, and a child allocated to a social worker."""
    team, manager, head = af.team_with_managers()
    child, worker = af.open_child(team=team)
    return {"team": team, "manager": manager, "head": head, "child": child, "worker": worker}


def direction(child, *, actions=(), decided="Convene a strategy discussion.", why="New injuries."):
    return {"child": child, "decided": decided, "why": why, "actions": list(actions)}


def action(owner, *, due_in=14, what="Visit the family and see the child alone"):
    return {"what": what, "owner": owner, "due_on": today() + timedelta(days=due_in)}


def record(s, *, directions=(), actor=None, supervisee=None, **overrides):
    values = {
        "held_on": today(),
        "duration_minutes": 90,
        "kind": am.SupervisionSession.Kind.CASE,
        "uninterrupted": True,
        "notes": "Workload is high; booked on the court skills course.",
    }
    values.update(overrides)
    return svc.session_record(
        actor=actor or s["manager"],
        supervisee=supervisee or s["worker"],
        directions=list(directions),
        **values,
    )


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


# ---------------------------------------------------------------------------------------------
# Recording a session
# ---------------------------------------------------------------------------------------------


def test_a_session_gives_each_child_discussed_a_direction_on_their_record_with_its_actions(setting):
    s = setting
    sibling, _ = af.open_child(team=s["team"], worker=s["worker"])
    session = record(
        s,
        directions=[
            direction(
                s["child"],
                actions=[action(s["worker"]), action(s["manager"], due_in=7, what="Book the RCPC")],
            ),
            direction(sibling, decided="Step down to early help.", why="The plan's goals are met."),
        ],
    )
    assert (session.supervisor, session.supervisee, session.held_on) == (s["manager"], s["worker"], today())
    first = am.CaseDirection.objects.get(child=s["child"])
    assert (first.session, first.key_point, first.directed_by, first.directed_on) == (
        session,
        am.CaseDirection.KeyPoint.SUPERVISION,
        s["manager"],
        today(),
    )
    actions = list(first.actions.order_by("due_on"))
    assert [(a.action, a.owner, a.child, a.set_on) for a in actions] == [
        ("Book the RCPC", s["manager"], s["child"], today()),
        ("Visit the family and see the child alone", s["worker"], s["child"], today()),
    ]
    assert am.CaseDirection.objects.get(child=sibling).actions.count() == 0
    # Each child's record logs its own direction; the session (the supervisee's file) is on no child's.
    logged = set(ChangeEvent.objects.values_list("record_type", "child_id"))
    assert ("assurance.CaseDirection", s["child"].pk) in logged and (
        "assurance.CaseDirection",
        sibling.pk,
    ) in logged
    assert ("assurance.DirectionAction", s["child"].pk) in logged
    session_logged = ChangeEvent.objects.get(record_type="assurance.SupervisionSession")
    assert session_logged.child_id is None and session_logged.action == "created"


def test_reflective_supervision_with_no_children_is_allowed(setting):
    session = record(setting, kind=am.SupervisionSession.Kind.REFLECTIVE)
    assert session.pk and not session.directions.exists()


def test_a_direction_meets_the_childs_case_supervision_clock(setting):
    child = setting["child"]
    child_clocks_refresh(child_id=child.pk)
    referral = child.referrals.get().referral_date
    before = Deadline.objects.get(child=child, rule_id="CASE-SUPV", status="open")
    assert before.started_on == referral and before.due_on == due_date_for("CASE-SUPV", referral)
    held_on = today() - timedelta(days=3)
    record(setting, held_on=held_on, directions=[direction(child)])
    after = Deadline.objects.get(child=child, rule_id="CASE-SUPV", status="open")
    assert after.started_on == held_on and after.due_on == due_date_for("CASE-SUPV", held_on)
    assert after.due_on > before.due_on
    # The long wait before it is kept as late, met on the day of the session.
    assert Deadline.objects.get(child=child, rule_id="CASE-SUPV", status="late").met_on == held_on


def test_each_action_is_a_clock_in_its_owners_work_queue(setting):
    s = setting
    record(s, directions=[direction(s["child"], actions=[action(s["worker"], due_in=10)])])
    made = am.DirectionAction.objects.get()
    clock = Deadline.objects.get(context_type="direction_action", context_id=made.pk)
    assert (clock.rule_id, clock.status, clock.assigned_to, clock.due_on, clock.child) == (
        "DIRECTION-ACTION",
        "open",
        s["worker"],
        made.due_on,
        s["child"],
    )


# ---------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------


def test_an_action_without_an_owner_or_a_date_is_refused_naming_the_child_and_row(setting):
    s = setting
    child = s["child"]
    rows = [
        action(s["worker"]),
        {"what": "Chase the school", "owner": None, "due_on": today() + timedelta(days=5)},
        {"what": "Update the plan", "owner": s["worker"], "due_on": None},
    ]
    with pytest.raises(ValidationError) as excinfo:
        record(s, directions=[direction(child, actions=rows)])
    errors = errors_of(excinfo)
    assert set(errors) == {svc.action_field(child, 2, "owner"), svc.action_field(child, 3, "due_on")}
    assert errors[f"c{child.pk}_a2_owner"] == [f"{child.full_name}, action 2: choose who owns this action"]
    assert errors[f"c{child.pk}_a3_due_on"] == [f"{child.full_name}, action 3: enter the date it is due"]
    assert not am.SupervisionSession.objects.exists() and not am.CaseDirection.objects.exists()


def test_action_rows_keep_the_number_they_had_on_the_page(setting):
    s = setting
    row = {"row": 3, "what": "", "owner": s["worker"], "due_on": today() - timedelta(days=1)}
    with pytest.raises(ValidationError) as excinfo:
        record(s, directions=[direction(s["child"], actions=[row])])
    errors = errors_of(excinfo)
    assert set(errors) == {f"c{s['child'].pk}_a3_what", f"c{s['child'].pk}_a3_due_on"}
    assert "on or after" in errors[f"c{s['child'].pk}_a3_due_on"][0]


def test_an_owner_who_cannot_open_the_childs_record_is_refused(setting):
    s = setting
    stranger = f.UserFactory(role=Role.SOCIAL_WORKER)  # another team
    with pytest.raises(ValidationError) as excinfo:
        record(s, directions=[direction(s["child"], actions=[action(stranger)])])
    assert (
        f"cannot open {s['child'].full_name}'s record" in errors_of(excinfo)[f"c{s['child'].pk}_a1_owner"][0]
    )


def test_a_direction_needs_what_was_decided_and_why(setting):
    s = setting
    with pytest.raises(ValidationError) as excinfo:
        record(s, directions=[direction(s["child"], decided=" ", why="")])
    assert set(errors_of(excinfo)) == {f"c{s['child'].pk}_decided", f"c{s['child'].pk}_why"}


def test_a_child_outside_the_supervisors_scope_is_refused_and_nothing_is_saved(setting):
    s = setting
    elsewhere, _ = af.open_child()  # a child of another team
    elsewhere.first_name, elsewhere.last_name = "Quorra", "Zzyzxworth"
    elsewhere.save(update_fields=["first_name", "last_name"])
    with pytest.raises(ValidationError) as excinfo:
        record(s, directions=[direction(s["child"], actions=[action(s["worker"])]), direction(elsewhere)])
    errors = errors_of(excinfo)
    assert set(errors) == {f"c{elsewhere.pk}_discussed"}
    assert "Zzyzxworth" not in errors[f"c{elsewhere.pk}_discussed"][0]
    assert not am.SupervisionSession.objects.exists()
    assert not am.CaseDirection.objects.exists() and not am.DirectionAction.objects.exists()


def test_a_session_in_the_future_is_refused(setting):
    with pytest.raises(ValidationError) as excinfo:
        record(setting, held_on=today() + timedelta(days=1))
    assert errors_of(excinfo) == {"held_on": ["The date of the session must be today or in the past"]}
    with pytest.raises(ValidationError) as excinfo:
        record(setting, duration_minutes=0, kind="chat")
    assert set(errors_of(excinfo)) == {"duration_minutes", "kind"}


def test_who_may_supervise_whom(setting):
    s = setting
    team, manager, head, worker = s["team"], s["manager"], s["head"], s["worker"]
    colleague_manager = f.UserFactory(role=Role.TEAM_MANAGER, team=f.TeamFactory(service=team.service))
    other_service_manager = f.UserFactory(role=Role.TEAM_MANAGER)
    other_head = f.UserFactory(role=Role.HEAD_OF_SERVICE, team=None, service=other_service_manager.service)
    director = f.UserFactory(role=Role.DIRECTOR, team=None)
    assert svc.may_supervise(manager, worker)  # their team's manager
    assert svc.may_supervise(head, worker) and svc.may_supervise(head, manager)  # the head of their service
    assert svc.may_supervise(colleague_manager, worker)  # a manager of the same service
    assert not svc.may_supervise(colleague_manager, manager)  # not senior to a fellow team manager
    assert not svc.may_supervise(other_service_manager, worker)
    assert not svc.may_supervise(other_head, worker)
    assert not svc.may_supervise(worker, manager)  # a social worker records no supervision
    assert svc.may_supervise(director, head) and not svc.may_supervise(manager, head)
    assert not svc.may_supervise(manager, manager)
    with pytest.raises(ValidationError) as excinfo:
        record(s, actor=other_service_manager)
    assert errors_of(excinfo)["supervisee"] == [svc.NOT_YOURS]
    with pytest.raises(PermissionDenied):
        record(s, actor=worker, supervisee=f.UserFactory(team=team))
    assert not am.SupervisionSession.objects.exists()


# ---------------------------------------------------------------------------------------------
# Management oversight, actions done, changes
# ---------------------------------------------------------------------------------------------


def test_management_oversight_at_a_key_point_is_a_direction_without_a_session(setting):
    s = setting
    made = svc.oversight_record(
        actor=s["head"],
        child=s["child"],
        key_point=am.CaseDirection.KeyPoint.LEGAL_PLANNING,
        decided="Seek legal advice at the gateway panel.",
        why="Neglect has continued through the child protection plan.",
        directed_on=today(),
        actions=[action(s["manager"], due_in=5, what="Refer to the legal gateway panel")],
    )
    assert (made.session, made.key_point, made.directed_by) == (None, "legal_planning", s["head"])
    assert made.actions.get().owner == s["manager"]
    with pytest.raises(ValidationError) as excinfo:
        svc.oversight_record(
            actor=s["head"],
            child=s["child"],
            key_point=am.CaseDirection.KeyPoint.SUPERVISION,
            decided="x",
            why="y",
            directed_on=today(),
            actions=[{"what": "z", "owner": None, "due_on": None}],
        )
    assert set(errors_of(excinfo)) == {"key_point", "a1_owner", "a1_due_on"}
    assert errors_of(excinfo)["a1_owner"] == ["Action 1: choose who owns this action"]
    outsider = f.UserFactory(role=Role.TEAM_MANAGER)
    with pytest.raises(PermissionDenied):
        svc.oversight_record(
            actor=outsider,
            child=s["child"],
            key_point="closure",
            decided="Close.",
            why="Goals met.",
            directed_on=today(),
        )
    assert am.CaseDirection.objects.count() == 1


def test_the_owner_or_a_manager_marks_an_action_done_and_its_clock_stops(setting):
    s = setting
    record(s, directions=[direction(s["child"], actions=[action(s["worker"])])])
    made = am.DirectionAction.objects.get()
    with pytest.raises(PermissionDenied):
        svc.direction_action_done(actor=f.UserFactory(role=Role.SOCIAL_WORKER, team=s["team"]), action=made)
    svc.direction_action_done(actor=s["worker"], action=made, done_note="Seen alone at school.")
    made.refresh_from_db()
    assert (made.done_on, made.done_by, made.done_note) == (today(), s["worker"], "Seen alone at school.")
    assert not Deadline.objects.filter(context_type="direction_action", context_id=made.pk).exists()
    with pytest.raises(ValidationError):
        svc.direction_action_done(actor=s["manager"], action=made)
    # A manager of the child's work may mark another action done.
    other = am.DirectionAction.objects.create(
        direction=made.direction,
        child=s["child"],
        action="Another",
        owner=s["worker"],
        set_on=today(),
        due_on=today(),
    )
    svc.direction_action_done(actor=s["manager"], action=other, done_on=today())
    other.refresh_from_db()
    assert (other.done_by, other.done_on) == (s["manager"], today())


def test_marking_done_with_a_stale_version_is_an_edit_conflict(setting):
    s = setting
    record(s, directions=[direction(s["child"], actions=[action(s["worker"])])])
    made = am.DirectionAction.objects.get()
    am.DirectionAction.objects.filter(pk=made.pk).update(version=2, action="Changed meanwhile")
    with pytest.raises(EditConflict):
        svc.direction_action_done(actor=s["worker"], action=made, expected_version=1)
    made.refresh_from_db()
    assert made.done_on is None


def test_changing_a_session_keeps_its_date_once_it_has_directions_and_locks_optimistically(setting):
    s = setting
    reflective = record(s, held_on=today() - timedelta(days=2))
    changed = svc.session_change(
        actor=s["manager"],
        session=reflective,
        expected_version=1,
        held_on=today() - timedelta(days=1),
        duration_minutes=60,
        kind=am.SupervisionSession.Kind.REFLECTIVE,
        uninterrupted=False,
        notes="Rewritten.",
    )
    assert (changed.held_on, changed.duration_minutes, changed.version) == (
        today() - timedelta(days=1),
        60,
        2,
    )
    with pytest.raises(EditConflict):
        svc.session_change(
            actor=s["manager"],
            session=reflective,
            expected_version=1,
            held_on=changed.held_on,
            duration_minutes=75,
            kind="case",
            uninterrupted=True,
        )
    with_children = record(s, directions=[direction(s["child"])])
    with pytest.raises(ValidationError) as excinfo:
        svc.session_change(
            actor=s["manager"],
            session=with_children,
            expected_version=1,
            held_on=today() - timedelta(days=5),
            duration_minutes=90,
            kind="case",
            uninterrupted=True,
        )
    assert set(errors_of(excinfo)) == {"held_on"}
    with pytest.raises(PermissionDenied):
        svc.session_change(
            actor=s["head"],
            session=with_children,
            expected_version=1,
            held_on=with_children.held_on,
            duration_minutes=90,
            kind="case",
            uninterrupted=True,
        )


# ---------------------------------------------------------------------------------------------
# Escalating gaps
# ---------------------------------------------------------------------------------------------


def test_gaps_escalate_once_per_level_to_the_head_of_service_then_the_director(setting):
    s = setting
    director = f.UserFactory(role=Role.DIRECTOR, team=None)
    long_overdue = f.UserFactory(team=s["team"], started_on=date(2026, 1, 5))  # due 5 Feb: 30 days over
    a_little = f.UserFactory(team=s["team"], started_on=date(2026, 1, 26))  # due 26 Feb: 9 days over
    in_time = f.UserFactory(team=s["team"], started_on=date(2026, 1, 5))
    am.SupervisionSession.objects.create(
        supervisor=s["manager"],
        supervisee=in_time,
        held_on=date(2026, 3, 2),
        duration_minutes=60,
        kind="case",
    )
    workers = [long_overdue, a_little, in_time]
    made = svc.supervision_escalations_run(today=date(2026, 3, 7), workers=workers)
    assert {(e.supervisee, e.level, e.escalated_to) for e in made} == {
        (long_overdue, 1, s["head"]),
        (long_overdue, 2, director),
        (a_little, 1, s["head"]),
    }
    first = next(e for e in made if e.supervisee == long_overdue and e.level == 1)
    assert (first.rule_id, first.due_on, first.days_overdue, first.supervisor) == (
        "SUPV",
        date(2026, 2, 5),
        30,
        s["manager"],
    )
    assert first.clock_key == f"SUPV:supervision:{long_overdue.pk}:2026-01-05"
    # The next night: nothing twice; the smaller gap reaches the director once it is 29 days over.
    assert svc.supervision_escalations_run(today=date(2026, 3, 8), workers=workers) == []
    later = svc.supervision_escalations_run(today=date(2026, 3, 27), workers=workers)
    assert [(e.supervisee, e.level) for e in later] == [(a_little, 2)]
    assert am.SupervisionEscalation.objects.count() == 4


def test_the_nightly_run_covers_every_worker_in_post_by_default(setting):
    s = setting
    f.UserFactory(role=Role.DIRECTOR, team=None)
    never = f.UserFactory(team=s["team"], started_on=timezone.localdate() - timedelta(days=90))
    made = svc.supervision_escalations_run()
    assert {(e.supervisee, e.level) for e in made} >= {(never, 1), (never, 2)}
    assert svc.supervision_escalations_run() == []
