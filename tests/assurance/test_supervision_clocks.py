"""Workers' supervision clocks from the records (F16): the rules table's frequencies (monthly;
newly qualified weekly for six weeks, then fortnightly to six months) applied by the engine to a
worker's time in post, and what is read from them: status, gaps, longest gap and compliance."""

from datetime import date, timedelta

import pytest

from carepath.assurance import models as am
from carepath.assurance.selectors import supervision as sel
from carepath.core.permissions import Role
from carepath.timescales.engine import Status
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)  # a Monday


def worker(*, started_on=START, newly_qualified=False, team=None, **extra):
    team = team or af.team_with_managers()[0]
    return f.UserFactory(
        role=Role.SOCIAL_WORKER,
        team=team,
        service=team.service,
        started_on=started_on,
        newly_qualified=newly_qualified,
        **extra,
    )


def sessions(supervisee, days, supervisor=None):
    supervisor = supervisor or supervisee.team.manager or f.UserFactory(role=Role.TEAM_MANAGER)
    for day in days:
        am.SupervisionSession.objects.create(
            supervisor=supervisor,
            supervisee=supervisee,
            held_on=day,
            duration_minutes=90,
            kind=am.SupervisionSession.Kind.CASE,
        )


def clocks_of(person, today):
    return sel.supervision_clocks([person], today)[person.pk]


def late(clocks, rule_id=None):
    return [c for c in clocks if c.status == Status.LATE and (rule_id is None or c.rule_id == rule_id)]


# ---------------------------------------------------------------------------------------------
# The rules table's frequencies
# ---------------------------------------------------------------------------------------------


def test_a_newly_qualified_worker_seen_every_ten_days_in_the_first_six_weeks_is_late_each_week():
    nq = worker(newly_qualified=True)
    sessions(nq, [START + timedelta(days=d) for d in (10, 20, 30, 40)])
    clocks = clocks_of(nq, START + timedelta(days=45))
    weekly = late(clocks, "SUPV-NQ-WEEKLY")
    assert [c.started_on for c in weekly] == [START + timedelta(days=d) for d in (0, 10, 20, 30)]
    assert all(c.due_on == c.started_on + timedelta(days=7) for c in weekly)
    assert [c.met for c in weekly] == [START + timedelta(days=d) for d in (10, 20, 30, 40)]
    # The monthly rule is replaced while the newly qualified rules apply: ten days is no gap under it.
    assert not [c for c in clocks if c.rule_id == "SUPV"]
    # The last session (week 5) starts a weekly clock that is open and not yet due.
    (open_clock,) = [c for c in clocks if c.status == Status.OPEN]
    assert open_clock.rule_id == "SUPV-NQ-WEEKLY" and open_clock.due_on == START + timedelta(days=47)


def test_the_same_worker_not_newly_qualified_has_no_gap():
    experienced = worker(newly_qualified=False)
    sessions(experienced, [START + timedelta(days=d) for d in (10, 20, 30, 40)])
    assert late(clocks_of(experienced, START + timedelta(days=45))) == []


def test_at_month_three_a_sixteen_day_gap_is_late_for_a_newly_qualified_worker():
    nq = worker(newly_qualified=True)
    weekly = [START + timedelta(days=7 * w) for w in range(1, 7)]  # weeks 1 to 6
    fortnightly = [START + timedelta(days=d) for d in (56, 70, 84)]
    sessions(nq, [*weekly, *fortnightly, START + timedelta(days=100)])
    clocks = clocks_of(nq, START + timedelta(days=105))
    (gap,) = late(clocks)
    assert gap.rule_id == "SUPV-NQ-FORTNIGHTLY"
    assert gap.started_on == START + timedelta(days=84)  # week 12: about three months in
    assert gap.due_on == START + timedelta(days=98) and gap.met == START + timedelta(days=100)


def test_an_experienced_worker_is_late_after_35_days_but_not_after_28():
    person = worker()
    sessions(person, [date(2026, 2, 2), date(2026, 3, 9), date(2026, 4, 6)])
    clocks = clocks_of(person, date(2026, 4, 20))
    (gap,) = late(clocks)
    # 2 February to 9 March is 35 days: due by 2 March (a month), met a week late.
    assert (gap.rule_id, gap.started_on, gap.due_on, gap.met) == (
        "SUPV",
        date(2026, 2, 2),
        date(2026, 3, 2),
        date(2026, 3, 9),
    )
    # 5 January to 2 February and 9 March to 6 April are 28 days: in time, so no clock.
    assert {c.started_on for c in clocks} == {date(2026, 2, 2), date(2026, 4, 6)}


def test_a_worker_never_supervised_is_overdue_from_their_start():
    never = worker(started_on=date(2026, 3, 2))
    nq = worker(started_on=date(2026, 3, 2), newly_qualified=True)
    today = date(2026, 4, 12)
    (clock,) = clocks_of(never, today)
    assert (clock.status, clock.rule_id, clock.started_on, clock.due_on) == (
        Status.OPEN,
        "SUPV",
        date(2026, 3, 2),
        date(2026, 4, 2),
    )
    rows = {r.worker.pk: r for r in sel.supervision_status([never, nq], today)}
    assert rows[never.pk].tag == sel.Tag.OVERDUE and rows[never.pk].overdue_days == 10
    assert rows[never.pk].last_session_on is None
    # A newly qualified worker is due a week after they start.
    assert rows[nq.pk].next_due == date(2026, 3, 9) and rows[nq.pk].overdue_days == 34


def test_the_start_in_post_falls_back_to_when_the_account_was_made():
    person = worker(started_on=None)
    (span,) = sel.worker_spans(person, date(2030, 1, 1))
    assert span.dates("started_in_post") == [person.date_joined.date()]


def test_newly_qualified_only_in_the_first_year_and_weeks_in_post_are_whole_weeks():
    nq = worker(newly_qualified=True)
    (span,) = sel.worker_spans(nq, date(2027, 6, 1))
    assert span.attributes(START + timedelta(days=13)) == {"newly_qualified": True, "weeks_in_post": 1}
    assert span.attributes(START + timedelta(days=364))["newly_qualified"] is True
    assert span.attributes(START + timedelta(days=365))["newly_qualified"] is False


def test_a_leaver_with_an_overdue_clock_has_a_missed_gap_and_sessions_after_leaving_do_not_count():
    leaver = worker(left_on=date(2026, 3, 20))
    sessions(leaver, [date(2026, 2, 2), date(2026, 3, 30)])
    (clock,) = clocks_of(leaver, date(2026, 6, 1))
    assert (clock.status, clock.started_on, clock.due_on) == (
        Status.MISSED,
        date(2026, 2, 2),
        date(2026, 3, 2),
    )
    (gap,) = sel.gaps([leaver], today=date(2026, 6, 1))
    assert gap.met_on is None and gap.days_over == 18  # 2 to 20 March


# ---------------------------------------------------------------------------------------------
# Gaps, the longest gap and the status tags
# ---------------------------------------------------------------------------------------------


def monthly(first: date, until: date) -> list[date]:
    days, day = [], first
    while day <= until:
        days.append(day)
        day += timedelta(days=28)
    return days


def test_a_planted_three_month_gap_is_one_gap_from_the_last_session_to_the_next():
    person = worker(started_on=date(2025, 1, 13))
    before = monthly(date(2025, 2, 10), date(2025, 6, 2))  # every 28 days: ... 5 May, 2 June
    after = monthly(date(2025, 9, 1), date(2025, 11, 24))
    sessions(person, [*before, *after])
    assert before[-1] == date(2025, 6, 2)
    today = date(2025, 12, 1)
    (gap,) = sel.gaps([person], since=date(2025, 1, 1), today=today)
    assert (gap.worker_id, gap.rule_id, gap.status) == (person.pk, "SUPV", Status.LATE)
    assert (gap.started_on, gap.due_on, gap.met_on) == (date(2025, 6, 2), date(2025, 7, 2), date(2025, 9, 1))
    assert gap.days_over == 61 and gap.days_without == 91
    assert gap.key == f"SUPV:supervision:{person.pk}:2025-06-02"
    # `since` keeps gaps whose overdue stretch reaches it.
    assert sel.gaps([person], since=date(2025, 9, 1), today=today) == [gap]
    assert sel.gaps([person], since=date(2025, 9, 2), today=today) == []
    (row,) = sel.supervision_status([person], today)
    assert row.longest_gap_days == 91 and row.tag == sel.Tag.IN_TIME


def test_a_gap_still_going_on_is_an_open_gap_with_no_end():
    person = worker(started_on=date(2025, 1, 6))
    sessions(person, [date(2025, 2, 3)])
    (gap,) = sel.gaps([person], today=date(2025, 5, 1))
    assert gap.status == Status.OPEN and gap.met_on is None
    assert (gap.due_on, gap.days_over) == (date(2025, 3, 3), 59)


def test_tags_say_overdue_due_soon_and_in_time_overdue_first():
    today = date(2026, 4, 20)
    overdue, soon, fine = worker(), worker(), worker()
    sessions(overdue, [date(2026, 3, 1)])  # due 1 April
    sessions(soon, [date(2026, 3, 25)])  # due 25 April: within the rule's 7 days' warning
    sessions(fine, [date(2026, 4, 13)])  # due 13 May
    rows = sel.supervision_status([fine, soon, overdue], today)
    assert [(r.worker, r.tag) for r in rows] == [
        (overdue, "Overdue"),
        (soon, "Due soon"),
        (fine, "In time"),
    ]
    assert rows[0].overdue_days == 19 and rows[1].next_due == date(2026, 4, 25)
    assert rows[2].last_session_on == date(2026, 4, 13)


# ---------------------------------------------------------------------------------------------
# Compliance: a worked example
# ---------------------------------------------------------------------------------------------


def test_compliance_counts_every_interval_not_only_the_clocks_the_engine_returns():
    """Started 6 January 2025; supervised 3 February (28 days: in time), 17 March (42 days: late,
    due 3 March), 14 April (28 days: in time), then not again. On 1 June the interval from 14
    April is open and overdue (due 14 May).

    The engine returns two clocks (the late one and the open one): the two intervals done in time
    have none. Counting intervals by their anchors, 6 Jan, 3 Feb, 17 Mar and 14 Apr, gives 2 met
    of 4: 50%. Counting the returned clocks alone would say 0 of 2."""
    person = worker(started_on=date(2025, 1, 6))
    sessions(person, [date(2025, 2, 3), date(2025, 3, 17), date(2025, 4, 14)])
    period = sel.Period(date(2025, 1, 1), date(2025, 5, 31))
    assert len(clocks_of(person, date(2025, 6, 1))) == 2
    (row,) = sel.supervision_status([person], date(2025, 6, 1), period)
    assert (row.compliance.met, row.compliance.counted, row.compliance.percent) == (2, 4, 50)
    # On 1 May the last interval is open but not due yet: not counted either way.
    (row,) = sel.supervision_status([person], date(2025, 5, 1), period)
    assert (row.compliance.met, row.compliance.counted) == (2, 3)
    # Only intervals that started in the period count: March to May holds 17 Mar and 14 Apr.
    march = sel.Period(date(2025, 3, 1), date(2025, 5, 31))
    (row,) = sel.supervision_status([person], date(2025, 6, 1), march)
    assert (row.compliance.met, row.compliance.counted) == (1, 2)


def test_compliance_by_team_and_service_adds_up_the_workers_behind_it():
    team, _manager, _head = af.team_with_managers()
    other = f.TeamFactory(service=team.service)
    a, b = worker(team=team, started_on=date(2025, 1, 6)), worker(team=team, started_on=date(2025, 1, 6))
    c = worker(team=other, started_on=date(2025, 1, 6))
    sessions(a, [date(2025, 2, 3), date(2025, 3, 3)])  # 6 Jan, 3 Feb in time; 3 Mar open to 3 Apr
    sessions(b, [date(2025, 3, 17)])  # 6 Jan late; 17 Mar open to 17 Apr
    sessions(c, [date(2025, 2, 3)])  # 6 Jan in time; 3 Feb open, overdue since 3 Mar
    today, period = date(2025, 3, 31), sel.Period(date(2025, 1, 1), date(2025, 3, 31))
    by_team = {g.group: g for g in sel.compliance_by("team", period, [a, b, c], today)}
    assert (by_team[team].compliance.met, by_team[team].compliance.counted) == (2, 3)
    assert sorted(by_team[team].worker_ids) == sorted([a.pk, b.pk])
    assert (by_team[other].compliance.met, by_team[other].compliance.counted, by_team[other].overdue_now) == (
        1,
        2,
        1,
    )
    (service,) = sel.compliance_by("service", period, [a, b, c], today)
    assert service.group == team.service
    assert (service.compliance.met, service.compliance.counted) == (3, 5)
