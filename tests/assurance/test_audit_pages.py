"""Case audit pages (F17): the audit form (a refusal keeps everything typed; actions through the
page), the audit as completed (grades in words, actions with their clocks, the escalation), the
auditor's list, programmes (cohort counts, the draw, assigning auditors), the head of service's
escalations, and who may open which page; every page showing a child logs the read."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from carepath.assurance import models as am
from carepath.assurance.services import audits as svc
from carepath.core.models import AccessEvent
from carepath.core.permissions import Role, Scope
from carepath.people import models as pm
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db

GOOD, RI, INADEQUATE = "good", "requires_improvement", "inadequate"


def today():
    return date.today()


@pytest.fixture
def case():
    team, manager, head = af.team_with_managers()
    child, worker = af.open_child(team=team)
    auditor = f.UserFactory(role=Role.QA_AUDITOR, scope=Scope.AUDIT_SAMPLE)
    audit = af.assigned_audit(child, auditor=auditor, tool=svc.tool_ensure_default())
    audit.practitioner, audit.manager = worker, manager
    audit.save()
    return audit


def date_parts(name, day):
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def form_data(audit, grade=GOOD, **extra):
    data = {
        "version": audit.version,
        "action_rows": 3,
        **date_parts("conversation_on", today() - timedelta(days=1)),
        "practitioner_took_part": "on",
        "childs_views": "He wants to see his dad more.",
        "overall_grade": grade,
        "summary": "Work is purposeful; the plan is reviewed on time.",
    }
    for d in audit.tool.domains.all():
        data[f"grade_{d.pk}"] = grade
        data[f"evidence_{d.pk}"] = f"Evidence typed for {d.title}"
    data.update(extra)
    return data


def complete(audit, **values):
    grades = {d.pk: (GOOD, f"Evidence for {d.title}") for d in audit.tool.domains.all()}
    grades.update(values.pop("grades", {}))
    defaults = {
        "grades": grades,
        "overall_grade": GOOD,
        "summary": "Summary of the audit",
        "conversation_on": today(),
        "practitioner_took_part": True,
        "manager_took_part": False,
        "childs_views": "Said she feels safe at home now.",
        "actions": [],
        "expected_version": audit.version,
    }
    return svc.audit_complete(actor=audit.auditor, audit=audit, **(defaults | values))


def reads(user, child, what=None):
    events = AccessEvent.objects.filter(actor=user, child=child)
    return events.filter(what=what) if what else events


# ---------------------------------------------------------------------------------------------
# The audit form
# ---------------------------------------------------------------------------------------------


def test_the_auditor_opens_the_form_with_every_domain_its_guidance_and_the_tools_grades(client, case):
    client.force_login(case.auditor)
    response = client.get(reverse("assurance:audit-edit", args=[case.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for domain in case.tool.domains.all():
        assert escape(f"Grade for {domain.title}") in html
        assert escape(domain.guidance.splitlines()[0]) in html
    assert "Requires improvement" in html and "Outstanding" in html
    # Three blank action rows, each with what, owner, due date and domain.
    assert 'name="action_3_what"' in html and 'name="action_3_due_on_2"' in html
    assert 'name="action_3_domain"' in html and 'name="action_4_what"' not in html
    assert reads(case.auditor, case.child, "Case audit form").count() == 1


def test_a_refused_completion_keeps_everything_typed_and_says_an_action_is_needed(client, case):
    client.force_login(case.auditor)
    first = case.tool.domains.first()
    data = form_data(
        case, **{f"grade_{first.pk}": RI, f"evidence_{first.pk}": "No plan for the father's visits"}
    )
    data["summary"] = "A summary only this test typed"
    data["complete"] = "1"
    response = client.post(reverse("assurance:audit-edit", args=[case.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A grade below good needs at least one action" in html
    assert 'href="#id_action_1_what"' in html  # the error summary links to the first action row
    assert escape("No plan for the father's visits") in html
    assert "A summary only this test typed" in html
    assert f'value="{RI}" checked' in html
    assert am.CaseAudit.objects.get(pk=case.pk).status == am.CaseAudit.Status.ASSIGNED


def test_completing_through_the_page_sets_the_actions_and_escalates(client, case):
    client.force_login(case.auditor)
    first = case.tool.domains.first()
    owner = case.child.allocated_worker
    data = form_data(
        case,
        **{
            f"grade_{first.pk}": INADEQUATE,
            "overall_grade": RI,
            "action_1_what": "Hold a strategy discussion this week",
            "action_1_owner": owner.pk,
            **date_parts("action_1_due_on", today() + timedelta(days=5)),
            "action_1_domain": first.pk,
            "complete": "1",
        },
    )
    response = client.post(reverse("assurance:audit-edit", args=[case.pk]), data)
    assert response.status_code == 302 and response.url == reverse("assurance:audit", args=[case.pk])
    made = am.AuditAction.objects.get(audit=case)
    assert (made.action, made.owner, made.due_on, made.domain) == (
        "Hold a strategy discussion this week",
        owner,
        today() + timedelta(days=5),
        first,
    )
    head = case.child.allocated_team.service.head
    assert am.AuditEscalation.objects.get(audit=case).escalated_to == head
    follow = client.get(response.url).content.decode()
    assert "escalated to" in follow and escape(str(head)) in follow


def test_a_draft_with_actions_typed_stays_on_the_form_so_they_are_not_lost(client, case):
    client.force_login(case.auditor)
    data = form_data(case, save="1", action_1_what="Update the chronology by Friday")
    data["summary"] = ""
    response = client.post(reverse("assurance:audit-edit", args=[case.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "saved as a draft" in html and "Update the chronology by Friday" in html
    fresh = am.CaseAudit.objects.get(pk=case.pk)
    assert (
        fresh.status == am.CaseAudit.Status.IN_PROGRESS and fresh.grades.count() == case.tool.domains.count()
    )
    assert f'name="version" value="{fresh.version}"' in html  # saving again is not a conflict
    assert not am.AuditAction.objects.exists()


def test_add_another_action_keeps_what_was_typed_and_adds_a_row(client, case):
    client.force_login(case.auditor)
    data = form_data(case, add_action="1", action_1_what="Typed before adding a row")
    response = client.post(reverse("assurance:audit-edit", args=[case.pk]), data)
    html = response.content.decode()
    assert "Typed before adding a row" in html
    assert 'name="action_4_what"' in html and 'name="action_5_what"' not in html
    assert am.CaseAudit.objects.get(pk=case.pk).version == 1  # nothing saved


def test_someone_elses_save_in_between_is_a_conflict_not_an_overwrite(client, case):
    client.force_login(case.auditor)
    data = form_data(case, save="1")
    svc.audit_save(actor=case.auditor, audit=case, summary="Saved in another tab", expected_version=1)
    response = client.post(reverse("assurance:audit-edit", args=[case.pk]), data)
    html = response.content.decode()
    assert "Someone else changed this record" in html
    assert am.CaseAudit.objects.get(pk=case.pk).summary == "Saved in another tab"


def test_another_auditor_cannot_open_the_audit_or_its_form(client, case):
    other = f.UserFactory(role=Role.QA_AUDITOR, scope=Scope.AUDIT_SAMPLE)
    client.force_login(other)
    assert client.get(reverse("assurance:audit", args=[case.pk])).status_code == 403
    assert client.get(reverse("assurance:audit-edit", args=[case.pk])).status_code == 403
    assert (
        client.post(reverse("assurance:audit-edit", args=[case.pk]), form_data(case, save="1")).status_code
        == 403
    )
    assert not reads(other, case.child).exists()
    # The team manager can read the audit of a child in their team, but not fill it in.
    client.force_login(case.manager)
    assert client.get(reverse("assurance:audit", args=[case.pk])).status_code == 200
    assert client.get(reverse("assurance:audit-edit", args=[case.pk])).status_code == 403


# ---------------------------------------------------------------------------------------------
# The audit as completed
# ---------------------------------------------------------------------------------------------


def test_the_audit_page_shows_grades_in_words_actions_with_their_clocks_and_logs_the_read(client, case):
    first, second = list(case.tool.domains.all())[:2]
    owner = case.child.allocated_worker
    complete(
        case,
        grades={first.pk: (RI, "Risk analysis is thin"), second.pk: (INADEQUATE, "Child not seen alone")},
        overall_grade=RI,
        actions=[
            {"what": "See the child alone this week", "owner": owner, "due_on": today() + timedelta(days=7)}
        ],
    )
    lead = f.UserFactory(role=Role.QA_LEAD)
    client.force_login(lead)
    html = client.get(reverse("assurance:audit", args=[case.pk])).content.decode()
    assert '<strong class="govuk-tag govuk-tag--orange">Requires improvement</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--red">Inadequate</strong>' in html
    assert '<strong class="govuk-tag govuk-tag--green">Good</strong>' in html
    assert "Child not seen alone" in html
    assert "See the child alone this week" in html and escape(str(owner)) in html
    actions_table = html[html.index('id="actions-table"') :]
    assert "Open</strong>" in actions_table  # the engine's AUDIT-ACTION clock, running
    assert "Waiting for a response" in html
    assert reads(lead, case.child, "Case audit").count() == 1


def test_my_audits_lists_overdue_first_and_recently_completed(client, case):
    later_child, _ = af.open_child()
    overdue_child, _ = af.open_child()
    later = af.assigned_audit(later_child, auditor=case.auditor, tool=case.tool, due_in=60)
    overdue = af.assigned_audit(
        overdue_child,
        auditor=case.auditor,
        tool=case.tool,
        assigned_on=today() - timedelta(days=40),
        due_in=30,
    )
    done_child, _ = af.open_child()
    done = af.assigned_audit(done_child, auditor=case.auditor, tool=case.tool)
    complete(done)
    client.force_login(case.auditor)
    html = client.get(reverse("assurance:my-audits")).content.decode()
    open_table = html[html.index('id="open-audits"') : html.index('id="completed-audits"')]
    positions = [open_table.index(escape(a.child.full_name)) for a in (overdue, case, later)]
    assert positions == sorted(positions)
    assert "Overdue by 10 days" in open_table
    assert escape(done_child.full_name) in html[html.index('id="completed-audits"') :]
    for child in (later_child, overdue_child, done_child, case.child):
        assert reads(case.auditor, child, "My audits").count() == 1


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------


def test_the_new_programme_page_counts_the_cohort_and_draws_the_sample(client):
    team = f.TeamFactory()
    worker = f.UserFactory(team=team)
    for status in (
        pm.ChildStatus.CHILD_IN_NEED,
        pm.ChildStatus.CHILD_IN_NEED,
        pm.ChildStatus.CHILD_PROTECTION,
    ):
        f.allocate(f.ChildFactory(status=status), worker)
    lead = f.UserFactory(role=Role.QA_LEAD)
    client.force_login(lead)
    data = {
        "name": "Monthly audit",
        "kind": "monthly",
        "tool": svc.tool_ensure_default().pk,
        "cohort": "open_cases",
        "team": team.pk,
        "sample_size": 2,
        **date_parts("due_on", today() + timedelta(days=20)),
        "moderation_share": 20,
    }
    counted = client.post(reverse("assurance:programme-new"), {**data, "count": "1"}).content.decode()
    counts = counted[counted.index('id="cohort-counts"') :]
    assert escape(team.name) in counts
    assert re.search(r"All open cases</th>\s*<td[^>]*>3</td>", counts)
    assert not am.AuditProgramme.objects.exists()

    refused = client.post(reverse("assurance:programme-new"), {**data, "sample_size": 5, "draw": "1"})
    assert "There are only 3 children" in refused.content.decode()
    drawn = client.post(reverse("assurance:programme-new"), {**data, "draw": "1"})
    programme = am.AuditProgramme.objects.get()
    assert drawn.url == reverse("assurance:programme", args=[programme.pk])
    assert programme.team == team and programme.sample_size == 2


def test_the_programme_page_lists_the_sample_and_assigns_auditors(client):
    team, manager, _head = af.team_with_managers()
    children = [af.open_child(team=team)[0] for _ in range(3)]
    lead = f.UserFactory(role=Role.QA_LEAD)
    programme = svc.programme_draw(
        actor=lead,
        name="Thematic: neglect",
        kind="thematic",
        theme="Neglect",
        tool=svc.tool_ensure_default(),
        cohort="open_cases",
        team=team,
        sample_size=2,
        due_on=today() + timedelta(days=14),
        moderation_share=20,
    )
    chosen = svc.programme_sample(programme)
    not_chosen = next(c for c in children if c not in chosen)
    auditor = f.UserFactory(role=Role.QA_AUDITOR, scope=Scope.AUDIT_SAMPLE)
    client.force_login(lead)
    html = client.get(reverse("assurance:programme", args=[programme.pk])).content.decode()
    assert all(escape(c.full_name) in html for c in chosen) and escape(not_chosen.full_name) not in html
    assert html.count("No auditor yet") == 2
    assert all(reads(lead, c, "Audit programme").count() == 1 for c in chosen)

    url = reverse("assurance:programme-assign", args=[programme.pk])
    refused = client.post(url, {f"auditor_{chosen[0].pk}": manager.pk})
    assert refused.status_code == 200 and "independent" in refused.content.decode()
    done = client.post(url, {f"auditor_{chosen[0].pk}": auditor.pk})
    assert done.status_code == 302
    audit = am.CaseAudit.objects.get(programme=programme)
    assert (audit.child, audit.auditor) == (chosen[0], auditor)
    html = client.get(reverse("assurance:programme", args=[programme.pk])).content.decode()
    assert html.count("No auditor yet") == 1 and "Not started" in html


def test_the_programme_pages_need_the_assurance_functions(client):
    client.force_login(f.UserFactory(role=Role.SOCIAL_WORKER))
    assert client.get(reverse("assurance:programmes")).status_code == 403
    assert client.get(reverse("assurance:programme-new")).status_code == 403
    client.force_login(f.UserFactory(role=Role.QA_AUDITOR))
    assert client.get(reverse("assurance:programme-new")).status_code == 403
    assert client.get(reverse("assurance:my-audits")).status_code == 200


# ---------------------------------------------------------------------------------------------
# Escalations and actions
# ---------------------------------------------------------------------------------------------


def test_the_head_of_service_sees_and_answers_the_escalation(client, case):
    complete(
        case,
        overall_grade=INADEQUATE,
        actions=[{"what": "Allocate to a senior practitioner", "owner": case.manager, "due_on": today()}],
    )
    escalation = am.AuditEscalation.objects.get(audit=case)
    head = escalation.escalated_to
    client.force_login(head)
    html = client.get(reverse("assurance:escalations")).content.decode()
    waiting = html[html.index('id="waiting-escalations"') :]
    assert escape(case.child.full_name) in waiting and "Inadequate" in waiting
    assert reads(head, case.child, "Inadequate audits escalated").count() == 1
    url = reverse("assurance:escalation", args=[escalation.pk])
    refused = client.post(url, {"version": escalation.version, "response": ""})
    assert refused.status_code == 200 and "Enter your response" in refused.content.decode()
    answered = client.post(url, {"version": escalation.version, "response": "Case moved to a senior worker."})
    assert answered.status_code == 302
    escalation.refresh_from_db()
    assert escalation.response == "Case moved to a senior worker." and escalation.responded_by == head
    # Someone else who can read the audit cannot answer it.
    client.force_login(f.UserFactory(role=Role.QA_LEAD))
    assert client.post(url, {"version": escalation.version, "response": "x"}).status_code == 403


def test_the_owner_marks_an_action_done_from_the_audit_page(client, case):
    owner = case.child.allocated_worker
    complete(
        case,
        overall_grade=RI,
        actions=[{"what": "Write up the chronology", "owner": owner, "due_on": today() + timedelta(days=3)}],
    )
    made = am.AuditAction.objects.get(audit=case)
    client.force_login(owner)
    url = reverse("assurance:audit-action-done", args=[made.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Write up the chronology" in page.content.decode()
    response = client.post(
        url, {"version": made.version, **date_parts("done_on", today()), "done_note": "Chronology complete."}
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.done_on == today() and made.done_note == "Chronology complete."
    client.force_login(f.UserFactory(role=Role.SOCIAL_WORKER))
    assert client.get(url).status_code == 403
