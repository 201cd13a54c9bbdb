"""The legal gateway panel's pages: the tracker (order, filters, scope, CSV), asking for the panel
from a child's page, a request, a meeting with its agenda, decisions and actions."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from carepath.core import codes
from carepath.core.models import AccessEvent, Channel
from carepath.core.permissions import Role
from carepath.legal import models as lm
from carepath.legal.services import gateway as svc
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 3, 16)  # no bank holiday in the fortnight before


@pytest.fixture
def on_monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def panel_member():
    return f.UserFactory(role=Role.LEGAL_PANEL_MEMBER)


def manager_of(children):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=children[0].allocated_team)


def section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</table>", start)]


def meeting(*, held_on, solicitor=True, chair=None):
    record = lf.panel_meeting(held_on=held_on, chair=chair or panel_member())
    if solicitor:
        record.attendees.add(f.UserFactory(role=Role.SOLICITOR))
    return record


def action(req, *, owner, due_on, set_on=None, done_on=None, text="Send the letter"):
    set_on = set_on or due_on - timedelta(days=14)
    return lm.PanelAction.objects.create(
        meeting=req.listed_for or lf.panel_meeting(held_on=set_on),
        request=req,
        child=svc.lead_child(req),
        action=text,
        owner=owner,
        set_on=set_on,
        due_on=due_on,
        done_on=done_on,
        done_by=owner if done_on else None,
    )


# ---------------------------------------------------------------------------------------------
# The tracker
# ---------------------------------------------------------------------------------------------


def test_the_tracker_needs_the_legal_pathway(client):
    client.force_login(f.UserFactory(role=Role.SYSTEM_ADMINISTRATOR))
    assert client.get(reverse("legal:panel-tracker")).status_code == 403
    assert client.get(reverse("legal:workload")).status_code == 403
    assert client.get(reverse("legal:panel-actions-csv")).status_code == 403


def test_waiting_requests_are_oldest_first_with_working_days_and_whether_listed(client, on_monday):
    older, newer = lf.family_of(1), lf.family_of(1)
    first = lf.gateway_request(lf.legal_case(older), requested_on=date(2026, 3, 2))
    second = lf.gateway_request(lf.legal_case(newer), requested_on=date(2026, 3, 9))
    second.listed_for = meeting(held_on=date(2026, 3, 20))
    second.save()
    decided = lf.gateway_request(lf.legal_case(lf.family_of(1)), requested_on=date(2026, 3, 1))
    lm.PanelDecision.objects.create(
        meeting=second.listed_for,
        request=decided,
        child=decided.legal_case.members.get().child,
        decided_on=date(2026, 3, 10),
        outcome=codes.LegalGatewayOutcome.CONTINUE,
        rationale="r",
    )
    client.force_login(panel_member())
    html = client.get(reverse("legal:panel-tracker")).content.decode()
    table = section(html, 'id="waiting-table"')
    assert table.index(older[0].full_name) < table.index(newer[0].full_name)
    rows = table.split("<tr")[2:]
    assert len(rows) == 2  # the decided request is not waiting
    assert ">10<" in rows[0] and "Not listed" in rows[0]  # 3 to 16 March: 10 working days
    assert ">5<" in rows[1] and "Listed for 20 Mar 2026" in rows[1]
    assert first.legal_case.reference in rows[0]


def test_a_user_outside_scope_does_not_see_the_childs_name_on_the_tracker(client, on_monday):
    children = lf.family_of(1)
    # A name no other word on the page contains (Faker's "Lee" is inside "Legal").
    children[0].first_name, children[0].last_name = "Quorra", "Zzyzxworth"
    children[0].save(update_fields=["first_name", "last_name"])
    req = lf.gateway_request(lf.legal_case(children), requested_on=date(2026, 3, 2))
    action(req, owner=children[0].allocated_worker, due_on=date(2026, 3, 10))
    action(req, owner=children[0].allocated_worker, due_on=date(2026, 3, 1), done_on=date(2026, 3, 12))
    outsider = f.UserFactory()  # a social worker in another team: sees the legal lists, not this child
    client.force_login(outsider)
    html = client.get(reverse("legal:panel-tracker")).content.decode()
    assert escape(children[0].full_name) not in html and escape(children[0].last_name) not in html
    assert "No child you can see is waiting" in html and "No open panel action on a child you can see" in html
    csv_text = client.get(reverse("legal:panel-actions-csv")).content.decode()
    assert children[0].last_name not in csv_text
    client.force_login(children[0].allocated_worker)
    assert escape(children[0].full_name) in client.get(reverse("legal:panel-tracker")).content.decode()


def test_open_actions_are_overdue_first_and_filter_by_owner_and_overdue(client, on_monday):
    children = lf.family_of(1)
    req = lf.gateway_request(lf.legal_case(children), requested_on=date(2026, 2, 2))
    worker = children[0].allocated_worker
    manager = manager_of(children)
    later = action(req, owner=worker, due_on=date(2026, 3, 20), text="Book the family group conference")
    most_late = action(
        req, owner=manager, due_on=date(2026, 3, 10), text="Send the letter before proceedings"
    )
    late = action(req, owner=worker, due_on=date(2026, 3, 12), text="Ask for the parenting assessment")
    old_done = action(req, owner=worker, due_on=date(2026, 2, 1), done_on=date(2026, 2, 10), text="Long done")
    recent_done = action(
        req, owner=worker, due_on=date(2026, 3, 1), done_on=date(2026, 3, 2), text="Recently done"
    )
    client.force_login(panel_member())
    html = client.get(reverse("legal:panel-tracker")).content.decode()
    table = section(html, 'id="actions-table"')
    assert table.index(most_late.action) < table.index(late.action) < table.index(later.action)
    assert ">6</strong>" in table and ">4</strong>" in table  # days overdue
    assert reverse("legal:panel-action-done", args=[later.pk]) in table
    done = section(html, 'id="done-table"')
    assert recent_done.action in done and old_done.action not in done

    by_owner = section(
        client.get(reverse("legal:panel-tracker"), {"owner": worker.pk}).content.decode(),
        'id="actions-table"',
    )
    assert late.action in by_owner and later.action in by_owner and most_late.action not in by_owner
    overdue = section(
        client.get(reverse("legal:panel-tracker"), {"overdue": "on"}).content.decode(), 'id="actions-table"'
    )
    assert most_late.action in overdue and late.action in overdue and later.action not in overdue


def test_the_csv_of_open_actions_is_logged_as_an_export_of_each_child(client, on_monday):
    children = lf.family_of(1)
    req = lf.gateway_request(lf.legal_case(children), requested_on=date(2026, 2, 2))
    action(req, owner=children[0].allocated_worker, due_on=date(2026, 3, 10), text="=HYPERLINK(bad)")
    user = panel_member()
    client.force_login(user)
    response = client.get(reverse("legal:panel-actions-csv"))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert escape(children[0].full_name) in text and "'=HYPERLINK(bad)" in text and ",6\r\n" in text
    assert AccessEvent.objects.filter(child=children[0], actor=user, channel=Channel.EXPORT).count() == 1


# ---------------------------------------------------------------------------------------------
# Asking for the panel
# ---------------------------------------------------------------------------------------------


def _request_data(**overrides):
    today = date.today() - timedelta(days=1)
    data = {
        "route": lm.GatewayRequest.Route.MANAGER_DIRECTION,
        "urgency": lm.GatewayRequest.Urgency.ROUTINE,
        "requested_on_0": today.day,
        "requested_on_1": today.month,
        "requested_on_2": today.year,
        "concerns": "The children are often hungry.",
        "history": "Two child protection plans in three years.",
        "tried": "Parenting support.",
        "question": "",
    }
    data.update(overrides)
    return data


def test_a_manager_asks_for_the_panel_for_a_child_and_a_sibling(client):
    children = lf.family_of(2)
    manager = manager_of(children)
    client.force_login(manager)
    url = reverse("legal:gateway-request-new", args=[children[0].public_id])
    page = client.get(url)
    assert page.status_code == 200 and escape(children[1].full_name) in page.content.decode()
    response = client.post(url, _request_data(children=[children[0].pk, children[1].pk]))
    made = lm.GatewayRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("legal:gateway-request", args=[made.pk])
    assert svc.request_children(made) == children
    assert made.requested_by == manager


def test_a_refused_request_keeps_what_was_typed_and_says_what_is_missing(client):
    children = lf.family_of(1)
    client.force_login(manager_of(children))
    url = reverse("legal:gateway-request-new", args=[children[0].public_id])
    response = client.post(
        url, _request_data(children=[children[0].pk], concerns="", history="Known since 2019.")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error:" in html and "Enter the concerns" in html and "Known since 2019." in html
    future = date.today() + timedelta(days=2)
    html = client.post(
        url,
        _request_data(
            children=[children[0].pk],
            requested_on_0=future.day,
            requested_on_1=future.month,
            requested_on_2=future.year,
        ),
    ).content.decode()
    assert "today or in the past" in html
    assert not lm.GatewayRequest.objects.exists()


def test_a_duplicate_request_is_refused_on_the_page(client):
    children = lf.family_of(1)
    lf.gateway_request(lf.legal_case(children))
    client.force_login(manager_of(children))
    url = reverse("legal:gateway-request-new", args=[children[0].public_id])
    html = client.post(url, _request_data(children=[children[0].pk])).content.decode()
    assert "already has a request waiting" in html
    assert lm.GatewayRequest.objects.count() == 1


def test_asking_for_the_panel_is_refused_out_of_scope_and_for_the_panel_itself(client):
    children = lf.family_of(1)
    url = reverse("legal:gateway-request-new", args=[children[0].public_id])
    client.force_login(f.UserFactory(role=Role.TEAM_MANAGER))
    assert client.post(url, _request_data(children=[children[0].pk])).status_code == 403
    client.force_login(panel_member())
    assert client.get(url).status_code == 403
    assert not lm.GatewayRequest.objects.exists()


def test_a_request_page_logs_a_read_of_each_child_shown_and_does_not_name_the_others(client):
    children = lf.family_of(2)
    hidden = children[1]
    hidden.is_restricted = True
    hidden.save(update_fields=["is_restricted"])
    req = lf.gateway_request(lf.legal_case(children))
    worker = children[0].allocated_worker
    client.force_login(worker)
    html = client.get(reverse("legal:gateway-request", args=[req.pk])).content.decode()
    assert escape(children[0].full_name) in html and escape(hidden.full_name) not in html
    assert "and 1 other child you cannot see" in html
    assert AccessEvent.objects.filter(actor=worker, child=children[0]).count() == 1
    assert not AccessEvent.objects.filter(actor=worker, child=hidden).exists()
    client.force_login(f.UserFactory())
    assert client.get(reverse("legal:gateway-request", args=[req.pk])).status_code == 403


def test_withdrawing_a_request_on_its_page(client):
    children = lf.family_of(1)
    req = lf.gateway_request(lf.legal_case(children))
    client.force_login(manager_of(children))
    url = reverse("legal:gateway-request-withdraw", args=[req.pk])
    html = client.post(url, {"version": req.version, "reason": ""}).content.decode()
    assert "Say why the request is withdrawn" in html
    html = client.post(url, {"version": req.version + 3, "reason": "Moved away"}).content.decode()
    assert "Someone else changed this" in html and "Moved away" in html
    assert client.post(url, {"version": req.version, "reason": "Moved away"}).status_code == 302
    req.refresh_from_db()
    assert req.withdrawn_reason == "Moved away"


# ---------------------------------------------------------------------------------------------
# Meetings, decisions and actions
# ---------------------------------------------------------------------------------------------


def test_a_panel_member_adds_a_meeting_and_puts_a_request_on_its_agenda(client):
    children = lf.family_of(1)
    req = lf.gateway_request(lf.legal_case(children))
    member = panel_member()
    lawyer = f.UserFactory(role=Role.SOLICITOR)
    client.force_login(member)
    held = date.today() + timedelta(days=7)
    response = client.post(
        reverse("legal:panel-meeting-new"),
        {
            "held_on_0": held.day,
            "held_on_1": held.month,
            "held_on_2": held.year,
            "chair": member.pk,
            "attendees": [lawyer.pk],
            "other_attendees": "Dr Patel, designated doctor",
            "minutes": "",
        },
    )
    made = lm.PanelMeeting.objects.get()
    assert response.status_code == 302 and list(made.attendees.all()) == [lawyer]
    page = client.get(reverse("legal:panel-meeting", args=[made.pk])).content.decode()
    assert escape(children[0].full_name) in page  # offered for the agenda
    client.post(reverse("legal:panel-meeting-agenda", args=[made.pk]), {"requests": [req.pk]})
    req.refresh_from_db()
    assert req.listed_for == made
    client.force_login(manager_of(children))
    assert client.post(reverse("legal:panel-meeting-new"), {}).status_code == 403


def test_a_meeting_with_an_unfit_chair_is_refused_keeping_what_was_typed(client):
    member = panel_member()
    client.force_login(member)
    worker = f.UserFactory(role=Role.TEAM_MANAGER)
    html = client.post(
        reverse("legal:panel-meeting-new"),
        {
            "held_on_0": "1",
            "held_on_1": "",
            "held_on_2": "2026",
            "chair": worker.pk,
            "minutes": "Notes so far",
        },
    ).content.decode()
    assert "The date must include a month" in html and "Notes so far" in html
    assert not lm.PanelMeeting.objects.exists()


def _decisions_url(m, req):
    return reverse("legal:panel-decisions", args=[m.pk, req.pk])


def test_decisions_are_refused_on_the_page_without_a_solicitor_and_recorded_with_one(client):
    children = lf.family_of(2)
    req = lf.gateway_request(lf.legal_case(children))
    m = meeting(held_on=date.today() - timedelta(days=1), solicitor=False)
    req.listed_for = m
    req.save()
    client.force_login(m.chair)
    same = {
        "version": req.version,
        "same_for_all": "on",
        "outcome_all": codes.LegalGatewayOutcome.PRE_PROCEEDINGS,
        "rationale_all": "Neglect has not improved under the plan.",
    }
    html = client.post(_decisions_url(m, req), same).content.decode()
    assert "need legal advice" in html and "Neglect has not improved under the plan." in html
    assert not lm.PanelDecision.objects.exists()
    m.attendees.add(f.UserFactory(role=Role.SOLICITOR))
    assert client.post(_decisions_url(m, req), same).status_code == 302
    assert sorted(lm.PanelDecision.objects.values_list("child_id", flat=True)) == sorted(
        c.pk for c in children
    )
    assert lm.PreProceedings.objects.get().legal_case == req.legal_case
    html = client.get(reverse("legal:panel-meeting", args=[m.pk])).content.decode()
    assert "Start pre-proceedings (PLO)" in html


def test_each_childs_decision_is_required_and_a_stale_form_is_an_edit_conflict(client):
    children = lf.family_of(2)
    req = lf.gateway_request(lf.legal_case(children))
    m = meeting(held_on=date.today())
    req.listed_for = m
    req.save()
    client.force_login(m.chair)
    a, b = children
    data = {
        "version": req.version,
        f"outcome_{a.pk}": codes.LegalGatewayOutcome.ISSUE,
        f"rationale_{a.pk}": "Serious injury.",
        f"outcome_{b.pk}": "",
        f"rationale_{b.pk}": "",
    }
    html = client.post(_decisions_url(m, req), data).content.decode()
    assert f"Choose the panel&#x27;s decision for {escape(b.full_name)}" in html and "Serious injury." in html
    data.update(
        {f"outcome_{b.pk}": codes.LegalGatewayOutcome.CONTINUE, f"rationale_{b.pk}": "Safe with father."}
    )
    data["version"] = req.version - 1
    html = client.post(_decisions_url(m, req), data).content.decode()
    assert "Someone else changed this" in html
    assert not lm.PanelDecision.objects.exists()
    data["version"] = req.version
    assert client.post(_decisions_url(m, req), data).status_code == 302
    court = lm.CareProceedings.objects.get()
    assert list(court.children.values_list("child_id", flat=True)) == [a.pk]


def test_an_action_owner_outside_the_childs_scope_is_refused_on_the_page_and_the_owner_marks_it_done(client):
    children = lf.family_of(1)
    req = lf.gateway_request(lf.legal_case(children))
    m = meeting(held_on=date.today() - timedelta(days=2))
    req.listed_for = m
    req.save()
    client.force_login(m.chair)
    url = reverse("legal:panel-action-new", args=[m.pk, req.pk])
    due = date.today() + timedelta(days=10)
    stranger = f.UserFactory()
    data = {
        "action": "Arrange the parenting assessment",
        "owner": stranger.pk,
        "due_on_0": due.day,
        "due_on_1": due.month,
        "due_on_2": due.year,
    }
    html = client.post(url, data).content.decode()
    assert "cannot open" in html and "Arrange the parenting assessment" in html
    worker = children[0].allocated_worker
    data["owner"] = worker.pk
    assert client.post(url, data).status_code == 302
    made = lm.PanelAction.objects.get()
    assert made.child == children[0] and made.owner == worker

    done_url = reverse("legal:panel-action-done", args=[made.pk])
    client.force_login(manager_of(children))  # neither the owner nor the panel
    assert client.get(done_url).status_code == 403
    client.force_login(worker)
    today = date.today()
    response = client.post(
        done_url,
        {
            "version": made.version,
            "done_on_0": today.day,
            "done_on_1": today.month,
            "done_on_2": today.year,
            "note": "Referred",
        },
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.done_on == today and made.done_by == worker and made.done_note == "Referred"


def test_a_meeting_page_logs_a_read_of_each_child_on_its_agenda(client):
    children = lf.family_of(2)
    req = lf.gateway_request(lf.legal_case(children))
    m = meeting(held_on=date.today())
    req.listed_for = m
    req.save()
    viewer = panel_member()
    client.force_login(viewer)
    html = client.get(reverse("legal:panel-meeting", args=[m.pk])).content.decode()
    assert all(escape(c.full_name) in html for c in children)
    assert AccessEvent.objects.filter(actor=viewer, child__in=children).count() == 2
    outsider = f.UserFactory()
    client.force_login(outsider)
    html = client.get(reverse("legal:panel-meeting", args=[m.pk])).content.decode()
    assert escape(children[0].full_name) not in html and "1 item about children you cannot see" in html
