"""Auditing stored records (imported or generated, not entered through the services) with the same
rules."""

from datetime import date

import pytest

from carepath.core import codes
from carepath.journey import integrity, services
from carepath.journey import models as jm
from tests import factories as f
from tests.journey import factories as jf

pytestmark = pytest.mark.django_db


def rule_ids(child) -> set[str]:
    return {v.rule_id for v in integrity.violations_for_child(child)}


def test_a_journey_entered_through_the_services_has_no_violations(journey, referral):
    journey.assessment(referral, date(2025, 1, 7), completed=date(2025, 1, 30), authorised=date(2025, 1, 31))
    plan = journey.cp_plan(referral)
    services.plan_action_create(
        actor=journey.actor,
        cp_plan=plan,
        action="Attend parenting course",
        owner="Mother",
        due_on=date(2025, 3, 31),
    )
    journey.conference(
        referral, date(2025, 4, 28), kind=jm.ChildProtectionConference.Kind.REVIEW, plan_required=False
    )
    journey.looked_after(date(2025, 5, 6))
    services.looked_after_change(
        actor=journey.actor,
        child=journey.child,
        change_date=date(2025, 6, 2),
        legal_status=codes.LegalStatus.FULL_CARE_ORDER,
    )
    assert integrity.violations_for_child(journey.child) == []


def test_overlapping_plans_and_a_plan_not_starting_at_its_conference_are_reported():
    referral = f.ReferralFactory(referral_date=date(2025, 1, 6))
    jf.ChildProtectionPlanFactory(initial_conference__referral=referral)
    late = jf.ChildProtectionPlanFactory(
        initial_conference__referral=referral,
        initial_conference__held_on=date(2025, 3, 3),
        start_date=date(2025, 3, 4),
    )
    messages = [v.message for v in integrity.violations_for_child(referral.child)]
    assert any(
        "would overlap the plan that started on 3 February 2025 and has not ended" in msg for msg in messages
    )
    assert any(
        "would overlap the plan that started on 4 March 2025 and has not ended" in msg for msg in messages
    )
    assert any("(3 March 2025), not on 4 March 2025" in msg for msg in messages)
    assert late.pk


def test_a_cin_plan_alongside_a_cp_plan_and_overlapping_referrals_are_reported():
    child = f.ChildFactory()
    first = f.ReferralFactory(child=child, referral_date=date(2025, 1, 6))
    f.ReferralFactory(child=child, referral_date=date(2025, 2, 3))
    jf.ChildProtectionPlanFactory(initial_conference__referral=first)
    jf.ChildInNeedPlanFactory(referral=first, start_date=date(2025, 1, 20))
    assert {"CIN 4001", "rules.md 9.2"} <= rule_ids(child)


def test_an_episode_ended_x1_with_nothing_following_is_reported():
    episode = jf.LookedAfterEpisodeFactory(
        end_date=date(2025, 4, 7), reason_ceased=codes.ReasonEpisodeCeased.NEW_EPISODE
    )
    (violation,) = integrity.violations_for_child(episode.child)
    assert violation.rule_id == "rules.md 9.1"
    assert (
        "ended on 7 April 2025 with 'a new episode starts the same day' (X1), but no episode starts"
        in violation.message
    )


def test_an_assessment_with_an_unknown_factor_on_a_closed_referral_is_reported_once_per_rule():
    referral = f.ReferralFactory(referral_date=date(2025, 1, 6))
    jf.AssessmentFactory(
        referral=referral, start_date=date(2025, 1, 7), completed_on=date(2025, 1, 30), factors=["18A", "21"]
    )
    violations = integrity.violations_for_child(referral.child)
    assert sorted(v.rule_id for v in violations) == ["CIN 8869", "rules.md 9.2"]
