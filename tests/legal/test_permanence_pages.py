"""The early permanence list (children under 2 or unborn on the legal pathway or in care, flagged
when they lack a parallel plan or a recorded consideration) and a child's permanence page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils.html import escape

from carepath.core import codes
from carepath.core.models import AccessEvent
from carepath.core.permissions import Role
from carepath.legal.models import PermanenceRecord
from carepath.people.models import ChildStatus
from carepath.timescales.models import Deadline
from tests import factories as f
from tests.legal import factories as lf

TODAY = date.today()
LIST = "/legal/early-permanence/"
YES = PermanenceRecord.Considered.YES
NO = PermanenceRecord.Considered.NO


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def page_url(child) -> str:
    return f"/children/{child.public_id}/permanence/"


def baby(worker, *, days_old=200, **kwargs):
    child = f.ChildFactory(date_of_birth=days_ago(days_old), **kwargs)
    f.allocate(child, worker)
    return child


def unborn(worker):
    child = f.ChildFactory(
        date_of_birth=None, expected_date_of_birth=TODAY + timedelta(days=40), sex=codes.Sex.UNKNOWN
    )
    f.allocate(child, worker)
    return child


def looked_after(child):
    child.status = ChildStatus.LOOKED_AFTER
    child.save(update_fields=["status"])
    return child


def record(child, **fields):
    return PermanenceRecord.objects.create(child=child, **fields)


FULL = {
    "plan": codes.PermanencePlan.RETURN_HOME,
    "plan_recorded_on": days_ago(20),
    "parallel_plan": codes.PermanencePlan.ADOPTION,
    "parallel_plan_recorded_on": days_ago(20),
    "early_permanence_considered_on": days_ago(10),
    "fostering_for_adoption": YES,
    "concurrent_planning": NO,
}


@pytest.fixture
def worker(team):
    return f.UserFactory(team=team)


@pytest.fixture
def manager(team):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=team)


def names_in_order(page: str, children) -> list:
    found = [(page.find(c.full_name), c) for c in children if escape(c.full_name) in page]
    return [c for _pos, c in sorted(found, key=lambda pair: pair[0])]


def test_the_list_flags_and_orders_and_hides_children_out_of_scope(client, worker, manager):
    in_plo_no_record = baby(worker, last_name="Aardvark")
    lf.pre_proceedings(lf.legal_case([in_plo_no_record]))
    in_care_complete = looked_after(baby(worker, last_name="Abbott"))
    record(in_care_complete, **FULL)
    unborn_in_court = unborn(worker)
    unborn_in_court.last_name = "Zephyr"
    unborn_in_court.save(update_fields=["last_name"])
    lf.proceedings(lf.legal_case([unborn_in_court]), issued_on=days_ago(20))
    record(
        unborn_in_court, parallel_plan=codes.PermanencePlan.ADOPTION, parallel_plan_recorded_on=days_ago(5)
    )
    # Not listed: three years old; pre-proceedings ended; a child under 2 in no legal process nor care.
    too_old = baby(worker, days_old=365 * 3)
    lf.pre_proceedings(lf.legal_case([too_old]))
    stepped_down = baby(worker)
    ended = lf.pre_proceedings(lf.legal_case([stepped_down]), started_on=days_ago(100))
    ended.step_decision_on = days_ago(5)
    ended.outcome = codes.PreProceedingsOutcome.values[0]
    ended.save()
    not_on_pathway = baby(worker)
    # Out of the manager's scope: another team's baby in care.
    elsewhere = looked_after(baby(f.UserFactory()))

    client.force_login(manager)
    response = client.get(LIST)
    page = response.content.decode()
    assert response.status_code == 200
    for hidden in (too_old, stepped_down, not_on_pathway, elsewhere):
        assert escape(hidden.full_name) not in page
    order = names_in_order(page, [in_plo_no_record, in_care_complete, unborn_in_court])
    # Flagged first (Aardvark, Zephyr), then the child with everything recorded (Abbott).
    assert order == [in_plo_no_record, unborn_in_court, in_care_complete]
    assert "2</strong> without a parallel plan or a recorded consideration" in page
    aardvark_row = page[page.find(in_plo_no_record.full_name) : page.find(unborn_in_court.full_name)]
    assert "No parallel plan" in aardvark_row
    assert "Early permanence not considered" in aardvark_row
    assert "Pre-proceedings" in aardvark_row
    zephyr_row = page[page.find(unborn_in_court.full_name) : page.find(in_care_complete.full_name)]
    assert "Early permanence not considered" in zephyr_row
    assert "No parallel plan" not in zephyr_row
    assert "Care proceedings" in zephyr_row
    assert "Unborn" in zephyr_row


def test_the_list_needs_the_legal_pathway(client, db):
    client.force_login(f.UserFactory(role=Role.SYSTEM_ADMINISTRATOR))
    assert client.get(LIST).status_code == 403


def test_the_childs_page_shows_the_record_and_its_adoption_clocks_and_logs_the_read(client, worker):
    child = looked_after(baby(worker))
    saved = record(child, **FULL)
    Deadline.objects.create(
        key=f"ADOPT-A2:{saved.pk}",
        child=child,
        rule_id="ADOPT-A2",
        kind="deadline",
        context_type="adoption",
        context_id=saved.pk,
        started_on=days_ago(30),
        due_on=TODAY + timedelta(days=91),
        status="open",
        why="Placement order to match within 121 days",
    )
    client.force_login(worker)
    page = client.get(page_url(child)).content.decode()
    assert "Placement order to match within 121 days" in page
    assert "Considered: it is the plan" in page
    assert 'name="version" value="1"' in page
    assert AccessEvent.objects.filter(child=child, actor=worker, what="Permanence").exists()


def test_a_role_that_only_reads_sees_no_form_and_cannot_post(client, worker):
    child = baby(worker)
    auditor = f.UserFactory(role=Role.QA_AUDITOR)
    client.force_login(auditor)
    page = client.get(page_url(child)).content.decode()
    assert "Save permanence record" not in page
    assert client.post(page_url(child), {"version": "0"}).status_code == 403


def date_parts(name: str, value: date) -> dict:
    return {f"{name}_0": str(value.day), f"{name}_1": str(value.month), f"{name}_2": str(value.year)}


def test_saving_the_form(client, worker):
    child = baby(worker)
    client.force_login(worker)
    data = {
        "version": "0",
        "plan": codes.PermanencePlan.RETURN_HOME,
        **date_parts("plan_recorded_on", days_ago(10)),
        "parallel_plan": codes.PermanencePlan.ADOPTION,
        **date_parts("parallel_plan_recorded_on", days_ago(10)),
        **date_parts("early_permanence_considered_on", days_ago(5)),
        "fostering_for_adoption": YES,
        "concurrent_planning": NO,
    }
    response = client.post(page_url(child), data)
    assert response.status_code == 302
    saved = PermanenceRecord.objects.get(child=child)
    assert saved.parallel_plan == codes.PermanencePlan.ADOPTION
    assert saved.fostering_for_adoption == YES


def test_a_refused_save_keeps_what_was_typed(client, worker):
    child = baby(worker)
    client.force_login(worker)
    data = {
        "version": "0",
        **date_parts("should_be_placed_for_adoption_on", days_ago(90)),
        **date_parts("placement_order_on", days_ago(30)),
        **date_parts("matched_on", days_ago(40)),
        "consideration_notes": "Discussed at the legal planning meeting.",
    }
    response = client.post(page_url(child), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "The match cannot be before the placement order." in page
    assert 'href="#id_matched_on-day"' in page
    assert "Discussed at the legal planning meeting.</textarea>" in page
    matched = days_ago(40)
    assert re.search(rf'name="matched_on_0" type="text" inputmode="numeric" value="{matched.day}"', page)
    assert not PermanenceRecord.objects.filter(child=child).exists()


def test_someone_else_saving_first_keeps_what_was_typed(client, worker):
    child = baby(worker)
    record(child, consideration_notes="Theirs.", version=2)
    client.force_login(worker)
    response = client.post(page_url(child), {"version": "1", "consideration_notes": "Mine."})
    page = response.content.decode()
    assert "Someone else changed this permanence record" in page
    assert "Mine.</textarea>" in page
    assert 'name="version" value="2"' in page
    assert PermanenceRecord.objects.get(child=child).consideration_notes == "Theirs."
