"""Practice assurance through the API: audits scoped to what the caller may see (a QA auditor only
their sample), blind moderation, private supervision notes, and a read logged per child."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carepath.assurance import models as am
from carepath.core.models import AccessEvent, Channel
from tests import factories as f
from tests.assurance import factories as af
from tests.assurance.test_child_tab import completed_audit, direction_with_action, moderate

pytestmark = pytest.mark.django_db


def _results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def two_teams():
    """Two teams of one service, each with a child allocated to a worker of the team."""
    team_a, manager_a, head = af.team_with_managers()
    team_b = f.TeamFactory(service=team_a.service)
    child_a, worker_a = af.open_child(team=team_a)
    child_b, worker_b = af.open_child(team=team_b)
    return {
        "team_a": team_a,
        "manager_a": manager_a,
        "head": head,
        "child_a": child_a,
        "worker_a": worker_a,
        "child_b": child_b,
        "worker_b": worker_b,
    }


# ---------------------------------------------------------------------------------------------
# Audits
# ---------------------------------------------------------------------------------------------


def test_a_qa_auditor_sees_only_the_audits_of_their_own_sample(api_as, two_teams):
    auditor = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    mine = af.assigned_audit(two_teams["child_a"], auditor=auditor)
    theirs = completed_audit(two_teams["child_b"])  # another auditor's, of a child not in the sample

    rows = _results(api_as(auditor).get("/api/v1/audits/"))
    assert [row["id"] for row in rows] == [mine.pk]
    assert rows[0]["child"] == str(two_teams["child_a"].public_id)

    child_b = two_teams["child_b"].public_id
    assert api_as(auditor).get(f"/api/v1/children/{child_b}/audits/").status_code == 403
    # A reader of assurance with the whole authority in scope sees both.
    lead = f.UserFactory(role="qa_lead", team=None)
    assert {row["id"] for row in _results(api_as(lead).get("/api/v1/audits/"))} == {mine.pk, theirs.pk}


def test_a_team_managers_audit_list_keeps_to_their_team(api_as, two_teams):
    in_team = completed_audit(two_teams["child_a"])
    completed_audit(two_teams["child_b"])
    rows = _results(api_as(two_teams["manager_a"]).get("/api/v1/audits/"))
    assert [row["id"] for row in rows] == [in_team.pk]


def test_the_audit_list_logs_a_read_of_each_child_it_returns(api_as, two_teams):
    lead = f.UserFactory(role="qa_lead", team=None)
    completed_audit(two_teams["child_a"])
    completed_audit(two_teams["child_b"])
    unrelated, _ = af.open_child()
    _results(api_as(lead).get("/api/v1/audits/"))
    logged = AccessEvent.objects.filter(actor=lead, channel=Channel.API, what="API: audits")
    assert sorted(logged.values_list("child_id", flat=True)) == sorted(
        [two_teams["child_a"].pk, two_teams["child_b"].pk]
    )
    assert not AccessEvent.objects.filter(actor=lead, child=unrelated).exists()


def test_a_childs_audits_show_grades_and_actions_with_their_clocks_and_log_the_read(api_as, two_teams):
    child, worker = two_teams["child_a"], two_teams["worker_a"]
    audit = completed_audit(child, grade="requires_improvement", evidence="No chronology", action="Write it")
    rows = _results(api_as(worker).get(f"/api/v1/children/{child.public_id}/audits/"))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == audit.pk
    assert row["findings_hidden"] is False
    assert row["overall_grade"] == "requires_improvement"
    assert row["overall_grade_label"] == "Requires improvement"
    assert row["grades"] == [
        {
            "domain": "Safety and risk",
            "grade": "requires_improvement",
            "grade_label": "Requires improvement",
            "evidence": "No chronology",
        }
    ]
    assert row["actions"][0]["action"] == "Write it"
    assert row["actions"][0]["standing"]["status"] == "open"
    event = AccessEvent.objects.get(actor=worker, child=child)
    assert (event.channel, event.what) == (Channel.API, "API: audits")


# ---------------------------------------------------------------------------------------------
# Blind moderation
# ---------------------------------------------------------------------------------------------


def test_a_moderators_pending_moderation_hides_the_audits_grades(api_as, two_teams):
    child = two_teams["child_a"]
    audit = completed_audit(
        child, grade="inadequate", evidence="Risk from the partner not assessed", action="Act"
    )
    moderator = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    moderation = moderate(audit, moderator)
    api = api_as(moderator)

    child_rows = _results(api.get(f"/api/v1/children/{child.public_id}/audits/"))
    assert child_rows[0]["findings_hidden"] is True
    for field in ("overall_grade", "overall_grade_label", "summary", "grades", "actions", "childs_views"):
        assert child_rows[0][field] is None, field
    # Not listed among their audits while they grade it blind (as on the audit pages).
    assert _results(api.get("/api/v1/audits/")) == []
    mod_rows = _results(api.get("/api/v1/moderations/"))
    assert [row["id"] for row in mod_rows] == [moderation.pk]
    assert mod_rows[0]["audit_overall_grade"] is None
    assert mod_rows[0]["audit_grades"] is None
    body = api.get(f"/api/v1/children/{child.public_id}/audits/").content.decode()
    assert "Risk from the partner not assessed" not in body
    assert "inadequate" not in body

    # Someone else still sees the audit's grades.
    lead = f.UserFactory(role="qa_lead", team=None)
    assert _results(api_as(lead).get(f"/api/v1/children/{child.public_id}/audits/"))[0]["overall_grade"] == (
        "inadequate"
    )

    moderation.status = am.Moderation.Status.COMPLETED
    moderation.overall_grade = "requires_improvement"
    moderation.completed_on = timezone.localdate()
    moderation.save()
    child_rows = _results(api.get(f"/api/v1/children/{child.public_id}/audits/"))
    assert child_rows[0]["overall_grade"] == "inadequate"
    assert child_rows[0]["moderation"]["overall_grade"] == "requires_improvement"
    mod_rows = _results(api.get("/api/v1/moderations/"))
    assert mod_rows[0]["audit_overall_grade"] == "inadequate"
    assert mod_rows[0]["overall_grade"] == "requires_improvement"


def test_an_uncompleted_moderation_shows_no_grades_even_to_the_qa_lead(api_as, two_teams):
    audit = completed_audit(two_teams["child_a"], grade="good")
    moderate(audit, f.UserFactory(role="qa_auditor", scope="audit_sample", team=None))
    lead = f.UserFactory(role="qa_lead", team=None)
    rows = _results(api_as(lead).get("/api/v1/moderations/"))
    assert len(rows) == 1
    assert rows[0]["audit_overall_grade"] is None and rows[0]["audit_grades"] is None
    event = AccessEvent.objects.get(actor=lead, child=two_teams["child_a"])
    assert (event.channel, event.what) == (Channel.API, "API: moderations")


def test_a_moderator_sees_only_their_own_moderations(api_as, two_teams):
    mine_to_do = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    someone_else = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    moderate(completed_audit(two_teams["child_a"]), mine_to_do)
    moderate(completed_audit(two_teams["child_b"]), someone_else)
    rows = _results(api_as(mine_to_do).get("/api/v1/moderations/"))
    assert [row["child"] for row in rows] == [str(two_teams["child_a"].public_id)]


def test_the_audit_lists_refuse_a_role_without_an_assurance_function(api_as, two_teams):
    worker = two_teams["worker_a"]
    assert api_as(worker).get("/api/v1/audits/").status_code == 403
    assert api_as(worker).get("/api/v1/moderations/").status_code == 403


# ---------------------------------------------------------------------------------------------
# Case directions and supervision sessions
# ---------------------------------------------------------------------------------------------


def test_a_childs_case_directions_carry_actions_and_clocks_but_never_session_notes(api_as, two_teams):
    child, worker, manager = two_teams["child_a"], two_teams["worker_a"], two_teams["manager_a"]
    direction_with_action(
        child,
        supervisor=manager,
        supervisee=worker,
        decided="Hold a strategy discussion",
        action="Call the police and health",
        notes="Worker's own file: caseload too high, off sick last week",
    )
    response = api_as(worker).get(f"/api/v1/children/{child.public_id}/case-directions/")
    rows = _results(response)
    assert rows[0]["decided"] == "Hold a strategy discussion"
    assert rows[0]["in_supervision"] is True
    assert rows[0]["key_point"] == "supervision"
    action = rows[0]["actions"][0]
    assert action["action"] == "Call the police and health"
    assert action["owner"] == str(worker)
    assert action["standing"] == {"status": "overdue", "label": "Overdue"}
    assert "off sick" not in response.content.decode()
    event = AccessEvent.objects.get(actor=worker, child=child)
    assert (event.channel, event.what) == (Channel.API, "API: case directions")


def test_a_childs_case_directions_are_refused_outside_scope_and_not_logged(api_as, two_teams):
    child = two_teams["child_a"]
    direction_with_action(
        child, supervisor=two_teams["manager_a"], supervisee=two_teams["worker_a"], decided="D", action="A"
    )
    outsider = two_teams["worker_b"]
    assert api_as(outsider).get(f"/api/v1/children/{child.public_id}/case-directions/").status_code == 403
    assert not AccessEvent.objects.filter(actor=outsider).exists()


def test_session_notes_are_only_for_the_two_people_and_the_line_above_the_supervisor(api_as, two_teams):
    child, worker, manager = two_teams["child_a"], two_teams["worker_a"], two_teams["manager_a"]
    session, _ = direction_with_action(
        child,
        supervisor=manager,
        supervisee=worker,
        decided="D",
        action="A",
        notes="Wants to do the ASYE mentor course",
    )
    for participant in (worker, manager):
        rows = _results(api_as(participant).get("/api/v1/supervision-sessions/"))
        assert [(row["id"], row["notes"]) for row in rows] == [
            (session.pk, "Wants to do the ASYE mentor course")
        ]
    # The head of the service manages the supervisor, so reads the notes, as on the pages.
    rows = _results(api_as(two_teams["head"]).get("/api/v1/supervision-sessions/"))
    assert [(row["id"], row["notes"]) for row in rows] == [(session.pk, "Wants to do the ASYE mentor course")]
    # A performance analyst reads the session for the compliance figures, never its notes.
    analyst = f.UserFactory(role="performance_analyst")
    rows = _results(api_as(analyst).get("/api/v1/supervision-sessions/"))
    assert [(row["id"], row["notes"]) for row in rows] == [(session.pk, None)]
    # A colleague in the same team sees nothing of it.
    colleague = f.UserFactory(role="social_worker", team=two_teams["team_a"])
    assert _results(api_as(colleague).get("/api/v1/supervision-sessions/")) == []


def test_children_discussed_are_listed_only_where_the_caller_may_open_them(api_as, two_teams):
    child_a, worker = two_teams["child_a"], two_teams["worker_a"]
    manager = two_teams["manager_a"]
    session, _ = direction_with_action(
        child_a, supervisor=manager, supervisee=worker, decided="D", action="A"
    )
    # The same session also discussed a child of another team (covering for a colleague).
    other = two_teams["child_b"]
    am.CaseDirection.objects.create(
        child=other,
        session=session,
        key_point=am.CaseDirection.KeyPoint.SUPERVISION,
        decided="Cover visit",
        why="Their worker is on leave",
        directed_by=manager,
        directed_on=session.held_on,
    )
    rows = _results(api_as(worker).get("/api/v1/supervision-sessions/"))
    assert rows[0]["children_discussed"] == [str(child_a.public_id)]
    head_rows = _results(api_as(two_teams["head"]).get("/api/v1/supervision-sessions/"))
    assert sorted(head_rows[0]["children_discussed"]) == sorted(
        [str(child_a.public_id), str(other.public_id)]
    )
    # Listing sessions names children by identifier only, so it is not logged as reading them.
    assert not AccessEvent.objects.filter(actor=worker).exists()


def test_sessions_are_refused_to_a_role_with_no_own_work_or_assurance(api_as):
    referrer = f.UserFactory(role="partner_referrer", team=None)
    assert api_as(referrer).get("/api/v1/supervision-sessions/").status_code == 403


def test_management_oversight_is_a_direction_without_a_session(api_as, two_teams):
    """Oversight at a key point has no session: `in_supervision` is false."""
    child, manager = two_teams["child_a"], two_teams["manager_a"]
    today = timezone.localdate()
    direction = am.CaseDirection.objects.create(
        child=child,
        key_point=am.CaseDirection.KeyPoint.ALLOCATION,
        decided="Allocate to a qualified worker",
        why="Risk is rising",
        directed_by=manager,
        directed_on=today - timedelta(days=3),
    )
    rows = _results(api_as(manager).get(f"/api/v1/children/{child.public_id}/case-directions/"))
    assert [(row["id"], row["in_supervision"], row["key_point"]) for row in rows] == [
        (direction.pk, False, "allocation")
    ]
