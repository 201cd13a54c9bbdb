"""The engine, rule by rule, through the journey services: for each evaluated rule a case done in time
(nothing stored), done late (stored as late with the right due date), open (overdue by "today"), and
where the span can end first, missed or stopped.

Due dates are worked out by hand on the real England and Wales calendar, and several cross Christmas
2024 (25, 26 December and 1 January bank holidays) or Easter 2025 (Good Friday 18 April, Easter
Monday 21 April, then the early May bank holiday on 5 May).
"""

from datetime import date

import pytest

from carepath.core import codes
from carepath.journey import models as jm
from carepath.journey import services as js
from carepath.people import services as people_services
from carepath.timescales import services as ts
from carepath.timescales.engine import Status
from carepath.timescales.models import Deadline
from carepath.timescales.rulebook import default_rules
from tests import factories as f
from tests.timescales.conftest import LS, PLACE, REC, at

pytestmark = pytest.mark.django_db

CP, CLA, CIN = jm.Visit.Kind.CP, jm.Visit.Kind.CLA, jm.Visit.Kind.CIN
S47 = jm.Section47Enquiry.Outcome


def statuses(rows) -> list[tuple]:
    return [(r.status, r.started_on, r.due_on, r.met_on) for r in rows]


# ---------------------------------------------------------------------------------------------
# REF-DECISION: the response to a referral decided within 1 working day
# ---------------------------------------------------------------------------------------------


def test_referral_decided_the_next_working_day_is_in_time(story, travel):
    travel(date(2025, 1, 20))
    story.referral(date(2025, 1, 6), decided=date(2025, 1, 7))
    assert story.rows("REF-DECISION") == []


@pytest.mark.parametrize(
    ("decided", "late"),
    [
        # Christmas Eve 2024 is a Tuesday; 25 and 26 December are bank holidays, so the one
        # working day is Friday 27 December.
        (date(2024, 12, 27), False),
        (date(2024, 12, 30), True),
    ],
)
def test_referral_decision_over_christmas(story, travel, decided, late):
    travel(date(2025, 1, 20))
    story.referral(date(2024, 12, 24), decided=decided)
    if late:
        row = story.row("REF-DECISION")
        assert (row.status, row.due_on, row.met_on) == (Status.LATE, date(2024, 12, 27), decided)
        assert "due by 27 Dec 2024" in row.why and "done on 30 Dec 2024" in row.why
    else:
        assert story.rows("REF-DECISION") == []


def test_referral_not_decided_is_open_and_overdue(story, travel):
    travel(date(2025, 1, 9))
    story.referral(date(2025, 1, 6))
    row = story.row("REF-DECISION")
    assert (row.status, row.due_on, row.met_on) == (Status.OPEN, date(2025, 1, 7), None)
    assert row.due_on < date(2025, 1, 9)


def test_referral_closed_undecided_after_the_due_date_is_missed(story, travel):
    travel(date(2025, 2, 3))
    referral = story.referral(date(2025, 1, 6))
    story.close(referral, date(2025, 1, 10))
    row = story.row("REF-DECISION")
    assert (row.status, row.due_on) == (Status.MISSED, date(2025, 1, 7))


def test_referral_closed_the_day_it_arrived_stops_the_clock(story, travel):
    travel(date(2025, 2, 3))
    referral = story.referral(date(2025, 1, 6))
    story.close(referral, date(2025, 1, 6))
    assert story.rows("REF-DECISION") == []


# ---------------------------------------------------------------------------------------------
# CONTACT-DECISION: a contact decided within 1 working day, counted from its local (London) day
# ---------------------------------------------------------------------------------------------


def _contact(story, received, decided):
    contact = js.contact_create(
        actor=story.actor,
        child=story.child,
        received_at=received,
        source=codes.ReferralSource.FAMILY,
        summary="Neighbour worried about the children left alone.",
    )
    js.contact_decide(
        actor=story.actor,
        contact=contact,
        decision=jm.Contact.Decision.INFORMATION_ADVICE,
        threshold_level=jm.ThresholdLevel.UNIVERSAL,
        decided_at=decided,
    )


def test_a_contact_received_at_half_past_midnight_bst_counts_from_that_monday(story, travel):
    # 00:30 BST on Monday 31 March 2025 is 23:30 UTC on Sunday 30 March: the day is Monday, so the
    # decision is due on Tuesday 1 April, and one that afternoon is in time.
    travel(date(2025, 4, 7))
    _contact(story, at(date(2025, 3, 31), 0, 30), at(date(2025, 4, 1), 16))
    assert story.rows("CONTACT-DECISION") == []


def test_a_contact_decided_late_before_christmas(story, travel):
    travel(date(2025, 1, 6))
    _contact(story, at(date(2024, 12, 20), 23, 30), at(date(2024, 12, 24), 9))
    row = story.row("CONTACT-DECISION")
    assert (row.status, row.due_on, row.met_on) == (Status.LATE, date(2024, 12, 23), date(2024, 12, 24))


# ---------------------------------------------------------------------------------------------
# ASMT-45: assessment authorised within 45 working days of the referral
# ---------------------------------------------------------------------------------------------

# Referral Monday 3 March 2025: the 45th working day after it skips Good Friday, Easter Monday and
# the early May bank holiday, so it is Thursday 8 May 2025 (not Friday 2 May).
ASMT_REFERRAL, ASMT_DUE = date(2025, 3, 3), date(2025, 5, 8)


def _assessed(story, *, authorised=None, late_reason=""):
    referral = story.referral(ASMT_REFERRAL, decided=ASMT_REFERRAL)
    assessment = story.assessment(referral, date(2025, 3, 4), completed=date(2025, 5, 1))
    if authorised:
        js.assessment_authorise(
            actor=story.actor, assessment=assessment, authorised_on=authorised, late_reason=late_reason
        )
    return referral, assessment


def test_assessment_authorised_on_the_45th_working_day_is_in_time(story, travel):
    travel(date(2025, 6, 2))
    _assessed(story, authorised=ASMT_DUE)
    assert story.rows("ASMT-45") == []


def test_assessment_authorised_late_is_late_with_the_reason_on_record(story, travel):
    travel(date(2025, 6, 2))
    reason = "The family were abroad for three weeks and the child could not be seen."
    _assessed(story, authorised=date(2025, 5, 9), late_reason=reason)
    row = story.row("ASMT-45")
    assert (row.status, row.due_on, row.met_on) == (Status.LATE, ASMT_DUE, date(2025, 5, 9))
    assert row.reason_on_record == reason
    assert row.has_reason


def test_assessment_late_without_a_reason_has_none_on_record(story, travel):
    travel(date(2025, 6, 2))
    _assessed(story, authorised=date(2025, 5, 9))
    row = story.row("ASMT-45")
    assert (row.reason_on_record, row.has_reason) == ("", False)


def test_a_reason_written_while_the_assessment_is_still_open_shows_on_the_overdue_clock(story, travel):
    travel(date(2025, 5, 12))
    referral = story.referral(ASMT_REFERRAL, decided=ASMT_REFERRAL)
    assessment = js.assessment_start(actor=story.actor, referral=referral, start_date=date(2025, 3, 4))
    reason = "The child was in hospital for a month and could not be seen alone."
    js.assessment_complete(
        actor=story.actor,
        assessment=assessment,
        completed_on=date(2025, 5, 9),
        outcome=jm.Assessment.Outcome.CIN_PLAN,
        factors=["3B"],
        late_reason=reason,
    )
    row = story.row("ASMT-45")
    assert (row.status, row.met_on) == (Status.OPEN, None)  # completed, not yet authorised
    assert (row.reason_on_record, row.has_reason) == (reason, True)


def test_assessment_not_authorised_is_open_and_overdue(story, travel):
    travel(date(2025, 5, 12))
    _assessed(story)
    row = story.row("ASMT-45")
    assert (row.status, row.due_on, row.met_on) == (Status.OPEN, ASMT_DUE, None)


def test_referral_closed_unassessed_after_45_working_days_is_missed(story, travel):
    travel(date(2025, 6, 2))
    referral = story.referral(ASMT_REFERRAL, decided=ASMT_REFERRAL)
    story.close(referral, date(2025, 5, 20))
    assert (story.row("ASMT-45").status, story.row("ASMT-45").due_on) == (Status.MISSED, ASMT_DUE)


def test_referral_marked_no_further_action_has_no_assessment_clock(story, travel):
    travel(date(2025, 9, 1))
    story.referral(ASMT_REFERRAL, decided=ASMT_REFERRAL, nfa=True)
    assert story.rows("ASMT-45") == []


@pytest.mark.parametrize(("ended", "late"), [(date(2025, 5, 8), False), (date(2025, 5, 12), True)])
def test_a_terminated_assessment_ends_the_clock(story, travel, ended, late):
    travel(date(2025, 6, 2))
    referral = story.referral(ASMT_REFERRAL, decided=ASMT_REFERRAL)
    assessment = story.assessment(referral, date(2025, 3, 4))
    js.assessment_complete(
        actor=story.actor,
        assessment=assessment,
        completed_on=ended,
        outcome=jm.Assessment.Outcome.TERMINATED,
        factors=[],
        late_reason="The family moved out of the area before it could be finished.",
    )
    if late:
        row = story.row("ASMT-45")
        assert (row.status, row.due_on, row.met_on) == (Status.LATE, ASMT_DUE, ended)
        assert row.reason_on_record == "The family moved out of the area before it could be finished."
    else:
        assert story.rows("ASMT-45") == []


# ---------------------------------------------------------------------------------------------
# ICPC-15: initial conference within 15 working days of the strategy discussion that started s47
# ---------------------------------------------------------------------------------------------


def test_initial_conference_on_the_15th_working_day_is_in_time(story, travel):
    travel(date(2025, 2, 10))
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    discussion = story.strategy(referral, date(2025, 1, 6))
    story.icpc(referral, date(2025, 1, 27), section_47=discussion.enquiries.get())
    assert story.rows("ICPC-15") == []


def test_initial_conference_late_over_christmas(story, travel):
    # Friday 13 December 2024 + 15 working days, skipping 25, 26 December and 1 January: 8 January.
    travel(date(2025, 2, 3))
    referral = story.referral(date(2024, 12, 12), decided=date(2024, 12, 12))
    discussion = story.strategy(referral, date(2024, 12, 13))
    story.icpc(referral, date(2025, 1, 9), section_47=discussion.enquiries.get())
    row = story.row("ICPC-15")
    assert (row.status, row.started_on, row.due_on, row.met_on) == (
        Status.LATE,
        date(2024, 12, 13),
        date(2025, 1, 8),
        date(2025, 1, 9),
    )


def test_no_initial_conference_yet_is_open_and_overdue(story, travel):
    travel(date(2025, 2, 3))
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    story.strategy(referral, date(2025, 1, 6))
    row = story.row("ICPC-15")
    assert (row.status, row.due_on) == (Status.OPEN, date(2025, 1, 27))


def test_the_clock_runs_from_the_discussion_that_started_the_enquiry(story, travel):
    # An earlier discussion that decided against section 47 starts nothing.
    travel(date(2025, 3, 3))
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    story.strategy(referral, date(2025, 1, 6), s47=False)
    story.strategy(referral, date(2025, 1, 20))
    row = story.row("ICPC-15")
    assert (row.started_on, row.due_on) == (date(2025, 1, 20), date(2025, 2, 10))


@pytest.mark.parametrize("outcome", [S47.NFA, S47.CIN])
@pytest.mark.parametrize("ended", [date(2025, 1, 20), date(2025, 2, 10)])
def test_an_enquiry_ending_without_a_conference_stops_the_clock(story, travel, outcome, ended):
    # Whether the enquiry ended before the conference would have been due (27 January) or after,
    # no conference was needed, so none was missed.
    travel(date(2025, 3, 3))
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    discussion = story.strategy(referral, date(2025, 1, 6))
    story.s47_complete(discussion.enquiries.get(), ended, outcome)
    assert story.rows("ICPC-15") == []


def test_an_enquiry_deciding_on_a_conference_that_is_never_held_misses_it(story, travel):
    travel(date(2025, 3, 3))
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    discussion = story.strategy(referral, date(2025, 1, 6))
    story.s47_complete(discussion.enquiries.get(), date(2025, 1, 20), S47.ICPC)
    assert story.row("ICPC-15").status == Status.OPEN
    story.close(referral, date(2025, 2, 14))
    row = story.row("ICPC-15")
    assert (row.status, row.due_on) == (Status.MISSED, date(2025, 1, 27))


# ---------------------------------------------------------------------------------------------
# Child protection plans: CORE-1, RCPC-1, RCPC-N, CP-VISIT
# ---------------------------------------------------------------------------------------------


def _plan(story, on=date(2025, 2, 3), **kw):
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    return referral, story.plan(referral, on, **kw)


@pytest.mark.parametrize(("held", "status"), [(date(2025, 2, 17), None), (date(2025, 2, 18), Status.LATE)])
def test_first_core_group_within_10_working_days(story, travel, held, status):
    # Plan Monday 3 February 2025: the 10th working day after is Monday 17 February.
    travel(date(2025, 3, 3))
    _referral, plan = _plan(story)
    story.core_group(plan, held)
    if status is None:
        assert story.rows("CORE-1") == []
    else:
        row = story.row("CORE-1")
        assert (row.status, row.due_on, row.met_on) == (status, date(2025, 2, 17), held)


def test_plan_started_before_christmas_core_group_and_visit_due_8_january(story, travel):
    # Friday 20 December 2024 + 10 working days (25, 26 December and 1 January are bank holidays).
    travel(date(2025, 1, 9))
    referral = story.referral(date(2024, 11, 25), decided=date(2024, 11, 25))
    story.plan(referral, date(2024, 12, 20))
    for rule in ("CORE-1", "CP-VISIT"):
        row = story.row(rule)
        assert (row.status, row.due_on) == (Status.OPEN, date(2025, 1, 8)), rule


@pytest.mark.parametrize(("ended", "status"), [(date(2025, 2, 12), None), (date(2025, 2, 24), Status.MISSED)])
def test_plan_ending_before_the_first_core_group(story, travel, ended, status):
    travel(date(2025, 3, 3))
    _referral, plan = _plan(story)
    js.cp_plan_end(actor=story.actor, plan=plan, end_date=ended)
    assert [r.status for r in story.rows("CORE-1")] == ([status] if status else [])


def test_core_groups_then_every_4_weeks(story, travel):
    travel(date(2025, 4, 14))
    _referral, plan = _plan(story)
    story.core_group(plan, date(2025, 2, 14))
    story.core_group(plan, date(2025, 3, 14))  # exactly 4 weeks: in time
    story.core_group(plan, date(2025, 4, 14))  # 4 weeks and 3 days: late
    assert statuses(story.rows("CORE-N")) == [
        (Status.LATE, date(2025, 3, 14), date(2025, 4, 11), date(2025, 4, 14)),
        (Status.OPEN, date(2025, 4, 14), date(2025, 5, 12), None),
    ]


def test_review_conferences_first_at_3_months_then_every_6(story, travel):
    travel(date(2026, 6, 1))
    referral, _plan_ = _plan(story)
    story.review(referral, date(2025, 5, 2))  # within 3 months of 3 February: in time
    story.review(referral, date(2025, 11, 3))  # 6 months from 2 May is 2 November: a day late
    assert story.rows("RCPC-1") == []
    assert statuses(story.rows("RCPC-N")) == [
        (Status.LATE, date(2025, 5, 2), date(2025, 11, 2), date(2025, 11, 3)),
        (Status.OPEN, date(2025, 11, 3), date(2026, 5, 3), None),
    ]


def test_first_review_late_and_then_open(story, travel):
    travel(date(2025, 5, 12))
    referral, _plan_ = _plan(story)
    assert story.row("RCPC-1").status == Status.OPEN
    assert story.row("RCPC-1").due_on == date(2025, 5, 3)
    story.review(referral, date(2025, 5, 6))
    row = story.row("RCPC-1")
    assert (row.status, row.due_on, row.met_on) == (Status.LATE, date(2025, 5, 3), date(2025, 5, 6))
    assert story.row("RCPC-N").due_on == date(2025, 11, 6)


def test_a_review_that_ends_the_plan_leaves_no_review_clock(story, travel):
    travel(date(2026, 6, 1))
    referral, _plan_ = _plan(story)
    story.review(referral, date(2025, 5, 2), plan_required=False)
    assert story.rows("RCPC-1") == story.rows("RCPC-N") == []


def test_cp_visits_roll_on_from_the_last_actual_visit(story, travel):
    travel(date(2025, 3, 20))
    _plan(story)
    story.visit(date(2025, 2, 10))  # due 17 February: in time
    story.visit(date(2025, 2, 28))  # due 24 February (10 working days after 10 February): late
    # The next is due 10 working days after 28 February, Friday 14 March; on the original
    # fortnightly schedule it would have been 10 March.
    assert statuses(story.rows("CP-VISIT")) == [
        (Status.LATE, date(2025, 2, 10), date(2025, 2, 24), date(2025, 2, 28)),
        (Status.OPEN, date(2025, 2, 28), date(2025, 3, 14), None),
    ]


def test_cp_visits_use_the_plans_own_frequency(story, travel):
    travel(date(2025, 2, 20))
    _plan(story, frequency=5)
    assert story.row("CP-VISIT").due_on == date(2025, 2, 10)
    story.visit(date(2025, 2, 7))
    row = story.row("CP-VISIT")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 2, 7), date(2025, 2, 14))
    assert "5 working days" in row.why


def test_a_visit_where_the_child_was_not_seen_does_not_count(story, travel):
    travel(date(2025, 2, 20))
    _plan(story)
    story.visit(date(2025, 2, 7), seen=False)
    row = story.row("CP-VISIT")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 2, 3), date(2025, 2, 17))


def test_a_visit_to_an_unborn_child_counts(make_story, travel):
    travel(date(2025, 2, 26))
    story = make_story(date_of_birth=None, expected_date_of_birth=date(2025, 5, 20), sex=codes.Sex.UNKNOWN)
    _plan(story)
    story.visit(date(2025, 2, 10), seen=False)
    row = story.row("CP-VISIT")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 2, 10), date(2025, 2, 24))


def test_visits_of_another_kind_do_not_count(story, travel):
    travel(date(2025, 2, 20))
    _plan(story)
    story.visit(date(2025, 2, 7), kind=CIN)
    assert story.row("CP-VISIT").started_on == date(2025, 2, 3)


def test_child_in_need_visits_every_20_working_days(story, travel):
    travel(date(2025, 3, 20))
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    js.cin_plan_start(actor=story.actor, referral=referral, start_date=date(2025, 2, 3))
    story.visit(date(2025, 2, 7), kind=CP)  # not a child in need visit
    row = story.row("CIN-VISIT")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 2, 3), date(2025, 3, 3))
    story.visit(date(2025, 3, 3), kind=CIN)
    row = story.row("CIN-VISIT")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 3, 3), date(2025, 3, 31))


# ---------------------------------------------------------------------------------------------
# Looked-after reviews: CLA-REV1, CLA-REV2, CLA-REVN
# ---------------------------------------------------------------------------------------------


def test_looked_after_review_chain(story, travel):
    travel(date(2026, 2, 2))
    story.looked_after(date(2025, 3, 3))
    story.cla_review(date(2025, 3, 31))  # the 20th working day after 3 March: in time
    story.cla_review(date(2025, 7, 1))  # 3 months after 31 March is 30 June: a day late
    assert story.rows("CLA-REV1") == []
    row = story.row("CLA-REV2")
    assert (row.status, row.due_on, row.met_on) == (Status.LATE, date(2025, 6, 30), date(2025, 7, 1))
    row = story.row("CLA-REVN")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 7, 1), date(2026, 1, 1))
    story.cla_review(date(2025, 12, 30))
    assert story.rows("CLA-REVN")[-1].started_on == date(2025, 12, 30)
    assert [r.status for r in story.rows("CLA-REVN")] == [Status.OPEN]


def test_first_looked_after_review_over_easter(story, travel):
    # Monday 7 April 2025 + 20 working days, skipping Good Friday, Easter Monday and 5 May.
    travel(date(2025, 5, 12))
    story.looked_after(date(2025, 4, 7))
    assert (story.row("CLA-REV1").status, story.row("CLA-REV1").due_on) == (Status.OPEN, date(2025, 5, 8))
    story.cla_review(date(2025, 5, 9))
    row = story.row("CLA-REV1")
    assert (row.status, row.met_on) == (Status.LATE, date(2025, 5, 9))
    assert story.row("CLA-REV2").due_on == date(2025, 8, 9)


@pytest.mark.parametrize(("ended", "status"), [(date(2025, 3, 20), None), (date(2025, 4, 15), Status.MISSED)])
def test_care_ending_before_the_first_review(story, travel, ended, status):
    travel(date(2025, 6, 2))
    story.looked_after(date(2025, 3, 3))
    story.stop_looked_after(ended)
    assert [(r.status, r.due_on) for r in story.rows("CLA-REV1")] == (
        [(status, date(2025, 3, 31))] if status else []
    )


# ---------------------------------------------------------------------------------------------
# Looked-after visits: CLA-VISIT-1, CLA-VISIT-N and the variants that replace CLA-VISIT-N
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("visited", "late"), [(date(2025, 3, 10), False), (date(2025, 3, 11), True)])
def test_visit_within_a_week_of_the_placement(story, travel, visited, late):
    travel(date(2025, 3, 20))
    story.looked_after(date(2025, 3, 3))
    story.visit(visited, kind=CLA)
    rows = story.rows("CLA-VISIT-1")
    assert statuses(rows) == ([(Status.LATE, date(2025, 3, 3), date(2025, 3, 10), visited)] if late else [])


def test_each_new_placement_needs_a_visit_within_a_week(story, travel):
    travel(date(2025, 4, 22))
    story.looked_after(date(2025, 3, 3))
    story.visit(date(2025, 3, 5), kind=CLA)
    story.change(date(2025, 4, 7), new_placement=True, placement_type=PLACE.U6)
    assert statuses(story.rows("CLA-VISIT-1")) == [(Status.OPEN, date(2025, 4, 7), date(2025, 4, 14), None)]
    story.visit(date(2025, 4, 14), kind=CLA)
    assert story.rows("CLA-VISIT-1") == []


def test_looked_after_visits_every_6_weeks(story, travel):
    travel(date(2025, 6, 10))
    story.looked_after(date(2025, 3, 3))
    story.visit(date(2025, 3, 10), kind=CLA)
    story.visit(date(2025, 4, 25), kind=CLA)  # 42 days from 10 March is 21 April
    assert statuses(story.rows("CLA-VISIT-N")) == [
        (Status.LATE, date(2025, 3, 10), date(2025, 4, 21), date(2025, 4, 25)),
        (Status.OPEN, date(2025, 4, 25), date(2025, 6, 6), None),
    ]


def _a_year_of_visits(story, placement_type):
    """Placed 3 March 2025, visited every 5 weeks; the visit on 30 March 2026 is the first after the
    placement has lasted a year (392 days)."""
    story.looked_after(date(2025, 3, 3), legal_status=LS.FULL_CARE_ORDER, placement_type=placement_type)
    day = date(2025, 3, 10)
    while day <= date(2026, 3, 30):
        story.visit(day, kind=CLA)
        day = date.fromordinal(day.toordinal() + 35)
    return day


@pytest.mark.parametrize("placement_type", [PLACE.U1, PLACE.U4])
def test_long_term_fostering_after_a_year_is_visited_every_3_months(story, travel, placement_type):
    travel(date(2026, 5, 20))
    _a_year_of_visits(story, placement_type)
    assert story.rows("CLA-VISIT-N") == []
    row = story.row("CLA-VISIT-LONGTERM")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2026, 3, 30), date(2026, 6, 30))


def test_other_foster_placements_stay_on_6_weeks_after_a_year(story, travel):
    travel(date(2026, 5, 20))
    _a_year_of_visits(story, PLACE.U6)
    assert story.rows("CLA-VISIT-LONGTERM") == []
    row = story.row("CLA-VISIT-N")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2026, 3, 30), date(2026, 5, 11))


def test_long_term_fostering_in_its_first_year_is_on_6_weeks(story, travel):
    # The last visit (23 February 2026) is 357 days into the placement: CLA-VISIT-N applies.
    travel(date(2026, 4, 20))
    story.looked_after(date(2025, 3, 3), legal_status=LS.FULL_CARE_ORDER, placement_type=PLACE.U4)
    day = date(2025, 3, 10)
    while day <= date(2026, 2, 23):
        story.visit(day, kind=CLA)
        day = date.fromordinal(day.toordinal() + 35)
    assert story.rows("CLA-VISIT-LONGTERM") == []
    row = story.row("CLA-VISIT-N")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2026, 2, 23), date(2026, 4, 6))


def test_placed_with_parent_under_an_interim_care_order_weekly_until_the_first_review(story, travel):
    travel(date(2025, 3, 20))
    story.looked_after(date(2025, 3, 3), legal_status=LS.ICO, placement_type=PLACE.P1)
    story.visit(date(2025, 3, 3), kind=CLA)
    assert story.rows("CLA-VISIT-N") == []
    row = story.row("CLA-VISIT-PARENT")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 3, 3), date(2025, 3, 10))


def test_placed_with_parent_under_an_interim_care_order_4_weekly_after_the_first_review(story, travel):
    travel(date(2025, 5, 6))
    story.looked_after(date(2025, 3, 3), legal_status=LS.ICO, placement_type=PLACE.P1)
    for day in (date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 17), date(2025, 3, 24)):
        story.visit(day, kind=CLA)
    story.cla_review(date(2025, 3, 31))
    story.visit(date(2025, 3, 31), kind=CLA)
    assert story.rows("CLA-VISIT-N") == story.rows("CLA-VISIT-PARENT") == []
    row = story.row("CLA-VISIT-PARENT-N")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 3, 31), date(2025, 4, 28))


def test_placed_with_parent_under_a_full_care_order_is_on_6_weeks(story, travel):
    travel(date(2025, 3, 20))
    story.looked_after(date(2025, 3, 3), legal_status=LS.FULL_CARE_ORDER, placement_type=PLACE.P1)
    story.visit(date(2025, 3, 3), kind=CLA)
    assert story.rows("CLA-VISIT-PARENT") == []
    assert story.row("CLA-VISIT-N").due_on == date(2025, 4, 14)


# ---------------------------------------------------------------------------------------------
# Emergency powers: PP-72H (hours) and EPO (8 days, s45)
# ---------------------------------------------------------------------------------------------


def _police_protection(story, taken):
    return story.looked_after(
        taken.date(),
        legal_status=LS.POLICE_PROTECTION,
        placement_type=PLACE.U6,
        police_protection_started_at=taken,
    )


@pytest.mark.parametrize(("ended", "late"), [(date(2025, 3, 6), False), (date(2025, 3, 7), True)])
def test_police_protection_ends_within_72_hours(story, travel, ended, late):
    travel(date(2025, 3, 10))
    _police_protection(story, at(date(2025, 3, 3), 22))
    story.stop_looked_after(ended, REC.RETURNED_HOME_UNPLANNED)
    if late:
        row = story.row("PP-72H")
        assert (row.status, row.due_on, row.due_at) == (
            Status.LATE,
            date(2025, 3, 6),
            at(date(2025, 3, 6), 22),
        )
        assert row.started_at == at(date(2025, 3, 3), 22)
        assert "6 Mar 2025 at 22:00" in row.why
    else:
        assert story.rows("PP-72H") == []


def test_police_protection_still_running_is_open_in_clock_hours_across_the_clocks_changing(story, travel):
    # Clocks go forward at 01:00 on Sunday 30 March 2025: 72 hours from noon GMT on Friday 28 March
    # is 13:00 BST on Monday 31 March.
    travel(date(2025, 4, 1))
    _police_protection(story, at(date(2025, 3, 28), 12))
    row = story.row("PP-72H")
    assert (row.status, row.due_at) == (Status.OPEN, at(date(2025, 3, 31), 13))


@pytest.mark.parametrize(("ended", "late"), [(date(2025, 3, 10), False), (date(2025, 3, 11), True)])
def test_emergency_protection_order_lasts_8_days_beginning_with_the_first(story, travel, ended, late):
    travel(date(2025, 3, 20))
    story.looked_after(date(2025, 3, 3), legal_status=LS.EPO)
    story.change(ended, legal_status=LS.ICO)
    assert [(r.status, r.due_on) for r in story.rows("EPO")] == (
        [(Status.LATE, date(2025, 3, 10))] if late else []
    )


def test_emergency_protection_order_after_police_protection_counts_from_police_protection(story, travel):
    # CA 1989 s45(3): taken into police protection on Saturday 1 March, order on Monday 3 March;
    # the eight days begin with 1 March, so the last is Saturday 8 March (not 10 March).
    travel(date(2025, 3, 12))
    _police_protection(story, at(date(2025, 3, 1), 21))
    story.change(date(2025, 3, 3), legal_status=LS.EPO)
    row = story.row("EPO")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 3, 1), date(2025, 3, 8))
    assert story.rows("PP-72H") == []  # police protection ended within 72 hours


def test_emergency_protection_order_ending_on_good_friday_runs_to_the_next_day(story, travel):
    # Friday 11 April 2025 + 8 days beginning with it is Good Friday, a public holiday (s45(2)).
    travel(date(2025, 4, 22))
    story.looked_after(date(2025, 4, 11), legal_status=LS.EPO)
    row = story.row("EPO")
    assert (row.status, row.due_on) == (Status.OPEN, date(2025, 4, 19))


# ---------------------------------------------------------------------------------------------
# Drift: S20-DRIFT, DRIFT-CP-18M, DRIFT-CP-REPEAT, DRIFT-WORKER-CHANGES, DRIFT-NO-PROGRESS
# ---------------------------------------------------------------------------------------------


def _section_20(story, on=date(2025, 3, 3)):
    return story.looked_after(on, legal_status=LS.SECTION_20, placement_type=PLACE.U6)


def test_section_20_under_8_weeks_raises_nothing(story, travel):
    travel(date(2025, 6, 2))
    _section_20(story)
    story.stop_looked_after(date(2025, 4, 28))
    assert story.rows("S20-DRIFT") == []


def test_section_20_past_8_weeks_is_flagged_while_it_lasts(story, travel):
    travel(date(2025, 5, 1))
    _section_20(story)
    row = story.row("S20-DRIFT")
    assert (row.kind, row.status, row.due_on) == ("drift", Status.OPEN, date(2025, 4, 28))


def test_section_20_that_went_past_8_weeks_before_a_care_order_stays_on_record(story, travel):
    travel(date(2025, 6, 2))
    _section_20(story)
    story.change(date(2025, 5, 2), legal_status=LS.ICO)
    row = story.row("S20-DRIFT")
    assert (row.status, row.due_on, row.met_on) == (Status.LATE, date(2025, 4, 28), date(2025, 5, 2))
    assert "went past 28 Apr 2025" in row.why


def test_child_protection_plan_open_more_than_18_months(story, travel):
    travel(date(2026, 8, 10))
    _plan(story)
    row = story.row("DRIFT-CP-18M")
    assert (row.status, row.due_on) == (Status.OPEN, date(2026, 8, 3))


@pytest.mark.parametrize(("ended", "status"), [(date(2026, 8, 3), None), (date(2026, 8, 4), Status.LATE)])
def test_child_protection_plan_ended_around_18_months(story, travel, ended, status):
    travel(date(2026, 9, 1))
    _referral, plan = _plan(story)
    js.cp_plan_end(actor=story.actor, plan=plan, end_date=ended)
    assert [r.status for r in story.rows("DRIFT-CP-18M")] == ([status] if status else [])


def test_second_child_protection_plan_is_flagged_and_the_first_is_not(story, travel):
    travel(date(2025, 8, 1))
    referral, first = _plan(story)
    story.review(referral, date(2025, 5, 2), plan_required=False)
    assert story.rows("DRIFT-CP-REPEAT") == []
    second = story.plan(referral, date(2025, 6, 30))
    row = story.row("DRIFT-CP-REPEAT")
    assert (row.kind, row.status, row.context_id, row.started_on) == (
        "flag",
        Status.FLAGGED,
        second.pk,
        date(2025, 6, 30),
    )
    assert "previous cp plans: 1" in row.why
    js.cp_plan_end(actor=story.actor, plan=second, end_date=date(2025, 7, 28))
    row = story.row("DRIFT-CP-REPEAT")
    assert (row.status, row.context_id, row.met_on) == (Status.FLAGGED_BEFORE, second.pk, date(2025, 7, 28))
    assert first.pk != second.pk


def _change_worker(story, on, team):
    people_services.allocation_change(
        actor=story.actor, child=story.child, worker=f.UserFactory(team=team), started_on=on
    )


def test_three_changes_of_social_worker_in_a_year_are_not_flagged(story, travel, team):
    travel(date(2025, 9, 1))
    for on in (date(2025, 2, 3), date(2025, 4, 1), date(2025, 6, 2)):
        _change_worker(story, on, team)
    assert story.rows("DRIFT-WORKER-CHANGES") == []


def test_four_changes_of_social_worker_in_a_year_are_flagged_with_their_dates(story, travel, team):
    travel(date(2025, 9, 1))
    for on in (date(2025, 2, 3), date(2025, 4, 1), date(2025, 6, 2), date(2025, 8, 1)):
        _change_worker(story, on, team)
    row = story.row("DRIFT-WORKER-CHANGES")
    assert (row.kind, row.status, row.started_on, row.due_on) == (
        "count",
        Status.FLAGGED,
        date(2025, 2, 3),
        date(2025, 8, 1),
    )
    assert "3 Feb 2025, 1 Apr 2025, 2 Jun 2025, 1 Aug 2025" in row.why
    # Once the twelve months from the first change have passed, it was flagged before.
    ts.clocks_recompute_all(today=date(2026, 2, 3))
    assert story.row("DRIFT-WORKER-CHANGES").status == Status.FLAGGED_BEFORE


def test_four_changes_spread_over_more_than_a_year_are_not_flagged(story, travel, team):
    travel(date(2026, 3, 2))
    for on in (date(2025, 2, 3), date(2025, 6, 2), date(2025, 10, 1), date(2026, 2, 3)):
        _change_worker(story, on, team)
    assert story.rows("DRIFT-WORKER-CHANGES") == []


def test_no_progress_for_8_weeks_is_flagged_and_progress_restarts_the_clock(story, travel):
    travel(date(2025, 3, 10))
    story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    row = story.row("DRIFT-NO-PROGRESS")
    assert (row.status, row.due_on) == (Status.OPEN, date(2025, 3, 3))
    referral = jm.Referral.objects.get(child=story.child)
    story.strategy(referral, date(2025, 3, 7), s47=False)
    assert statuses(story.rows("DRIFT-NO-PROGRESS")) == [
        (Status.LATE, date(2025, 1, 6), date(2025, 3, 3), date(2025, 3, 7)),
        (Status.OPEN, date(2025, 3, 7), date(2025, 5, 2), None),
    ]


def test_a_visit_where_the_child_was_seen_is_progress_and_one_where_they_were_not_is_not(story, travel):
    travel(date(2025, 3, 10))
    story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    story.visit(date(2025, 2, 3), kind=CIN, seen=False)
    assert story.row("DRIFT-NO-PROGRESS").started_on == date(2025, 1, 6)
    story.visit(date(2025, 2, 10), kind=CIN)
    row = story.row("DRIFT-NO-PROGRESS")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 2, 10), date(2025, 4, 7))


def test_the_decision_on_a_referral_is_progress(story, travel):
    # Decided (late) on Thursday 9 January: eight weeks without progress run from the decision.
    travel(date(2025, 3, 5))
    story.referral(date(2025, 1, 6), decided=date(2025, 1, 9))
    row = story.row("DRIFT-NO-PROGRESS")
    assert (row.started_on, row.due_on) == (date(2025, 1, 9), date(2025, 3, 6))


def test_a_referral_marked_no_further_action_is_not_drifting(story, travel):
    travel(date(2025, 9, 1))
    story.referral(date(2025, 3, 3), decided=date(2025, 3, 3), nfa=True)
    assert story.rows() == []


# ---------------------------------------------------------------------------------------------
# Periods of care, and rules whose records carepath does not hold yet
# ---------------------------------------------------------------------------------------------


def test_a_new_period_of_care_the_day_the_last_ended_has_its_own_first_review(story, travel):
    travel(date(2025, 8, 1))
    story.looked_after(date(2025, 3, 3))
    story.cla_review(date(2025, 3, 28))
    story.stop_looked_after(date(2025, 6, 2))
    story.looked_after(date(2025, 6, 2))
    row = story.row("CLA-REV1")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 6, 2), date(2025, 6, 30))


def test_rules_waiting_for_records_produce_no_clocks(story, travel):
    travel(date(2026, 6, 1))
    waiting = {r.id for r in default_rules() if not r.evaluated}
    assert {"CLA-IHA", "CLA-PEP", "REG24"} <= waiting
    # The legal pathway (issue 4), the care and permanence plans it records, and supervision and
    # audits (issue 5) are evaluated.
    assert not {"PLO-LBP", "CP26", "PANEL-ACTION", "CLA-CAREPLAN", "CLA-PERM", "SUPV", "CASE-SUPV"} & waiting
    # They are in the rules table, so they are shown...
    assert waiting <= set(r.id for r in ts.rules_in_force())
    # ...but a child looked after, on a plan, in a long-running referral gets none of their clocks.
    referral = story.referral(date(2025, 1, 6))
    story.plan(referral, date(2025, 2, 3))
    story.looked_after(date(2025, 3, 3))
    ts.clocks_recompute_all(today=date(2026, 6, 1))
    found = set(Deadline.objects.values_list("rule_id", flat=True))
    assert found, "the journey should have produced some clocks"
    assert not found & waiting
    assert not {r.id for r in ts.engine_in_force().rules} & waiting
