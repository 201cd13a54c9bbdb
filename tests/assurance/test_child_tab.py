"""The child's "Audits and supervision" tab: case directions with their actions and clocks, the
child's audits, blind moderation, private supervision notes, and the read logged (or refused)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from carepath.assurance import models as am
from carepath.core.models import AccessEvent, Channel
from carepath.timescales.services import child_clocks_refresh
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------
# Records around the child (the API tests use these too)
# ---------------------------------------------------------------------------------------------


def direction_with_action(
    child,
    *,
    supervisor,
    supervisee,
    decided,
    action,
    held_days_ago=30,
    due_days_ago=10,
    notes="",
    owner=None,
):
    """A supervision session discussing the child, its case direction, and one action (overdue by
    default: set 30 days ago, due 10 days ago); the child's clocks refreshed as a write would."""
    today = timezone.localdate()
    held_on = today - timedelta(days=held_days_ago)
    session = am.SupervisionSession.objects.create(
        supervisor=supervisor,
        supervisee=supervisee,
        held_on=held_on,
        duration_minutes=90,
        kind=am.SupervisionSession.Kind.CASE,
        notes=notes,
    )
    direction = am.CaseDirection.objects.create(
        child=child,
        session=session,
        key_point=am.CaseDirection.KeyPoint.SUPERVISION,
        decided=decided,
        why="The plan has drifted since the last core group.",
        directed_by=supervisor,
        directed_on=held_on,
    )
    am.DirectionAction.objects.create(
        direction=direction,
        child=child,
        action=action,
        owner=owner or supervisee,
        set_on=held_on,
        due_on=today - timedelta(days=due_days_ago),
    )
    child_clocks_refresh(child_id=child.pk)
    return session, direction


def completed_audit(child, *, auditor=None, grade="requires_improvement", evidence="", action="", owner=None):
    """An audit of the child completed yesterday with one domain graded `grade` and, if `action`,
    one open action due in three weeks."""
    today = timezone.localdate()
    tool = af.audit_tool(domains=("Safety and risk",), questions=1)
    audit = af.assigned_audit(child, auditor=auditor, tool=tool, assigned_on=today - timedelta(days=10))
    audit.status = am.CaseAudit.Status.COMPLETED
    audit.overall_grade = grade
    audit.completed_on = today - timedelta(days=1)
    audit.summary = f"Summary: {evidence}"
    audit.save()
    domain = tool.domains.get()
    am.DomainGrade.objects.create(audit=audit, domain=domain, grade=grade, evidence=evidence or "Evidence")
    if action:
        am.AuditAction.objects.create(
            audit=audit,
            child=child,
            domain=domain,
            action=action,
            owner=owner or child.allocated_worker,
            set_on=audit.completed_on,
            due_on=today + timedelta(days=21),
        )
    child_clocks_refresh(child_id=child.pk)
    return audit


def moderate(audit, moderator, *, completed_grade=None):
    """Assign the audit's moderation to `moderator`; with `completed_grade`, completed."""
    today = timezone.localdate()
    done = completed_grade is not None
    return am.Moderation.objects.create(
        audit=audit,
        moderator=moderator,
        assigned_on=today,
        assigned_by=f.UserFactory(role="qa_lead", team=None),
        due_on=today + timedelta(days=14),
        status=am.Moderation.Status.COMPLETED if done else am.Moderation.Status.ASSIGNED,
        overall_grade=completed_grade or "",
        completed_on=today if done else None,
    )


@pytest.fixture
def setting():
    team, manager, head = af.team_with_managers()
    child, worker = af.open_child(team=team)
    return team, manager, head, child, worker


def _tab(client, user, child):
    client.force_login(user)
    return client.get(reverse("assurance:child", kwargs={"child_id": child.public_id}))


# ---------------------------------------------------------------------------------------------
# Case directions
# ---------------------------------------------------------------------------------------------


def test_directions_are_shown_newest_first_with_actions_owner_due_date_and_clock(client, setting):
    _team, manager, _head, child, worker = setting
    direction_with_action(
        child,
        supervisor=manager,
        supervisee=worker,
        decided="Older decision: convene a family group conference",
        action="Refer to the family group conference service",
        held_days_ago=60,
        due_days_ago=40,
    )
    _, newer = direction_with_action(
        child,
        supervisor=manager,
        supervisee=worker,
        decided="Newer decision: visit weekly until the review",
        action="Visit the child at school and see them alone",
        held_days_ago=20,
        due_days_ago=5,
    )
    page = _tab(client, worker, child).content.decode()
    assert page.index("Newer decision") < page.index("Older decision")
    assert "Visit the child at school and see them alone" in page
    assert escape(str(worker)) in page
    assert newer.actions.get().due_on.strftime("%-d %b %Y") in page
    assert "The plan has drifted since the last core group." in page
    # The engine's clock says the action is overdue; the page says so in words.
    assert "Overdue</strong>" in page
    assert "Case supervision" in page


def test_an_action_done_in_time_is_shown_as_done(client, setting):
    _team, manager, _head, child, worker = setting
    _, direction = direction_with_action(
        child,
        supervisor=manager,
        supervisee=worker,
        decided="Decision",
        action="Book the review",
        held_days_ago=10,
        due_days_ago=-10,
    )
    action = direction.actions.get()
    action.done_on = timezone.localdate() - timedelta(days=2)
    action.save()
    child_clocks_refresh(child_id=child.pk)
    page = _tab(client, worker, child).content.decode()
    assert "Done</strong>" in page
    assert "Overdue</strong>" not in page


def test_the_supervision_session_notes_are_never_shown(client, setting):
    _team, manager, _head, child, worker = setting
    direction_with_action(
        child,
        supervisor=manager,
        supervisee=worker,
        decided="Step up to a strategy discussion",
        action="Arrange the strategy discussion",
        notes="Personal: the worker is exhausted and thinking of leaving",
    )
    for reader in (worker, manager):
        page = _tab(client, reader, child).content.decode()
        assert "Step up to a strategy discussion" in page
        assert "exhausted and thinking of leaving" not in page


def test_the_oversight_link_is_only_for_those_who_may_record_it_on_this_child(client, setting):
    _team, manager, _head, child, worker = setting
    link = reverse("assurance:oversight-record", kwargs={"child_id": child.public_id})
    assert link in _tab(client, manager, child).content.decode()
    assert link not in _tab(client, worker, child).content.decode()
    inspector = f.UserFactory(role="inspector", team=None)
    assert link not in _tab(client, inspector, child).content.decode()


# ---------------------------------------------------------------------------------------------
# Audits
# ---------------------------------------------------------------------------------------------


def test_completed_audits_show_grade_in_words_auditor_link_and_open_actions(client, setting):
    _team, _manager, _head, child, worker = setting
    audit = completed_audit(child, action="Update the chronology with the police notifications")
    in_progress = af.assigned_audit(child)
    page = _tab(client, worker, child).content.decode()
    assert "Requires improvement" in page
    assert escape(str(audit.auditor)) in page
    # The social worker reads the tab, not the audit page (which is for those who read audits).
    assert reverse("assurance:audit", args=[audit.pk]) not in page
    assert "Update the chronology with the police notifications" in page
    assert "Open</strong>" in page
    # An audit under way is listed without any grade, and has no link to findings yet.
    assert escape(str(in_progress.auditor)) in page
    assert reverse("assurance:audit", args=[in_progress.pk]) not in page


def test_a_moderator_grading_blind_sees_neither_grades_nor_actions_until_they_finish(client, setting):
    _team, _manager, _head, child, worker = setting
    audit = completed_audit(child, grade="inadequate", action="Convene a legal planning meeting now")
    moderator = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    moderation = moderate(audit, moderator)

    page = _tab(client, moderator, child).content.decode()
    assert "Inadequate" not in page
    assert "Convene a legal planning meeting now" not in page
    assert "You are moderating an audit of this case" in page

    # Others still see the audit's grade while the moderation is under way.
    assert "Inadequate" in _tab(client, worker, child).content.decode()

    moderation.status = am.Moderation.Status.COMPLETED
    moderation.overall_grade = "requires_improvement"
    moderation.completed_on = timezone.localdate()
    moderation.save()
    page = _tab(client, moderator, child).content.decode()
    assert "Inadequate" in page
    assert "Requires improvement" in page  # the moderator's own grade, beside the auditor's
    assert "Convene a legal planning meeting now" in page


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


def test_opening_the_tab_logs_a_read_of_the_child(client, setting):
    _team, _manager, _head, child, worker = setting
    assert _tab(client, worker, child).status_code == 200
    event = AccessEvent.objects.get(actor=worker, child=child)
    assert event.what == "Audits and supervision"
    assert event.channel == Channel.WEB


def test_a_child_outside_the_readers_scope_is_refused_and_nothing_is_logged(client, setting):
    _team, manager, _head, child, worker = setting
    direction_with_action(child, supervisor=manager, supervisee=worker, decided="Secret plan", action="Act")
    stranger = f.UserFactory(role="team_manager")  # manages another team
    response = _tab(client, stranger, child)
    assert response.status_code == 403
    assert "Secret plan" not in response.content.decode()
    assert not AccessEvent.objects.filter(actor=stranger, child=child).exists()


def test_a_qa_auditor_reads_only_the_children_in_their_sample(client, setting):
    _team, _manager, _head, child, _worker = setting
    other_child, _ = af.open_child()
    auditor = f.UserFactory(role="qa_auditor", scope="audit_sample", team=None)
    af.assigned_audit(child, auditor=auditor)
    assert _tab(client, auditor, child).status_code == 200
    assert _tab(client, auditor, other_child).status_code == 403


def test_the_tab_is_in_the_childs_record_navigation_and_marked_current(client, setting):
    _team, _manager, _head, child, worker = setting
    url = reverse("assurance:child", kwargs={"child_id": child.public_id})
    client.force_login(worker)
    summary = client.get(reverse("journey:child", kwargs={"child_id": child.public_id})).content.decode()
    assert f'href="{url}">Audits and supervision</a>' in summary
    tab = client.get(url).content.decode()
    assert f'href="{url}" aria-current="page">Audits and supervision</a>' in tab
