"""The assurance pages read a fixed number of queries, however many audits, actions, flags, workers
or sessions they cover: nothing is read once per row. Each page is read with a few records, then
with many more of the same kind, and may not use more queries the second time.

Every list logs one read per child it names (ADR 0003: core.reads.log_read, a small write each),
so the records added are about children the page already names, or about children it counts
without naming: the figures grow, the access log does not.

And the supervision figures read from a period (evaluate's `since`) and worked out with the
newly qualified rules left out for workers who are not newly qualified are the same as those
worked out from the whole history with every rule; the engine's clocks kept between reads never
outlive a session recorded or moved, or a rule changed."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carepath.assurance import models as am
from carepath.assurance.selectors import supervision as sel
from carepath.core.models import AccessEvent
from carepath.core.permissions import Role
from carepath.timescales.engine import Status
from carepath.timescales.models import Rule
from carepath.timescales.services import engine_in_force, rules_in_force
from tests import factories as f
from tests.assurance import factories as af
from tests.assurance.helpers_f18 import completed_audit

pytestmark = pytest.mark.django_db

GOOD, RI = "good", "requires_improvement"
VOICE = "The child's voice"


def today() -> date:
    return timezone.localdate()


def queries_for(client, url: str) -> int:
    client.get(url)  # once first: what a process reads once (the rules, the engine) is not counted
    with CaptureQueriesContext(connection) as run:
        response = client.get(url)
    assert response.status_code == 200
    return len(run.captured_queries)


def programme(lead, tool, name: str, drawn: date) -> am.AuditProgramme:
    return am.AuditProgramme.objects.create(
        name=name,
        kind="monthly",
        tool=tool,
        sample_size=2,
        random_seed=1,
        drawn_on=drawn,
        due_on=drawn + timedelta(days=20),
        created_by=lead,
    )


def action(audit, *, owner, due_in: int, done: bool = False) -> am.AuditAction:
    set_on = audit.completed_on
    return am.AuditAction.objects.create(
        audit=audit,
        child=audit.child,
        action="Update the plan with the child's views",
        owner=owner,
        set_on=set_on,
        due_on=set_on + timedelta(days=due_in),
        done_on=set_on + timedelta(days=due_in - 1) if done else None,
    )


def another_audit(child, lead, n: int, **grades):
    """A completed audit with its own tool, auditor and programme (each would be a query per
    audit if read one at a time)."""
    tool = af.audit_tool()
    return completed_audit(
        child,
        tool=tool,
        auditor=f.UserFactory(role=Role.QA_AUDITOR, scope="audit_sample"),
        programme=programme(lead, tool, f"Audits {n}", today() - timedelta(days=90 - n)),
        on=today() - timedelta(days=60 - n),
        **grades,
    )


# ---------------------------------------------------------------------------------------------
# The learning report
# ---------------------------------------------------------------------------------------------


def test_the_learning_report_reads_no_more_queries_for_ten_audits_than_for_two(
    client, django_assert_max_num_queries
):
    lead = f.UserFactory(role=Role.QA_LEAD)
    client.force_login(lead)
    team = af.team_with_managers()[0]
    repeated, _ = af.open_child(team=team)  # named: the child's voice below good in two audits
    for n in (1, 2):
        audit = another_audit(repeated, lead, n, grade=GOOD, domain_grades={VOICE: RI})
        action(audit, owner=f.UserFactory(team=team), due_in=10)
    url = reverse("assurance:report-learning")
    few = queries_for(client, url)
    for n in range(3, 11):  # eight more audits, of children graded good (counted, not named)
        audit = another_audit(af.open_child(team=team)[0], lead, n, grade=GOOD)
        action(audit, owner=f.UserFactory(team=team), due_in=10, done=n % 2 == 0)
        action(audit, owner=f.UserFactory(team=team), due_in=500)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    report = response.context["report"]
    assert report.audits == 10 and report.actions.total == 18
    assert (report.actions.on_time, report.actions.open_not_due) == (4, 8)
    assert [r.child for r in report.repeats_for_children] == [repeated]


# ---------------------------------------------------------------------------------------------
# The calibration report
# ---------------------------------------------------------------------------------------------


def flagged(audit, *, reviewer=None) -> am.CalibrationFlag:
    return am.CalibrationFlag.objects.create(
        audit=audit,
        child=audit.child,
        raised_on=audit.completed_on,
        as_at=audit.completed_on,
        findings=[
            {
                "kind": "overdue",
                "rule_id": "CP-VISIT",
                "name": "Child protection visit",
                "why": "Due 2 days before",
                "due_on": (audit.completed_on - timedelta(days=2)).isoformat(),
            }
        ],
        outcome=am.CalibrationFlag.Outcome.STANDS if reviewer else "",
        reviewed_by=reviewer,
        reviewed_on=audit.completed_on + timedelta(days=3) if reviewer else None,
        review_note="The visit was made; recorded late." if reviewer else "",
    )


def test_the_calibration_report_reads_no_more_queries_for_ten_flags_than_for_two(
    client, django_assert_max_num_queries
):
    lead = f.UserFactory(role=Role.QA_LEAD)
    client.force_login(lead)
    first, second = af.open_child()[0], af.open_child()[0]
    flagged(another_audit(first, lead, 1))
    flagged(another_audit(second, lead, 2), reviewer=f.UserFactory(role=Role.QA_LEAD))
    url = reverse("assurance:report-calibration")
    few = queries_for(client, url)
    for n in range(3, 11):  # eight more flags on the same two children, half reviewed
        reviewer = f.UserFactory(role=Role.QA_LEAD) if n % 2 else None
        flagged(another_audit(first if n % 2 else second, lead, n), reviewer=reviewer)
    for n in range(11, 15):  # and good audits with no flag, of other children
        another_audit(af.open_child()[0], lead, n)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    report = response.context["report"]
    assert (report.good_or_better, report.flagged, report.open, report.stands) == (14, 10, 5, 5)
    assert {r.audit.child for r in report.open_flags + report.reviewed_flags} == {first, second}


# ---------------------------------------------------------------------------------------------
# My audits
# ---------------------------------------------------------------------------------------------


def test_my_audits_reads_no_more_queries_for_ten_audits_than_for_two(client, django_assert_max_num_queries):
    auditor = f.UserFactory(role=Role.QA_AUDITOR, scope="audit_sample")
    lead = f.UserFactory(role=Role.QA_LEAD)
    client.force_login(auditor)
    children = [af.open_child()[0], af.open_child()[0]]

    def assigned(n: int):
        tool = af.audit_tool()
        return af.assigned_audit(
            children[n % 2],
            auditor=auditor,
            tool=tool,
            programme=programme(lead, tool, f"Audits {n}", today() - timedelta(days=30)),
            assigned_on=today() - timedelta(days=n),
        )

    assigned(1), assigned(2)
    url = reverse("assurance:my-audits")
    few = queries_for(client, url)
    for n in range(3, 7):  # four more open audits
        assigned(n)
    for n in range(7, 11):  # and four completed last week, graded
        audit = assigned(n)
        audit.status, audit.completed_on, audit.overall_grade = "completed", today() - timedelta(days=2), GOOD
        audit.save()
    with django_assert_max_num_queries(few):
        response = client.get(url)
    mine = response.context["mine"]
    assert (len(mine.open), len(mine.completed)) == (6, 4)
    assert all(a.grade.label == "Good" for a in mine.completed)
    # Each child named is logged once, however many of their audits are listed.
    for child in children:
        assert AccessEvent.objects.filter(actor=auditor, child=child, what="My audits").count() == 3


# ---------------------------------------------------------------------------------------------
# Supervision compliance
# ---------------------------------------------------------------------------------------------

START = date(2024, 3, 4)


def worker(team, *, started_on=START, newly_qualified=False, **extra):
    return f.UserFactory(
        role=Role.SOCIAL_WORKER,
        team=team,
        service=team.service,
        started_on=started_on,
        newly_qualified=newly_qualified,
        **extra,
    )


def supervised(person, days, supervisor):
    am.SupervisionSession.objects.bulk_create(
        am.SupervisionSession(
            supervisor=supervisor, supervisee=person, held_on=day, duration_minutes=60, kind="case"
        )
        for day in days
    )


def every(days: int, start: date, until: date, skip=()) -> list[date]:
    """A session every `days` days from `start` to `until`, but for the days in `skip` (gaps)."""
    found, day = [], start + timedelta(days=days)
    while day <= until:
        if not any(a <= day <= b for a, b in skip):
            found.append(day)
        day += timedelta(days=days)
    return found


def test_compliance_reads_no_more_queries_for_ten_workers_with_years_of_sessions_than_for_two(
    client, django_assert_max_num_queries
):
    team, manager, _head = af.team_with_managers()
    client.force_login(f.UserFactory(role=Role.QA_LEAD, team=None))
    for _ in range(2):
        supervised(worker(team), every(30, START, today()), manager)
    url = reverse("assurance:supervision-compliance")
    few = queries_for(client, url)
    other_team, other_manager, _ = af.team_with_managers()
    for n in range(8):  # eight more, in another team and service, some newly qualified
        started = today() - timedelta(days=40 * n + 20)
        person = worker(other_team, started_on=started, newly_qualified=n % 3 == 0)
        supervised(person, every(9 + n, started, today()), other_manager)
    with django_assert_max_num_queries(few):
        response = client.get(url)
    rows = response.context["rows"]
    assert len(rows) == 12  # ten workers and the two team managers
    assert sum(r.last_session_on is not None for r in rows) == 10


@pytest.fixture
def workforce():
    """Workers of every kind a period can cut through: long in post with gaps, newly qualified
    (weekly, then fortnightly, with late sessions), newly qualified on their account but past their
    first year, never supervised, started after the period began, and one who has left."""
    team, manager, _head = af.team_with_managers()
    day = today()
    long_gaps = worker(team)
    supervised(long_gaps, every(29, START, day, skip=[(date(2025, 2, 1), date(2025, 5, 1))]), manager)
    monthly_then_late = worker(team, started_on=date(2023, 1, 9))
    supervised(
        monthly_then_late,
        every(27, date(2023, 1, 9), day - timedelta(days=200)) + every(40, day - timedelta(days=200), day),
        manager,
    )
    new = day - timedelta(days=150)
    nq = worker(team, started_on=new, newly_qualified=True)
    supervised(
        nq, every(8, new, new + timedelta(days=50)) + every(16, new + timedelta(days=50), day), manager
    )
    old_nq = worker(team, started_on=date(2024, 6, 3), newly_qualified=True)
    supervised(old_nq, every(20, date(2024, 6, 3), day), manager)
    never = worker(team, started_on=day - timedelta(days=100))
    leaver = worker(team, started_on=date(2023, 5, 1), left_on=day - timedelta(days=60))
    supervised(leaver, every(35, date(2023, 5, 1), day - timedelta(days=60)), manager)
    return [long_gaps, monthly_then_late, nq, old_nq, never, leaver]


@pytest.mark.parametrize("months", [1, 3, 6, 12, 24])
def test_status_and_compliance_read_from_the_period_are_those_of_the_whole_history(workforce, months):
    day = today()
    period = sel.Period(day - timedelta(days=round(months * 365 / 12)) + timedelta(days=1), day)
    whole = sel.evaluate(workforce, day)  # every session, every rule
    statuses = {row.worker.pk: row for row in sel.supervision_status(workforce, day, period)}
    assert len(statuses) == len(workforce)
    for person in workforce:
        record, row = whole[person.pk], statuses[person.pk]
        assert row.compliance == sel.compliance_of(record, period)
        assert row.longest_gap_days == sel.longest_gap_days(record, day, day - sel.YEAR)
        clock = record.open_clock
        assert (row.next_due, row.rule_id) == ((clock.due_on, clock.rule_id) if clock else (None, ""))
        assert row.last_session_on == (record.session_days[-1] if record.session_days else None)
    # The figures are not trivially equal: the period holds late and met supervision.
    total = sum((r.compliance for r in statuses.values()), sel.Compliance())
    assert 0 < total.met < total.counted


def test_the_clocks_read_from_a_period_are_the_whole_historys_clocks_from_then(workforce):
    day = today()
    since = day - timedelta(days=120)
    whole, windowed = sel.evaluate(workforce, day), sel.evaluate(workforce, day, since=since)
    for person in workforce:
        kept = windowed[person.pk].clocks
        assert [c for c in whole[person.pk].clocks if c.started_on >= since] == [
            c for c in kept if c.started_on >= since
        ]
        assert all(c in whole[person.pk].clocks for c in kept)
        assert [i for i in whole[person.pk].intervals if i.started_on >= since] == windowed[
            person.pk
        ].intervals


def test_each_workers_clocks_are_the_engines_with_every_rule(workforce):
    """evaluate leaves the newly qualified rules out for a worker who is not newly qualified: the
    clocks must be those the engine in force gives with every rule."""
    day = today()
    engine = engine_in_force()
    found = sel.evaluate(workforce, day)
    for person in workforce:
        expected = engine.clocks_in_spans(sel.worker_spans(person, day), person.pk, day)
        assert found[person.pk].clocks == sorted(expected, key=lambda c: (c.started_on, c.rule_id))
    nq_rules = {c.rule_id for c in found[workforce[2].pk].clocks}
    assert nq_rules & {"SUPV-NQ-WEEKLY", "SUPV-NQ-FORTNIGHTLY"}


def test_a_weekly_rule_an_authority_applies_to_everyone_in_their_first_weeks_is_kept_for_them():
    """The shortcut goes by what the rules ask, not by their names: a rule that no longer asks for
    a newly qualified worker applies to an experienced one too."""
    rules_in_force()  # loaded
    Rule.objects.filter(rule_id="SUPV-NQ-WEEKLY").update(applies_to={"max_weeks_in_post": 5})
    team, manager, _ = af.team_with_managers()
    person = worker(team, started_on=today() - timedelta(days=60))
    supervised(person, [today() - timedelta(days=50), today() - timedelta(days=40)], manager)
    clocks = sel.evaluate([person], today())[person.pk].clocks
    weekly = [(c.started_on, c.status) for c in clocks if c.rule_id == "SUPV-NQ-WEEKLY"]
    assert weekly == [
        (today() - timedelta(days=60), Status.LATE),
        (today() - timedelta(days=50), Status.LATE),
        (today() - timedelta(days=40), Status.OPEN),
    ]


def test_rules_a_period_cannot_be_read_from_mean_the_whole_history_is_read(workforce):
    """A supervision clock counted from a later session than the first (an authority's own rule)
    depends on sessions before the period: then evaluate reads everything."""
    day = today()
    assert sel.evaluate(workforce, day, since=day - timedelta(days=90))[workforce[0].pk].since is not None
    rules_in_force()
    Rule.objects.filter(rule_id="SUPV").update(recurring=False)
    record = sel.evaluate(workforce, day, since=day - timedelta(days=90))[workforce[0].pk]
    assert record.since is None and record.session_days[0] < day - timedelta(days=365)


def test_a_session_recorded_after_a_read_shows_at_the_next_read(workforce):
    """The engine's clocks are kept between reads (keyed on everything they are made from): a new
    session, a moved one, or a changed rule must show at once."""
    day = today()
    person = workforce[4]  # started 100 days ago, never supervised

    def status():
        return {r.worker.pk: r for r in sel.supervision_status(workforce, day)}[person.pk]

    before = status()
    assert (before.last_session_on, before.tag) == (None, sel.Tag.OVERDUE)
    supervised(person, [day], person.team.manager)
    after = status()
    assert (after.last_session_on, after.tag) == (day, sel.Tag.IN_TIME) and after.next_due > day
    moved = am.SupervisionSession.objects.get(supervisee=person)
    moved.held_on = day - timedelta(days=45)
    moved.save(update_fields=["held_on"])
    again = status()
    assert (again.last_session_on, again.tag) == (day - timedelta(days=45), sel.Tag.OVERDUE)
    rules_in_force()
    Rule.objects.filter(rule_id="SUPV").update(limit=2)  # an authority allowing two months
    allowed_longer = status()
    assert allowed_longer.tag != sel.Tag.OVERDUE and allowed_longer.next_due > again.next_due
