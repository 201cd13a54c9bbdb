"""Integrity rules for referrals (CIN episodes): refused with the rule's message and nothing
stored; the neighbouring valid case is accepted."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from carepath.core import codes
from carepath.journey import integrity, services
from carepath.journey import models as jm
from tests import factories as f
from tests.journey.helpers import refused

pytestmark = pytest.mark.django_db

RC = codes.ClosureReason


def test_a_second_open_referral_is_refused(journey, referral):
    with refused("referral_date", "There is already an open referral for this child, made on 6 January 2025"):
        journey.referral(date(2025, 3, 1))


def test_a_referral_on_the_day_the_previous_one_closed_is_accepted(journey, referral):
    journey.close(referral, date(2025, 2, 28))
    second = journey.referral(date(2025, 2, 28))
    assert second.pk and jm.Referral.objects.filter(child=journey.child).count() == 2


def test_a_referral_inside_a_closed_episode_is_refused(journey, referral):
    journey.close(referral, date(2025, 2, 28))
    with refused(
        "referral_date",
        "would overlap the referral made on 6 January 2025",
        "which was open until 28 February 2025",
    ):
        journey.referral(date(2025, 2, 1))


def test_a_referral_marked_no_further_action_inside_an_open_episode_is_refused(journey, referral):
    with refused("referral_date", "would overlap the referral made on 6 January 2025", "has not been closed"):
        journey.referral(date(2025, 3, 1), nfa=True)


def test_a_referral_marked_no_further_action_does_not_count_as_open(journey):
    journey.referral(date(2025, 1, 6), nfa=True)
    later = journey.referral(date(2025, 1, 7))
    assert later.is_open


def test_closing_without_a_reason_is_refused(journey, referral):
    with refused("closure_reason", "Select the reason the case was closed."):
        journey.close(referral, date(2025, 2, 28), reason="")
    referral.refresh_from_db()
    assert referral.closure_date is None


def test_a_reason_without_a_closure_date_is_refused(journey, referral):
    with refused("closure_date", "Enter the date the case was closed"):
        services.referral_close(
            actor=journey.actor, referral=referral, closure_date=None, closure_reason=RC.SERVICES_CEASED
        )


def test_closing_before_the_referral_date_is_refused(journey, referral):
    with refused(
        "closure_date", "cannot be closed on 1 January 2025, before the referral was made on 6 January 2025"
    ):
        journey.close(referral, date(2025, 1, 1))


def test_closing_on_the_referral_date_with_a_reason_is_accepted(journey, referral):
    journey.close(referral, date(2025, 1, 6))
    referral.refresh_from_db()
    assert (referral.closure_date, referral.closure_reason) == (date(2025, 1, 6), RC.SERVICES_CEASED)


@pytest.mark.parametrize("reason", [RC.NFA_AFTER_ASSESSMENT, RC.EARLY_HELP_AFTER_ASSESSMENT])
def test_closed_after_assessment_without_an_assessment_is_refused(journey, referral, reason):
    with refused("closure_reason", "can only be chosen when there has been an assessment on this referral"):
        journey.close(referral, date(2025, 2, 28), reason=reason)


@pytest.mark.parametrize("reason", [RC.NFA_AFTER_ASSESSMENT, RC.EARLY_HELP_AFTER_ASSESSMENT])
def test_closed_after_assessment_with_an_assessment_is_accepted(journey, referral, reason):
    journey.assessment(referral, date(2025, 1, 7), completed=date(2025, 2, 20), authorised=date(2025, 2, 21))
    journey.close(referral, date(2025, 2, 28), reason=reason)
    referral.refresh_from_db()
    assert referral.closure_reason == reason


def test_closing_before_the_assessment_was_authorised_is_refused(journey, referral):
    journey.assessment(referral, date(2025, 1, 7), completed=date(2025, 2, 20), authorised=date(2025, 2, 21))
    with refused(
        "closure_date", "The assessment that started on 7 January 2025 carries on after 10 February 2025"
    ):
        journey.close(referral, date(2025, 2, 10))


def test_closing_with_an_assessment_unfinished_is_refused(journey, referral):
    journey.assessment(referral, date(2025, 1, 7))
    with refused("closure_date", "The assessment that started on 7 January 2025 has not been completed"):
        journey.close(referral, date(2025, 2, 10))


def test_closing_with_a_section_47_enquiry_open_is_refused(journey, referral):
    services.section_47_start(actor=journey.actor, referral=referral, start_date=date(2025, 1, 20))
    with refused(
        "closure_date", "The section 47 enquiry that started on 20 January 2025 has not been completed"
    ):
        journey.close(referral, date(2025, 2, 10))


def test_closing_with_a_child_protection_plan_running_is_refused(journey, referral):
    journey.cp_plan(referral)
    with refused("closure_date", "The child protection plan that started on 3 February 2025 has not ended"):
        journey.close(referral, date(2025, 6, 2))


def test_closing_once_the_plan_has_ended_is_accepted(journey, referral):
    plan = journey.cp_plan(referral)
    services.cp_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 6, 2))
    journey.close(referral, date(2025, 6, 2))
    referral.refresh_from_db()
    assert referral.closure_date == date(2025, 6, 2)


def test_a_referral_more_than_40_weeks_before_birth_is_refused(worker):
    child = f.ChildFactory(date_of_birth=date(2025, 12, 1))
    f.allocate(child, worker)
    with refused("referral_date", "is more than 40 weeks before the child's date of birth (1 December 2025)"):
        services.referral_create(
            actor=worker,
            child=child,
            referral_date=date(2025, 2, 23),
            source=codes.ReferralSource.HEALTH_VISITOR,
            primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        )


def test_a_referral_40_weeks_before_birth_is_accepted(worker):
    child = f.ChildFactory(date_of_birth=date(2025, 12, 1))
    f.allocate(child, worker)
    referral = services.referral_create(
        actor=worker,
        child=child,
        referral_date=date(2025, 2, 24),
        source=codes.ReferralSource.HEALTH_VISITOR,
        primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
    )
    assert referral.pk


def test_an_unborn_childs_referral_is_measured_from_the_expected_date_of_birth(worker):
    child = f.ChildFactory(
        date_of_birth=None, expected_date_of_birth=date(2025, 12, 1), sex=codes.Sex.UNKNOWN
    )
    f.allocate(child, worker)
    with refused("referral_date", "40 weeks before the child's expected date of birth (1 December 2025)"):
        services.referral_create(
            actor=worker,
            child=child,
            referral_date=date(2025, 2, 1),
            source=codes.ReferralSource.HEALTH_VISITOR,
            primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        )


def test_a_referral_dated_in_the_future_is_refused(journey):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with refused("referral_date", "cannot be in the future"):
        journey.referral(tomorrow)


def test_a_referral_dated_today_is_accepted(journey):
    assert journey.referral(timezone.localdate()).pk


def test_an_unborn_child_whose_sex_is_not_u_breaks_the_rule():
    unborn = f.ChildFactory.build(
        date_of_birth=None, expected_date_of_birth=date(2026, 3, 1), sex=codes.Sex.FEMALE
    )
    (violation,) = integrity.unborn_child_sex_is_unknown(unborn)
    assert (violation.field, violation.rule_id) == ("sex", "CIN 8750")
    assert "not known" in violation.message


def test_an_unborn_child_recorded_as_sex_u_is_accepted():
    unborn = f.ChildFactory.build(
        date_of_birth=None, expected_date_of_birth=date(2026, 3, 1), sex=codes.Sex.UNKNOWN
    )
    assert integrity.unborn_child_sex_is_unknown(unborn) == []


class TestReReferral:
    def test_a_referral_within_12_months_of_the_previous_one_is_a_re_referral(self, journey, referral):
        journey.close(referral, date(2025, 2, 28))
        again = journey.referral(date(2026, 1, 6))
        assert integrity.is_re_referral(again) is True

    def test_a_referral_more_than_12_months_after_the_previous_one_is_not(self, journey, referral):
        journey.close(referral, date(2025, 2, 28))
        again = journey.referral(date(2026, 1, 7))
        assert integrity.is_re_referral(again) is False

    def test_a_first_referral_is_not_a_re_referral(self, referral):
        assert integrity.is_re_referral(referral) is False
