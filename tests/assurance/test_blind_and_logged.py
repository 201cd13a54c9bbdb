"""Found in review: pages that named children without logging the read, and pages that told a
moderator the grades of the audit they were grading blind. Each is held here."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from carepath.assurance import models as am
from carepath.core.models import AccessEvent
from carepath.timescales.services import child_clocks_refresh
from tests import factories as f
from tests.assurance import factories as af
from tests.assurance.helpers_f18 import completed_audit

pytestmark = pytest.mark.django_db

BELOW = "/assurance/reports/learning/?show=below:Safety and risk"


def reads_of(child, user) -> int:
    return AccessEvent.objects.filter(child=child, actor=user).count()


def moderating(audit, moderator):
    return am.Moderation.objects.create(
        audit=audit,
        moderator=moderator,
        assigned_on=date.today(),
        assigned_by=f.UserFactory(role="qa_lead"),
        due_on=date.today() + timedelta(days=20),
    )


@pytest.fixture
def weak_audit():
    child, worker = af.open_child()
    audit = completed_audit(child, grade="requires_improvement")
    return audit, worker


def test_a_learning_report_request_with_an_unknown_download_still_logs_each_child_it_names(
    client, weak_audit
):
    audit, _worker = weak_audit
    lead = f.UserFactory(role="qa_lead")
    client.force_login(lead)
    page = client.get(BELOW + "&download=anything").content.decode()
    assert escape(audit.child.full_name) in page
    assert reads_of(audit.child, lead) == 1


def test_the_record_supervision_form_logs_a_read_of_each_child_it_offers(client):
    team, manager, _head = af.team_with_managers()
    child, worker = af.open_child(team=team)
    client.force_login(manager)
    page = client.get(reverse("assurance:supervision-record"), {"supervisee": worker.pk}).content.decode()
    assert escape(child.full_name) in page
    assert AccessEvent.objects.filter(
        child=child, actor=manager, what__startswith="Record supervision"
    ).exists()


def test_a_moderator_learns_nothing_of_the_audit_from_the_reports_escalations_or_its_flag(client, weak_audit):
    audit, worker = weak_audit
    escalated_to = f.UserFactory(role="head_of_service")
    am.AuditEscalation.objects.create(
        audit=audit, child=audit.child, escalated_to=escalated_to, escalated_on=date.today()
    )
    flag = am.CalibrationFlag.objects.create(
        audit=audit, child=audit.child, raised_on=date.today(), as_at=date.today(), findings=[]
    )
    lead = f.UserFactory(role="qa_lead")
    moderation = moderating(audit, lead)
    client.force_login(lead)
    assert escape(audit.child.full_name) not in client.get(BELOW).content.decode()
    assert escape(audit.child.full_name) not in client.get(reverse("assurance:escalations")).content.decode()
    assert client.get(reverse("assurance:calibration-flag", args=[flag.pk])).status_code == 403
    # Once they have graded, the audit is in their figures again.
    moderation.status, moderation.overall_grade, moderation.completed_on = "completed", "good", date.today()
    moderation.save()
    assert escape(audit.child.full_name) in client.get(BELOW).content.decode()
    assert client.get(reverse("assurance:calibration-flag", args=[flag.pk])).status_code == 200


def test_an_audit_under_way_shows_its_findings_to_its_auditor_only(client):
    child, _worker = af.open_child()
    audit = af.assigned_audit(child)
    audit.status, audit.summary = "in_progress", "Drafting: the chronology is thin"
    audit.save()
    client.force_login(audit.auditor)
    assert (
        "Drafting: the chronology is thin"
        in client.get(reverse("assurance:audit", args=[audit.pk])).content.decode()
    )
    client.force_login(f.UserFactory(role="qa_lead"))
    page = client.get(reverse("assurance:audit", args=[audit.pk])).content.decode()
    assert "Drafting: the chronology is thin" not in page and "Shown when the audit is complete" in page


def test_the_childs_tab_links_to_the_audit_page_only_for_those_who_may_open_it(client, weak_audit):
    audit, worker = weak_audit
    link = reverse("assurance:audit", args=[audit.pk])
    client.force_login(worker)  # the child's social worker reads the tab, not the audit page
    assert (
        f'href="{link}"' not in client.get(f"/children/{audit.child.public_id}/assurance/").content.decode()
    )
    client.force_login(f.UserFactory(role="qa_lead"))
    assert f'href="{link}"' in client.get(f"/children/{audit.child.public_id}/assurance/").content.decode()


def test_where_an_action_is_done_is_linked_for_its_owner_only(client, weak_audit):
    audit, worker = weak_audit
    owner = audit.child.allocated_team.manager
    action = am.AuditAction.objects.create(
        audit=audit,
        child=audit.child,
        action="Update the plan",
        owner=owner,
        set_on=date.today(),
        due_on=date.today() + timedelta(days=5),
    )
    child_clocks_refresh(child_id=audit.child.pk)
    link = reverse("assurance:audit-action-done", args=[action.pk])
    timescales = f"/children/{audit.child.public_id}/timescales/"
    client.force_login(worker)
    assert link not in client.get(timescales).content.decode()
    client.force_login(owner)
    assert link in client.get(timescales).content.decode()


def test_whoever_the_audit_already_told_its_grade_cannot_moderate_it(weak_audit):
    from carepath.assurance.services.moderation import conflicts_of_interest

    audit, worker = weak_audit
    head = f.UserFactory(role="head_of_service")
    am.AuditEscalation.objects.create(
        audit=audit, child=audit.child, escalated_to=head, escalated_on=date.today()
    )
    owner = f.UserFactory(role="team_manager")
    am.AuditAction.objects.create(
        audit=audit,
        child=audit.child,
        action="Review the plan",
        owner=owner,
        set_on=date.today(),
        due_on=date.today() + timedelta(days=5),
    )
    audit = am.CaseAudit.objects.get(pk=audit.pk)
    assert "the audit was escalated to them, so they know its grade" in conflicts_of_interest(head, audit)
    assert "they own one of the audit's actions, so they know its grade" in conflicts_of_interest(
        owner, audit
    )
    assert conflicts_of_interest(f.UserFactory(role="qa_auditor", scope="audit_sample"), audit) == []


def test_a_withdrawn_audit_gives_its_place_to_the_next_child_and_is_not_redone():
    from carepath.assurance.services import audits as svc

    team, _manager, _head = af.team_with_managers()
    children = [af.open_child(team=team)[0] for _ in range(4)]
    lead = f.UserFactory(role="qa_lead")
    auditor = f.UserFactory(role="qa_auditor", scope="audit_sample")
    programme = svc.programme_draw(
        actor=lead,
        name="Monthly audit",
        kind="monthly",
        tool=svc.tool_ensure_default(),
        cohort="open_cases",
        team=team,
        sample_size=2,
        due_on=date.today() + timedelta(days=20),
        seed=3,
    )
    svc.audits_assign_evenly(actor=lead, programme=programme, auditors=[auditor])
    first = am.CaseAudit.objects.filter(programme=programme).order_by("pk").first()
    svc.audit_withdraw(actor=lead, audit=first, reason="The family moved to another authority")
    sample = svc.programme_sample(programme)
    assert len(sample) == 2 and first.child not in sample
    svc.audits_assign_evenly(actor=lead, programme=programme, auditors=[auditor])
    open_audits = am.CaseAudit.objects.filter(programme=programme).exclude(status="withdrawn")
    assert open_audits.count() == 2 and not open_audits.filter(child=first.child).exists()
    assert {a.child for a in open_audits} <= set(children)


def test_each_grade_saved_changed_or_removed_in_a_draft_is_in_the_childs_change_log():
    from carepath.assurance.services import audits as svc
    from carepath.core.models import ChangeEvent

    child, _worker = af.open_child()
    audit = af.assigned_audit(child)
    domain = audit.tool.domains.first()

    def save(grade, evidence):
        audit.refresh_from_db()
        svc.audit_save(
            actor=audit.auditor,
            audit=audit,
            grades={domain.pk: (grade, evidence)},
            expected_version=audit.version,
        )

    def logged(action):
        return ChangeEvent.objects.filter(child=child, record_type="assurance.DomainGrade", action=action)

    save("good", "Visits on time")
    assert logged("created").count() == 1
    save("requires_improvement", "Visits on time, but the plan is vague")
    changed = logged("updated").get().changes_dict()
    assert changed["grade"] == ["good", "requires_improvement"]
    save("", "")
    assert logged("deleted").count() == 1 and not am.DomainGrade.objects.filter(audit=audit).exists()


def test_the_change_log_tab_hides_the_audits_changes_from_a_moderator_grading_blind(client, weak_audit):
    from carepath.core import audit as audit_log
    from carepath.core.audit import ChangeAction

    audit, _worker = weak_audit
    audit_log.record_change(
        actor=audit.auditor,
        child=audit.child,
        record=audit,
        action=ChangeAction.UPDATED,
        changes={"overall_grade": ["", "requires_improvement"]},
    )
    head = f.UserFactory(role="head_of_service", scope="authority")
    moderation = moderating(audit, head)
    client.force_login(head)
    url = f"/children/{audit.child.public_id}/record-access/"
    assert "assurance.CaseAudit" not in client.get(url).content.decode()
    moderation.status, moderation.overall_grade, moderation.completed_on = "completed", "good", date.today()
    moderation.save()
    assert "assurance.CaseAudit" in client.get(url).content.decode()


def test_a_tools_new_version_its_edits_and_publishing_are_in_the_change_log():
    from carepath.assurance.services import audits as svc
    from carepath.core.models import ChangeEvent

    lead = f.UserFactory(role="qa_lead")
    first = svc.tool_ensure_default()
    draft = svc.tool_new_version(actor=lead, tool=first)
    logged = ChangeEvent.objects.filter(record_type="assurance.AuditTool", child__isnull=True)
    assert logged.filter(record_id=str(draft.pk), action="created").exists()
    svc.tool_update_draft(
        actor=lead,
        tool=draft,
        name=draft.name,
        description=draft.description,
        domains=[
            {
                "title": "Safety",
                "guidance": "",
                "questions": [{"text": "Is the child safe today?", "guidance": ""}],
            }
        ],
        expected_version=draft.version,
    )
    edit = logged.filter(record_id=str(draft.pk), action="updated").latest("seq").changes_dict()
    assert edit["domains"][1] == [
        {
            "title": "Safety",
            "guidance": "",
            "questions": [{"text": "Is the child safe today?", "guidance": ""}],
        }
    ]
    draft.refresh_from_db()
    svc.tool_publish(actor=lead, tool=draft, expected_version=draft.version)
    retired = logged.filter(record_id=str(first.pk), action="updated").latest("seq").changes_dict()
    assert retired["status"] == ["published", "retired"]
