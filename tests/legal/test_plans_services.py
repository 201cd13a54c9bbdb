"""Authorised plans (F04): a new version takes effect only with a recorded decision that may
authorise it, from someone entitled to decide; every other attempt is refused and kept."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.core.permissions import Role, Scope
from carepath.journey import models as jm
from carepath.legal import models as lm
from carepath.legal.models.plans import DecisionKind, PlanKind
from carepath.legal.selectors.plans import actions_diff, plans_for_child, text_diff
from carepath.legal.services.plans import plan_authorise, plan_in_force
from carepath.people import models as pm
from tests import factories as f
from tests.journey.factories import InitialConferenceFactory
from tests.legal import factories as lf

TODAY = date.today()
ACTIONS = [{"what": "Weekly supervised family time", "who": "Contact service", "by_when": "2030-01-31"}]


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def review(child, *, held_on=None, chair=None) -> jm.LookedAfterReview:
    return jm.LookedAfterReview.objects.create(
        child=child,
        held_on=held_on or days_ago(10),
        participation=codes.ReviewParticipation.PN0,
        chaired_by=chair,
    )


def conference(child, *, held_on=None, **kwargs) -> jm.ChildProtectionConference:
    return InitialConferenceFactory(
        referral=f.ReferralFactory(child=child), child=child, held_on=held_on or days_ago(10), **kwargs
    )


def panel_decision(children, child, *, decided_on=None) -> lm.PanelDecision:
    case = lf.legal_case(children)
    request = lf.gateway_request(case)
    meeting = lf.panel_meeting(held_on=decided_on or days_ago(7))
    return lm.PanelDecision.objects.create(
        meeting=meeting,
        request=request,
        child=child,
        decided_on=decided_on or days_ago(7),
        outcome=codes.LegalGatewayOutcome.PRE_PROCEEDINGS,
        rationale="Neglect continues despite support.",
    )


def pp_meeting(children, *, held_on=None, effective=True) -> lm.PreProceedingsMeeting:
    pp = lf.pre_proceedings(lf.legal_case(children), started_on=days_ago(40))
    return lm.PreProceedingsMeeting.objects.create(
        pre_proceedings=pp,
        kind=lm.PreProceedingsMeeting.Kind.INITIAL,
        held_on=held_on or days_ago(20),
        effective=effective,
    )


@pytest.fixture
def worker(team):
    return f.UserFactory(team=team)


@pytest.fixture
def manager(team):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=team)


@pytest.fixture
def child(worker):
    return lf.family_of(1, worker=worker)[0]


def authorise(actor, child, *, kind=PlanKind.CARE_PLAN, decision=None, decision_kind=None, **overrides):
    if decision_kind is None:
        decision_kind = {
            jm.LookedAfterReview: DecisionKind.CLA_REVIEW,
            jm.ChildProtectionConference: DecisionKind.CONFERENCE,
            lm.PanelDecision: DecisionKind.PANEL,
            lm.PreProceedingsMeeting: DecisionKind.PRE_PROCEEDINGS_MEETING,
        }.get(type(decision), DecisionKind.MANAGER)
    current = plan_in_force(child, kind)
    values = {
        "summary": "Return home to mother with support.",
        "actions": ACTIONS,
        "contingency": "Placement with maternal aunt.",
        "decision_summary": "The review agreed the plan.",
        "authorised_on": TODAY,
        "change_summary": "" if current is None else "Updated after the review.",
        "expected_number": current.number + 1 if current else 1,
    }
    values.update(overrides)
    return plan_authorise(
        actor=actor, child=child, kind=kind, decision_kind=decision_kind, decision=decision, **values
    )


def refusals(child):
    return list(lm.PlanChangeRefused.objects.filter(child=child))


# --- what is allowed ---------------------------------------------------------------------------


def test_a_manager_authorises_the_first_version_with_a_review(manager, child):
    decision = review(child)
    plan = authorise(manager, child, decision=decision)
    assert plan.number == 1
    assert plan.cla_review == decision
    assert plan.authorised_by == manager
    assert plan.actions == ACTIONS
    assert plan_in_force(child, PlanKind.CARE_PLAN) == plan
    assert ChangeEvent.objects.filter(child=child, record_type="legal.AuthorisedPlan").count() == 1
    assert refusals(child) == []


def test_the_plan_in_force_is_the_newest_version_and_older_ones_are_kept(manager, child):
    first = authorise(manager, child, decision=review(child, held_on=days_ago(100)), summary="First.")
    second = authorise(manager, child, decision=review(child, held_on=days_ago(5)), summary="Second.")
    assert second.number == 2
    assert plan_in_force(child, PlanKind.CARE_PLAN) == second
    first.refresh_from_db()
    assert first.summary == "First."
    assert first.number == 1


def test_each_kind_pairs_with_the_forums_that_can_decide_it(manager, child):
    assert authorise(manager, child, kind=PlanKind.CP_PLAN, decision=conference(child)).number == 1
    assert (
        authorise(manager, child, kind=PlanKind.CARE_PLAN, decision=panel_decision([child], child)).number
        == 1
    )
    assert (
        authorise(manager, child, kind=PlanKind.PRE_PROCEEDINGS_PLAN, decision=pp_meeting([child])).number
        == 1
    )
    manager_cp = authorise(
        manager, child, kind=PlanKind.CP_PLAN, decision=None, decision_summary="I decided."
    )
    assert manager_cp.decision_kind == DecisionKind.MANAGER
    assert manager_cp.number == 2


def test_an_iro_authorises_with_the_review_they_chaired(child):
    iro = f.UserFactory(role=Role.IRO)
    f.allocate(child, iro, kind=pm.Allocation.Kind.IRO)
    plan = authorise(iro, child, decision=review(child, chair=iro))
    assert plan.authorised_by == iro


# --- refusals that are kept --------------------------------------------------------------------


def test_a_change_without_a_decision_is_refused_and_the_attempt_is_kept(manager, child):
    with pytest.raises(ValidationError) as refused:
        authorise(manager, child, decision_kind=DecisionKind.CLA_REVIEW, decision=None, summary="Adoption.")
    assert "needs a recorded decision" in refused.value.message_dict["decision"][0]
    assert plan_in_force(child, PlanKind.CARE_PLAN) is None
    [row] = refusals(child)
    assert row.attempted_by == manager
    assert row.kind == PlanKind.CARE_PLAN
    assert "needs a recorded decision" in row.why_refused
    assert row.proposed["summary"] == "Adoption."
    assert row.proposed["actions"] == ACTIONS


def test_a_change_to_a_plan_in_force_without_a_decision_leaves_it_in_force(manager, child):
    plan = authorise(manager, child, decision=review(child))
    with pytest.raises(ValidationError):
        authorise(manager, child, decision_kind="", decision=None, summary="Quietly changed.")
    assert plan_in_force(child, PlanKind.CARE_PLAN) == plan
    assert len(refusals(child)) == 1


@pytest.mark.django_db(transaction=True)
def test_the_refusal_is_kept_although_the_refused_transaction_rolls_back():
    team = f.TeamFactory()
    manager = f.UserFactory(role=Role.TEAM_MANAGER, team=team)
    child = lf.family_of(1, worker=f.UserFactory(team=team))[0]
    with pytest.raises(ValidationError):
        authorise(manager, child, decision_kind=DecisionKind.CLA_REVIEW, decision=None)
    assert lm.PlanChangeRefused.objects.filter(child=child, attempted_by=manager).count() == 1
    assert not lm.AuthorisedPlan.objects.filter(child=child).exists()


def test_a_decision_about_another_child_is_refused(manager, child, worker):
    other = f.ChildFactory()
    with pytest.raises(ValidationError) as refused:
        authorise(manager, child, decision=review(other))
    assert "was not about" in refused.value.message_dict["decision"][0]
    assert len(refusals(child)) == 1


def test_a_panel_decision_for_a_sibling_is_refused(manager, worker):
    child, sibling = lf.family_of(2, worker=worker)
    with pytest.raises(ValidationError, match="was not about"):
        authorise(manager, child, decision=panel_decision([child, sibling], sibling))


def test_a_pre_proceedings_meeting_of_another_family_is_refused(manager, child):
    with pytest.raises(ValidationError, match="was not about"):
        authorise(manager, child, kind=PlanKind.PRE_PROCEEDINGS_PLAN, decision=pp_meeting([f.ChildFactory()]))
    assert (
        authorise(manager, child, kind=PlanKind.PRE_PROCEEDINGS_PLAN, decision=pp_meeting([child])).number
        == 1
    )


def test_a_social_worker_cannot_authorise(worker, child):
    with pytest.raises(PermissionDenied, match="Ask your team manager"):
        authorise(worker, child, decision=review(child))
    [row] = refusals(child)
    assert row.attempted_by == worker
    assert not lm.AuthorisedPlan.objects.exists()


def test_a_manager_of_another_team_cannot_authorise(child):
    outsider = f.UserFactory(role=Role.TEAM_MANAGER, scope=Scope.TEAM)
    with pytest.raises(PermissionDenied):
        authorise(outsider, child, decision=review(child))
    assert refusals(child)[0].attempted_by == outsider


def test_only_a_manager_may_decide_alone(child):
    iro = f.UserFactory(role=Role.IRO, scope=Scope.AUTHORITY)
    with pytest.raises(ValidationError, match="Only a team manager, head of service or director"):
        authorise(iro, child, decision=None, decision_kind=DecisionKind.MANAGER)
    assert len(refusals(child)) == 1


def test_a_manager_deciding_alone_must_say_what_they_decided(manager, child):
    with pytest.raises(ValidationError) as refused:
        authorise(manager, child, decision=None, decision_summary="  ")
    assert "decision_summary" in refused.value.message_dict
    assert len(refusals(child)) == 1


@pytest.mark.parametrize(
    ("kind", "make", "words"),
    [
        (PlanKind.CP_PLAN, lambda c: review(c), "child protection plan can only be authorised by"),
        (PlanKind.CARE_PLAN, lambda c: conference(c), "care plan can only be authorised by"),
        (PlanKind.PRE_PROCEEDINGS_PLAN, lambda c: None, "pre-proceedings plan can only be authorised by"),
    ],
)
def test_a_decision_of_the_wrong_kind_for_the_plan_is_refused(manager, child, kind, make, words):
    with pytest.raises(ValidationError, match=words):
        authorise(manager, child, kind=kind, decision=make(child))
    assert len(refusals(child)) == 1


def test_a_decision_dated_in_the_future_is_refused(manager, child):
    with pytest.raises(ValidationError, match="in the future"):
        authorise(manager, child, decision=review(child, held_on=TODAY + timedelta(days=3)))


def test_a_decision_older_than_the_one_behind_the_plan_in_force_is_refused(manager, child):
    old = review(child, held_on=days_ago(60))
    authorise(manager, child, decision=review(child, held_on=days_ago(10)))
    with pytest.raises(ValidationError, match="is older than the decision that authorised version 1"):
        authorise(manager, child, decision=old)
    assert len(refusals(child)) == 1


def test_the_decision_behind_the_plan_in_force_cannot_authorise_another_change(manager, child):
    decision = review(child)
    authorise(manager, child, decision=decision)
    with pytest.raises(ValidationError, match="already authorised version 1"):
        authorise(manager, child, decision=decision, summary="Changed again.")


def test_a_conference_that_decided_no_plan_cannot_authorise_one(manager, child):
    with pytest.raises(ValidationError, match="does not need a child protection plan"):
        authorise(manager, child, kind=PlanKind.CP_PLAN, decision=conference(child, plan_required=False))


def test_a_meeting_that_did_not_go_ahead_cannot_authorise(manager, child):
    with pytest.raises(ValidationError, match="did not go ahead"):
        authorise(
            manager, child, kind=PlanKind.PRE_PROCEEDINGS_PLAN, decision=pp_meeting([child], effective=False)
        )


def test_a_plan_cannot_be_authorised_before_its_decision(manager, child):
    with pytest.raises(ValidationError) as refused:
        authorise(manager, child, decision=review(child, held_on=days_ago(5)), authorised_on=days_ago(6))
    assert "authorised_on" in refused.value.message_dict


# --- refusals of input, and conflicts: not attempts without a decision -------------------------


@pytest.mark.parametrize(
    ("actions", "words"),
    [
        ([], "at least one"),
        (
            [{"what": "Parenting course", "who": "", "by_when": "2030-01-01"}],
            "Action 1: enter who will do it",
        ),
        ([{"what": "Parenting course", "who": "Mother", "by_when": "soon"}], "must be a real date"),
        ([{"what": "", "who": "Mother", "by_when": "2030-01-01"}], "Action 1: enter what must happen"),
    ],
)
def test_every_action_needs_what_who_and_by_when(manager, child, actions, words):
    with pytest.raises(ValidationError) as refused:
        authorise(manager, child, decision=review(child), actions=actions)
    assert words in " ".join(refused.value.message_dict["actions"])
    assert refusals(child) == []


def test_a_second_version_says_what_changed(manager, child):
    authorise(manager, child, decision=review(child, held_on=days_ago(30)))
    with pytest.raises(ValidationError) as refused:
        authorise(manager, child, decision=review(child), change_summary="")
    assert "change_summary" in refused.value.message_dict


def test_two_people_authorising_at_once_the_second_is_told(manager, child):
    head = f.UserFactory(role=Role.HEAD_OF_SERVICE, scope=Scope.AUTHORITY)
    first = authorise(manager, child, decision=review(child, held_on=days_ago(20)), expected_number=1)
    with pytest.raises(EditConflict) as conflict:
        authorise(head, child, decision=review(child), expected_number=1, summary="Mine.")
    assert conflict.value.record == first
    assert lm.AuthorisedPlan.objects.filter(child=child).count() == 1
    assert refusals(child) == []


# --- reading: the decision behind each version, and what changed -------------------------------


def test_text_diff_marks_what_was_inserted_and_removed():
    segments = text_diff("Return home to mother.", "Return home to father.")
    assert [(s.op, s.text) for s in segments] == [
        ("same", "Return home to "),
        ("removed", "mother."),
        ("inserted", "father."),
    ]


def test_actions_diff_shows_added_removed_and_kept_actions():
    kept = {"what": "Family time", "who": "Contact service", "by_when": "2030-01-31"}
    dropped = {"what": "Drug testing", "who": "Mother", "by_when": "2030-02-01"}
    added = {"what": "Parenting course", "who": "Father", "by_when": "2030-03-01"}
    ops = [(s.op, s.text.split(" (")[0]) for s in actions_diff([kept, dropped], [kept, added])]
    assert ops == [("same", "Family time"), ("removed", "Drug testing"), ("inserted", "Parenting course")]


def test_plans_for_child_shows_the_decision_and_the_changes(manager, child):
    chair = f.UserFactory(role=Role.IRO)
    authorise(manager, child, decision=review(child, held_on=days_ago(40)), summary="Return home.")
    authorise(
        manager,
        child,
        decision=review(child, held_on=days_ago(3), chair=chair),
        summary="Adoption.",
        decision_summary="The review agreed adoption as the plan.",
    )
    care = next(p for p in plans_for_child(actor=manager, child=child) if p.kind == PlanKind.CARE_PLAN)
    assert care.in_force.plan.number == 2
    assert care.in_force.decision.on == days_ago(3)
    assert str(chair) in care.in_force.decision.by
    assert care.in_force.decision.words == "The review agreed adoption as the plan."
    assert ("removed", "Return home.") in [(s.op, s.text) for s in care.in_force.summary_diff]
    assert ("inserted", "Adoption.") in [(s.op, s.text) for s in care.in_force.summary_diff]
    assert [v.plan.number for v in care.versions] == [2, 1]
