"""Supervision pages (F16): the supervisor's list, recording a session (refusals keep what was
typed and name the child and row), a session (notes only for the people they belong to; children
logged as read), a worker's own supervision, management oversight, marking an action done, and
compliance per worker, team and service."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from carepath.assurance import models as am
from carepath.assurance.services import supervision as svc
from carepath.core.models import AccessEvent
from carepath.core.permissions import Role
from tests import factories as f
from tests.assurance import factories as af

pytestmark = pytest.mark.django_db

NOTES = "Feeling stretched; booked onto the court skills course."


def today() -> date:
    return timezone.localdate()


@pytest.fixture
def s():
    team, manager, head = af.team_with_managers()
    child, worker = af.open_child(team=team)
    child.first_name, child.last_name = "Ottoline", "Quarrendon"
    child.save(update_fields=["first_name", "last_name"])
    return {"team": team, "manager": manager, "head": head, "child": child, "worker": worker}


def date_fields(name: str, day: date) -> dict:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


def session_post(child=None, **extra) -> dict:
    data = {
        **date_fields("held_on", today()),
        "duration_minutes": "90",
        "kind": "case",
        "uninterrupted": "yes",
        "notes": NOTES,
    }
    if child is not None:
        data[f"c{child.pk}_discussed"] = "on"
        data[f"c{child.pk}_decided"] = "Convene a strategy discussion about the bruising."
        data[f"c{child.pk}_why"] = "A second unexplained injury in a month."
    data.update(extra)
    return data


def a_session(s, *, supervisor=None, supervisee=None, with_child=True):
    return svc.session_record(
        actor=supervisor or s["manager"],
        supervisee=supervisee or s["worker"],
        held_on=today(),
        duration_minutes=90,
        kind="case",
        notes=NOTES,
        directions=[
            {
                "child": s["child"],
                "decided": "Convene a strategy discussion.",
                "why": "A second injury.",
                "actions": [
                    {"what": "Book the strategy discussion", "owner": s["worker"], "due_on": today()}
                ],
            }
        ]
        if with_child
        else [],
    )


# ---------------------------------------------------------------------------------------------
# The supervisor's page
# ---------------------------------------------------------------------------------------------


def test_the_supervisors_page_lists_the_people_they_supervise_overdue_first(client, s):
    overdue = s["worker"]
    overdue.started_on = today() - timedelta(days=200)
    overdue.save(update_fields=["started_on"])
    in_time = f.UserFactory(team=s["team"], started_on=today() - timedelta(days=200), last_name="Zedwardson")
    am.SupervisionSession.objects.create(
        supervisor=s["manager"],
        supervisee=in_time,
        held_on=today() - timedelta(days=2),
        duration_minutes=60,
        kind="case",
    )
    elsewhere = f.UserFactory(last_name="Nottheirsworth")  # another team
    client.force_login(s["manager"])
    html = client.get(reverse("assurance:supervision")).content.decode()
    table = html[html.index('id="supervisees"') : html.index("</table>", html.index('id="supervisees"'))]
    assert table.index(escape(str(overdue))) < table.index(escape(str(in_time)))
    rows = table.split("<tr")[2:]
    assert "Overdue" in rows[0] and "Never recorded" in rows[0]
    assert "In time" in rows[1]
    assert f"?supervisee={in_time.pk}" in rows[1]
    assert escape(str(elsewhere)) not in html
    client.force_login(overdue)
    assert client.get(reverse("assurance:supervision")).status_code == 403


def test_gaps_escalated_to_a_head_of_service_are_on_their_supervision_page(client, s):
    s["worker"].started_on = today() - timedelta(days=90)
    s["worker"].save(update_fields=["started_on"])
    svc.supervision_escalations_run(workers=[s["worker"]])
    client.force_login(s["head"])
    html = client.get(reverse("assurance:supervision")).content.decode()
    escalations = html[html.index('id="escalations"') :]
    assert escape(str(s["worker"])) in escalations and escape(str(s["manager"])) in escalations
    client.force_login(s["manager"])
    assert 'id="escalations"' not in client.get(reverse("assurance:supervision")).content.decode()


# ---------------------------------------------------------------------------------------------
# Recording a session
# ---------------------------------------------------------------------------------------------


def test_recording_starts_by_choosing_someone_the_supervisor_manages(client, s):
    stranger = f.UserFactory(last_name="Outofteamson")
    client.force_login(s["manager"])
    html = client.get(reverse("assurance:supervision-record")).content.decode()
    assert escape(str(s["worker"])) in html and "Outofteamson" not in html
    html = client.get(reverse("assurance:supervision-record") + f"?supervisee={stranger.pk}").content.decode()
    assert "Choose someone you manage" in html
    html = client.get(
        reverse("assurance:supervision-record") + f"?supervisee={s['worker'].pk}"
    ).content.decode()
    assert "Quarrendon" in html and f'name="c{s["child"].pk}_a1_owner"' in html


def test_an_action_without_an_owner_is_refused_keeping_what_was_typed(client, s):
    child = s["child"]
    client.force_login(s["manager"])
    url = reverse("assurance:supervision-record") + f"?supervisee={s['worker'].pk}"
    data = session_post(
        child,
        **{
            f"c{child.pk}_a1_what": "Visit and see the child alone",
            **date_fields(f"c{child.pk}_a1_due_on", today() + timedelta(days=7)),
            f"c{child.pk}_a2_what": "Speak to the school nurse",
            f"c{child.pk}_a2_owner": str(s["worker"].pk),
        },
    )
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert escape(f"{child.full_name}, action 1: choose who owns this action") in html
    assert escape(f"{child.full_name}, action 2: enter the date it is due") in html
    assert f'href="#id_c{child.pk}_a1_owner"' in html
    for typed in (
        "Visit and see the child alone",
        "Speak to the school nurse",
        "A second unexplained injury in a month.",
        NOTES,
    ):
        assert escape(typed) in html
    assert not am.SupervisionSession.objects.exists()
    # Put right, it saves and shows the session.
    data[f"c{child.pk}_a1_owner"] = str(s["worker"].pk)
    data.update(date_fields(f"c{child.pk}_a2_due_on", today() + timedelta(days=3)))
    response = client.post(url, data)
    session = am.SupervisionSession.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "assurance:supervision-session", args=[session.pk]
    )
    assert session.directions.get().actions.count() == 2


def test_text_about_a_child_not_ticked_is_kept_and_the_child_named(client, s):
    child = s["child"]
    client.force_login(s["manager"])
    url = reverse("assurance:supervision-record") + f"?supervisee={s['worker'].pk}"
    data = session_post(child)
    del data[f"c{child.pk}_discussed"]
    html = client.post(url, data).content.decode()
    assert escape(f"Tick {child.full_name} as discussed, or clear what you wrote about them") in html
    assert escape("Convene a strategy discussion about the bruising.") in html
    assert not am.SupervisionSession.objects.exists()


def test_a_future_session_is_refused_on_the_page(client, s):
    client.force_login(s["manager"])
    url = reverse("assurance:supervision-record") + f"?supervisee={s['worker'].pk}"
    html = client.post(
        url, session_post(**date_fields("held_on", today() + timedelta(days=2)))
    ).content.decode()
    assert "The date must be today or in the past" in html
    assert escape(NOTES) in html
    assert not am.SupervisionSession.objects.exists()


# ---------------------------------------------------------------------------------------------
# A session
# ---------------------------------------------------------------------------------------------


def test_the_notes_are_for_the_two_of_them_and_the_managers_above_the_supervisor(client, s):
    session = a_session(s)
    url = reverse("assurance:supervision-session", args=[session.pk])
    for reader in (s["manager"], s["worker"], s["head"]):
        client.force_login(reader)
        assert escape(NOTES) in client.get(url).content.decode(), reader.role
    # A QA lead reads supervision reports, and the session, but not the supervisee's own file.
    qa_lead = f.UserFactory(role=Role.QA_LEAD, team=None)
    client.force_login(qa_lead)
    html = client.get(url).content.decode()
    assert "Convene a strategy discussion." in html and escape(NOTES) not in html
    assert "Only the supervisor, the supervisee and the managers above the supervisor" in html
    # A manager from another service has nothing to do with it.
    client.force_login(f.UserFactory(role=Role.TEAM_MANAGER))
    assert client.get(url).status_code == 403


def test_a_session_held_by_a_covering_manager_hides_the_notes_from_the_workers_own_manager(client, s):
    cover = f.UserFactory(role=Role.TEAM_MANAGER, team=f.TeamFactory(service=s["team"].service))
    session = a_session(s, supervisor=cover, with_child=False)
    client.force_login(s["manager"])  # the supervisee's manager, not the supervisor's
    html = client.get(reverse("assurance:supervision-session", args=[session.pk])).content.decode()
    assert "Supervision on" in html and escape(NOTES) not in html
    client.force_login(cover)
    assert (
        escape(NOTES)
        in client.get(reverse("assurance:supervision-session", args=[session.pk])).content.decode()
    )


def test_the_session_names_only_children_the_reader_may_open_and_logs_each_read(client, s):
    session = a_session(s)
    client.force_login(s["manager"])
    html = client.get(reverse("assurance:supervision-session", args=[session.pk])).content.decode()
    assert reverse("journey:child", args=[s["child"].public_id]) in html
    assert (
        AccessEvent.objects.filter(actor=s["manager"], child=s["child"], what="Supervision session").count()
        == 1
    )
    # The director sees the session (above everyone) and the child (authority scope); a head of
    # service elsewhere is refused.
    director = f.UserFactory(role=Role.DIRECTOR, team=None)
    client.force_login(director)
    html = client.get(reverse("assurance:supervision-session", args=[session.pk])).content.decode()
    assert escape(NOTES) in html and "Quarrendon" in html
    assert AccessEvent.objects.filter(actor=director, child=s["child"], what="Supervision session").exists()
    client.force_login(f.UserFactory(role=Role.HEAD_OF_SERVICE, team=None, service=f.ServiceFactory()))
    assert client.get(reverse("assurance:supervision-session", args=[session.pk])).status_code == 403


# ---------------------------------------------------------------------------------------------
# A worker's own supervision, actions, oversight
# ---------------------------------------------------------------------------------------------


def test_a_worker_sees_their_sessions_and_marks_their_action_done(client, s):
    session = a_session(s)
    made = am.DirectionAction.objects.get()
    client.force_login(s["worker"])
    html = client.get(reverse("assurance:my-supervision")).content.decode()
    assert reverse("assurance:supervision-session", args=[session.pk]) in html
    assert "Book the strategy discussion" in html
    assert reverse("assurance:direction-action-done", args=[made.pk]) in html
    assert AccessEvent.objects.filter(actor=s["worker"], child=s["child"]).exists()
    response = client.post(
        reverse("assurance:direction-action-done", args=[made.pk]),
        {"version": "1", **date_fields("done_on", today()), "done_note": "Booked for Thursday."},
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.done_on, made.done_by, made.done_note) == (today(), s["worker"], "Booked for Thursday.")
    client.force_login(f.UserFactory(team=s["team"]))  # a colleague who neither owns nor manages it
    assert client.get(reverse("assurance:direction-action-done", args=[made.pk])).status_code == 403


def test_management_oversight_from_the_childs_record_keeps_what_was_typed(client, s):
    child = s["child"]
    client.force_login(s["head"])
    url = reverse("assurance:oversight-record", args=[child.public_id])
    assert "Record management oversight" in client.get(url).content.decode()
    data = {
        "key_point": "placement_move",
        **date_fields("directed_on", today()),
        "decided": "Move to the Hartley foster placement.",
        "why": "The current carers gave notice.",
        "a1_what": "Arrange introductions",
        **date_fields("a1_due_on", today() + timedelta(days=5)),
    }
    html = client.post(url, data).content.decode()
    assert "Action 1: choose who owns this action" in html
    assert "Move to the Hartley foster placement." in html and "Arrange introductions" in html
    assert not am.CaseDirection.objects.exists()
    data["a1_owner"] = str(s["worker"].pk)
    response = client.post(url, data)
    assert response.status_code == 302 and response.url == reverse("journey:child", args=[child.public_id])
    made = am.CaseDirection.objects.get()
    assert (made.key_point, made.session, made.actions.get().owner) == ("placement_move", None, s["worker"])
    client.force_login(f.UserFactory(role=Role.TEAM_MANAGER))  # another team
    assert client.get(url).status_code == 403


# ---------------------------------------------------------------------------------------------
# Compliance
# ---------------------------------------------------------------------------------------------


def test_compliance_by_team_links_each_number_to_the_workers_behind_it(client, s):
    behind = s["worker"]
    behind.started_on = today() - timedelta(days=120)
    behind.save(update_fields=["started_on"])
    other_team = f.TeamFactory(service=s["team"].service, name="Riverside Team")
    elsewhere = f.UserFactory(
        team=other_team, started_on=today() - timedelta(days=120), last_name="Brightwaterson"
    )
    for day in (90, 60, 30):
        am.SupervisionSession.objects.create(
            supervisor=s["head"],
            supervisee=elsewhere,
            held_on=today() - timedelta(days=day),
            duration_minutes=60,
            kind="case",
        )
    client.force_login(f.UserFactory(role=Role.SOCIAL_WORKER))
    assert client.get(reverse("assurance:supervision-compliance")).status_code == 403
    client.force_login(f.UserFactory(role=Role.QA_LEAD, team=None))
    html = client.get(reverse("assurance:supervision-compliance")).content.decode()
    assert "<svg" in html and "Riverside Team: 100% (3 of 3)" in html
    assert f"?months=12&amp;team={other_team.pk}#workers" in html
    assert f"?months=12&amp;team={s['team'].pk}#workers" in html
    html = client.get(
        reverse("assurance:supervision-compliance"), {"months": "12", "team": other_team.pk}
    ).content.decode()
    workers = html[html.index('id="workers-table"') :]
    assert "Brightwaterson" in workers and escape(str(behind)) not in workers
    assert 'id="gaps-table"' in html and "No gap in this period." in html
    # The never-supervised worker's team shows their open gap.
    html = client.get(reverse("assurance:supervision-compliance"), {"team": s["team"].pk}).content.decode()
    gaps = html[html.index('id="gaps-table"') :]
    assert escape(str(behind)) in gaps and "Not yet" in gaps


def test_a_team_manager_sees_compliance_for_their_own_team_only(client, s):
    elsewhere = f.UserFactory(last_name="Farawayson")
    client.force_login(s["manager"])
    html = client.get(reverse("assurance:supervision-compliance")).content.decode()
    assert escape(str(s["worker"])) in html and "Farawayson" not in html
    assert str(elsewhere.team) not in html
