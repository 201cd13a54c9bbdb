"""Integrity rules for assessments, strategy discussions, section 47 enquiries and conferences."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from carepath.journey import models as jm
from carepath.journey import services
from tests.journey.helpers import at, refused

pytestmark = pytest.mark.django_db

Outcome = jm.Assessment.Outcome
Kind = jm.ChildProtectionConference.Kind


class TestAssessments:
    def test_starting_before_the_referral_is_refused(self, journey, referral):
        with refused(
            "start_date",
            "The assessment start date (1 January 2025) cannot be before the referral it "
            "belongs to, which was made on 6 January 2025",
        ):
            journey.assessment(referral, date(2025, 1, 1))

    def test_starting_on_the_referral_date_is_accepted(self, journey, referral):
        assert journey.assessment(referral, date(2025, 1, 6)).pk

    def test_starting_after_the_case_closed_is_refused(self, journey, referral):
        journey.close(referral, date(2025, 2, 28))
        with refused("start_date", "cannot be after the case was closed on 28 February 2025"):
            journey.assessment(referral, date(2025, 3, 3))

    def test_starting_on_the_closure_date_is_accepted(self, journey, referral):
        journey.close(referral, date(2025, 2, 28))
        assert journey.assessment(referral, date(2025, 2, 28)).pk

    def test_an_assessment_on_a_referral_marked_no_further_action_is_refused(self, journey):
        nfa = journey.referral(nfa=True)
        with refused("referral", "was closed with no further action, so an assessment cannot be recorded"):
            journey.assessment(nfa, date(2025, 1, 7))

    def test_authorising_before_the_start_is_refused(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7), completed=date(2025, 1, 7))
        with refused("authorised_on", "cannot be authorised before it started on 7 January 2025"):
            services.assessment_authorise(
                actor=journey.actor, assessment=assessment, authorised_on=date(2025, 1, 6)
            )
        assessment.refresh_from_db()
        assert assessment.authorised_on is None

    def test_authorising_on_the_start_day_is_accepted(self, journey, referral):
        assessment = journey.assessment(
            referral, date(2025, 1, 7), completed=date(2025, 1, 7), authorised=date(2025, 1, 7)
        )
        assessment.refresh_from_db()
        assert assessment.authorised_on == date(2025, 1, 7) and assessment.authorised_by == journey.actor

    def test_completing_before_the_start_is_refused(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7))
        with refused("completed_on", "cannot be completed before it started on 7 January 2025"):
            services.assessment_complete(
                actor=journey.actor,
                assessment=assessment,
                completed_on=date(2025, 1, 6),
                outcome=Outcome.NFA,
                factors=["21"],
            )
        assessment.refresh_from_db()
        assert (assessment.completed_on, assessment.outcome, assessment.factors) == (None, "", [])

    def test_a_second_assessment_while_one_is_in_progress_is_refused(self, journey, referral):
        journey.assessment(referral, date(2025, 1, 7))
        with refused("start_date", "The assessment that started on 7 January 2025 is still in progress"):
            journey.assessment(referral, date(2025, 2, 3))

    def test_a_second_assessment_after_the_first_is_completed_is_accepted(self, journey, referral):
        journey.assessment(referral, date(2025, 1, 7), completed=date(2025, 1, 31))
        assert journey.assessment(referral, date(2025, 2, 3)).pk

    def test_factor_codes_outside_the_census_list_are_refused(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7))
        with refused("factors", "99Z is not a factor in the children in need census list"):
            services.assessment_complete(
                actor=journey.actor,
                assessment=assessment,
                completed_on=date(2025, 2, 3),
                outcome=Outcome.CIN_PLAN,
                factors=["3B", "99Z"],
            )

    def test_factor_codes_from_the_census_list_are_accepted(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7))
        services.assessment_complete(
            actor=journey.actor,
            assessment=assessment,
            completed_on=date(2025, 2, 3),
            outcome=Outcome.CIN_PLAN,
            factors=["3B", "4B"],
        )
        assessment.refresh_from_db()
        assert assessment.factors == ["3B", "4B"]

    def test_no_factors_alongside_other_factors_is_refused(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7))
        with refused("factors", "'No factors identified' cannot be chosen together with other factors"):
            services.assessment_complete(
                actor=journey.actor,
                assessment=assessment,
                completed_on=date(2025, 2, 3),
                outcome=Outcome.NFA,
                factors=["21", "3B"],
            )

    def test_no_factors_on_its_own_is_accepted(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7))
        services.assessment_complete(
            actor=journey.actor,
            assessment=assessment,
            completed_on=date(2025, 2, 3),
            outcome=Outcome.NFA,
            factors=["21"],
        )
        assessment.refresh_from_db()
        assert assessment.factors == ["21"]

    def test_starting_in_the_future_is_refused(self, journey, referral):
        with refused("start_date", "cannot be in the future"):
            journey.assessment(referral, timezone.localdate() + timedelta(days=1))

    def test_a_late_reason_given_is_kept(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7), completed=date(2025, 4, 1))
        services.assessment_authorise(
            actor=journey.actor,
            assessment=assessment,
            authorised_on=date(2025, 4, 2),
            late_reason="Father in hospital; could not be seen until March.",
        )
        assessment.refresh_from_db()
        assert assessment.late_reason == "Father in hospital; could not be seen until March."

    def test_authorising_before_completion_is_refused(self, journey, referral):
        assessment = journey.assessment(referral, date(2025, 1, 7))
        with refused("authorised_on", "Record the assessment as complete before authorising it."):
            services.assessment_authorise(
                actor=journey.actor, assessment=assessment, authorised_on=date(2025, 2, 3)
            )


class TestStrategyDiscussionsAndSection47:
    def test_a_strategy_discussion_before_the_referral_is_refused(self, journey, referral):
        with refused("held_at", "The strategy discussion (5 January 2025) cannot be before the referral"):
            services.strategy_discussion_record(
                actor=journey.actor,
                referral=referral,
                held_at=at(date(2025, 1, 5)),
                attendees="Social care, police, health",
                section_47_initiated=True,
            )

    def test_a_strategy_discussion_that_starts_section_47_starts_it_that_day(self, journey, referral):
        discussion = services.strategy_discussion_record(
            actor=journey.actor,
            referral=referral,
            held_at=at(date(2025, 1, 20)),
            attendees="Social care, police, health",
            section_47_initiated=True,
        )
        (enquiry,) = discussion.enquiries.all()
        assert (enquiry.start_date, enquiry.referral) == (date(2025, 1, 20), referral)

    def test_section_47_before_the_referral_is_refused(self, journey, referral):
        with refused(
            "start_date", "The section 47 start date (3 January 2025) cannot be before the referral"
        ):
            services.section_47_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 3))

    def test_section_47_on_the_referral_date_is_accepted(self, journey, referral):
        assert services.section_47_start(
            actor=journey.actor, referral=referral, start_date=date(2025, 1, 6)
        ).pk

    def test_section_47_on_a_referral_marked_no_further_action_is_refused(self, journey):
        nfa = journey.referral(nfa=True)
        with refused("referral", "so a section 47 enquiry cannot be recorded"):
            services.section_47_start(actor=journey.actor, referral=nfa, start_date=date(2025, 1, 6))

    def test_section_47_before_its_strategy_discussion_is_refused(self, journey, referral):
        discussion = services.strategy_discussion_record(
            actor=journey.actor,
            referral=referral,
            held_at=at(date(2025, 1, 20)),
            attendees="Social care, police",
            section_47_initiated=False,
        )
        with refused("start_date", "cannot start before the strategy discussion on 20 January 2025"):
            services.section_47_start(
                actor=journey.actor,
                referral=referral,
                start_date=date(2025, 1, 17),
                strategy_discussion=discussion,
            )

    def test_a_second_open_section_47_is_refused(self, journey, referral):
        services.section_47_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 20))
        with refused("start_date", "The section 47 enquiry that started on 20 January 2025 is still open"):
            services.section_47_start(actor=journey.actor, referral=referral, start_date=date(2025, 2, 10))

    def test_a_second_section_47_after_the_first_is_completed_is_accepted(self, journey, referral):
        first = services.section_47_start(
            actor=journey.actor, referral=referral, start_date=date(2025, 1, 20)
        )
        services.section_47_complete(
            actor=journey.actor,
            enquiry=first,
            end_date=date(2025, 1, 31),
            outcome=jm.Section47Enquiry.Outcome.CIN,
        )
        first.refresh_from_db()
        assert first.icpc_not_required is True
        assert services.section_47_start(
            actor=journey.actor, referral=referral, start_date=date(2025, 2, 10)
        ).pk

    def test_completing_before_the_start_is_refused(self, journey, referral):
        enquiry = services.section_47_start(
            actor=journey.actor, referral=referral, start_date=date(2025, 1, 20)
        )
        with refused("end_date", "cannot end before it started on 20 January 2025"):
            services.section_47_complete(
                actor=journey.actor,
                enquiry=enquiry,
                end_date=date(2025, 1, 17),
                outcome=jm.Section47Enquiry.Outcome.NFA,
            )


class TestConferences:
    def test_an_initial_conference_before_the_referral_is_refused(self, journey, referral):
        with refused("held_on", "The conference date (3 January 2025) cannot be before the referral"):
            journey.conference(referral, date(2025, 1, 3))

    def test_an_initial_conference_at_a_weekend_is_refused(self, journey, referral):
        with refused("held_on", "8 February 2025 is a Saturday"):
            journey.conference(referral, date(2025, 2, 8))

    def test_an_initial_conference_on_a_weekday_is_accepted(self, journey, referral):
        assert journey.conference(referral, date(2025, 2, 10)).pk

    def test_an_initial_conference_before_its_section_47_is_refused(self, journey, referral):
        enquiry = services.section_47_start(
            actor=journey.actor, referral=referral, start_date=date(2025, 1, 20)
        )
        with refused("held_on", "cannot be before the section 47 enquiry started on 20 January 2025"):
            journey.conference(referral, date(2025, 1, 17), section_47=enquiry)

    def test_an_initial_conference_on_the_day_its_section_47_started_is_accepted(self, journey, referral):
        enquiry = services.section_47_start(
            actor=journey.actor, referral=referral, start_date=date(2025, 1, 20)
        )
        assert journey.conference(referral, date(2025, 1, 20), section_47=enquiry).section_47 == enquiry

    def test_an_initial_conference_on_a_referral_marked_no_further_action_is_refused(self, journey):
        nfa = journey.referral(nfa=True)
        with refused("referral", "so a child protection conference cannot be recorded"):
            journey.conference(nfa, date(2025, 1, 6))

    def test_a_review_conference_without_a_plan_is_refused(self, journey, referral):
        with refused("held_on", "A review conference needs a child protection plan to review"):
            journey.conference(referral, date(2025, 4, 28), kind=Kind.REVIEW)

    def test_a_review_conference_on_the_day_the_plan_started_is_refused(self, journey, referral):
        journey.cp_plan(referral)
        with refused(
            "held_on", "must be after the child protection plan it reviews started on 3 February 2025"
        ):
            journey.conference(referral, date(2025, 2, 3), kind=Kind.REVIEW)

    def test_a_review_conference_after_the_plan_ended_is_refused(self, journey, referral):
        plan = journey.cp_plan(referral)
        services.cp_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 4, 1))
        with refused("held_on", "ended on 1 April 2025, before 28 April 2025"):
            journey.conference(referral, date(2025, 4, 28), kind=Kind.REVIEW)

    def test_a_review_conference_while_the_plan_runs_is_accepted(self, journey, referral):
        plan = journey.cp_plan(referral)
        review = journey.conference(referral, date(2025, 4, 28), kind=Kind.REVIEW, plan_required=True)
        plan.refresh_from_db()
        assert review.pk and plan.end_date is None
