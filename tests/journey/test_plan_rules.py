"""Integrity rules for child protection plans, child in need plans, and what plans contain."""

from datetime import date

import pytest

from carepath.core import codes
from carepath.journey import integrity, services
from carepath.journey import models as jm
from tests.journey.helpers import refused

pytestmark = pytest.mark.django_db

Kind = jm.ChildProtectionConference.Kind


class TestChildProtectionPlans:
    def test_a_plan_that_does_not_start_on_the_conference_date_is_refused(self, journey, referral):
        conference = journey.conference(referral)
        with refused(
            "start_date",
            "starts on the day of the initial conference (3 February 2025), not on 4 February 2025",
        ):
            services.cp_plan_start(
                actor=journey.actor,
                conference=conference,
                initial_category=codes.CPCategory.NEGLECT,
                start_date=date(2025, 2, 4),
            )

    def test_a_plan_starts_on_the_conference_date_by_default(self, journey, referral):
        plan = journey.cp_plan(referral)
        assert plan.start_date == date(2025, 2, 3) and plan.latest_category == codes.CPCategory.NEGLECT

    def test_a_plan_from_a_conference_that_decided_against_one_is_refused(self, journey, referral):
        conference = journey.conference(referral, plan_required=False)
        with refused(
            "initial_conference",
            "The initial conference on 3 February 2025 did not decide on a child protection plan",
        ):
            services.cp_plan_start(
                actor=journey.actor, conference=conference, initial_category=codes.CPCategory.NEGLECT
            )

    def test_a_plan_from_a_review_conference_is_refused(self, journey, referral):
        journey.cp_plan(referral)
        review = journey.conference(referral, date(2025, 4, 28), kind=Kind.REVIEW)
        with refused(
            "initial_conference",
            "can only start from an initial conference; the conference on 28 April 2025 was a review",
        ):
            services.cp_plan_start(
                actor=journey.actor, conference=review, initial_category=codes.CPCategory.NEGLECT
            )

    def test_a_second_plan_from_the_same_conference_is_refused(self, journey, referral):
        plan = journey.cp_plan(referral)
        services.cp_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 2, 4))
        with refused("initial_conference", "was already started from this conference"):
            services.cp_plan_start(
                actor=journey.actor,
                conference=plan.initial_conference,
                initial_category=codes.CPCategory.NEGLECT,
            )

    def test_a_plan_before_its_referral_breaks_the_rule_with_the_referral_date(self, journey, referral):
        conference = journey.conference(referral)
        with refused(
            "start_date",
            "The plan start date (1 January 2025) cannot be before the referral it belongs to, "
            "which was made on 6 January 2025",
        ):
            services.cp_plan_start(
                actor=journey.actor,
                conference=conference,
                initial_category=codes.CPCategory.NEGLECT,
                start_date=date(2025, 1, 1),
            )

    def test_a_plan_ending_on_its_first_day_is_refused(self, journey, referral):
        plan = journey.cp_plan(referral)
        with refused("end_date", "cannot start and end on the same day (3 February 2025)"):
            services.cp_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 2, 3))
        plan.refresh_from_db()
        assert plan.end_date is None

    def test_a_plan_ending_the_next_day_is_accepted(self, journey, referral):
        plan = journey.cp_plan(referral)
        services.cp_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 2, 4))
        plan.refresh_from_db()
        assert plan.end_date == date(2025, 2, 4)

    def test_a_plan_overlapping_another_is_refused(self, journey, referral):
        journey.cp_plan(referral)
        second_conference = journey.conference(referral, date(2025, 3, 3))
        with refused(
            "start_date",
            "This child protection plan would overlap the plan that started on 3 February 2025 "
            "and has not ended",
        ):
            services.cp_plan_start(
                actor=journey.actor, conference=second_conference, initial_category=codes.CPCategory.EMOTIONAL
            )

    def test_a_plan_starting_the_day_the_previous_one_ended_is_accepted(self, journey, referral):
        first = journey.cp_plan(referral)
        services.cp_plan_end(actor=journey.actor, plan=first, end_date=date(2025, 3, 3))
        second = journey.cp_plan(referral, date(2025, 3, 3))
        assert second.pk and second.start_date == first.end_date

    def test_a_plan_while_a_child_in_need_plan_runs_is_refused(self, journey, referral):
        services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 20))
        conference = journey.conference(referral)
        with refused(
            "start_date",
            "A child protection plan cannot run alongside a child in need plan. The child in "
            "need plan that started on 20 January 2025 and has not ended must end on or before "
            "3 February 2025 first",
        ):
            services.cp_plan_start(
                actor=journey.actor, conference=conference, initial_category=codes.CPCategory.NEGLECT
            )
        assert jm.ChildInNeedPlan.objects.get(referral=referral).end_date is None

    def test_a_plan_that_ends_the_child_in_need_plan_on_its_start_date_is_accepted(self, journey, referral):
        services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 20))
        plan = journey.cp_plan(referral, end_open_cin_plan=True)
        assert (
            jm.ChildInNeedPlan.objects.get(referral=referral).end_date == plan.start_date == date(2025, 2, 3)
        )

    def test_a_review_deciding_the_plan_is_no_longer_needed_ends_it_that_day(self, journey, referral):
        plan = journey.cp_plan(referral)
        journey.conference(referral, date(2025, 4, 28), kind=Kind.REVIEW, plan_required=False)
        plan.refresh_from_db()
        assert plan.end_date == date(2025, 4, 28)

    def test_a_plan_on_a_referral_marked_no_further_action_breaks_the_rule(self, journey):
        nfa = journey.referral(nfa=True)
        unsaved = jm.ChildProtectionPlan(referral=nfa, child=journey.child, start_date=date(2025, 1, 6))
        (violation,) = integrity.cp_plan_not_on_nfa_referral(unsaved)
        assert violation.rule_id == "CIN 8832" and "no further action" in violation.message

    def test_a_plan_running_past_the_closure_of_its_referral_breaks_the_rule(self, journey, referral):
        journey.close(referral, date(2025, 2, 28))
        unsaved = jm.ChildProtectionPlan(
            referral=referral, child=journey.child, start_date=date(2025, 2, 3), end_date=date(2025, 3, 3)
        )
        (violation,) = integrity.cp_plan_within_its_referral(unsaved)
        assert (
            violation.field == "end_date"
            and "after the case was closed on 28 February 2025" in violation.message
        )


class TestChildInNeedPlans:
    def test_a_plan_before_the_referral_is_refused(self, journey, referral):
        with refused("start_date", "The plan start date (2 January 2025) cannot be before the referral"):
            services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 2))

    def test_a_plan_from_the_referral_date_is_accepted(self, journey, referral):
        assert services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 6)).pk

    def test_overlapping_plans_are_refused(self, journey, referral):
        services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 20))
        with refused(
            "start_date", "This child in need plan would overlap the plan that started on 20 January 2025"
        ):
            services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 3, 3))

    def test_a_plan_starting_when_the_previous_one_ended_is_accepted(self, journey, referral):
        first = services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 20))
        services.cin_plan_end(actor=journey.actor, plan=first, end_date=date(2025, 3, 3))
        assert services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 3, 3)).pk

    def test_a_plan_alongside_a_child_protection_plan_is_refused(self, journey, referral):
        journey.cp_plan(referral)
        with refused(
            "start_date",
            "A child in need plan cannot run alongside a child protection plan",
            "started on 3 February 2025 and has not ended",
        ):
            services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 3, 3))

    def test_a_plan_from_the_day_the_protection_plan_ended_is_accepted(self, journey, referral):
        plan = journey.cp_plan(referral)
        services.cp_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 5, 5))
        assert services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 5, 5)).pk

    def test_ending_before_the_start_is_refused(self, journey, referral):
        plan = services.cin_plan_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 20))
        with refused("end_date", "cannot end before it started on 20 January 2025"):
            services.cin_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 1, 19))


class TestWhatPlansContain:
    @pytest.fixture
    def plan(self, journey, referral):
        return journey.cp_plan(referral)

    def test_an_action_without_an_owner_is_refused(self, journey, plan):
        with refused("owner", "Enter who must do this action."):
            services.plan_action_create(
                actor=journey.actor,
                cp_plan=plan,
                action="Attend parenting course",
                owner="  ",
                due_on=date(2025, 3, 31),
            )

    def test_an_action_without_a_due_date_is_refused(self, journey, plan):
        with refused("due_on", "Enter the date this action must be done by."):
            services.plan_action_create(
                actor=journey.actor,
                cp_plan=plan,
                action="Attend parenting course",
                owner="Mother",
                due_on=None,
            )

    def test_an_action_due_before_the_plan_started_is_refused(self, journey, plan):
        with refused("due_on", "cannot be before the plan started on 3 February 2025"):
            services.plan_action_create(
                actor=journey.actor,
                cp_plan=plan,
                action="Attend parenting course",
                owner="Mother",
                due_on=date(2025, 1, 31),
            )

    def test_an_action_with_owner_and_due_date_is_accepted(self, journey, plan):
        outcome = services.plan_outcome_create(
            actor=journey.actor, plan=plan, outcome="The children are fed and sent to school every day."
        )
        action = services.plan_action_create(
            actor=journey.actor,
            cp_plan=plan,
            outcome=outcome,
            owner="Mother",
            action="Attend parenting course",
            due_on=date(2025, 3, 31),
        )
        services.plan_action_complete(actor=journey.actor, plan_action=action, completed_on=date(2025, 3, 28))
        action.refresh_from_db()
        assert (action.owner, action.due_on, action.completed_on) == (
            "Mother",
            date(2025, 3, 31),
            date(2025, 3, 28),
        )

    def test_an_outcome_left_blank_is_refused(self, journey, plan):
        with refused("outcome", "Describe what must be different for the child."):
            services.plan_outcome_create(actor=journey.actor, plan=plan, outcome="")

    def test_a_core_group_before_the_plan_started_is_refused(self, journey, plan):
        with refused(
            "held_on", "A core group cannot meet before the child protection plan started on 3 February 2025"
        ):
            services.core_group_record(actor=journey.actor, plan=plan, held_on=date(2025, 1, 31))

    def test_a_core_group_within_ten_working_days_is_accepted(self, journey, plan):
        meeting = services.core_group_record(actor=journey.actor, plan=plan, held_on=date(2025, 2, 14))
        assert meeting.child == journey.child
