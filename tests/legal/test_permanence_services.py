"""Recording early permanence (F07, F10): the plans, the consideration of Fostering for Adoption
and concurrent planning, and adoption milestones in the order the law sets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.core.permissions import Role
from carepath.legal.models import PermanenceRecord
from carepath.legal.services.permanence import permanence_record_update
from tests import factories as f
from tests.legal import factories as lf

TODAY = date.today()
YES = PermanenceRecord.Considered.YES
NO = PermanenceRecord.Considered.NO


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.fixture
def worker(team):
    return f.UserFactory(team=team)


@pytest.fixture
def child(worker):
    return lf.family_of(1, worker=worker, ages=(0,))[0]


def update(actor, child, expected_version=0, **fields):
    return permanence_record_update(actor=actor, child=child, expected_version=expected_version, **fields)


def problems(actor, child, **fields) -> dict:
    with pytest.raises(ValidationError) as refused:
        update(actor, child, **fields)
    assert not PermanenceRecord.objects.filter(child=child).exists()
    return refused.value.message_dict


def test_the_first_save_creates_the_record_and_logs_it(worker, child):
    record = update(
        worker,
        child,
        plan=codes.PermanencePlan.RETURN_HOME,
        plan_recorded_on=days_ago(30),
        parallel_plan=codes.PermanencePlan.ADOPTION,
        parallel_plan_recorded_on=days_ago(30),
        early_permanence_considered_on=days_ago(20),
        fostering_for_adoption=YES,
        concurrent_planning=NO,
    )
    assert record.version == 1
    assert record.recorded_by == worker
    assert PermanenceRecord.objects.get(child=child).parallel_plan == codes.PermanencePlan.ADOPTION
    assert ChangeEvent.objects.filter(child=child, record_type="legal.PermanenceRecord").count() == 1


def test_a_later_save_changes_it_and_keeps_other_fields(worker, child):
    update(worker, child, plan=codes.PermanencePlan.ADOPTION, plan_recorded_on=days_ago(30))
    record = update(worker, child, expected_version=1, should_be_placed_for_adoption_on=days_ago(10))
    assert record.version == 2
    assert record.plan == codes.PermanencePlan.ADOPTION
    assert record.should_be_placed_for_adoption_on == days_ago(10)


def test_a_save_from_an_older_version_is_refused(worker, child):
    update(worker, child, plan=codes.PermanencePlan.ADOPTION, plan_recorded_on=days_ago(30))
    update(worker, child, expected_version=1, consideration_notes="Discussed at the LPM.")
    with pytest.raises(EditConflict) as conflict:
        update(worker, child, expected_version=1, consideration_notes="Mine.")
    assert conflict.value.record.consideration_notes == "Discussed at the LPM."
    # Someone creating the record while another person was also starting one.
    with pytest.raises(EditConflict):
        update(worker, child, expected_version=0, consideration_notes="Mine too.")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        (
            {
                "should_be_placed_for_adoption_on": days_ago(90),
                "placement_order_on": days_ago(30),
                "matched_on": days_ago(40),
            },
            "matched_on",
            "The match cannot be before the placement order.",
        ),
        (
            {
                "should_be_placed_for_adoption_on": days_ago(90),
                "matched_on": days_ago(30),
                "placed_for_adoption_on": days_ago(31),
            },
            "placed_for_adoption_on",
            "cannot be placed for adoption before the match",
        ),
        (
            {
                "should_be_placed_for_adoption_on": days_ago(90),
                "matched_on": days_ago(30),
                "placed_for_adoption_on": days_ago(20),
                "adoption_order_on": days_ago(21),
            },
            "adoption_order_on",
            "adoption order cannot be before",
        ),
        (
            {"should_be_placed_for_adoption_on": days_ago(30), "placement_order_on": days_ago(31)},
            "placement_order_on",
            "placement order cannot be before the agency decision maker",
        ),
        ({"placement_order_on": days_ago(3)}, "placement_order_on", "a placement order follows it"),
        ({"placed_for_adoption_on": days_ago(3)}, "placed_for_adoption_on", "Enter the date of the match"),
        (
            {"matched_on": TODAY + timedelta(days=1), "should_be_placed_for_adoption_on": days_ago(3)},
            "matched_on",
            "must be today or in the past",
        ),
        (
            {"plan": codes.PermanencePlan.ADOPTION},
            "plan_recorded_on",
            "Enter the date the permanence plan was made",
        ),
        ({"parallel_plan_recorded_on": days_ago(2)}, "parallel_plan", "Choose the parallel plan"),
        (
            {
                "plan": codes.PermanencePlan.ADOPTION,
                "plan_recorded_on": days_ago(2),
                "parallel_plan": codes.PermanencePlan.ADOPTION,
                "parallel_plan_recorded_on": days_ago(2),
            },
            "parallel_plan",
            "must be a different route",
        ),
        (
            {"early_permanence_considered_on": days_ago(2), "fostering_for_adoption": YES},
            "concurrent_planning",
            "concurrent planning",
        ),
        (
            {"fostering_for_adoption": NO},
            "early_permanence_considered_on",
            "Enter the date Fostering for Adoption",
        ),
        (
            {
                "early_permanence_considered_on": days_ago(9),
                "fostering_for_adoption": NO,
                "concurrent_planning": NO,
                "early_permanence_placement_on": days_ago(2),
            },
            "early_permanence_placement_on",
            "needs Fostering for Adoption or concurrent planning recorded as the plan",
        ),
        (
            {
                "early_permanence_considered_on": days_ago(2),
                "fostering_for_adoption": YES,
                "concurrent_planning": NO,
                "early_permanence_placement_on": days_ago(9),
            },
            "early_permanence_placement_on",
            "cannot be before early permanence was considered",
        ),
        (
            {"should_be_placed_for_adoption_on": days_ago(20), "decision_reversed_on": days_ago(5)},
            "decision_reversed_reason",
            "Enter why",
        ),
        (
            {"decision_reversed_reason": "Mother's recovery."},
            "decision_reversed_on",
            "Enter the date the decision was reversed",
        ),
        (
            {
                "should_be_placed_for_adoption_on": days_ago(20),
                "decision_reversed_on": days_ago(25),
                "decision_reversed_reason": "x",
            },
            "decision_reversed_on",
            "cannot be reversed before it was made",
        ),
    ],
)
def test_dates_and_answers_that_cannot_be_true_are_refused_naming_the_field(
    worker, child, fields, field, words
):
    found = problems(worker, child, **fields)
    assert words in found[field][0]


def test_a_later_save_is_checked_against_what_is_already_recorded(worker, child):
    update(
        worker,
        child,
        should_be_placed_for_adoption_on=days_ago(90),
        placement_order_on=days_ago(60),
    )
    with pytest.raises(ValidationError) as refused:
        update(worker, child, expected_version=1, matched_on=days_ago(70))
    assert "The match cannot be before the placement order." in refused.value.message_dict["matched_on"]
    assert PermanenceRecord.objects.get(child=child).matched_on is None


def test_a_child_out_of_scope_or_a_role_without_legal_recording_is_refused(worker, child):
    with pytest.raises(PermissionDenied):
        update(f.UserFactory(), child, consideration_notes="Not mine to record.")
    with pytest.raises(PermissionDenied):
        update(f.UserFactory(role=Role.QA_AUDITOR), child, consideration_notes="Auditors only read.")
    assert not PermanenceRecord.objects.exists()


def test_an_unknown_field_is_a_programming_error(worker, child):
    with pytest.raises(TypeError):
        update(worker, child, favourite_colour="blue")
