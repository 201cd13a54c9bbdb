"""The timescales pages: a worker's own work, a team's work for its manager (bulk acknowledge,
reassign, late reasons), escalations and their CSV, a child's clocks (a logged read), the rules
table with its changes, and the calendar. The Deadline rows come from the engine, through the
journey services, as they would in use."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from django.utils import timezone
from django.utils.html import escape

from carepath.core.models import AccessEvent
from carepath.core.permissions import Role, Scope
from carepath.journey import models as jm
from carepath.timescales import services as ts
from carepath.timescales.models import (
    Acknowledgement,
    CalendarChange,
    ClosureDay,
    Deadline,
    LateReason,
    Reassignment,
    Rule,
    RuleChange,
)
from tests import factories as f
from tests.timescales.conftest import at

# Thursday. The plan started on Monday 3 February, so its first visit and first core group were
# due ten working days later, on Monday 17 February: three days ago.
TODAY = date(2025, 2, 20)
MY_WORK = "/work/"
ACKNOWLEDGE = "/work/acknowledge/"


def team_work(team, by: str = "") -> str:
    return f"/work/team/{team.pk}/" + (f"?by={by}" if by else "")


def reassign(item) -> str:
    return f"/work/items/{item.pk}/reassign/"


def late_reason(item) -> str:
    return f"/work/items/{item.pk}/reason/"


def checked_boxes(page: str) -> set[str]:
    return set(re.findall(r'name="deadlines" type="checkbox" value="(\d+)" checked', page))


@pytest.fixture
def today(travel):
    travel(TODAY)
    return TODAY


@pytest.fixture
def staff(team, worker):
    other_team = f.TeamFactory(service=team.service)
    other_service_team = f.TeamFactory()
    people = {
        "worker": worker,
        # A duty worker who sees the team's children, and one who sees only their own.
        "colleague": f.UserFactory(team=team, first_name="Cora", last_name="Colleague", scope=Scope.TEAM),
        "newcomer": f.UserFactory(team=team, first_name="Nell", last_name="Newcomer"),
        "manager": f.UserFactory(team=team, role=Role.TEAM_MANAGER, first_name="Mo", last_name="Manager"),
        "other_manager": f.UserFactory(team=other_team, role=Role.TEAM_MANAGER),
        "head": f.UserFactory(team=None, service=team.service, role=Role.HEAD_OF_SERVICE),
        "other_head": f.UserFactory(team=None, service=other_service_team.service, role=Role.HEAD_OF_SERVICE),
        "director": f.UserFactory(team=None, role=Role.DIRECTOR),
        "administrator": f.UserFactory(team=None, role=Role.SYSTEM_ADMINISTRATOR),
        "inspector": f.UserFactory(team=None, role=Role.INSPECTOR),
        "referrer": f.UserFactory(team=None, role=Role.PARTNER_REFERRER),
    }
    f.name_managers(team, people["manager"], head=people["head"])
    f.name_managers(other_team, people["other_manager"])
    f.name_managers(other_service_team, head=people["other_head"])
    return people


@pytest.fixture
def story(today, make_story, staff):
    """A child on a child protection plan whose first visit and core group are overdue."""
    story = make_story(first_name="Amara", last_name="Quillfeather", date_of_birth=date(2018, 5, 1))
    referral = story.referral(decided=date(2025, 1, 6))
    story.plan(referral)
    # The manager's monthly oversight is on the record, so case supervision (CASE-SUPV) is in time
    # and the overdue work these tests look at is the plan's own.
    jm.CaseNote.objects.create(
        child=story.child,
        happened_at=at(date(2025, 2, 3)),
        kind=jm.CaseNote.Kind.MANAGEMENT_OVERSIGHT,
        subject="Management oversight",
        text="Plan reviewed with the social worker; visits to be booked this week.",
        author=staff["manager"],
    )
    story.refresh()
    return story


@pytest.fixture
def overdue(story):
    """The child's overdue items, by rule, as the engine stored them."""
    visit, core = story.row("CP-VISIT"), story.row("CORE-1")
    assert visit.due_on == core.due_on == date(2025, 2, 17)
    assert visit.status == core.status == "open"
    return {"visit": visit, "core": core}


# ---------------------------------------------------------------------------------------------
# My work
# ---------------------------------------------------------------------------------------------


def test_my_work_shows_the_overdue_visit_to_the_allocated_worker(client, staff, story, overdue):
    client.force_login(staff["worker"])
    response = client.get(MY_WORK)
    assert response.status_code == 200
    groups = {g.key: g for g in response.context["groups"]}
    overdue_keys = {item.key for item in groups["overdue"].items}
    assert overdue["visit"].key in overdue_keys and overdue["core"].key in overdue_keys
    page = response.content.decode()
    # The child links to their record, the rule to its page (and so its source), with how late.
    assert f'href="/children/{story.child.public_id}/"' in page
    assert 'href="/timescales/rules/CP-VISIT/"' in page
    assert "Child protection visit, child seen, at least every 10 working days" in page
    assert "3 days late" in page
    # The navigation says how many are overdue, on screen.
    assert f"My work ({len(groups['overdue'].items)} overdue)" in page


def test_the_navigation_counts_are_kept_a_minute_and_worked_out_afresh_on_my_work(
    client, staff, story, overdue
):
    from carepath.timescales.models import Deadline

    client.force_login(staff["worker"])
    first = client.get("/").content.decode()
    counted = re.search(r"My work \((\d+) overdue\)", first)
    assert counted
    Deadline.objects.filter(child=story.child).delete()  # as if the work were all done
    assert f"My work ({counted.group(1)} overdue)" in client.get("/").content.decode()  # kept
    fresh = client.get(MY_WORK).content.decode()
    assert "overdue)" not in fresh  # My work itself is always worked out afresh
    assert "overdue)" not in client.get("/").content.decode()


def test_my_work_does_not_show_another_workers_child(client, staff, story, overdue):
    client.force_login(staff["colleague"])
    response = client.get(MY_WORK)
    assert response.status_code == 200
    assert response.context["groups"] == []
    page = response.content.decode()
    assert "Quillfeather" not in page
    assert "Nothing is overdue or due in the next 7 days." in page
    assert ">My work<" in page  # no count when nothing is overdue


def test_my_work_needs_the_function(client, staff, today):
    for role in ("inspector", "director", "referrer"):
        client.force_login(staff[role])
        assert client.get(MY_WORK).status_code == 403, role


# ---------------------------------------------------------------------------------------------
# A team's work
# ---------------------------------------------------------------------------------------------


def test_team_work_is_for_the_teams_managers_only(client, staff, team, story, overdue):
    # The director manages every team's work; inspectors read records but manage nothing.
    allowed = {"manager": 200, "head": 200, "director": 200}
    refused = {"other_manager": 403, "other_head": 403, "worker": 403, "inspector": 403}
    for name, status in {**allowed, **refused}.items():
        client.force_login(staff[name])
        response = client.get(team_work(team))
        assert response.status_code == status, name
        if status == 200:
            assert "Quillfeather" in response.content.decode(), name
    client.force_login(staff["manager"])
    assert client.get("/work/team/999999/").status_code == 404


def test_team_work_summarises_by_worker_and_by_rule(client, staff, team, story, overdue):
    client.force_login(staff["manager"])
    by_worker = client.get(team_work(team)).context["groups"]
    assert [g["label"] for g in by_worker] == [str(staff["worker"])]
    assert by_worker[0]["counts"]["overdue"] == sum(1 for i in by_worker[0]["items"] if i.bucket == "overdue")
    assert by_worker[0]["counts"]["overdue"] >= 2
    by_rule = client.get(team_work(team, "rule")).context["groups"]
    labels = [g["label"] for g in by_rule]
    assert any("(CP-VISIT)" in label for label in labels) and any("(CORE-1)" in label for label in labels)
    assert sum(g["counts"]["total"] for g in by_rule) == sum(g["counts"]["total"] for g in by_worker)


def test_bulk_acknowledge_records_who_and_when_for_each_item(client, staff, team, story, overdue):
    manager = staff["manager"]
    client.force_login(manager)
    chosen = [overdue["visit"], overdue["core"]]
    response = client.post(
        ACKNOWLEDGE,
        {
            "team": team.pk,
            "by": "rule",
            "deadlines": [d.pk for d in chosen],
            "reason": "The family were away; the visit and core group are booked for Monday.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == team_work(team, "rule")
    acks = list(Acknowledgement.objects.order_by("deadline_key"))
    assert sorted(a.deadline_key for a in acks) == sorted(d.key for d in chosen)
    assert {a.acknowledged_by for a in acks} == {manager}
    assert {a.acknowledged_at for a in acks} == {timezone.now()}
    assert len({a.batch for a in acks}) == 1
    for deadline in chosen:
        deadline.refresh_from_db()
        assert deadline.acknowledged_at == timezone.now()
    page = client.get(team_work(team)).content.decode()
    assert page.count(f"Acknowledged by {manager} on 20 Feb 2025") == 2
    assert "The family were away" in page


def test_bulk_acknowledge_without_a_reason_keeps_the_selection(client, staff, team, story, overdue):
    client.force_login(staff["manager"])
    chosen = {str(overdue["visit"].pk), str(overdue["core"].pk)}
    for reason, message in (("", "Say why these items stand"), ("busy", "Say why, in a sentence or more")):
        response = client.post(
            ACKNOWLEDGE, {"team": team.pk, "by": "worker", "deadlines": sorted(chosen), "reason": reason}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page and message in page
        assert page.startswith("<!DOCTYPE html>") and "<title>Error: " in page
        assert checked_boxes(page) == chosen
        assert f">{reason}</textarea>" in page
    assert not Acknowledgement.objects.exists()


def test_bulk_acknowledge_needs_an_item_and_the_team(client, staff, team, story, overdue):
    client.force_login(staff["manager"])
    response = client.post(ACKNOWLEDGE, {"team": team.pk, "reason": "Booked for Monday with the family."})
    assert response.status_code == 200
    assert "Choose at least one item to acknowledge" in response.content.decode()
    # Another team's manager cannot acknowledge this team's items, even by posting their ids.
    client.force_login(staff["other_manager"])
    refused = client.post(
        ACKNOWLEDGE,
        {"team": team.pk, "deadlines": [overdue["visit"].pk], "reason": "Booked for Monday with the family."},
    )
    assert refused.status_code == 403
    assert client.get(ACKNOWLEDGE).status_code == 405
    assert not Acknowledgement.objects.exists()


def test_reassigning_moves_the_item_to_the_other_workers_queue(client, staff, story, overdue):
    visit = overdue["visit"]
    client.force_login(staff["manager"])
    form = client.get(reassign(visit))
    assert form.status_code == 200
    offered = {str(user) for user in form.context["form"].fields["to"].queryset}
    assert str(staff["colleague"]) in offered and str(staff["manager"]) in offered
    # Not the worker who has it, nor someone who could not open the child's record to do it.
    assert str(staff["worker"]) not in offered and str(staff["newcomer"]) not in offered
    not_offered = client.post(reassign(visit), {"key": visit.key, "to": staff["newcomer"].pk})
    assert not_offered.status_code == 200 and "Choose a worker" in not_offered.content.decode()
    assert not Reassignment.objects.exists()
    response = client.post(
        reassign(visit),
        {"key": visit.key, "to": staff["colleague"].pk, "reason": "Cora is covering while Sam is away."},
    )
    assert response.status_code == 302
    moved = Reassignment.objects.get()
    assert (moved.assigned_to, moved.assigned_by, moved.deadline_key) == (
        staff["colleague"],
        staff["manager"],
        visit.key,
    )

    client.force_login(staff["colleague"])
    theirs = {i.key for g in client.get(MY_WORK).context["groups"] for i in g.items}
    assert theirs == {visit.key}
    client.force_login(staff["worker"])
    mine = {i.key for g in client.get(MY_WORK).context["groups"] for i in g.items}
    assert visit.key not in mine and overdue["core"].key in mine


def test_only_a_manager_can_reassign(client, staff, story, overdue):
    client.force_login(staff["worker"])
    assert client.get(reassign(overdue["visit"])).status_code == 403
    response = client.post(
        reassign(overdue["visit"]), {"key": overdue["visit"].key, "to": staff["colleague"].pk}
    )
    assert response.status_code == 403
    # Another team's manager cannot reach the child.
    client.force_login(staff["other_manager"])
    assert client.get(reassign(overdue["visit"])).status_code == 403
    assert not Reassignment.objects.exists()


def test_recording_why_an_item_was_late(client, staff, story, overdue):
    visit = overdue["visit"]
    client.force_login(staff["worker"])
    assert client.get(late_reason(visit)).status_code == 200
    short = client.post(late_reason(visit), {"key": visit.key, "reason": "Sick"})
    assert short.status_code == 200
    assert "Say why it was late, in a sentence or more" in short.content.decode()
    assert ">Sick</textarea>" in short.content.decode()
    reason = "I was off sick; the duty worker could not get to the family before Monday."
    saved = client.post(late_reason(visit), {"key": visit.key, "reason": reason, "next": MY_WORK})
    assert saved.status_code == 302 and saved["Location"] == MY_WORK
    late = LateReason.objects.get()
    assert (late.deadline_key, late.recorded_by, late.reason) == (visit.key, staff["worker"], reason)
    shown = client.get(late_reason(Deadline.objects.get(key=visit.key))).content.decode()
    assert "Reasons already recorded" in shown and reason in shown


def test_a_late_reason_only_when_late_and_only_by_those_responsible(client, staff, story, overdue):
    not_yet = story.row("RCPC-1")
    assert not_yet.due_on > TODAY
    client.force_login(staff["worker"])
    response = client.post(
        late_reason(not_yet), {"key": not_yet.key, "reason": "Planning ahead for the review."}
    )
    assert response.status_code == 200
    assert "This is not late yet" in response.content.decode()
    client.force_login(staff["colleague"])
    assert client.get(late_reason(overdue["visit"])).status_code == 403
    assert not LateReason.objects.exists()


def test_a_form_survives_the_childs_clocks_being_recalculated(client, staff, story, overdue):
    """Rows are rewritten when the record changes; the item is found again by its stable key."""
    visit = overdue["visit"]
    story.refresh()
    assert not Deadline.objects.filter(pk=visit.pk).exists()
    client.force_login(staff["worker"])
    reason = "The family cancelled twice; a visit is booked for tomorrow morning."
    response = client.post(late_reason(visit), {"key": visit.key, "reason": reason})
    assert response.status_code == 302
    assert LateReason.objects.get().deadline_key == visit.key


# ---------------------------------------------------------------------------------------------
# Escalations
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def escalated(story, overdue, staff):
    made = ts.escalations_run(today=TODAY)
    # The visit is 3 days overdue and escalates to the team manager after 2.
    assert [(e.rule_id, e.level, e.escalated_to) for e in made] == [("CP-VISIT", 1, staff["manager"])]
    return made[0]


def test_escalations_download_as_csv(client, staff, story, escalated):
    client.force_login(staff["manager"])
    response = client.get("/work/escalations/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["Child"] == story.child.full_name
    assert row["Case number"] == story.child.case_number
    assert row["Rule"] == "CP-VISIT"
    assert row["Due"] == "2025-02-17"
    assert row["Days overdue when escalated"] == "3"
    assert row["Level"] == "Team manager"
    assert row["Escalated to"] == str(staff["manager"])
    assert row["Responsible worker"] == str(staff["worker"])


def test_escalations_are_scoped_and_filter_to_those_sent_to_me(client, staff, story, escalated):
    client.force_login(staff["head"])
    assert len(client.get("/work/escalations/").context["escalations"]) == 1
    assert len(client.get("/work/escalations/?to=me").context["escalations"]) == 0
    csv_rows = client.get("/work/escalations/?to=me&format=csv").content.decode().strip().splitlines()
    assert len(csv_rows) == 1  # the header only
    client.force_login(staff["other_manager"])
    assert len(client.get("/work/escalations/").context["escalations"]) == 0
    client.force_login(staff["manager"])
    page = client.get("/work/escalations/?to=me")
    assert [e.deadline_key for e in page.context["escalations"]] == [escalated.deadline_key]
    assert "Still open" in page.content.decode()


def test_my_work_shows_what_was_escalated_to_me(client, staff, story, escalated):
    client.force_login(staff["manager"])
    response = client.get(MY_WORK)
    assert [e.pk for e in response.context["escalated"]] == [escalated.pk]
    page = response.content.decode()
    assert "Escalated to you" in page and "Quillfeather" in page
    assert "My work (1 escalated)" in page
    assert f'href="/work/team/{staff["manager"].team_id}/"' in page


# ---------------------------------------------------------------------------------------------
# The child's timescales
# ---------------------------------------------------------------------------------------------


def test_the_childs_timescales_page_is_a_logged_read(client, staff, story, overdue):
    client.force_login(staff["worker"])
    before = AccessEvent.objects.count()
    response = client.get(f"/children/{story.child.public_id}/timescales/")
    assert response.status_code == 200
    event = AccessEvent.objects.order_by("-seq").first()
    assert AccessEvent.objects.count() == before + 1
    assert (event.actor_id, event.child_id, event.what) == (staff["worker"].pk, story.child.pk, "Timescales")
    open_keys = [c.key for c in response.context["open_clocks"]]
    assert overdue["visit"].key in open_keys and overdue["core"].key in open_keys
    page = response.content.decode()
    assert 'aria-current="page">Timescales</a>' in page

    client.force_login(staff["other_manager"])
    refused = client.get(f"/children/{story.child.public_id}/timescales/")
    assert refused.status_code == 403
    assert AccessEvent.objects.count() == before + 1


def test_the_childs_timescales_show_reasons_and_acknowledgements(client, staff, story, overdue):
    ts.late_reason_record(
        actor=staff["worker"], deadline=overdue["visit"], reason="The family were away on holiday."
    )
    ts.deadlines_acknowledge(
        actor=staff["manager"], deadlines=[overdue["visit"]], reason="Seen by the school nurse meanwhile."
    )
    client.force_login(staff["manager"])
    page = client.get(f"/children/{story.child.public_id}/timescales/").content.decode()
    assert "The family were away on holiday." in page
    assert f"Acknowledged by {staff['manager']} on 20 Feb 2025" in page
    assert "Seen by the school nurse meanwhile." in page


# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------


def test_the_rules_table_shows_sources_and_which_rules_wait_for_records(client, staff, today):
    client.force_login(staff["worker"])
    response = client.get("/timescales/rules/")
    assert response.status_code == 200
    rows = {row["rule"].rule_id: row for _, group in response.context["groups"] for row in group}
    assert len(rows) == Rule.objects.count() > 40
    assert rows["CP-VISIT"]["evaluated"] and rows["SUPV"]["evaluated"] and not rows["REG24"]["evaluated"]
    assert rows["ICPC-15"]["limit"] == "15 working days"
    page = response.content.decode()
    assert "Waiting for records" in page
    assert escape(Rule.objects.get(rule_id="ICPC-15").source) in page
    client.force_login(staff["administrator"])  # changes rules; sees no child
    assert client.get("/timescales/rules/").status_code == 200
    client.force_login(staff["referrer"])
    assert client.get("/timescales/rules/").status_code == 403


def _change(rule: Rule, **fields) -> dict:
    data = {
        "version": rule.version,
        "limit": rule.limit,
        "warn_days": ", ".join(map(str, rule.warn_days)),
        "escalate_after_days": ", ".join(map(str, rule.escalate_after_days)),
        "enabled": "yes",
        "reason": "Agreed by the practice standards board on 3 February.",
    }
    return data | fields


def test_changing_a_configurable_rule_records_the_change(client, staff, today):
    ts.rules_ensure_loaded()
    rule = Rule.objects.get(rule_id="CIN-VISIT")
    client.force_login(staff["director"])
    assert client.get("/timescales/rules/CIN-VISIT/change/").status_code == 200
    response = client.post("/timescales/rules/CIN-VISIT/change/", _change(rule, limit=15, warn_days="4"))
    assert response.status_code == 302 and response["Location"] == "/timescales/rules/CIN-VISIT/"
    changes = {c.field: c for c in RuleChange.objects.filter(rule=rule, origin="rules page")}
    assert set(changes) == {"limit", "warn_days"}
    assert (changes["limit"].old_value, changes["limit"].new_value) == (20, 15)
    assert (changes["warn_days"].old_value, changes["warn_days"].new_value) == ([5], [4])
    assert {c.changed_by for c in changes.values()} == {staff["director"]}
    rule.refresh_from_db()
    assert (rule.limit, rule.warn_days, rule.version) == (15, [4], 2)
    history = client.get("/timescales/rules/CIN-VISIT/").content.decode()
    assert "Agreed by the practice standards board" in history and str(staff["director"]) in history


def test_turning_a_rule_off_takes_its_clocks_away(
    client, staff, story, overdue, django_capture_on_commit_callbacks
):
    rule = Rule.objects.get(rule_id="CP-VISIT")
    client.force_login(staff["director"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/timescales/rules/CP-VISIT/change/", _change(rule, enabled="no"))
    assert response.status_code == 302
    assert not story.rows("CP-VISIT")
    assert story.rows("CORE-1")


def test_rules_set_in_law_and_people_without_the_function_are_refused(client, staff, today):
    ts.rules_ensure_loaded()
    statutory = Rule.objects.get(rule_id="ICPC-15")
    client.force_login(staff["director"])
    assert client.get("/timescales/rules/ICPC-15/change/").status_code == 403
    assert client.post("/timescales/rules/ICPC-15/change/", _change(statutory, limit=20)).status_code == 403
    assert "Change this rule" not in client.get("/timescales/rules/ICPC-15/").content.decode()
    configurable = Rule.objects.get(rule_id="CIN-VISIT")
    for name in ("manager", "head", "worker"):
        client.force_login(staff[name])
        assert client.get("/timescales/rules/CIN-VISIT/change/").status_code == 403, name
        assert (
            client.post("/timescales/rules/CIN-VISIT/change/", _change(configurable, limit=5)).status_code
            == 403
        )
    assert not RuleChange.objects.filter(origin="rules page").exists()
    statutory.refresh_from_db()
    assert statutory.limit == 15


def test_a_rule_changed_by_someone_else_meanwhile_keeps_what_was_typed(client, staff, today):
    ts.rules_ensure_loaded()
    rule = Rule.objects.get(rule_id="CIN-VISIT")
    stale = _change(rule, limit=12)
    ts.rule_change(
        actor=staff["administrator"],
        rule=rule,
        expected_version=rule.version,
        reason="Board decision",
        limit=25,
    )
    client.force_login(staff["director"])
    response = client.post("/timescales/rules/CIN-VISIT/change/", stale)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else changed this rule" in page
    assert re.search(r'name="limit"[^>]* value="12"', page)  # what they typed
    assert f'name="version" value="{rule.version + 1}"' in page  # the next save is theirs to make
    assert "Limit 25 working days" in page  # what the other person saved
    rule.refresh_from_db()
    assert rule.limit == 25


def test_a_rule_change_that_does_not_fit_is_explained(client, staff, today):
    ts.rules_ensure_loaded()
    rule = Rule.objects.get(rule_id="CIN-VISIT")
    client.force_login(staff["director"])
    for fields, message in (
        ({"warn_days": "soon"}, "Warning points must be whole numbers separated by commas"),
        ({"escalate_after_days": "5"}, "Give two numbers"),
        ({"escalate_after_days": "10, 5"}, "the head of service cannot be told before the team manager"),
        ({"reason": ""}, "Say why the rule is changing"),
    ):
        response = client.post("/timescales/rules/CIN-VISIT/change/", _change(rule, **fields))
        assert response.status_code == 200, fields
        page = response.content.decode()
        assert "govuk-error-summary" in page and message in page, fields
    assert not RuleChange.objects.filter(origin="rules page").exists()


# ---------------------------------------------------------------------------------------------
# The calendar
# ---------------------------------------------------------------------------------------------


def _closure(day: date, reason: str) -> dict:
    return {
        "action": "add",
        "add-day_0": day.day,
        "add-day_1": day.month,
        "add-day_2": day.year,
        "add-reason": reason,
    }


def test_adding_and_removing_a_closure_day(client, staff, today):
    client.force_login(staff["director"])
    page = client.get("/timescales/calendar/")
    assert page.status_code == 200
    assert "Christmas Day" in page.content.decode()  # this year's and next year's bank holidays
    day = date(2025, 12, 29)
    added = client.post(
        "/timescales/calendar/", _closure(day, "Offices closed between Christmas and New Year")
    )
    assert added.status_code == 302
    closure = ClosureDay.objects.get()
    assert (closure.day, closure.added_by) == (day, staff["director"])
    assert CalendarChange.objects.get().action == "added"

    removed = client.post(
        "/timescales/calendar/",
        {
            "action": "remove",
            "remove-closure": closure.pk,
            "remove-reason": "The offices will open after all",
        },
    )
    assert removed.status_code == 302
    assert not ClosureDay.objects.exists()
    history = list(
        CalendarChange.objects.order_by("changed_at", "pk").values_list("action", "changed_by", "reason")
    )
    assert history == [
        ("added", staff["director"].pk, "Offices closed between Christmas and New Year"),
        ("removed", staff["director"].pk, "The offices will open after all"),
    ]
    shown = client.get("/timescales/calendar/").content.decode()
    assert "The offices will open after all" in shown


def test_a_closure_day_that_is_already_not_a_working_day_is_refused(client, staff, today):
    client.force_login(staff["director"])
    response = client.post("/timescales/calendar/", _closure(date(2025, 12, 27), "Saturday after Boxing Day"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "already not a working day" in page and "govuk-error-summary" in page
    assert 'value="Saturday after Boxing Day"' in page
    assert not ClosureDay.objects.exists()


def test_only_those_who_manage_timescales_change_the_calendar(client, staff, today):
    client.force_login(staff["manager"])
    page = client.get("/timescales/calendar/")
    assert page.status_code == 200
    assert "Add a closure day" not in page.content.decode()
    assert (
        client.post("/timescales/calendar/", _closure(date(2025, 12, 29), "Not allowed")).status_code == 403
    )
    client.force_login(staff["referrer"])
    assert client.get("/timescales/calendar/").status_code == 403
    assert not ClosureDay.objects.exists()
