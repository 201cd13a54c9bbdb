"""Practice assurance's front page: each person sees what is theirs (with the right counts and
links), and the navigation leads there."""

import re
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from carepath.assurance import models as am
from carepath.core.context_processors import navigation
from carepath.core.models import AccessEvent
from carepath.timescales.services import child_clocks_refresh
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db

HOME = "/assurance/"


def _home(client, user):
    client.force_login(user)
    return client.get(reverse("assurance:home"))


def _item(page: str, item_id: str) -> str:
    """The text of the list item with that id, tags and all."""
    found = re.search(rf'<li id="{item_id}">(.*?)</li>', page, re.S)
    assert found, f"no item {item_id!r} on the page"
    return found.group(1)


def _completed(audit):
    audit.status = am.CaseAudit.Status.COMPLETED
    audit.overall_grade = "inadequate"
    audit.completed_on = timezone.localdate() - timedelta(days=1)
    audit.save()
    return audit


def test_the_home_page_is_at_assurance():
    assert reverse("assurance:home") == HOME


def test_an_auditor_sees_their_audits_and_moderations_due_with_links(client):
    today = timezone.localdate()
    auditor = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    tool = af.audit_tool()
    af.assigned_audit(af.open_child()[0], auditor=auditor, tool=tool)
    af.assigned_audit(
        af.open_child()[0], auditor=auditor, tool=tool, assigned_on=today - timedelta(days=30), due_in=20
    )
    _completed(af.assigned_audit(af.open_child()[0], auditor=auditor, tool=tool))
    someone_elses = _completed(af.assigned_audit(af.open_child()[0], tool=tool))
    am.Moderation.objects.create(
        audit=someone_elses,
        moderator=auditor,
        assigned_on=today,
        assigned_by=f.UserFactory(role="qa_lead", team=None),
        due_on=today + timedelta(days=10),
    )

    page = _home(client, auditor).content.decode()
    audits = _item(page, "audits-due")
    assert "2 to complete" in audits
    assert "1 overdue" in audits
    assert f'href="{reverse("assurance:my-audits")}"' in audits
    moderations = _item(page, "moderations-due")
    assert "1 to complete" in moderations
    assert "overdue" not in moderations
    assert f'href="{reverse("assurance:moderations-mine")}"' in moderations
    # An auditor has no programme to run and no reports.
    assert 'id="calibration-flags"' not in page
    assert 'id="reports"' not in page


def test_the_page_names_no_child_so_logs_no_read(client):
    auditor = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    child, _ = af.open_child()
    af.assigned_audit(child, auditor=auditor)
    page = _home(client, auditor).content.decode()
    assert child.last_name not in page
    assert not AccessEvent.objects.filter(actor=auditor).exists()


def test_a_head_of_service_sees_the_inadequate_audits_waiting_for_their_response(client):
    today = timezone.localdate()
    team, _manager, head = af.team_with_managers()
    for escalated_days_ago, responded in ((0, False), (12, False), (20, True)):
        child, _ = af.open_child(team=team)
        audit = _completed(af.assigned_audit(child))
        am.AuditEscalation.objects.create(
            audit=audit,
            child=child,
            escalated_to=head,
            escalated_on=today - timedelta(days=escalated_days_ago),
            response="Legal planning meeting booked" if responded else "",
            responded_by=head if responded else None,
            responded_on=today - timedelta(days=escalated_days_ago - 1) if responded else None,
        )
        child_clocks_refresh(child_id=child.pk)

    escalations = _item(_home(client, head).content.decode(), "escalations-waiting")
    assert "2 waiting for your response" in escalations
    # Twelve days ago is past the engine's five working days (AUDIT-ESCALATION); today is not.
    assert "1 overdue" in escalations
    assert f'href="{reverse("assurance:escalations")}"' in escalations


def test_a_supervisor_sees_how_many_they_supervise_and_how_many_are_overdue(client):
    today = timezone.localdate()
    team, manager, _head = af.team_with_managers()
    started = today - timedelta(days=100)
    f.UserFactory(role="social_worker", team=team, started_on=started)  # never supervised
    supervised = f.UserFactory(role="social_worker", team=team, started_on=started)
    am.SupervisionSession.objects.create(
        supervisor=manager,
        supervisee=supervised,
        held_on=today - timedelta(days=5),
        duration_minutes=90,
        kind=am.SupervisionSession.Kind.CASE,
    )

    supervisees = _item(_home(client, manager).content.decode(), "supervisees")
    assert "The people you supervise</a>: 2" in supervisees
    assert "1 overdue for supervision" in supervisees
    assert f'href="{reverse("assurance:supervision")}"' in supervisees


def test_the_qa_lead_sees_unreviewed_calibration_flags_open_programmes_and_reports(client):
    today = timezone.localdate()
    lead = f.UserFactory(role="qa_lead", team=None)
    tool = af.audit_tool()
    for outcome in ("", am.CalibrationFlag.Outcome.STANDS):
        child, _ = af.open_child()
        audit = _completed(af.assigned_audit(child, tool=tool))
        am.CalibrationFlag.objects.create(
            audit=audit, child=child, raised_on=today, as_at=audit.completed_on, outcome=outcome
        )
    for closed_on in (None, today):
        am.AuditProgramme.objects.create(
            name="Monthly audit",
            kind=am.AuditProgramme.Kind.MONTHLY,
            tool=tool,
            sample_size=5,
            random_seed=42,
            drawn_on=today - timedelta(days=40),
            due_on=today - timedelta(days=10),
            created_by=lead,
            closed_on=closed_on,
        )

    page = _home(client, lead).content.decode()
    flags = _item(page, "calibration-flags")
    assert "1 not yet reviewed" in flags
    assert f'href="{reverse("assurance:report-calibration")}"' in flags
    programmes = _item(page, "programmes")
    assert "1 open" in programmes
    assert f'href="{reverse("assurance:programmes")}"' in programmes
    assert f'href="{reverse("assurance:report-agreement")}"' in page
    # The QA lead is not supervised in carepath: no link to a supervision record of their own.
    assert 'id="own-supervision"' not in page


def test_a_reader_of_assurance_reports_gets_the_reports_and_nothing_to_do(client):
    analyst = f.UserFactory(role="performance_analyst", team=None)
    page = _home(client, analyst).content.decode()
    reports = re.search(
        r'<ul class="govuk-list app-assurance-home" id="reports">(.*?)</ul>', page, re.S
    ).group(1)
    for name in ("report-agreement", "report-calibration", "report-learning", "supervision-compliance"):
        assert f'href="{reverse("assurance:" + name)}"' in reports, name
    for item in ("audits-due", "moderations-due", "escalations-waiting", "supervisees", "calibration-flags"):
        assert f'id="{item}"' not in page, item


def test_a_social_worker_sees_their_own_supervision_and_the_nav_says_my_supervision(client):
    today = timezone.localdate()
    team, manager, _head = af.team_with_managers()
    worker = f.UserFactory(role="social_worker", team=team, started_on=today - timedelta(days=100))
    response = _home(client, worker)
    assert response.status_code == 200
    mine = _item(response.content.decode(), "own-supervision")
    assert f'href="{reverse("assurance:my-supervision")}"' in mine
    assert "Overdue</strong> by" in mine  # 100 days in post and never supervised
    nav = dict(response.context["nav_items"])
    assert nav.get("assurance:my-supervision") == "My supervision"
    assert "assurance:home" not in nav
    # Their manager's navigation has the front page instead.
    nav = dict(_home(client, manager).context["nav_items"])
    assert nav.get("assurance:home") == "Assurance"
    assert "assurance:my-supervision" not in nav


@pytest.mark.parametrize("role", ["partner_referrer", "system_administrator"])
def test_roles_with_no_part_in_assurance_are_refused_and_not_shown_it(client, role):
    user = f.UserFactory(role=role, team=None)
    assert _home(client, user).status_code == 403
    request = RequestFactory().get("/")
    request.user, request.session, request.resolver_match = user, {}, None
    nav = dict(navigation(request)["nav_items"])
    assert "assurance:home" not in nav
    assert "assurance:my-supervision" not in nav
