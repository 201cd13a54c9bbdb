"""Practice assurance in a generated authority: supervision that keeps to the rule except in the
planted gaps, audits that are honest except the planted optimistic ones, actions for every grade
below good, escalations for inadequate ones, independent moderators, work for the demo QA auditor,
and the same records from the same seed.

The authority is generated once for the module inside a transaction rolled back at the end (as
test_legal_generation.py does), with higher planted rates so that a small authority has enough of
each to check, then the clocks are computed and the calibration recheck run over it."""

import hashlib
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.db import transaction

from carepath.assurance import models as am
from carepath.core.permissions import Role, Scope
from carepath.people import models as pm
from carepath.synth.generator import generate_authority
from carepath.synth.planted import read_planted
from carepath.timescales.models import Deadline

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 31)
HISTORY_START = TODAY - relativedelta(years=5)
RATES = {"optimistic_audit": 0.3, "supervision_gap": 0.3}
GOOD = {"outstanding", "good"}
# Kinds of planted failure that leave the child's record showing overdue work or drift.
RECORD_KINDS = {
    "late_cp_visit",
    "late_cla_visit",
    "late_cla_review",
    "late_rcpc",
    "late_assessment",
    "s20_without_consent",
    "plan_stuck",
}


def assurance_digest() -> str:
    """A hash of every practice assurance record and every user, in key order."""
    digest = hashlib.sha256()
    models = sorted(apps.get_app_config("assurance").get_models(), key=lambda m: m.__name__) + [pm.User]
    for model in models:
        fields = [f.attname for f in model._meta.concrete_fields]
        digest.update(model.__name__.encode())
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def authority(django_db_setup, django_db_blocker, tmp_path_factory):
    """Generated twice with the same seed (the first inside a savepoint, rolled back), so that the
    module can check the second gives the same records; then clocks and the calibration recheck."""
    from carepath.assurance.services.calibration import calibration_recheck
    from carepath.timescales.services import clocks_recompute_all, rules_ensure_loaded

    folder = tmp_path_factory.mktemp("assurance")
    with django_db_blocker.unblock(), transaction.atomic():
        sid = transaction.savepoint()
        generate_authority(
            children=800, seed=23, today=TODAY, planted_path=folder / "first.csv", planted_rates=RATES
        )
        first = assurance_digest()
        transaction.savepoint_rollback(sid)
        report = generate_authority(
            children=800, seed=23, today=TODAY, planted_path=folder / "planted.csv", planted_rates=RATES
        )
        digest = assurance_digest()
        rules_ensure_loaded()
        clocks_recompute_all(today=TODAY)
        calibration_recheck(today=TODAY)
        yield SimpleNamespace(
            report=report,
            planted=read_planted(folder / "planted.csv"),
            same_file=(folder / "first.csv").read_bytes() == (folder / "planted.csv").read_bytes(),
            first_digest=first,
            digest=digest,
        )
        transaction.set_rollback(True)


def planted(authority, kind):
    return [row for row in authority.planted if row["kind"] == kind]


def day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def sessions_by_worker() -> dict[int, list[date]]:
    found: dict[int, list[date]] = {}
    for supervisee_id, held_on in am.SupervisionSession.objects.order_by("held_on").values_list(
        "supervisee_id", "held_on"
    ):
        found.setdefault(supervisee_id, []).append(held_on)
    return found


def failure_windows(authority) -> dict[str, list[tuple[date, date, str]]]:
    """Per case number, when each planted record failure was running (start to end, or today;
    a stuck plan from 18 months on)."""
    windows: dict[str, list[tuple[date, date, str]]] = {}
    for row in authority.planted:
        if row["kind"] not in RECORD_KINDS or row["origin"] != "planted":
            continue
        start, end = day(row["start"]), day(row["end"]) or TODAY
        if row["kind"] == "plan_stuck":
            start = start + relativedelta(months=18)
        windows.setdefault(row["case_number"], []).append((start, end, row["kind"]))
    return windows


# -- supervision -------------------------------------------------------------------------------------


def test_sessions_are_held_on_each_planted_gaps_first_and_last_day_and_never_between(authority):
    rows = planted(authority, "supervision_gap")
    assert len(rows) >= 3
    assert any(not row["end"] for row in rows), "a gap still open today, for the escalations"
    sessions = sessions_by_worker()
    for row in rows:
        worker = int(row["record_id"])
        start, end = day(row["start"]), day(row["end"])
        theirs = sessions[worker]
        assert start in theirs
        if end is None:
            assert max(theirs) == start  # nothing since
        else:
            assert end in theirs
            assert not [d for d in theirs if start < d < end]
            assert (end - start).days >= 59


def test_no_other_stretch_without_supervision_is_longer_than_the_rule(authority):
    """Monthly: never 28 days or more between sessions (a month is never shorter), from the start
    of the history (or the start in post) to the day they left (or today), except the planted gaps.
    Workers hired newly qualified: weekly for six weeks, then fortnightly to six months."""
    gaps = {(int(r["record_id"]), day(r["start"])) for r in planted(authority, "supervision_gap")}
    sessions = sessions_by_worker()
    workers = pm.User.objects.filter(role__in=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER])
    checked = newly_qualified = 0
    for worker in workers:
        if worker.left_on and worker.left_on <= HISTORY_START or worker.started_on >= TODAY:
            continue
        theirs = sessions.get(worker.pk, [])
        assert theirs, f"{worker.username} was never supervised"
        begin = worker.started_on if worker.started_on >= HISTORY_START else theirs[0]
        assert begin >= HISTORY_START - timedelta(days=20)
        stop = min(worker.left_on or TODAY, TODAY)
        points = [begin, *[d for d in theirs if d > begin], stop]
        for a, b in zip(points, points[1:], strict=False):
            if (worker.pk, a) in gaps:
                continue
            assert (b - a).days < 28, f"{worker.username}: {a} to {b}"
            checked += 1
        # Hired newly qualified (the flag on the account is only kept for their first year).
        hired_qualified = worker.qualified_on and (worker.started_on - worker.qualified_on).days <= 120
        if hired_qualified and worker.started_on >= HISTORY_START:
            newly_qualified += 1
            early = [worker.started_on, *[d for d in theirs if d < worker.started_on + timedelta(weeks=26)]]
            for a, b in zip(early, early[1:], strict=False):
                if (worker.pk, a) in gaps:
                    continue
                limit = 7 if (a - worker.started_on).days < 42 else 14
                assert (b - a).days <= limit, f"{worker.username} (newly qualified): {a} to {b}"
    assert checked > 500 and newly_qualified >= 1


def test_the_supervision_rules_find_exactly_the_planted_gaps(authority):
    from carepath.assurance.selectors.supervision import SUPERVISED_ROLES, gaps

    workers = list(pm.User.objects.filter(role__in=SUPERVISED_ROLES))
    found = gaps(workers, since=HISTORY_START + timedelta(days=31), today=TODAY)
    planted_gaps = {
        (int(r["record_id"]), day(r["start"]), day(r["end"])) for r in planted(authority, "supervision_gap")
    }
    assert {(g.worker_id, g.started_on, g.met_on) for g in found} == planted_gaps


def test_supervisors_are_the_line_managers_of_the_day(authority):
    sessions = am.SupervisionSession.objects.select_related("supervisor", "supervisee")
    assert sessions.count() > 1000
    for session in sessions:
        supervisor, supervisee = session.supervisor, session.supervisee
        assert supervisor != supervisee
        if supervisee.role == Role.SOCIAL_WORKER:
            assert supervisor.role in (Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE, Role.DIRECTOR)
        else:
            assert supervisor.role in (Role.HEAD_OF_SERVICE, Role.DIRECTOR)
        assert 60 <= session.duration_minutes <= 120
    kinds = set(sessions.values_list("kind", flat=True))
    assert kinds == {"case", "reflective", "newly_qualified"}
    assert sessions.filter(uninterrupted=False).exists()


def test_case_sessions_discuss_children_on_the_caseload_that_day(authority):
    allocations: dict[int, list[tuple[int, date, date | None]]] = {}
    for worker_id, child_id, started, ended in pm.Allocation.objects.filter(
        kind__in=[pm.Allocation.Kind.SOCIAL_WORKER, pm.Allocation.Kind.EARLY_HELP_WORKER]
    ).values_list("worker_id", "child_id", "started_on", "ended_on"):
        allocations.setdefault(worker_id, []).append((child_id, started, ended))
    directions = am.CaseDirection.objects.select_related("session__supervisee")
    assert directions.count() > 1000
    per_session: dict[int, int] = {}
    for direction in directions:
        session = direction.session
        per_session[session.pk] = per_session.get(session.pk, 0) + 1
        assert direction.key_point == "supervision"
        assert direction.directed_on == session.held_on and direction.directed_by_id == session.supervisor_id
        assert direction.decided and direction.why
        if session.supervisee.role == Role.SOCIAL_WORKER:
            held = [
                c
                for c, started, ended in allocations.get(session.supervisee_id, [])
                if started <= session.held_on and (ended is None or session.held_on < ended)
            ]
            assert direction.child_id in held
    assert max(per_session.values()) <= 5
    assert not am.CaseDirection.objects.filter(session__kind="reflective").exists()


def test_direction_actions_have_an_owner_and_a_date_and_are_mostly_done_on_time(authority):
    actions = am.DirectionAction.objects.select_related("direction")
    assert actions.count() > 500
    due = [a for a in actions if a.due_on < TODAY]
    on_time = sum(1 for a in due if a.done_on is not None and a.done_on <= a.due_on)
    assert on_time / len(due) > 0.8
    assert any(a.done_on is None for a in due), "some actions are overdue"
    for action in actions:
        assert action.owner_id and action.due_on >= action.set_on == action.direction.directed_on
        assert action.child_id == action.direction.child_id
        assert (action.done_on is None) == (action.done_by_id is None)


def test_every_open_episode_has_case_supervision_or_oversight_at_least_monthly(authority):
    assert not Deadline.objects.filter(rule_id="CASE-SUPV", status__in=["late", "missed"]).exists()
    assert not Deadline.objects.filter(rule_id="CASE-SUPV", status="open", due_on__lt=TODAY).exists()
    assert Deadline.objects.filter(rule_id="CASE-SUPV", status="open").exists()


# -- audits ------------------------------------------------------------------------------------------


def test_a_monthly_programme_for_six_months_and_a_thematic_one(authority):
    programmes = am.AuditProgramme.objects.order_by("drawn_on")
    monthly = [p for p in programmes if p.kind == "monthly"]
    assert len(monthly) == 6
    assert programmes.filter(kind="thematic", cohort="section_20").count() == 1
    assert am.CaseAudit.objects.filter(status="completed").count() >= 30
    tool = am.AuditTool.objects.get()
    assert tool.status == "published" and tool.domains.count() >= 5
    for audit in am.CaseAudit.objects.filter(status="completed"):
        assert audit.grades.count() == tool.domains.count()
        assert audit.answers.count() == am.AuditQuestion.objects.filter(domain__tool=tool).count()
        assert audit.assigned_on <= audit.conversation_on <= audit.completed_on < TODAY


def test_the_audit_tool_is_the_shipped_default_which_the_service_then_uses(authority):
    import tomllib

    from carepath.assurance.services.audits import DEFAULT_TOOL_FILE, tool_ensure_default

    with DEFAULT_TOOL_FILE.open("rb") as handle:
        shipped = tomllib.load(handle)
    tool = am.AuditTool.objects.get()
    assert tool_ensure_default() == tool  # the service finds it and loads nothing more
    assert tool.key == shipped["key"] and tool.version_number == 1
    assert tool.grade_codes() == [g["code"] for g in shipped["grade"]]
    domains = list(tool.domains.order_by("position").prefetch_related("questions"))
    assert [d.title for d in domains] == [d["title"] for d in shipped["domain"]]
    assert [[q.text for q in d.questions.order_by("position")] for d in domains] == [
        [q["text"] for q in d["question"]] for d in shipped["domain"]
    ]


def test_planted_optimistic_audits_are_graded_good_inside_a_planted_failure(authority):
    rows = planted(authority, "optimistic_audit")
    assert len(rows) >= 3
    windows = failure_windows(authority)
    for row in rows:
        audit = am.CaseAudit.objects.get(pk=int(row["record_id"]))
        assert audit.child.case_number == row["case_number"]
        assert audit.status == "completed" and audit.overall_grade in GOOD
        assert audit.completed_on == day(row["start"])
        assert all(g in GOOD for g in audit.grades.values_list("grade", flat=True))
        inside = [k for a, b, k in windows.get(row["case_number"], []) if a < audit.completed_on < b]
        assert inside, row["description"]


def test_honest_good_audits_are_outside_every_planted_failure(authority):
    optimistic = {int(r["record_id"]) for r in planted(authority, "optimistic_audit")}
    windows = failure_windows(authority)
    honest = am.CaseAudit.objects.filter(status="completed", overall_grade__in=GOOD).exclude(
        pk__in=optimistic
    )
    assert honest.count() >= 10
    for audit in honest.select_related("child"):
        for a, b, kind in windows.get(audit.child.case_number, []):
            assert not a <= audit.completed_on <= b, f"audit {audit.pk} inside {kind}"


def test_the_calibration_recheck_flags_every_planted_optimistic_audit(authority):
    optimistic = {int(r["record_id"]) for r in planted(authority, "optimistic_audit")}
    flagged = set(am.CalibrationFlag.objects.values_list("audit_id", flat=True))
    assert optimistic <= flagged


def test_every_grade_below_good_has_an_owned_dated_action(authority):
    completed = am.CaseAudit.objects.filter(status="completed").prefetch_related("grades", "actions")
    below = 0
    for audit in completed:
        actions = list(audit.actions.all())
        for grade in audit.grades.all():
            if grade.grade not in GOOD:
                assert any(a.domain_id == grade.domain_id for a in actions), f"audit {audit.pk}"
        if audit.overall_grade not in GOOD:
            below += 1
            assert actions
        for action in actions:
            assert action.owner_id and action.due_on >= action.set_on == audit.completed_on
            assert action.child_id == audit.child_id
    assert below >= 5
    done = am.AuditAction.objects.filter(done_on__isnull=False).count()
    assert done / am.AuditAction.objects.count() > 0.5


def test_inadequate_audits_and_only_they_are_escalated_to_the_head_of_service(authority):
    inadequate = am.CaseAudit.objects.filter(status="completed", overall_grade="inadequate")
    assert inadequate.exists()
    escalations = am.AuditEscalation.objects.select_related("audit", "escalated_to")
    assert {e.audit_id for e in escalations} == set(inadequate.values_list("pk", flat=True))
    for escalation in escalations:
        assert escalation.escalated_on == escalation.audit.completed_on
        assert escalation.escalated_to.role in (Role.HEAD_OF_SERVICE, Role.DIRECTOR)
        assert (escalation.responded_on is None) == (escalation.response == "")
    assert escalations.filter(responded_on__isnull=False).exists()


def test_auditors_are_independent_and_moderators_are_someone_else(authority):
    for audit in am.CaseAudit.objects.select_related("auditor"):
        assert audit.auditor.role in (Role.QA_AUDITOR, Role.QA_LEAD, Role.TEAM_MANAGER)
        assert audit.auditor_id not in (audit.practitioner_id, audit.manager_id)
    moderations = am.Moderation.objects.select_related("audit", "moderator")
    completed = am.CaseAudit.objects.filter(status="completed").count()
    assert 0.1 * completed <= moderations.count() <= 0.4 * completed
    for moderation in moderations:
        assert moderation.moderator_id != moderation.audit.auditor_id
        assert moderation.moderator.role in (Role.QA_AUDITOR, Role.QA_LEAD)
        assert moderation.audit.status == "completed"
        if moderation.status == "completed":
            assert moderation.grades.count() == moderation.audit.grades.count()
    done = moderations.filter(status="completed")
    agree = sum(1 for m in done if m.overall_grade == m.audit.overall_grade)
    assert agree / done.count() >= 0.5
    lower = [m for m in done if m.overall_grade not in GOOD and m.audit.overall_grade in GOOD]
    assert lower, "moderators grade some audits lower"


def test_the_demo_qa_auditor_has_audits_to_do_and_reads_only_their_sample(authority):
    from carepath.people.selectors import children_visible_to

    auditor = pm.User.objects.get(username="qa.auditor")
    assert auditor.role == Role.QA_AUDITOR and auditor.scope == Scope.AUDIT_SAMPLE
    open_audits = am.CaseAudit.objects.filter(auditor=auditor, status__in=["assigned", "in_progress"])
    assert open_audits.count() >= 3
    waiting = am.Moderation.objects.filter(moderator=auditor, status="assigned")
    assert waiting.exists()
    visible = set(children_visible_to(auditor).values_list("pk", flat=True))
    sample = set(am.CaseAudit.objects.filter(auditor=auditor).values_list("child_id", flat=True))
    sample |= set(am.Moderation.objects.filter(moderator=auditor).values_list("audit__child_id", flat=True))
    assert set(open_audits.values_list("child_id", flat=True)) <= visible <= sample
    assert len(visible) < pm.Child.objects.count() / 10


def test_the_qa_lead_is_a_demo_login(authority):
    lead = pm.User.objects.get(username="qa.lead")
    assert lead.role == Role.QA_LEAD and lead.scope == Scope.AUTHORITY and lead.is_active
    assert not lead.has_usable_password()
    assert "qa.lead" in [login.username for login in authority.report.demo_logins]
    assert am.AuditProgramme.objects.exclude(created_by=lead).count() == 0


def test_same_seed_gives_the_same_assurance_records(authority):
    assert authority.first_digest == authority.digest
    assert authority.same_file
