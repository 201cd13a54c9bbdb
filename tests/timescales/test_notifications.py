"""The daily job and its digest emails: who gets one, what it says (and does not say), escalations
for managers, the `carepath daily` command, and the task framework underneath."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils.module_loading import import_string
from django_tasks import TaskResultStatus
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

from carepath.core.models import AuditChainHead
from carepath.core.permissions import Role
from carepath.timescales.models import Deadline, Escalation, Rule
from carepath.timescales.notifications import digest_for, digest_message, where_digests_go
from carepath.timescales.services import rules_ensure_loaded
from carepath.timescales.tasks import run_daily, send_digest
from tests import factories as f
from tests.journey.helpers import Journey

TODAY = date(2026, 11, 23)  # a Monday
REFERRAL_RULE = "REF-DECISION"  # a referral's response decided within one working day


def person(team, role=Role.SOCIAL_WORKER, **fields):
    fields.setdefault("email", f"{fields.get('username', 'someone')}@council.example")
    return f.UserFactory(team=team, role=role, **fields)


@pytest.fixture
def today(travel):
    travel(TODAY)
    return TODAY


@pytest.fixture
def staff(team):
    """A team manager, a head of service for the team's service, and two social workers."""
    people = {
        "manager": person(team, Role.TEAM_MANAGER, username="manager"),
        "head": f.UserFactory(
            team=None,
            service=team.service,
            role=Role.HEAD_OF_SERVICE,
            username="head",
            email="head@x.example",
        ),
        "busy": person(team, username="busy"),
        "idle": person(team, username="idle"),
    }
    f.name_managers(team, people["manager"], head=people["head"])
    return people


def overdue_child(worker, *, referred: date, recorded_by=None, **child_fields):
    """A child allocated to `worker` whose referral (through the journey services) still waits for
    a decision: the decision was due one working day after the referral."""
    child = f.ChildFactory(**child_fields)
    f.allocate(child, worker, started_on=referred - timedelta(days=30))
    Journey(recorded_by or worker, child).referral(on=referred)
    return child


def sent_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def rule_name(rule_id: str) -> str:
    return Rule.objects.get(rule_id=rule_id).name


def test_a_worker_with_overdue_work_gets_one_digest_naming_the_child_and_rule(today, staff):
    child = overdue_child(staff["busy"], referred=today - timedelta(days=10))
    due = Deadline.objects.get(child=child, rule_id=REFERRAL_RULE).due_on
    assert due < today

    with override_settings(CAREPATH_BASE_URL="https://carepath.council.example"):
        result = run_daily.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL
    [email] = sent_to(staff["busy"].email)
    assert email.to == [staff["busy"].email]
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert "Overdue (1)" in email.body
    line = f"- {child.full_name} ({child.case_number}): {rule_name(REFERRAL_RULE)}, due {due:%-d %B %Y}"
    assert line in email.body
    assert "https://carepath.council.example/work/" in email.body
    assert "1 overdue" in email.subject
    assert child.last_name not in email.subject and child.case_number not in email.subject
    assert sent_to(staff["idle"].email) == []


def test_a_digest_says_nothing_about_the_case_beyond_name_number_rule_and_date(today, staff):
    child = overdue_child(
        staff["busy"], referred=today - timedelta(days=10), postcode="ZZ9 9ZZ", nhs_number="9990001112"
    )
    other = overdue_child(staff["idle"], referred=today - timedelta(days=10))
    deadline = Deadline.objects.get(child=child, rule_id=REFERRAL_RULE)

    run_daily.enqueue()

    [email] = sent_to(staff["busy"].email)
    for detail in ("ZZ9 9ZZ", "9990001112", f"{child.date_of_birth:%-d %B %Y}", deadline.why):
        assert detail not in email.body
    # Another worker's child is in their digest, not this one.
    assert other.full_name not in email.body
    assert other.full_name in sent_to(staff["idle"].email)[0].body


def test_names_are_written_as_they_are_not_escaped_as_html(today, staff):
    child = overdue_child(staff["busy"], referred=today - timedelta(days=10), last_name="O'Brien")

    run_daily.enqueue()

    [email] = sent_to(staff["busy"].email)
    assert f"{child.first_name} O'Brien" in email.body
    assert "&#x27;" not in email.body


def test_work_due_today_and_this_week_is_grouped_under_its_own_heading(today, staff):
    # A referral made today is due for decision on the next working day: this week, not overdue.
    child = overdue_child(staff["busy"], referred=today)
    due = Deadline.objects.get(child=child, rule_id=REFERRAL_RULE).due_on
    assert today < due <= today + timedelta(days=7)

    run_daily.enqueue()

    [email] = sent_to(staff["busy"].email)
    assert "Due this week (1)" in email.body
    assert "Overdue" not in email.body
    assert f"{child.full_name} ({child.case_number}): {rule_name(REFERRAL_RULE)}" in email.body


def test_a_drift_flag_is_listed_as_flagged_since_the_day_it_was_raised(today, staff):
    rules_ensure_loaded()
    child = f.ChildFactory()
    f.allocate(child, staff["busy"])
    raised = today - timedelta(days=40)
    # A stored row as the engine writes it, for a rule of the drift kind.
    Deadline.objects.create(
        key=f"test:{child.pk}:drift",
        child=child,
        rule_id="DRIFT-NO-PROGRESS",
        kind="drift",
        context_type="referral",
        context_id=1,
        started_on=raised - timedelta(days=200),
        due_on=raised,
        status="flagged",
        why="no progress",
    )
    assert Rule.objects.get(rule_id="DRIFT-NO-PROGRESS").kind == "drift"

    body = digest_message(digest_for(staff["busy"], today)).body

    expected = f"{child.case_number}): {rule_name('DRIFT-NO-PROGRESS')}, flagged since {raised:%-d %B %Y}"
    assert expected in body


def test_the_manager_gets_the_escalation_and_the_head_of_service_the_next_one(today, staff):
    child = overdue_child(staff["busy"], referred=today - timedelta(days=10))

    summary = run_daily.enqueue().return_value

    escalations = Escalation.objects.filter(child=child, rule_id=REFERRAL_RULE)
    assert {(e.level, e.escalated_to) for e in escalations} == {(1, staff["manager"]), (2, staff["head"])}
    assert summary["escalations"] == Escalation.objects.count()
    line = f"- {child.full_name} ({child.case_number}): {rule_name(REFERRAL_RULE)}"
    [to_manager] = sent_to(staff["manager"].email)
    escalated_part = to_manager.body.split("New escalations to you (", 1)[1]
    assert line in escalated_part
    overdue_in_team = Deadline.objects.filter(
        child__allocated_team=staff["busy"].team, status="open", kind="deadline", due_on__lt=today
    ).count()
    assert f"Overdue in your team: {overdue_in_team}" in to_manager.body
    [to_head] = sent_to(staff["head"].email)
    assert line in to_head.body.split("New escalations to you (", 1)[1]
    # The worker responsible is told about the work itself, not about the escalation.
    assert "New escalations to you" not in sent_to(staff["busy"].email)[0].body


def test_a_manager_is_told_of_an_escalation_once_not_every_day(today, staff, travel):
    overdue_child(staff["busy"], referred=today - timedelta(days=10))
    run_daily.enqueue()
    assert "New escalations to you" in sent_to(staff["manager"].email)[0].body

    mail.outbox.clear()
    travel(today + timedelta(days=1))
    run_daily.enqueue()

    [again] = sent_to(staff["manager"].email)
    assert "New escalations to you" not in again.body
    assert "Overdue in your team: 1" in again.body  # still overdue, so still counted


def test_leavers_inactive_accounts_and_people_without_an_address_get_nothing(today, team, staff):
    leaver = person(team, username="leaver", left_on=today - timedelta(days=2))
    inactive = person(team, username="inactive", is_active=False)
    no_address = person(team, username="noaddress", email="")
    for worker in (leaver, inactive, no_address):
        overdue_child(worker, referred=today - timedelta(days=10), recorded_by=staff["manager"])
    overdue_child(staff["busy"], referred=today - timedelta(days=10))

    summary = run_daily.enqueue().return_value

    for address in (leaver.email, inactive.email):
        assert sent_to(address) == []
    assert all(m.to != [""] for m in mail.outbox)
    assert len(sent_to(staff["busy"].email)) == 1
    assert summary["digests"]["sent"] == len(mail.outbox)
    # The leaver's digest is refused at sending too, should one have been queued before they left.
    assert send_digest.enqueue(leaver.pk, today.isoformat()).return_value is False


def test_someone_with_nothing_due_gets_no_email_and_an_empty_digest(today, staff):
    digest = digest_for(staff["idle"], today)
    assert digest.is_empty

    run_daily.enqueue()

    assert mail.outbox == []


def test_roles_without_a_work_queue_get_no_digest(today, team):
    analyst = person(team, Role.PERFORMANCE_ANALYST, username="analyst")
    child = overdue_child(person(team, username="worker"), referred=today - timedelta(days=10))
    # Even if the child were somehow theirs, an analyst has no work queue to report.
    child.allocated_worker = analyst
    child.save(update_fields=["allocated_worker"])

    run_daily.enqueue()

    assert sent_to(analyst.email) == []


def test_the_daily_command_recomputes_escalates_sends_and_prints_the_counts(today, staff):
    child = overdue_child(staff["busy"], referred=today - timedelta(days=10))
    other = overdue_child(staff["idle"], referred=today - timedelta(days=10))
    # Rows lost since the last recompute: the command must put them back.
    Deadline.objects.all().delete()

    out = io.StringIO()
    call_command("daily", stdout=out)
    printed = out.getvalue()

    stored = Deadline.objects.count()
    assert Deadline.objects.filter(child__in=[child, other], rule_id=REFERRAL_RULE).count() == 2
    made = Escalation.objects.count()
    assert made == 4  # each child's item: to the team manager, then to the head of service
    assert "Daily job for Monday 23 November 2026" in printed
    assert f"2 children, {stored:,} deadlines and flags stored" in printed
    assert f"Escalations:  {made} new (2 to team managers, 2 to heads of service)" in printed
    # Both workers, the manager and the head of service.
    assert len(mail.outbox) == 4
    assert "Digests:      4 sent, 0 people with nothing to send" in printed
    assert "kept in memory" in printed
    # No audits and no workers supervised here: the assurance lines say so.
    assert "Audits:       0 graded good or better while the record showed a concern" in printed
    assert "Supervision:  " in printed and "overdue supervision gaps escalated" in printed

    # The next run finds nothing new to escalate.
    out = io.StringIO()
    call_command("daily", stdout=out)
    assert "Escalations:  0 new" in out.getvalue()


def test_the_daily_command_counts_as_of_the_day_it_is_given(today, staff):
    child = overdue_child(staff["busy"], referred=today - timedelta(days=10))
    due = Deadline.objects.get(child=child, rule_id=REFERRAL_RULE).due_on
    before_due = due - timedelta(days=1)

    out = io.StringIO()
    call_command("daily", "--today", before_due.isoformat(), stdout=out)

    assert f"Daily job for {before_due:%A %-d %B %Y}" in out.getvalue()
    assert Escalation.objects.count() == 0
    [email] = sent_to(staff["busy"].email)
    assert "Overdue" not in email.body
    assert f"{child.full_name} ({child.case_number})" in email.body


def test_the_daily_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="--today must be a date"):
        call_command("daily", "--today", "23/11/2026")


def test_a_failing_daily_job_fails_the_command(today, staff, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("carepath.timescales.tasks.clocks_recompute_all", broken)
    err = io.StringIO()
    with pytest.raises(CommandError, match="daily job failed"):
        call_command("daily", stdout=io.StringIO(), stderr=err)
    assert "the database went away" in err.getvalue()


def test_a_digest_that_cannot_be_sent_is_counted_and_fails_the_command(today, staff, monkeypatch):
    overdue_child(staff["busy"], referred=today - timedelta(days=10))

    def refused(self, fail_silently=False):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(EmailMessage, "send", refused)
    out = io.StringIO()
    with pytest.raises(CommandError, match="digest emails could not be sent"):
        call_command("daily", stdout=out)
    # The worker, the manager and the head of service each had a digest to send.
    assert "3 FAILED" in out.getvalue()
    assert "Digests:      0 sent" in out.getvalue()


def test_the_tasks_are_registered_and_run_at_once_on_the_immediate_backend(today, staff):
    for task in (run_daily, send_digest):
        assert isinstance(task, Task)
        assert import_string(task.module_path) is task  # how a worker finds it again
    assert task.get_backend().__class__.__name__ == "ImmediateBackend"
    overdue_child(staff["busy"], referred=today - timedelta(days=10))

    result = send_digest.enqueue(staff["busy"].pk, today.isoformat())

    assert result.is_finished and result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value is True
    assert len(sent_to(staff["busy"].email)) == 1


@pytest.fixture
def chain_heads_kept(django_db_setup, django_db_blocker):
    """A test on a real (not rolled back) database empties it afterwards, including the audit chain
    heads that a migration creates; put them back for the tests that follow (as tests/core does).
    List it before transactional_db so that it is torn down after the database is emptied."""
    yield
    with django_db_blocker.unblock():
        for name in ("access", "change"):
            AuditChainHead.objects.get_or_create(name=name)


@pytest.mark.django_db(transaction=True)
def test_with_the_database_backend_the_command_queues_and_the_worker_runs_it(
    chain_heads_kept, transactional_db, travel
):
    # The worker closes and reopens database connections, so this test cannot run inside the
    # rolled-back transaction the other tests use.
    travel(TODAY)
    team = f.TeamFactory()
    worker = person(team, username="worker")
    overdue_child(worker, referred=TODAY - timedelta(days=10))
    database = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=database):
        out = io.StringIO()
        call_command("daily", stdout=out)
        assert "Queued the daily job" in out.getvalue()
        assert mail.outbox == []
        assert DBTaskResult.objects.filter(task_path="carepath.timescales.tasks.run_daily").count() == 1

        # The worker runs the daily job, which queues the digests; a second pass sends them.
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", stdout=io.StringIO())

    assert DBTaskResult.objects.filter(task_path="carepath.timescales.tasks.send_digest").count() >= 1
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    assert len(sent_to(worker.email)) == 1


def _production_settings(**env) -> str:
    code = (
        "import carepath.config.settings.production as s; "
        "print(s.TASKS['default']['BACKEND']); print(s.EMAIL_BACKEND); print(s.DEFAULT_FROM_EMAIL)"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("CAREPATH_")}
    run = subprocess.run(  # noqa: S603 (a fixed command)
        [sys.executable, "-c", code],
        env={**base, "CAREPATH_SECRET_KEY": "x" * 50, "CAREPATH_ALLOWED_HOSTS": "carepath.example", **env},
        capture_output=True,
        text=True,
        cwd=settings.PACKAGE_DIR.parent,
    )
    return run.stdout + run.stderr


def test_production_queues_tasks_for_workers_and_sends_mail_only_when_told_where(tmp_path):
    quiet = _production_settings(CAREPATH_DATA_DIR=str(tmp_path))
    assert "django_tasks_db.DatabaseBackend" in quiet
    assert "django.core.mail.backends.dummy.EmailBackend" in quiet

    smtp = _production_settings(
        CAREPATH_DATA_DIR=str(tmp_path),
        CAREPATH_EMAIL_HOST="smtp.council.example",
        CAREPATH_FROM_EMAIL="carepath@council.example",
    )
    assert "django.core.mail.backends.smtp.EmailBackend" in smtp
    assert "carepath@council.example" in smtp

    refused = _production_settings(
        CAREPATH_DATA_DIR=str(tmp_path), CAREPATH_EMAIL_HOST="smtp.council.example"
    )
    assert "CAREPATH_FROM_EMAIL must be set" in refused


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        ("django.core.mail.backends.console.EmailBackend", "printed here"),
        ("django.core.mail.backends.filebased.EmailBackend", "written to files in /srv/carepath/mail"),
        ("django.core.mail.backends.smtp.EmailBackend", "sent through smtp.council.example:25"),
        ("django.core.mail.backends.dummy.EmailBackend", "switched off"),
    ],
)
def test_the_commands_say_where_digests_go(backend, words):
    with override_settings(
        EMAIL_BACKEND=backend,
        EMAIL_FILE_PATH="/srv/carepath/mail",
        EMAIL_HOST="smtp.council.example",
        EMAIL_PORT=25,
    ):
        assert words in where_digests_go()
