"""What people do about deadlines: reasons for lateness, acknowledgements, reassignments and
escalations, and the work queue that shows them. Each is kept in its own table against the
deadline's stable key, so it must survive a full recompute, which rewrites every Deadline row."""

from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carepath.core.permissions import Role
from carepath.people import services as people_services
from carepath.people.models import Allocation
from carepath.timescales import selectors
from carepath.timescales import services as ts
from carepath.timescales.engine import Status
from carepath.timescales.models import Acknowledgement, Deadline, Escalation, LateReason, Reassignment
from tests import factories as f

pytestmark = pytest.mark.django_db

# Referral Monday 6 January 2025, not decided: REF-DECISION is due Tuesday 7 January.
REFERRAL, DUE = date(2025, 1, 6), date(2025, 1, 7)
TODAY = date(2025, 1, 9)  # two days overdue


@pytest.fixture
def org(team):
    """One service with two teams, and a team in another service."""
    service = team.service
    other_team = f.TeamFactory(service=service)
    far_team = f.TeamFactory()
    org = SimpleNamespace(
        team=team,
        other_team=other_team,
        far_team=far_team,
        sw=f.UserFactory(team=team),
        sw2=f.UserFactory(team=team),
        tm=f.UserFactory(team=team, role=Role.TEAM_MANAGER),
        other_sw=f.UserFactory(team=other_team),
        other_tm=f.UserFactory(team=other_team, role=Role.TEAM_MANAGER),
        far_tm=f.UserFactory(team=far_team, role=Role.TEAM_MANAGER),
        hos=f.UserFactory(team=None, service=service, role=Role.HEAD_OF_SERVICE),
        far_hos=f.UserFactory(team=None, service=far_team.service, role=Role.HEAD_OF_SERVICE),
    )
    f.name_managers(team, org.tm, head=org.hos)
    f.name_managers(other_team, org.other_tm)
    f.name_managers(far_team, org.far_tm, head=org.far_hos)
    return org


@pytest.fixture
def overdue(org, make_story, travel):
    """A child allocated to org.sw whose referral was not decided: REF-DECISION overdue on TODAY.
    Records are made at 09:00 so that a recompute later the same day reads them as already there."""
    travel(TODAY, hour=9)
    story = make_story(actor=org.sw, date_of_birth=date(2016, 4, 1))
    story.referral(REFERRAL)
    return story


def ref_decision(story) -> Deadline:
    return Deadline.objects.get(child=story.child, rule_id="REF-DECISION")


def _can_open(user, child):
    """Give `user` a way into the child's record that does not make them responsible for it."""
    Allocation.objects.create(
        child=child, worker=user, team=user.team, kind=Allocation.Kind.EARLY_HELP_WORKER, started_on=REFERRAL
    )
    return user


def recompute(travel, day=TODAY):
    """A full recompute later the same day (after every record was written), so that it is the full
    path, and not the refresh of recently changed children, that writes the rows."""
    travel(day, hour=13)
    result = ts.clocks_recompute_all(today=day)
    assert getattr(result, "refreshed_after", 0) == 0
    return result


# ---------------------------------------------------------------------------------------------
# late_reason_record
# ---------------------------------------------------------------------------------------------


REASON = "The duty manager was off sick and nobody else could decide it."


@pytest.mark.parametrize("who", ["sw", "tm", "hos"])
def test_the_responsible_worker_or_a_manager_can_record_why_it_was_late(org, overdue, who):
    deadline = ref_decision(overdue)
    late = ts.late_reason_record(actor=getattr(org, who), deadline=deadline, reason=REASON)
    assert (late.deadline_key, late.rule_id, late.due_on, late.recorded_by) == (
        deadline.key,
        "REF-DECISION",
        DUE,
        getattr(org, who),
    )
    assert ref_decision(overdue).has_reason


@pytest.mark.parametrize("who", ["co_worker", "other_tm", "far_hos"])
def test_nobody_else_can_record_why_it_was_late(org, overdue, who):
    # The co-worker can open the record (an early help allocation) but is not responsible.
    actor = _can_open(org.sw2, overdue.child) if who == "co_worker" else getattr(org, who)
    with pytest.raises(PermissionDenied):
        ts.late_reason_record(actor=actor, deadline=ref_decision(overdue), reason=REASON)
    assert not LateReason.objects.exists()
    assert not ref_decision(overdue).has_reason


def test_a_reason_cannot_be_recorded_before_it_is_late(org, overdue, travel):
    travel(DUE, hour=9)  # due today: not late yet
    with pytest.raises(ValidationError, match="not late yet"):
        ts.late_reason_record(actor=org.sw, deadline=ref_decision(overdue), reason=REASON)
    # ASMT-45 for the same referral is due in March.
    travel(TODAY, hour=9)
    assessment = Deadline.objects.get(child=overdue.child, rule_id="ASMT-45")
    with pytest.raises(ValidationError, match="not late yet"):
        ts.late_reason_record(actor=org.sw, deadline=assessment, reason=REASON)
    assert not LateReason.objects.exists()


def test_a_reason_must_say_something(org, overdue):
    with pytest.raises(ValidationError):
        ts.late_reason_record(actor=org.sw, deadline=ref_decision(overdue), reason="  sick  ")
    assert not LateReason.objects.exists()


def test_a_reason_can_be_recorded_for_something_done_late(org, overdue, make_story):
    decided_late = make_story(actor=org.sw, date_of_birth=date(2016, 4, 1))
    decided_late.referral(REFERRAL, decided=date(2025, 1, 8))
    deadline = ref_decision(decided_late)
    assert (deadline.status, deadline.met_on) == (Status.LATE, date(2025, 1, 8))
    ts.late_reason_record(actor=org.sw, deadline=deadline, reason=REASON)
    assert ref_decision(decided_late).has_reason


def test_a_reason_is_kept_through_a_full_recompute(org, overdue, travel):
    deadline = ref_decision(overdue)
    ts.late_reason_record(actor=org.sw, deadline=deadline, reason=REASON)
    recompute(travel)
    again = ref_decision(overdue)
    assert again.pk != deadline.pk  # a new row: the recompute rewrote them all
    assert (again.key, again.has_reason) == (deadline.key, True)
    assert LateReason.objects.get().deadline_key == again.key


# ---------------------------------------------------------------------------------------------
# deadlines_acknowledge
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_overdue(org, overdue, make_story):
    other = make_story(actor=org.sw, date_of_birth=date(2015, 9, 1))
    other.referral(REFERRAL)
    return [ref_decision(overdue), ref_decision(other)]


ACK = "Both decided by the front door manager today; recording delayed by the system outage."


def test_a_manager_acknowledges_several_items_in_one_batch(org, two_overdue):
    batch = ts.deadlines_acknowledge(actor=org.tm, deadlines=two_overdue, reason=ACK)
    acks = list(Acknowledgement.objects.order_by("deadline_key"))
    assert sorted(a.deadline_key for a in acks) == sorted(d.key for d in two_overdue)
    assert {(a.batch, a.acknowledged_by_id, a.reason, a.acknowledged_at) for a in acks} == {
        (batch, org.tm.pk, ACK, timezone.now())
    }
    stored = Deadline.objects.filter(pk__in=[d.pk for d in two_overdue])
    assert {d.acknowledged_at for d in stored} == {timezone.now()}
    # Acknowledging does not make it less late.
    assert {d.status for d in stored} == {Status.OPEN}


@pytest.mark.parametrize("who", ["sw", "far_tm", "other_tm"])
def test_acknowledging_is_refused_without_the_right_or_outside_scope(org, two_overdue, who):
    with pytest.raises(PermissionDenied):
        ts.deadlines_acknowledge(actor=getattr(org, who), deadlines=two_overdue, reason=ACK)
    assert not Acknowledgement.objects.exists()
    assert not Deadline.objects.filter(acknowledged_at__isnull=False).exists()


def test_one_item_outside_scope_refuses_the_whole_batch(org, two_overdue, make_story):
    theirs = make_story(actor=org.other_sw, date_of_birth=date(2014, 1, 1))
    theirs.referral(REFERRAL)
    with pytest.raises(PermissionDenied):
        ts.deadlines_acknowledge(actor=org.tm, deadlines=[*two_overdue, ref_decision(theirs)], reason=ACK)
    assert not Acknowledgement.objects.exists()


def test_acknowledging_needs_items_and_a_reason(org, two_overdue):
    with pytest.raises(ValidationError):
        ts.deadlines_acknowledge(actor=org.tm, deadlines=[], reason=ACK)
    with pytest.raises(ValidationError):
        ts.deadlines_acknowledge(actor=org.tm, deadlines=two_overdue, reason="ok")
    assert not Acknowledgement.objects.exists()


def test_an_acknowledgement_is_kept_through_a_full_recompute(org, two_overdue, travel):
    ts.deadlines_acknowledge(actor=org.tm, deadlines=two_overdue, reason=ACK)
    acknowledged_at = timezone.now()
    recompute(travel)
    again = Deadline.objects.filter(key__in=[d.key for d in two_overdue])
    assert len(again) == 2
    assert {d.acknowledged_at for d in again} == {acknowledged_at}
    assert not again.filter(pk__in=[d.pk for d in two_overdue]).exists()


# ---------------------------------------------------------------------------------------------
# deadline_reassign
# ---------------------------------------------------------------------------------------------


def _keys(user) -> set[str]:
    return set(selectors.work_for(user).values_list("key", flat=True))


def test_reassigning_to_the_team_manager_moves_it_between_queues(org, overdue):
    deadline = ref_decision(overdue)
    assert deadline.key in _keys(org.sw)
    moved = ts.deadline_reassign(actor=org.tm, deadline=deadline, to=org.tm, reason="I will decide it today")
    assert (moved.deadline_key, moved.assigned_to, moved.assigned_by) == (deadline.key, org.tm, org.tm)
    assert deadline.key in _keys(org.tm)
    assert deadline.key not in _keys(org.sw)


def test_reassigning_to_a_colleague_who_can_open_the_record_puts_it_in_their_queue(org, overdue):
    deadline = ref_decision(overdue)
    _can_open(org.sw2, overdue.child)
    ts.deadline_reassign(actor=org.tm, deadline=deadline, to=org.sw2, reason="Duty cover this week")
    assert deadline.key not in _keys(org.sw)
    assert deadline.key in _keys(org.sw2)


def test_reassigning_to_a_colleague_who_cannot_open_the_record_is_refused(org, overdue):
    # They would never see it: work_for lists only children the worker may open.
    with pytest.raises(ValidationError, match="cannot open this child's record"):
        ts.deadline_reassign(actor=org.tm, deadline=ref_decision(overdue), to=org.sw2)
    assert not Reassignment.objects.exists()
    assert ref_decision(overdue).key in _keys(org.sw)


def test_reassigning_to_a_colleague_who_only_broke_the_glass_is_refused(org, overdue):
    people_services.break_glass_start(
        actor=org.sw2, child=overdue.child, reason="Covering the duty desk; the family rang about tonight."
    )
    with pytest.raises(ValidationError):
        ts.deadline_reassign(actor=org.tm, deadline=ref_decision(overdue), to=org.sw2)
    assert not Reassignment.objects.exists()


def test_a_team_manager_cannot_reassign_to_another_team(org, overdue):
    with pytest.raises(ValidationError, match="your team"):
        ts.deadline_reassign(actor=org.tm, deadline=ref_decision(overdue), to=org.other_sw)
    assert not Reassignment.objects.exists()
    assert ref_decision(overdue).assigned_to is None


def test_a_head_of_service_can_reassign_to_another_team_in_the_service(org, overdue):
    _can_open(org.other_sw, overdue.child)
    ts.deadline_reassign(actor=org.hos, deadline=ref_decision(overdue), to=org.other_sw)
    assert ref_decision(overdue).assigned_to == org.other_sw
    assert ref_decision(overdue).key in _keys(org.other_sw)


@pytest.mark.parametrize("who", ["sw", "other_tm", "far_hos"])
def test_reassigning_is_refused_without_the_right_or_outside_scope(org, overdue, who):
    with pytest.raises(PermissionDenied):
        ts.deadline_reassign(actor=getattr(org, who), deadline=ref_decision(overdue), to=org.tm)
    assert not Reassignment.objects.exists()


def test_work_cannot_go_to_someone_who_left_or_does_not_do_casework(org, overdue):
    org.sw2.left_on = date(2025, 1, 3)
    org.sw2.save()
    director = f.UserFactory(team=None, role=Role.DIRECTOR)
    for to in (org.sw2, director, org.sw):  # org.sw already has it
        with pytest.raises(ValidationError):
            ts.deadline_reassign(actor=org.tm, deadline=ref_decision(overdue), to=to)
    assert not Reassignment.objects.exists()


def test_a_reassignment_is_kept_through_a_full_recompute(org, overdue, travel):
    deadline = ref_decision(overdue)
    ts.deadline_reassign(actor=org.tm, deadline=deadline, to=org.tm)
    recompute(travel)
    again = ref_decision(overdue)
    assert (again.pk != deadline.pk, again.assigned_to) == (True, org.tm)
    assert deadline.key in _keys(org.tm)
    assert deadline.key not in _keys(org.sw)


# ---------------------------------------------------------------------------------------------
# escalations_run (REF-DECISION escalates after 1 and 3 days overdue)
# ---------------------------------------------------------------------------------------------


def _escalations():
    return [(e.level, e.escalated_to_id) for e in Escalation.objects.order_by("level")]


def test_not_yet_past_the_first_point_nothing_escalates(org, overdue):
    assert ts.escalations_run(today=date(2025, 1, 8)) == []  # one day overdue
    assert not Escalation.objects.exists()


def test_escalation_goes_to_the_team_manager_then_the_head_of_service_once_each(org, overdue, travel):
    made = ts.escalations_run(today=TODAY)  # two days overdue: past the first point
    assert [(e.level, e.escalated_to, e.responsible, e.days_overdue, e.due_on) for e in made] == [
        (1, org.tm, org.sw, 2, DUE)
    ]
    assert ts.escalations_run(today=TODAY) == []
    assert ref_decision(overdue).escalation_level == 1
    # Four days overdue, past the second point: the head of service of the team's service.
    travel(date(2025, 1, 11), hour=9)
    made = ts.escalations_run(today=date(2025, 1, 11))
    assert [(e.level, e.escalated_to, e.days_overdue) for e in made] == [(2, org.hos, 4)]
    assert ts.escalations_run(today=date(2025, 1, 12)) == []
    assert _escalations() == [(1, org.tm.pk), (2, org.hos.pk)]
    assert ref_decision(overdue).escalation_level == 2


def test_an_item_found_past_both_points_escalates_to_both_at_once(org, overdue, travel):
    travel(date(2025, 1, 13), hour=9)
    made = ts.escalations_run(today=date(2025, 1, 13))
    assert [(e.level, e.escalated_to) for e in made] == [(1, org.tm), (2, org.hos)]


def test_the_escalation_level_is_kept_through_a_full_recompute(org, overdue, travel):
    ts.escalations_run(today=TODAY)
    recompute(travel)
    assert ref_decision(overdue).escalation_level == 1
    assert ts.escalations_run(today=TODAY) == []
    assert _escalations() == [(1, org.tm.pk)]


def test_acknowledged_items_still_escalate(org, overdue):
    ts.deadlines_acknowledge(actor=org.tm, deadlines=[ref_decision(overdue)], reason=ACK)
    assert [e.level for e in ts.escalations_run(today=TODAY)] == [1]


def test_a_reassigned_item_escalates_to_the_new_workers_team_manager(org, overdue):
    _can_open(org.other_sw, overdue.child)
    ts.deadline_reassign(actor=org.hos, deadline=ref_decision(overdue), to=org.other_sw)
    made = ts.escalations_run(today=TODAY)
    assert [(e.escalated_to, e.responsible) for e in made] == [(org.other_tm, org.other_sw)]


# ---------------------------------------------------------------------------------------------
# selectors.work_for: buckets and scope
# ---------------------------------------------------------------------------------------------


def test_work_is_bucketed_overdue_today_and_this_week(org, make_story, travel):
    # Wednesday 15 January 2025. Referrals on Monday, Tuesday and Wednesday: their decisions were
    # due on Tuesday (overdue), are due today, and tomorrow. Their assessments (due in March) are
    # beyond the week and their drift clocks are not raised, so neither is in the queue.
    travel(date(2025, 1, 15), hour=9)
    stories = {}
    for name, day in (
        ("overdue", date(2025, 1, 13)),
        ("today", date(2025, 1, 14)),
        ("week", date(2025, 1, 15)),
    ):
        stories[name] = make_story(actor=org.sw, date_of_birth=date(2017, 2, 2))
        stories[name].referral(day)
    work = selectors.work_for(org.sw)
    groups = {g.key: [(d.child_id, d.rule_id) for d in g.items] for g in selectors.grouped_by_bucket(work)}
    assert groups == {
        selectors.Bucket.OVERDUE: [(stories["overdue"].child.pk, "REF-DECISION")],
        selectors.Bucket.TODAY: [(stories["today"].child.pk, "REF-DECISION")],
        selectors.Bucket.THIS_WEEK: [(stories["week"].child.pk, "REF-DECISION")],
    }
    counts = selectors.work_counts_for(org.sw)
    assert (counts.overdue, counts.today, counts.this_week) == (1, 1, 1)


def test_a_worker_never_sees_another_workers_childs_items(org, overdue, make_story):
    theirs = make_story(actor=org.sw2, date_of_birth=date(2014, 1, 1))
    theirs.referral(REFERRAL)
    mine, their_key = ref_decision(overdue).key, ref_decision(theirs).key
    assert mine in _keys(org.sw) and their_key not in _keys(org.sw)
    assert their_key in _keys(org.sw2) and mine not in _keys(org.sw2)
    # Their manager sees the team's work, but it is not their own queue.
    assert not _keys(org.tm)
    team_keys = set(selectors.team_work(org.tm, org.team.pk).values_list("key", flat=True))
    assert {mine, their_key} <= team_keys
    assert not set(selectors.team_work(org.far_tm, org.team.pk).values_list("key", flat=True))


def test_a_raised_drift_flag_is_work_and_one_being_watched_is_not(org, make_story, travel):
    travel(date(2025, 3, 10), hour=9)
    story = make_story(actor=org.sw, date_of_birth=date(2017, 2, 2))
    story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))  # no progress since: flagged 3 March
    watched = make_story(actor=org.sw, date_of_birth=date(2017, 2, 2))
    watched.referral(date(2025, 2, 3), decided=date(2025, 2, 3))  # flagged only from 31 March
    keys = {(d.child_id, d.rule_id) for d in selectors.work_for(org.sw)}
    assert (story.child.pk, "DRIFT-NO-PROGRESS") in keys
    assert (watched.child.pk, "DRIFT-NO-PROGRESS") not in keys
