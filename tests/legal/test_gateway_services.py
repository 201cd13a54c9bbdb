"""The legal gateway panel's services: legal cases, requests, meetings, decisions and actions,
with each refusal (role, scope, bad input, the solicitor-present rule, concurrent edits)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.core.permissions import Role, Scope
from carepath.legal import models as lm
from carepath.legal.services import gateway as svc
from carepath.people import models as pm
from carepath.people.selectors import child_access_decision
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db


Outcome = codes.LegalGatewayOutcome


def today() -> date:
    return timezone.localdate()


def manager_of(children) -> pm.User:
    """A team manager whose team holds the children (team scope)."""
    return f.UserFactory(role=Role.TEAM_MANAGER, team=children[0].allocated_team)


def panel() -> pm.User:
    return f.UserFactory(role=Role.LEGAL_PANEL_MEMBER)


def solicitor() -> pm.User:
    return f.UserFactory(role=Role.SOLICITOR)


def request_for(children, actor=None, **overrides) -> lm.GatewayRequest:
    values = {
        "route": lm.GatewayRequest.Route.MANAGER_DIRECTION,
        "urgency": lm.GatewayRequest.Urgency.ROUTINE,
        "requested_on": today() - timedelta(days=10),
        "concerns": "Neglect: the children are often hungry.",
        "history": "Two child protection plans in three years.",
        "tried": "Parenting support; a family group conference.",
    }
    values.update(overrides)
    return svc.gateway_request_create(actor=actor or manager_of(children), children=children, **values)


def meeting_with_solicitor(*, held_on=None, chair=None) -> lm.PanelMeeting:
    chair = chair or panel()
    return svc.panel_meeting_create(
        actor=chair, held_on=held_on or today() - timedelta(days=1), chair=chair, attendees=[solicitor()]
    )


def listed(meeting, gateway_request, actor=None):
    return svc.panel_meeting_list_request(
        actor=actor or meeting.chair, meeting=meeting, gateway_request=gateway_request
    )


def decide(meeting, gateway_request, outcomes, actor=None):
    children = svc.request_children(gateway_request)
    decisions = [
        svc.ChildDecision(c, o, f"Reasons for {c.first_name}")
        for c, o in zip(children, outcomes, strict=True)
    ]
    return svc.panel_decisions_record(
        actor=actor or meeting.chair, meeting=meeting, gateway_request=gateway_request, decisions=decisions
    )


# ---------------------------------------------------------------------------------------------
# Legal cases
# ---------------------------------------------------------------------------------------------


def test_legal_case_for_opens_a_numbered_case_for_the_family_then_finds_it_again():
    children = lf.family_of(2)
    actor = manager_of(children)
    case = svc.legal_case_for(actor=actor, children=children)
    assert case.reference == f"LC-{case.pk:06d}"
    assert case.family == children[0].family
    assert [m.child for m in case.members.order_by("pk")] == children
    assert svc.legal_case_for(actor=actor, children=[children[1]]) == case
    assert lm.LegalCase.objects.count() == 1


def test_legal_case_for_adds_a_sibling_to_the_familys_open_case():
    children = lf.family_of(3)
    actor = manager_of(children)
    case = svc.legal_case_for(actor=actor, children=children[:1])
    again = svc.legal_case_for(actor=actor, children=children[1:])
    assert again == case
    assert set(case.members.values_list("child_id", flat=True)) == {c.pk for c in children}


def test_legal_case_for_refuses_children_of_different_families():
    one, other = lf.family_of(1)[0], lf.family_of(1)[0]
    actor = f.UserFactory(role=Role.HEAD_OF_SERVICE, scope=Scope.AUTHORITY)
    with pytest.raises(ValidationError) as refused:
        svc.legal_case_for(actor=actor, children=[one, other])
    assert "siblings" in refused.value.message_dict["children"][0]


def test_legal_case_for_refuses_a_child_outside_the_actors_scope_and_a_role_without_the_function():
    children = lf.family_of(1)
    with pytest.raises(PermissionDenied):
        svc.legal_case_for(actor=f.UserFactory(role=Role.TEAM_MANAGER), children=children)
    with pytest.raises(PermissionDenied):
        svc.legal_case_for(actor=f.UserFactory(role=Role.QA_AUDITOR), children=children)
    assert not lm.LegalCase.objects.exists()


def test_children_in_two_open_legal_cases_are_refused_with_both_references():
    one, two = lf.family_of(1), lf.family_of(1)
    first, second = lf.legal_case(one), lf.legal_case(two)
    two[0].family = one[0].family
    two[0].save(update_fields=["family"])
    actor = f.UserFactory(role=Role.HEAD_OF_SERVICE, scope=Scope.AUTHORITY)
    with pytest.raises(ValidationError) as refused:
        svc.legal_case_for(actor=actor, children=[one[0], two[0]])
    message = refused.value.message_dict["children"][0]
    assert first.reference in message and second.reference in message


def test_assigning_a_solicitor_allocates_them_to_each_child_and_ends_the_previous_solicitor():
    children = lf.family_of(2)
    case = lf.legal_case(children)
    first, second = solicitor(), solicitor()
    assert not child_access_decision(first, children[0]).allowed
    svc.legal_case_assign_solicitor(actor=panel(), legal_case=case, solicitor=first)
    case.refresh_from_db()
    assert case.solicitor == first and case.legal_team == first.team
    assert all(child_access_decision(first, c).allowed for c in children)

    svc.legal_case_assign_solicitor(actor=manager_of(children), legal_case=case, solicitor=second)
    ended = pm.Allocation.objects.filter(worker=first, kind=pm.Allocation.Kind.SOLICITOR)
    assert ended.count() == 2
    assert all(a.ended_on == today() and a.end_reason == pm.Allocation.EndReason.MANAGE for a in ended)
    assert (
        pm.Allocation.objects.filter(
            worker=second, ended_on__isnull=True, kind=pm.Allocation.Kind.SOLICITOR
        ).count()
        == 2
    )
    assert not child_access_decision(first, children[0]).allowed


def test_assigning_a_solicitor_refuses_other_roles_and_actors_without_the_right_and_stale_versions():
    children = lf.family_of(1)
    case = lf.legal_case(children)
    with pytest.raises(ValidationError) as refused:
        svc.legal_case_assign_solicitor(actor=panel(), legal_case=case, solicitor=f.UserFactory())
    assert "solicitor" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        svc.legal_case_assign_solicitor(
            actor=children[0].allocated_worker, legal_case=case, solicitor=solicitor()
        )
    with pytest.raises(EditConflict):
        svc.legal_case_assign_solicitor(
            actor=panel(), legal_case=case, solicitor=solicitor(), expected_version=7
        )
    assert not pm.Allocation.objects.filter(kind=pm.Allocation.Kind.SOLICITOR).exists()


# ---------------------------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------------------------


def test_a_request_puts_the_chosen_siblings_on_the_panels_list_with_what_was_said():
    children = lf.family_of(3)
    actor = manager_of(children)
    made = request_for(children[:2], actor, question="Should we start PLO?")
    assert made.requested_by == actor and made.question == "Should we start PLO?"
    assert svc.request_children(made) == children[:2]
    assert svc.lead_child(made) == children[0]
    assert ChangeEvent.objects.filter(record_type="legal.GatewayRequest", record_id=str(made.pk)).count() == 2


def test_a_request_is_refused_for_a_future_date_and_missing_text_all_at_once():
    children = lf.family_of(1)
    with pytest.raises(ValidationError) as refused:
        request_for(children, requested_on=today() + timedelta(days=1), concerns=" ", history="", tried="")
    assert set(refused.value.message_dict) == {"requested_on", "concerns", "history", "tried"}
    assert not lm.GatewayRequest.objects.exists()


def test_a_second_request_is_refused_while_one_waits_and_allowed_after_withdrawal():
    children = lf.family_of(2)
    actor = manager_of(children)
    first = request_for(children, actor)
    with pytest.raises(ValidationError) as refused:
        request_for([children[1]], actor)
    assert "already has a request waiting" in refused.value.message_dict["children"][0]
    svc.gateway_request_withdraw(
        actor=actor, gateway_request=first, reason="Family moved away", expected_version=1
    )
    first.refresh_from_db()
    assert first.withdrawn_on == today() and first.withdrawn_reason == "Family moved away"
    assert request_for([children[1]], actor).legal_case == first.legal_case


def test_a_request_is_refused_for_a_role_without_the_function_and_a_child_out_of_scope():
    children = lf.family_of(1)
    with pytest.raises(PermissionDenied):
        request_for(children, panel())  # the panel decides; it does not refer
    with pytest.raises(PermissionDenied):
        request_for(children, f.UserFactory(role=Role.TEAM_MANAGER))
    assert not lm.GatewayRequest.objects.exists()


def test_a_sibling_in_the_open_case_the_actor_cannot_see_blocks_the_request_without_being_named():
    children = lf.family_of(2)
    case = lf.legal_case(children)
    hidden = children[1]
    hidden.is_restricted = True
    hidden.save(update_fields=["is_restricted"])
    with pytest.raises(ValidationError) as refused:
        request_for([children[0]], manager_of(children))
    message = refused.value.message_dict["children"][0]
    assert "cannot open" in message and hidden.first_name not in message
    assert not case.requests.exists()


def test_withdrawing_needs_a_reason_the_current_version_and_an_undecided_request():
    children = lf.family_of(1)
    actor = manager_of(children)
    made = request_for(children, actor)
    with pytest.raises(ValidationError) as refused:
        svc.gateway_request_withdraw(
            actor=actor, gateway_request=made, reason=" ", expected_version=made.version
        )
    assert "reason" in refused.value.message_dict
    with pytest.raises(EditConflict):
        svc.gateway_request_withdraw(
            actor=actor, gateway_request=made, reason="No longer needed", expected_version=9
        )
    meeting = meeting_with_solicitor()
    listed(meeting, made)
    decide(meeting, made, [Outcome.CONTINUE])
    made.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        svc.gateway_request_withdraw(
            actor=actor, gateway_request=made, reason="Too late", expected_version=made.version
        )
    assert "decided" in refused.value.message_dict[NON_FIELD_ERRORS][0]


# ---------------------------------------------------------------------------------------------
# Meetings and decisions
# ---------------------------------------------------------------------------------------------


def test_a_meeting_needs_a_panel_actor_and_a_chair_who_may_record_the_panel():
    with pytest.raises(PermissionDenied):
        svc.panel_meeting_create(actor=f.UserFactory(role=Role.TEAM_MANAGER), held_on=today(), chair=panel())
    with pytest.raises(ValidationError) as refused:
        svc.panel_meeting_create(actor=panel(), held_on=today(), chair=f.UserFactory(role=Role.SOLICITOR))
    assert "chair" in refused.value.message_dict
    assert not lm.PanelMeeting.objects.exists()


def test_changing_a_meeting_with_a_stale_version_is_an_edit_conflict():
    meeting = meeting_with_solicitor()
    chair = meeting.chair
    svc.panel_meeting_update(
        actor=chair,
        meeting=meeting,
        expected_version=1,
        held_on=meeting.held_on,
        chair=chair,
        attendees=[],
        minutes="v2",
    )
    stale = lm.PanelMeeting.objects.get(pk=meeting.pk)
    stale.version = 1
    with pytest.raises(EditConflict):
        svc.panel_meeting_update(
            actor=chair,
            meeting=stale,
            expected_version=1,
            held_on=meeting.held_on,
            chair=chair,
            attendees=[],
            minutes="v3",
        )
    assert lm.PanelMeeting.objects.get(pk=meeting.pk).minutes == "v2"


def test_a_meetings_date_cannot_change_once_it_has_decisions_but_its_minutes_can():
    children = lf.family_of(1)
    made = request_for(children)
    meeting = meeting_with_solicitor()
    listed(meeting, made)
    decide(meeting, made, [Outcome.CONTINUE])
    chair, attendees = meeting.chair, list(meeting.attendees.all())
    with pytest.raises(ValidationError) as refused:
        svc.panel_meeting_update(
            actor=chair,
            meeting=meeting,
            expected_version=1,
            held_on=today(),
            chair=chair,
            attendees=attendees,
        )
    assert "held_on" in refused.value.message_dict
    svc.panel_meeting_update(
        actor=chair,
        meeting=meeting,
        expected_version=1,
        held_on=meeting.held_on,
        chair=chair,
        attendees=attendees,
        minutes="Agreed.",
    )
    assert lm.PanelMeeting.objects.get(pk=meeting.pk).minutes == "Agreed."


def test_the_agenda_takes_waiting_requests_only_and_a_decided_request_stays_on_it():
    children = lf.family_of(1)
    made = request_for(children)
    meeting = meeting_with_solicitor()
    with pytest.raises(PermissionDenied):
        listed(meeting, made, actor=manager_of(children))
    listed(meeting, made)
    svc.panel_meeting_unlist_request(actor=meeting.chair, gateway_request=made)
    made.refresh_from_db()
    assert made.listed_for is None
    listed(meeting, made)
    decide(meeting, made, [Outcome.CONTINUE])
    made.refresh_from_db()
    with pytest.raises(ValidationError):
        svc.panel_meeting_unlist_request(actor=meeting.chair, gateway_request=made)
    with pytest.raises(ValidationError):
        listed(meeting_with_solicitor(), made)
    made.refresh_from_db()
    assert made.listed_for == meeting


def test_decisions_are_refused_unless_a_solicitor_attended():
    children = lf.family_of(1)
    made = request_for(children)
    chair = panel()
    meeting = svc.panel_meeting_create(
        actor=chair, held_on=today(), chair=chair, attendees=[f.UserFactory(role=Role.TEAM_MANAGER)]
    )
    listed(meeting, made)
    with pytest.raises(ValidationError) as refused:
        decide(meeting, made, [Outcome.PRE_PROCEEDINGS])
    assert "legal advice" in refused.value.message_dict[NON_FIELD_ERRORS][0]
    assert "solicitor" in refused.value.message_dict[NON_FIELD_ERRORS][0]
    assert not lm.PanelDecision.objects.exists()


def test_decisions_are_refused_for_a_future_meeting_and_a_request_not_on_its_agenda():
    children = lf.family_of(1)
    made = request_for(children)
    future = meeting_with_solicitor(held_on=today() + timedelta(days=3))
    listed(future, made)
    with pytest.raises(ValidationError) as refused:
        decide(future, made, [Outcome.CONTINUE])
    assert "not happened yet" in refused.value.message_dict[NON_FIELD_ERRORS][0]
    other = meeting_with_solicitor()
    with pytest.raises(ValidationError) as refused:
        decide(other, made, [Outcome.CONTINUE])
    assert "agenda" in refused.value.message_dict[NON_FIELD_ERRORS][0]


def test_each_child_needs_a_decision_with_reasons_and_errors_name_the_child_field():
    children = lf.family_of(2)
    made = request_for(children)
    meeting = meeting_with_solicitor()
    listed(meeting, made)
    decisions = [
        svc.ChildDecision(children[0], Outcome.CONTINUE, "Fine"),
        svc.ChildDecision(children[1], "", " "),
    ]
    with pytest.raises(ValidationError) as refused:
        svc.panel_decisions_record(
            actor=meeting.chair, meeting=meeting, gateway_request=made, decisions=decisions
        )
    assert set(refused.value.message_dict) == {f"outcome_{children[1].pk}", f"rationale_{children[1].pk}"}
    with pytest.raises(ValidationError):
        svc.panel_decisions_record(
            actor=meeting.chair, meeting=meeting, gateway_request=made, decisions=decisions[:1]
        )
    assert not lm.PanelDecision.objects.exists()


def test_decisions_are_dated_by_the_meeting_one_row_per_child_and_refused_a_second_time():
    children = lf.family_of(2)
    made = request_for(children)
    meeting = meeting_with_solicitor(held_on=today() - timedelta(days=2))
    listed(meeting, made)
    rows = decide(meeting, made, [Outcome.CONTINUE, Outcome.FURTHER_ASSESSMENT])
    assert [(r.child, r.outcome, r.decided_on) for r in rows] == [
        (children[0], Outcome.CONTINUE, meeting.held_on),
        (children[1], Outcome.FURTHER_ASSESSMENT, meeting.held_on),
    ]
    made.refresh_from_db()
    with pytest.raises(ValidationError):
        decide(meeting, made, [Outcome.CONTINUE, Outcome.CONTINUE])
    assert lm.PanelDecision.objects.count() == 2
    assert not lm.PreProceedings.objects.exists() and not lm.CareProceedings.objects.exists()


def test_decisions_refuse_a_role_without_record_panel_and_a_stale_request_version():
    children = lf.family_of(1)
    made = request_for(children)
    meeting = meeting_with_solicitor()
    listed(meeting, made)
    with pytest.raises(PermissionDenied):
        decide(meeting, made, [Outcome.CONTINUE], actor=manager_of(children))
    with pytest.raises(EditConflict):
        svc.panel_decisions_record(
            actor=meeting.chair,
            meeting=meeting,
            gateway_request=made,
            decisions=[svc.ChildDecision(children[0], Outcome.CONTINUE, "Reasons")],
            expected_version=1,  # listing it on the agenda made it version 2
        )
    assert not lm.PanelDecision.objects.exists()


def test_a_decision_to_start_pre_proceedings_opens_them_once():
    children = lf.family_of(2)
    made = request_for(children)
    meeting = meeting_with_solicitor()
    listed(meeting, made)
    rows = decide(meeting, made, [Outcome.PRE_PROCEEDINGS, Outcome.PRE_PROCEEDINGS])
    pp = lm.PreProceedings.objects.get()
    assert pp.legal_case == made.legal_case and pp.decision == rows[0] and pp.started_on == meeting.held_on

    again = request_for(children, requested_on=today())
    later = meeting_with_solicitor(held_on=today())
    listed(later, again)
    decide(later, again, [Outcome.PRE_PROCEEDINGS, Outcome.CONTINUE])
    assert lm.PreProceedings.objects.count() == 1  # still open: no second one


def test_a_decision_to_issue_creates_proceedings_for_the_children_it_is_for_linked_to_open_pre_proceedings():
    children = lf.family_of(2)
    case = lf.legal_case(children)
    pp = lf.pre_proceedings(case)
    made = request_for(children)
    meeting = meeting_with_solicitor()
    listed(meeting, made)
    decide(meeting, made, [Outcome.ISSUE, Outcome.CONTINUE])
    court = lm.CareProceedings.objects.get()
    assert court.decided_on == meeting.held_on and court.pre_proceedings == pp and court.legal_case == case
    assert list(court.children.values_list("child_id", flat=True)) == [children[0].pk]


def test_no_new_proceedings_while_proceedings_are_open():
    children = lf.family_of(1)
    case = lf.legal_case(children)
    lf.proceedings(case)
    made = request_for(children)
    meeting = meeting_with_solicitor()
    listed(meeting, made)
    decide(meeting, made, [Outcome.ISSUE])
    assert lm.CareProceedings.objects.count() == 1


def test_a_decided_request_stays_about_its_children_when_a_sibling_joins_the_case_later():
    children = lf.family_of(2)
    actor = manager_of(children)
    first = request_for(children[:1], actor)
    meeting = meeting_with_solicitor()
    listed(meeting, first)
    decide(meeting, first, [Outcome.FURTHER_ASSESSMENT])
    second = request_for(children[1:], actor, requested_on=today())
    assert second.legal_case == first.legal_case
    assert svc.request_children(first) == children[:1]
    assert svc.request_children(second) == children


# ---------------------------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------------------------


def _decided_request(children=None):
    children = children or lf.family_of(2)
    made = request_for(children)
    meeting = meeting_with_solicitor(held_on=today() - timedelta(days=5))
    listed(meeting, made)
    decide(meeting, made, [Outcome.PRE_PROCEEDINGS] * len(children))
    return meeting, made, children


def test_an_action_is_kept_on_the_lead_childs_record_with_its_owner_and_due_date():
    meeting, made, children = _decided_request()
    owner = children[0].allocated_worker
    action = svc.panel_action_create(
        actor=meeting.chair,
        meeting=meeting,
        gateway_request=made,
        action="Send the letter",
        owner=owner,
        due_on=today(),
    )
    assert action.child == children[0] and action.owner == owner
    assert action.set_on == meeting.held_on and action.due_on == today() and action.done_on is None


def test_an_action_owner_who_cannot_open_the_childs_record_is_refused_with_the_reason():
    meeting, made, children = _decided_request()
    stranger = f.UserFactory()  # a social worker in another team
    with pytest.raises(ValidationError) as refused:
        svc.panel_action_create(
            actor=meeting.chair,
            meeting=meeting,
            gateway_request=made,
            action="Visit",
            owner=stranger,
            due_on=today(),
        )
    message = refused.value.message_dict["owner"][0]
    assert str(stranger) in message and "cannot open" in message
    stranger.is_active = False
    stranger.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        svc.panel_action_create(
            actor=meeting.chair,
            meeting=meeting,
            gateway_request=made,
            action="Visit",
            owner=stranger,
            due_on=today(),
        )
    assert "no longer" in refused.value.message_dict["owner"][0]
    assert not lm.PanelAction.objects.exists()


def test_an_action_due_before_the_meeting_or_without_text_is_refused_and_other_roles_cannot_add_one():
    meeting, made, children = _decided_request()
    owner = children[0].allocated_worker
    with pytest.raises(ValidationError) as refused:
        svc.panel_action_create(
            actor=meeting.chair,
            meeting=meeting,
            gateway_request=made,
            action="",
            owner=owner,
            due_on=meeting.held_on - timedelta(days=1),
        )
    assert set(refused.value.message_dict) == {"action", "due_on"}
    with pytest.raises(PermissionDenied):
        svc.panel_action_create(
            actor=owner, meeting=meeting, gateway_request=made, action="Visit", owner=owner, due_on=today()
        )


def test_the_owner_or_the_panel_marks_an_action_done_and_no_one_else():
    meeting, made, children = _decided_request()
    owner = children[0].allocated_worker
    make = dict(actor=meeting.chair, meeting=meeting, gateway_request=made, owner=owner, due_on=today())
    first = svc.panel_action_create(action="Book the meeting", **make)
    second = svc.panel_action_create(action="Send the letter", **make)
    other_worker = f.UserFactory(team=owner.team)
    f.allocate(children[0], other_worker, kind=pm.Allocation.Kind.IRO)
    with pytest.raises(PermissionDenied):
        svc.panel_action_done(
            actor=other_worker, action=first, done_on=today(), expected_version=first.version
        )

    svc.panel_action_done(actor=owner, action=first, done_on=today(), note="Booked", expected_version=1)
    first.refresh_from_db()
    assert (first.done_on, first.done_by, first.done_note) == (today(), owner, "Booked")
    svc.panel_action_done(actor=panel(), action=second, done_on=today(), expected_version=1)
    second.refresh_from_db()
    assert second.done_on == today()


def test_marking_done_refuses_future_dates_stale_versions_and_a_second_time():
    meeting, made, children = _decided_request()
    owner = children[0].allocated_worker
    action = svc.panel_action_create(
        actor=meeting.chair,
        meeting=meeting,
        gateway_request=made,
        action="Visit",
        owner=owner,
        due_on=today(),
    )
    with pytest.raises(ValidationError) as refused:
        svc.panel_action_done(
            actor=owner, action=action, done_on=today() + timedelta(days=1), expected_version=1
        )
    assert "done_on" in refused.value.message_dict
    with pytest.raises(EditConflict):
        svc.panel_action_done(actor=owner, action=action, done_on=today(), expected_version=5)
    svc.panel_action_done(actor=owner, action=action, done_on=today(), expected_version=1)
    with pytest.raises(ValidationError):
        svc.panel_action_done(actor=owner, action=action, done_on=today(), expected_version=action.version)
