"""The counting conventions of rules.md section 0, on real dates.

Every expected date here was counted by hand against the England and Wales bank holidays published
on gov.uk: 2025: 25 and 26 December; 2026: 1 January, Good Friday 3 April, Easter Monday 6 April,
25 December, 28 December (substitute for Boxing Day, a Saturday); 2027: 1 January, Good Friday
26 March, Easter Monday 29 March, 27 and 28 December (substitutes: Christmas Day is a Saturday).
Where a rule is named, the limit, unit and counting come from the shipped rules file, so the tests
also hold the file to the convention the law uses.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carepath.core.calendar import (
    Counting,
    Unit,
    WorkingCalendar,
    bank_holidays_between,
    calendar_with,
    describe_limit,
)
from carepath.timescales.rulebook import default_rules

LONDON = ZoneInfo("Europe/London")
E_AND_W = WorkingCalendar()  # bank holidays only, no closure days
RULES = {rule.id: rule for rule in default_rules()}


def due_by(rule_id: str, start, calendar: WorkingCalendar = E_AND_W):
    """The due date of a shipped rule, counted as the rules file says."""
    rule = RULES[rule_id]
    return calendar.due(start, rule.limit, rule.unit, rule.counting, rule.public_holiday_extends)


# -- working days: counted from the day after the trigger ---------------------------------------


@pytest.mark.parametrize(
    ("trigger", "n", "expected"),
    [
        # Friday 19 December 2025: the weekend is not counted.
        (date(2025, 12, 19), 1, date(2025, 12, 22)),
        # Tuesday 23 December 2025: Wednesday 24th is a working day ...
        (date(2025, 12, 23), 1, date(2025, 12, 24)),
        # ... then Christmas Day, Boxing Day and the weekend: Monday 29th.
        (date(2025, 12, 23), 2, date(2025, 12, 29)),
        # 24, 29, 30, 31 December, then New Year's Day is skipped: Friday 2 January 2026.
        (date(2025, 12, 23), 5, date(2026, 1, 2)),
        # Maundy Thursday 2026: Good Friday 3 April, the weekend, Easter Monday 6 April.
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        # Maundy Thursday 2027: Good Friday 26 March, Easter Monday 29 March.
        (date(2027, 3, 25), 1, date(2027, 3, 30)),
        (date(2027, 3, 25), 2, date(2027, 3, 31)),
        # A trigger on a Saturday: day 1 is the Monday, not the Saturday or Sunday.
        (date(2026, 1, 10), 1, date(2026, 1, 12)),
        (date(2026, 1, 10), 5, date(2026, 1, 16)),
        # A Saturday in the Easter weekend: Sunday and Easter Monday are skipped.
        (date(2026, 4, 4), 1, date(2026, 4, 7)),
        # Christmas 2027: Saturday 25th and Sunday 26th, substitutes Monday 27th and Tuesday 28th.
        (date(2027, 12, 24), 1, date(2027, 12, 29)),
    ],
)
def test_working_days_are_counted_from_the_day_after_the_trigger(trigger, n, expected):
    assert E_AND_W.add_working_days(trigger, n) == expected
    assert E_AND_W.due(trigger, n, Unit.WORKING_DAYS) == expected


def test_45_working_days_from_a_referral_across_christmas_and_new_year():
    # Referral Monday 1 December 2025. 45 working days is nine full weeks (Monday 2 February 2026)
    # when nothing intervenes; Christmas Day, Boxing Day and New Year's Day push it to Thursday 5th.
    referral = date(2025, 12, 1)
    assert RULES["ASMT-45"].limit == 45
    assert due_by("ASMT-45", referral) == date(2026, 2, 5)
    assert referral + timedelta(weeks=9) == date(2026, 2, 2)


def test_an_initial_conference_across_christmas():
    # Strategy discussion Wednesday 10 December 2025: 11, 12 (2), 15-19 (7), 22-24 (10),
    # 29-31 (13), 2 January (14), Monday 5 January 2026 (15).
    assert due_by("ICPC-15", date(2025, 12, 10)) == date(2026, 1, 5)


def test_a_first_looked_after_review_across_christmas():
    # Looked after from Monday 8 December 2025: 9-12 (4), 15-19 (9), 22-24 (12), 29-31 (15),
    # 2 January (16), 5-8 January (20): Thursday 8 January 2026.
    assert due_by("CLA-REV1", date(2025, 12, 8)) == date(2026, 1, 8)


def test_a_referral_decision_on_christmas_eve_is_due_after_the_bank_holidays():
    # 1 working day from Wednesday 24 December 2025: not Christmas Day or Boxing Day.
    assert due_by("REF-DECISION", date(2025, 12, 24)) == date(2025, 12, 29)


def test_which_days_are_working_days():
    assert E_AND_W.is_working_day(date(2025, 12, 24))
    for day in (date(2025, 12, 25), date(2025, 12, 26), date(2025, 12, 27), date(2026, 4, 3)):
        assert not E_AND_W.is_working_day(day), day
    assert E_AND_W.is_bank_holiday(date(2026, 12, 28))  # substitute for Boxing Day on a Saturday
    assert not E_AND_W.is_bank_holiday(date(2026, 12, 29))


def test_bank_holidays_are_listed_with_their_names():
    found = bank_holidays_between(date(2026, 12, 1), date(2027, 1, 31))
    assert list(found) == [date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28), date(2027, 1, 1)]
    assert "Boxing Day" in found[date(2026, 12, 28)]


def test_working_days_between_counts_the_days_after_the_start_up_to_the_end():
    # After Friday 19 December 2025 up to Monday 29th: 22, 23, 24 and 29 December.
    assert E_AND_W.working_days_between(date(2025, 12, 19), date(2025, 12, 29)) == 4
    assert E_AND_W.working_days_between(date(2025, 12, 29), date(2025, 12, 19)) == 0
    assert E_AND_W.working_days_between(date(2025, 12, 24), date(2025, 12, 24)) == 0
    # Across a year end: 29, 30, 31 December 2025 and 2 January 2026.
    assert E_AND_W.working_days_between(date(2025, 12, 24), date(2026, 1, 2)) == 4


def test_counting_no_working_days_is_refused():
    with pytest.raises(ValueError, match="at least one"):
        E_AND_W.add_working_days(date(2026, 1, 5), 0)


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
closures = st.frozensets(st.dates(min_value=date(2020, 1, 1), max_value=date(2036, 12, 31)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=400), closed=closures)
def test_adding_working_days_and_counting_them_back_agree(start, n, closed):
    calendar = WorkingCalendar(closed)
    result = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, result) == n
    assert calendar.is_working_day(result)
    assert result.weekday() < 5
    assert result not in closed
    assert not calendar.is_bank_holiday(result)
    # It is the first day after `start` that is n working days on: the day before is one short.
    assert calendar.working_days_between(start, result - timedelta(days=1)) == n - 1


@settings(max_examples=200, deadline=None)
@given(start=days, n=st.integers(min_value=1, max_value=60))
def test_working_days_never_skip_a_working_day(start, n):
    result = E_AND_W.add_working_days(start, n)
    between = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(E_AND_W.is_working_day(d) for d in between) == n


# -- closure days --------------------------------------------------------------------------------


def test_an_authority_closure_day_is_not_a_working_day():
    closed = WorkingCalendar([date(2026, 12, 29)])
    # From Wednesday 23 December 2026: 24th (1), then 25th, the weekend and 28th (bank holidays).
    # Without the closure, Tuesday 29th is day 2; with it, Wednesday 30th.
    assert E_AND_W.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 29)
    assert closed.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 30)
    # 24, 29, 30, 31 December, 4 January 2027 (1 January is a bank holiday) ...
    assert E_AND_W.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 4)
    # ... and one day later with the offices closed on the 29th.
    assert closed.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 5)
    assert E_AND_W.is_working_day(date(2026, 12, 29))
    assert not closed.is_working_day(date(2026, 12, 29))
    assert closed.working_days_between(date(2026, 12, 23), date(2027, 1, 5)) == 5
    assert E_AND_W.working_days_between(date(2026, 12, 23), date(2027, 1, 5)) == 6


def test_a_closure_day_does_not_change_calendar_day_counts():
    closed = WorkingCalendar([date(2026, 12, 29)])
    assert closed.due(date(2026, 12, 22), 7, Unit.DAYS) == E_AND_W.due(date(2026, 12, 22), 7, Unit.DAYS)


def test_shared_calendars_are_per_set_of_closure_days():
    assert calendar_with([date(2026, 12, 29)]) is calendar_with({date(2026, 12, 29)})
    assert calendar_with([date(2026, 12, 29)]) is not calendar_with([])
    assert not calendar_with([date(2026, 12, 29)]).is_working_day(date(2026, 12, 29))


# -- calendar days -------------------------------------------------------------------------------


def test_a_visit_within_one_week_of_a_placement_counts_calendar_days():
    # Placement Monday 2 March 2026: the visit is due by Monday 9 March.
    assert due_by("CLA-VISIT-1", date(2026, 3, 2)) == date(2026, 3, 9)
    # Bank holidays are not skipped: from Thursday 18 December 2025 it is due on Christmas Day.
    assert due_by("CLA-VISIT-1", date(2025, 12, 18)) == date(2025, 12, 25)


def test_looked_after_visits_at_intervals_of_no_more_than_six_weeks():
    # Previous visit Monday 12 January 2026: 42 days later is Monday 23 February.
    assert RULES["CLA-VISIT-N"].limit == 42
    assert due_by("CLA-VISIT-N", date(2026, 1, 12)) == date(2026, 2, 23)
    # Over Easter 2026 the count does not stop: 24 February + 42 days is Tuesday 7 April.
    assert due_by("CLA-VISIT-N", date(2026, 2, 24)) == date(2026, 4, 7)


def test_weeks_are_seven_calendar_days():
    # Core group Tuesday 6 January 2026: four weeks later, Tuesday 3 February.
    assert due_by("CORE-N", date(2026, 1, 6)) == date(2026, 2, 3)


# -- months --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # no 31 February: the month's last day
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # a leap year
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 1, 15), 3, date(2026, 4, 15)),
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
    ],
)
def test_months_are_month_end_safe(start, months, expected):
    assert E_AND_W.due(start, months, Unit.MONTHS) == expected


def test_review_conferences_count_calendar_months():
    # Initial conference Monday 30 November 2026: the first review is due by 28 February 2027,
    # then later reviews every 6 months from the one before.
    assert due_by("RCPC-1", date(2026, 11, 30)) == date(2027, 2, 28)
    assert due_by("RCPC-N", date(2027, 2, 26)) == date(2027, 8, 26)
    assert due_by("CLA-REV2", date(2026, 8, 31)) == date(2026, 11, 30)


# -- "beginning with": the trigger day is day 1 ------------------------------------------------


def test_care_proceedings_26_weeks_beginning_with_the_day_of_issue():
    # CA 1989 s32(1)(a)(ii): issued Monday 5 January 2026, the last day is 5 January + 182 - 1
    # days: Sunday 5 July 2026, not Monday 6 July (26 weeks *after* the issue).
    issued = date(2026, 1, 5)
    assert RULES["CP26"].counting == Counting.BEGINNING_WITH
    assert due_by("CP26", issued) == issued + timedelta(days=182 - 1) == date(2026, 7, 5)
    assert E_AND_W.due(issued, 26, Unit.WEEKS) == date(2026, 7, 6)


def test_beginning_with_counts_one_day_fewer_than_after():
    assert due_by("CMH", date(2026, 1, 5)) == date(2026, 1, 22)  # day 18 beginning with 5th
    assert E_AND_W.due(date(2026, 1, 5), 1, Unit.MONTHS, Counting.BEGINNING_WITH) == date(2026, 2, 4)
    assert E_AND_W.due(date(2026, 1, 5), 7, Unit.DAYS, Counting.BEGINNING_WITH) == date(2026, 1, 11)


def test_working_days_beginning_with_count_the_trigger_when_it_is_a_working_day():
    # Monday 5 January 2026 is day 1, so day 3 is Wednesday 7th.
    assert E_AND_W.due(date(2026, 1, 5), 1, Unit.WORKING_DAYS, Counting.BEGINNING_WITH) == date(2026, 1, 5)
    assert E_AND_W.due(date(2026, 1, 5), 3, Unit.WORKING_DAYS, Counting.BEGINNING_WITH) == date(2026, 1, 7)
    # Good Friday is not a working day, so day 1 is Tuesday 7 April 2026.
    assert E_AND_W.due(date(2026, 4, 3), 1, Unit.WORKING_DAYS, Counting.BEGINNING_WITH) == date(2026, 4, 7)
    assert E_AND_W.due(date(2026, 4, 3), 2, Unit.WORKING_DAYS, Counting.BEGINNING_WITH) == date(2026, 4, 8)


@pytest.mark.parametrize(
    ("made", "eighth_day", "expected", "why"),
    [
        (date(2026, 1, 14), date(2026, 1, 21), date(2026, 1, 21), "an ordinary Wednesday"),
        (date(2026, 1, 10), date(2026, 1, 17), date(2026, 1, 17), "a Saturday is not a public holiday"),
        (date(2026, 2, 8), date(2026, 2, 15), date(2026, 2, 16), "a Sunday"),
        (date(2026, 3, 27), date(2026, 4, 3), date(2026, 4, 4), "Good Friday 2026"),
        (date(2027, 3, 19), date(2027, 3, 26), date(2027, 3, 27), "Good Friday 2027"),
        (date(2026, 3, 29), date(2026, 4, 5), date(2026, 4, 7), "Easter Sunday, then Easter Monday"),
        # Christmas Day, then Boxing Day (a bank holiday): the next day not a holiday is Saturday.
        (date(2025, 12, 18), date(2025, 12, 25), date(2025, 12, 27), "Christmas Day 2025"),
        # Christmas 2027: Saturday 25th is Christmas Day, Sunday 26th, then two substitute days.
        (date(2027, 12, 18), date(2027, 12, 25), date(2027, 12, 29), "Christmas Day 2027"),
    ],
)
def test_an_emergency_protection_order_of_8_days_beginning_with_the_day_made(made, eighth_day, expected, why):
    # CA 1989 s45(1): 8 days beginning with the day it is made; s45(2): if the 8th day is a
    # public holiday (Christmas Day, Good Friday, a bank holiday or a Sunday) it may run on to the
    # next day that is not one.
    assert made + timedelta(days=7) == eighth_day
    assert E_AND_W.due(made, 8, Unit.DAYS, Counting.BEGINNING_WITH) == eighth_day
    assert due_by("EPO", made) == expected, why


def test_an_authority_closure_day_is_not_a_public_holiday():
    # s45(2) names public holidays; the offices being closed on Tuesday 29 December 2026 does not
    # extend an order whose 8th day it is.
    closed = WorkingCalendar([date(2026, 12, 29)])
    assert due_by("EPO", date(2026, 12, 22), closed) == date(2026, 12, 29)
    # But an order whose 8th day is the substitute bank holiday on Monday 28th runs to Tuesday.
    assert due_by("EPO", date(2026, 12, 21)) == date(2026, 12, 29)


# -- hours ---------------------------------------------------------------------------------------


def test_police_protection_ends_72_hours_after_the_child_was_taken():
    taken = datetime(2026, 6, 10, 16, 45, tzinfo=LONDON)
    assert RULES["PP-72H"].unit == Unit.HOURS
    assert due_by("PP-72H", taken) == datetime(2026, 6, 13, 16, 45, tzinfo=LONDON)


def test_72_hours_across_the_clocks_going_back_are_72_hours_that_pass():
    # Taken at noon BST on Saturday 24 October 2026; the clocks go back at 02:00 on Sunday 25th.
    # 72 hours that pass end at 11:00 GMT on Tuesday 27th. (Adding timedelta(hours=72) to a
    # Europe/London datetime gives noon on the clock face, which is 73 hours.)
    taken = datetime(2026, 10, 24, 12, 0, tzinfo=LONDON)
    ends = due_by("PP-72H", taken)
    assert ends.astimezone(UTC) - taken.astimezone(UTC) == timedelta(hours=72)
    assert ends == datetime(2026, 10, 27, 11, 0, tzinfo=LONDON)
    assert (ends.hour, ends.utcoffset()) == (11, timedelta(0))  # answered in the caller's zone


def test_72_hours_across_the_clocks_going_forward_are_72_hours_that_pass():
    # Taken at noon GMT on Saturday 28 March 2026; the clocks go forward at 01:00 on Sunday 29th.
    taken = datetime(2026, 3, 28, 12, 0, tzinfo=LONDON)
    ends = due_by("PP-72H", taken)
    assert ends.astimezone(UTC) - taken.astimezone(UTC) == timedelta(hours=72)
    assert (ends.day, ends.hour, ends.utcoffset()) == (31, 13, timedelta(hours=1))


def test_72_hours_from_a_utc_moment_as_the_database_returns_it():
    taken = datetime(2026, 10, 24, 11, 0, tzinfo=UTC)  # noon BST
    ends = due_by("PP-72H", taken)
    assert ends == datetime(2026, 10, 27, 11, 0, tzinfo=UTC)
    assert ends.astimezone(LONDON).hour == 11


def test_an_hours_rule_refuses_a_date_without_a_time():
    with pytest.raises(ValueError, match="date and time"):
        due_by("PP-72H", date(2026, 10, 24))


def test_a_moment_is_counted_from_the_day_it_is_in_england_and_wales():
    # 00:30 BST on Monday 1 June 2026 is 23:30 UTC on Sunday 31 May: the referral arrived on the
    # Monday, so 1 working day is Tuesday 2 June.
    arrived = datetime(2026, 5, 31, 23, 30, tzinfo=UTC)
    assert E_AND_W.due(arrived, 1, Unit.WORKING_DAYS) == date(2026, 6, 2)
    assert E_AND_W.due(arrived.astimezone(LONDON), 1, Unit.WORKING_DAYS) == date(2026, 6, 2)
    assert E_AND_W.due(datetime(2026, 6, 1, 0, 30), 1, Unit.WORKING_DAYS) == date(2026, 6, 2)  # naive


def test_an_unknown_unit_or_counting_is_refused():
    with pytest.raises(ValueError, match="unit"):
        E_AND_W.due(date(2026, 1, 5), 3, "fortnights")
    with pytest.raises(ValueError, match="counting"):
        E_AND_W.due(date(2026, 1, 5), 3, Unit.DAYS, "starting_from")


def test_limits_are_described_in_words():
    assert describe_limit(1, Unit.WORKING_DAYS) == "1 working day"
    assert describe_limit(45, Unit.WORKING_DAYS) == "45 working days"
    assert describe_limit(72, Unit.HOURS) == "72 hours"
