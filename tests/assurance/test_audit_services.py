"""Doing a case audit (F17): saving a draft, completing it (every domain graded with evidence, a
grade below good never without an action), the actions in their owners' queues, an inadequate
grade escalated at once to the head of service, optimistic locking, withdrawal, marking actions
done and the head of service's response."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from carepath.assurance import models as am
from carepath.assurance.selectors import audits as sel
from carepath.assurance.services import audits as svc
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Role, Scope
from carepath.timescales.models import Deadline
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db

GOOD, RI, INADEQUATE = "good", "requires_improvement", "inadequate"


def today():
    return date.today()


@pytest.fixture
def case():
    """A child in a team with a manager and head of service, and an audit of them assigned to a QA
    auditor with the default tool."""
    team, manager, head = af.team_with_managers()
    child, worker = af.open_child(team=team)
    auditor = f.UserFactory(role=Role.QA_AUDITOR, scope=Scope.AUDIT_SAMPLE)
    audit = af.assigned_audit(child, auditor=auditor, tool=svc.tool_ensure_default())
    audit.practitioner, audit.manager = worker, manager
    audit.save()
    return audit


def domains(audit):
    return list(audit.tool.domains.all())


def all_graded(audit, grade=GOOD, overrides=None):
    grades = {d.pk: (grade, f"Evidence for {d.title}.") for d in domains(audit)}
    grades.update(overrides or {})
    return grades


def complete(audit, *, actor=None, **values):
    defaults = {
        "grades": all_graded(audit),
        "answers": {},
        "overall_grade": GOOD,
        "summary": "Safe, well planned work; the child's voice is clear.",
        "conversation_on": today() - timedelta(days=1),
        "practitioner_took_part": True,
        "manager_took_part": True,
        "childs_views": "She likes her social worker and wants to stay at her school.",
        "family_views": "",
        "actions": [],
        "expected_version": audit.version,
    }
    return svc.audit_complete(actor=actor or audit.auditor, audit=audit, **(defaults | values))


def action(audit, owner=None, *, due_in=14, what="Update the chronology", domain=None):
    return {
        "what": what,
        "owner": owner or audit.child.allocated_worker,
        "due_on": today() + timedelta(days=due_in),
        "domain_id": domain,
    }


def unchanged(audit):
    fresh = am.CaseAudit.objects.get(pk=audit.pk)
    return (
        fresh.status == am.CaseAudit.Status.ASSIGNED
        and fresh.version == 1
        and not fresh.grades.exists()
        and not fresh.actions.exists()
    )


# ---------------------------------------------------------------------------------------------
# Completing
# ---------------------------------------------------------------------------------------------


def test_a_good_audit_is_completed_with_its_grades_answers_and_conversation(case):
    first_question = domains(case)[0].questions.first()
    complete(case, answers={first_question.pk: "Risks are analysed in the March assessment."})
    case.refresh_from_db()
    assert case.status == am.CaseAudit.Status.COMPLETED and case.completed_on == today()
    assert case.overall_grade == GOOD and case.practitioner_took_part and case.manager_took_part
    assert case.grades.count() == len(domains(case))
    assert set(case.grades.values_list("grade", flat=True)) == {GOOD}
    assert case.answers.get().answer == "Risks are analysed in the March assessment."
    assert not am.AuditEscalation.objects.exists()


def test_the_audit_due_clock_runs_for_the_auditor_until_the_audit_is_completed_in_time(case):
    from carepath.core.events import child_record_changed

    child_record_changed(case.child_id)
    clock = Deadline.objects.get(context_type="case_audit", context_id=case.pk, rule_id="AUDIT-DUE")
    assert clock.assigned_to == case.auditor and clock.due_on == case.due_on
    complete(case)
    # Done in time: the engine stores no clock for it any more.
    assert not Deadline.objects.filter(context_type="case_audit", context_id=case.pk).exists()


def test_a_domain_below_good_cannot_be_saved_without_an_action_and_nothing_is_kept(case):
    first = domains(case)[0]
    with pytest.raises(ValidationError) as refused:
        complete(
            case, grades=all_graded(case, overrides={first.pk: (RI, "No analysis of the father's risk.")})
        )
    assert refused.value.message_dict["actions"] == [svc.BELOW_GOOD_NEEDS_ACTION]
    assert "below good" in svc.BELOW_GOOD_NEEDS_ACTION
    assert unchanged(case)


def test_an_overall_grade_below_good_also_needs_an_action(case):
    with pytest.raises(ValidationError) as refused:
        complete(case, overall_grade=RI)
    assert "actions" in refused.value.message_dict
    complete(case, overall_grade=RI, actions=[action(case)])
    assert am.CaseAudit.objects.get(pk=case.pk).status == am.CaseAudit.Status.COMPLETED


def test_every_domain_needs_a_grade_on_the_tools_scale_and_evidence(case):
    first, second, third = domains(case)[:3]
    grades = all_graded(case)
    grades[first.pk] = (GOOD, "  ")
    grades[second.pk] = ("", "Some evidence")
    grades[third.pk] = ("excellent", "Not a grade on this scale")
    with pytest.raises(ValidationError) as refused:
        complete(case, grades=grades)
    errors = refused.value.message_dict
    assert errors == {svc.grade_field(third.pk): [f"Choose one of the tool's grades for {third.title}"]}
    del grades[third.pk]
    with pytest.raises(ValidationError) as refused:
        complete(case, grades=grades, overall_grade="", summary="", childs_views="", conversation_on=None)
    errors = refused.value.message_dict
    assert errors[svc.evidence_field(first.pk)] == [f"Give the evidence for the grade in {first.title}"]
    assert errors[svc.grade_field(second.pk)] == [f"Choose a grade for {second.title}"]
    assert errors[svc.grade_field(third.pk)] == [f"Choose a grade for {third.title}"]
    assert {"overall_grade", "summary", "conversation_on", "childs_views"} <= set(errors)
    assert "say why they could not be gathered" in errors["childs_views"][0]
    assert unchanged(case)


def test_only_the_assigned_auditor_records_the_audit(case):
    other = f.UserFactory(role=Role.QA_AUDITOR, scope=Scope.AUDIT_SAMPLE)
    lead = f.UserFactory(role=Role.QA_LEAD)
    for person in (other, lead):
        with pytest.raises(PermissionDenied):
            complete(case, actor=person)
        with pytest.raises(PermissionDenied):
            svc.audit_save(actor=person, audit=case, expected_version=case.version)
    assert unchanged(case)


def test_two_saves_of_one_audit_never_silently_overwrite(case):
    opened = case.version
    svc.audit_save(actor=case.auditor, audit=case, summary="First thoughts", expected_version=opened)
    stale = am.CaseAudit.objects.get(pk=case.pk)
    with pytest.raises(EditConflict):
        svc.audit_save(actor=case.auditor, audit=stale, summary="Written elsewhere", expected_version=opened)
    with pytest.raises(EditConflict):
        complete(stale, expected_version=opened)
    fresh = am.CaseAudit.objects.get(pk=case.pk)
    assert fresh.summary == "First thoughts" and fresh.status == am.CaseAudit.Status.IN_PROGRESS
    assert not fresh.grades.exists()


def test_a_draft_may_be_partial_and_is_completed_later(case):
    first = domains(case)[0]
    svc.audit_save(
        actor=case.auditor,
        audit=case,
        grades={first.pk: (RI, "")},
        childs_views="Not seen yet",
        expected_version=case.version,
    )
    case.refresh_from_db()
    assert case.status == am.CaseAudit.Status.IN_PROGRESS
    assert case.grades.get().grade == RI and case.childs_views == "Not seen yet"
    with pytest.raises(ValidationError):
        svc.audit_save(
            actor=case.auditor, audit=case, grades={first.pk: ("superb", "")}, expected_version=case.version
        )
    complete(case, expected_version=case.version)
    case.refresh_from_db()
    assert set(case.grades.values_list("grade", flat=True)) == {GOOD}


def test_each_action_needs_what_an_owner_who_can_open_the_record_and_a_due_date_from_today(case):
    stranger = f.UserFactory(role=Role.SOCIAL_WORKER)  # another team: cannot open the child's record
    first = domains(case)[0]
    actions = [
        {"what": "", "owner": stranger, "due_on": today() - timedelta(days=1), "domain_id": None},
        action(case, due_in=0, domain=first.pk),
    ]
    with pytest.raises(ValidationError) as refused:
        complete(case, overall_grade=RI, actions=actions)
    errors = refused.value.message_dict
    assert set(errors) == {"action_1_what", "action_1_owner", "action_1_due_on"}
    assert "cannot open" in errors["action_1_owner"][0]
    assert "today or later" in errors["action_1_due_on"][0]
    assert unchanged(case)


def test_actions_become_audit_action_clocks_in_their_owners_work(case):
    manager = case.manager
    first = domains(case)[0]
    complete(
        case,
        grades=all_graded(case, overrides={first.pk: (RI, "Risk from the new partner is not assessed.")}),
        overall_grade=RI,
        actions=[
            action(case, due_in=10, what="Assess the new partner", domain=first.pk),
            action(case, manager, due_in=21, what="Supervise the case fortnightly"),
        ],
    )
    made = list(am.AuditAction.objects.filter(audit=case).order_by("due_on"))
    assert [(a.action, a.owner, a.child, a.set_on) for a in made] == [
        ("Assess the new partner", case.child.allocated_worker, case.child, today()),
        ("Supervise the case fortnightly", manager, case.child, today()),
    ]
    assert made[0].domain_id == first.pk
    for a in made:
        clock = Deadline.objects.get(context_type="audit_action", context_id=a.pk, rule_id="AUDIT-ACTION")
        assert clock.assigned_to == a.owner and clock.due_on == a.due_on and clock.child == case.child
        assert clock.met_on is None


def test_an_inadequate_grade_escalates_at_once_to_the_head_of_the_childs_service(case):
    head = case.child.allocated_team.service.head
    another_head = f.UserFactory(role=Role.HEAD_OF_SERVICE)
    f.name_managers(f.TeamFactory(), head=another_head)
    first = domains(case)[0]
    complete(
        case,
        grades=all_graded(
            case, overrides={first.pk: (INADEQUATE, "No strategy discussion after the injury.")}
        ),
        overall_grade=RI,
        actions=[action(case, case.manager, due_in=2, what="Hold a strategy discussion")],
    )
    escalation = am.AuditEscalation.objects.get(audit=case)
    assert escalation.escalated_to == head and escalation.escalated_on == today()
    assert escalation.child == case.child and escalation.responded_on is None
    clock = Deadline.objects.get(
        context_type="audit_escalation", context_id=escalation.pk, rule_id="AUDIT-ESCALATION"
    )
    assert clock.assigned_to == head


def test_with_no_head_of_service_the_escalation_goes_to_the_director(case):
    service = case.child.allocated_team.service
    service.head = None
    service.save(update_fields=["head"])
    director = f.UserFactory(role=Role.DIRECTOR, team=None)
    complete(case, overall_grade=INADEQUATE, actions=[action(case)])
    assert am.AuditEscalation.objects.get(audit=case).escalated_to == director


def test_completing_runs_the_calibration_check_on_the_completed_audit(case, monkeypatch):
    from carepath.assurance.services import calibration

    seen = []
    monkeypatch.setattr(
        calibration,
        "flag_if_optimistic",
        lambda *, audit, today: seen.append((audit.pk, audit.status, today)),
    )
    when = today()
    complete(case, today=when)
    assert seen == [(case.pk, am.CaseAudit.Status.COMPLETED, when)]


def test_a_completed_or_withdrawn_audit_cannot_be_recorded_again(case):
    complete(case)
    case.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        complete(case, expected_version=case.version)
    assert "completed" in refused.value.message_dict[NON_FIELD_ERRORS][0]
    with pytest.raises(ValidationError):
        svc.audit_withdraw(actor=f.UserFactory(role=Role.QA_LEAD), audit=case, reason="Case closed")


# ---------------------------------------------------------------------------------------------
# Withdrawal
# ---------------------------------------------------------------------------------------------


def test_the_qa_lead_withdraws_an_open_audit_saying_why(case):
    lead = f.UserFactory(role=Role.QA_LEAD)
    with pytest.raises(PermissionDenied):
        svc.audit_withdraw(actor=case.auditor, audit=case, reason="Moved away")
    with pytest.raises(ValidationError) as refused:
        svc.audit_withdraw(actor=lead, audit=case, reason=" ")
    assert set(refused.value.message_dict) == {"reason"}
    svc.audit_withdraw(actor=lead, audit=case, reason="The family moved to another authority")
    case.refresh_from_db()
    assert case.status == am.CaseAudit.Status.WITHDRAWN and case.withdrawn_on == today()
    # The audit's clock stops (nothing is due from a withdrawn audit).
    assert not Deadline.objects.filter(context_type="case_audit", context_id=case.pk).exists()
    # The auditor no longer reads the child through the audit.
    assert case.child not in list(sel.children_visible_to(case.auditor))


# ---------------------------------------------------------------------------------------------
# Actions done, and the head of service's response
# ---------------------------------------------------------------------------------------------


def test_an_action_is_marked_done_by_its_owner_or_their_manager_and_no_one_else(case):
    complete(case, overall_grade=RI, actions=[action(case), action(case, what="Update the genogram")])
    first, second = am.AuditAction.objects.filter(audit=case).order_by("pk")
    stranger = f.UserFactory(role=Role.SOCIAL_WORKER)
    with pytest.raises(PermissionDenied):
        svc.audit_action_done(actor=stranger, action=first, done_note="Done")
    with pytest.raises(ValidationError) as refused:
        svc.audit_action_done(actor=first.owner, action=first, done_note="")
    assert set(refused.value.message_dict) == {"done_note"}
    svc.audit_action_done(actor=first.owner, action=first, done_note="Chronology brought up to date")
    svc.audit_action_done(actor=case.manager, action=second, done_note="Checked in supervision")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.done_on, first.done_by) == (today(), first.owner)
    assert second.done_by == case.manager
    # Done in time: off the owner's work (the engine stores no clock for it).
    assert not Deadline.objects.filter(context_type="audit_action", context_id=first.pk).exists()
    with pytest.raises(ValidationError):
        svc.audit_action_done(actor=first.owner, action=first, done_note="Again")


def test_the_head_of_service_responds_to_the_escalation_and_only_they_can(case):
    complete(case, overall_grade=INADEQUATE, actions=[action(case)])
    escalation = am.AuditEscalation.objects.get(audit=case)
    head = escalation.escalated_to
    other_head = f.UserFactory(role=Role.HEAD_OF_SERVICE, service=head.service)
    with pytest.raises(PermissionDenied):
        svc.escalation_respond(actor=other_head, escalation=escalation, response="Seen", expected_version=1)
    with pytest.raises(ValidationError):
        svc.escalation_respond(actor=head, escalation=escalation, response="", expected_version=1)
    with pytest.raises(EditConflict):
        svc.escalation_respond(actor=head, escalation=escalation, response="Seen", expected_version=0)
    assert Deadline.objects.filter(context_type="audit_escalation", context_id=escalation.pk).exists()
    svc.escalation_respond(
        actor=head,
        escalation=escalation,
        response="Strategy discussion held; case moved to a senior practitioner.",
        expected_version=1,
    )
    escalation.refresh_from_db()
    assert escalation.responded_by == head and escalation.responded_on == today()
    with pytest.raises(ValidationError):
        svc.escalation_respond(actor=head, escalation=escalation, response="Again", expected_version=2)
    # Answered in time: the clock is off their work.
    assert not Deadline.objects.filter(context_type="audit_escalation", context_id=escalation.pk).exists()


# ---------------------------------------------------------------------------------------------
# Who sees which audits
# ---------------------------------------------------------------------------------------------


def test_audits_visible_to_auditors_managers_and_the_qa_lead(case):
    other_child, _ = af.open_child()
    other = af.assigned_audit(other_child, tool=case.tool)
    lead = f.UserFactory(role=Role.QA_LEAD)
    assert set(sel.audits_visible_to(lead)) == {case, other}
    assert list(sel.audits_visible_to(case.auditor)) == [case]
    assert list(sel.audits_visible_to(case.manager)) == [case]  # the child is in their team
    assert not sel.audits_visible_to(f.UserFactory(role=Role.SOCIAL_WORKER)).exists()
    assert list(sel.audits_for_child(case.child)) == [case]
    # A moderator does not see an audit they are moderating until their own grades are saved.
    moderation = am.Moderation.objects.create(
        audit=case, moderator=lead, assigned_on=today(), assigned_by=lead, due_on=today() + timedelta(days=7)
    )
    assert set(sel.audits_visible_to(lead)) == {other}
    moderation.status, moderation.overall_grade, moderation.completed_on = "completed", GOOD, today()
    moderation.save()
    assert set(sel.audits_visible_to(lead)) == {case, other}
