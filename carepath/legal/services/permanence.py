"""Early permanence (F07, F10): the permanence plan, the parallel (twin-track) plan, whether Fostering
for Adoption and concurrent planning were considered, and the adoption milestones.

The adoption milestones follow the order the law sets (Adoption and Children Act 2002; Adoption
Agencies Regulations 2005): the agency decision maker's decision that the child should be placed for
adoption comes first, then the placement order, the match, the placement and the adoption order. A
date out of that order is refused with a message naming the field, so the adoption clocks (rules.md
6.5, computed by the timescales engine from these dates) start from dates that can be true.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Function
from carepath.people.models import Child, User

from ..models import PermanenceRecord
from .common import change, create, writing

DATE_FIELDS = {
    "plan_recorded_on": "the date the permanence plan was made",
    "parallel_plan_recorded_on": "the date the parallel plan was made",
    "early_permanence_considered_on": "the date early permanence was considered",
    "should_be_placed_for_adoption_on": "the date of the agency decision maker's decision",
    "placement_order_on": "the date of the placement order",
    "matched_on": "the date of the match",
    "early_permanence_placement_on": "the date of the early permanence placement",
    "placed_for_adoption_on": "the date the child was placed for adoption",
    "adoption_order_on": "the date of the adoption order",
    "decision_reversed_on": "the date the decision was reversed",
}
TEXT_FIELDS = (
    "plan",
    "parallel_plan",
    "fostering_for_adoption",
    "concurrent_planning",
    "consideration_notes",
    "decision_reversed_reason",
)
FIELDS = (*DATE_FIELDS, *TEXT_FIELDS)

# (later milestone, the milestone it cannot precede, what to say).
MILESTONE_ORDER = (
    (
        "placement_order_on",
        "should_be_placed_for_adoption_on",
        "The placement order cannot be before the agency decision maker's decision that the child should be placed for adoption.",
    ),
    (
        "matched_on",
        "should_be_placed_for_adoption_on",
        "The match cannot be before the agency decision maker's decision that the child should be placed for adoption.",
    ),
    ("matched_on", "placement_order_on", "The match cannot be before the placement order."),
    ("placed_for_adoption_on", "matched_on", "The child cannot be placed for adoption before the match."),
    (
        "adoption_order_on",
        "placed_for_adoption_on",
        "The adoption order cannot be before the child was placed for adoption.",
    ),
    (
        "decision_reversed_on",
        "should_be_placed_for_adoption_on",
        "The decision cannot be reversed before it was made: check the date of the agency decision maker's decision.",
    ),
    (
        "early_permanence_placement_on",
        "early_permanence_considered_on",
        "The early permanence placement cannot be before early permanence was considered.",
    ),
    (
        "parallel_plan_recorded_on",
        "plan_recorded_on",
        "The parallel plan cannot be made before the permanence plan it runs alongside.",
    ),
)

# (milestone, the milestone that must already be recorded, what to say).
MILESTONE_NEEDS = (
    (
        "placement_order_on",
        "should_be_placed_for_adoption_on",
        "Enter the date of the agency decision maker's decision that the child should be placed for adoption: a placement order follows it.",
    ),
    (
        "matched_on",
        "should_be_placed_for_adoption_on",
        "Enter the date of the agency decision maker's decision that the child should be placed for adoption: a match follows it.",
    ),
    (
        "placed_for_adoption_on",
        "matched_on",
        "Enter the date of the match: a child is placed for adoption with the family they were matched with.",
    ),
    (
        "adoption_order_on",
        "placed_for_adoption_on",
        "Enter the date the child was placed for adoption: an adoption order follows the placement.",
    ),
    (
        "decision_reversed_on",
        "should_be_placed_for_adoption_on",
        "Enter the date of the agency decision maker's decision that was reversed.",
    ),
)


def permanence_problems(values: dict) -> dict[str, str]:
    """What is wrong with a permanence record's values, keyed by field (empty when nothing is)."""
    problems: dict[str, str] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, message)

    today = timezone.localdate()
    for field, words in DATE_FIELDS.items():
        value = values.get(field)
        if value is not None and not isinstance(value, date):
            add(field, f"Enter {words} as a real date.")
        elif value is not None and value > today:
            add(field, f"{words[0].upper()}{words[1:]} must be today or in the past.")
    for field in ("plan", "parallel_plan"):
        if values.get(field) and values[field] not in codes.PermanencePlan.values:
            add(field, "Choose a plan from the list.")
    for field in ("fostering_for_adoption", "concurrent_planning"):
        if values.get(field) and values[field] not in PermanenceRecord.Considered.values:
            add(field, "Choose whether it is the plan or was considered and not right for this child.")
    if problems:
        return problems

    # Each plan has the date it was made, and a date has a plan.
    for plan, recorded, words in (
        ("plan", "plan_recorded_on", "permanence plan"),
        ("parallel_plan", "parallel_plan_recorded_on", "parallel plan"),
    ):
        if values.get(plan) and not values.get(recorded):
            add(recorded, f"Enter the date the {words} was made.")
        if values.get(recorded) and not values.get(plan):
            add(plan, f"Choose the {words}, or remove the date.")
    if values.get("parallel_plan") and values.get("parallel_plan") == values.get("plan"):
        add(
            "parallel_plan",
            "The parallel plan must be a different route to permanence from the permanence plan.",
        )

    # Fostering for Adoption and concurrent planning are considered together, on a day.
    considered_on = values.get("early_permanence_considered_on")
    answers = {
        "fostering_for_adoption": "Fostering for Adoption",
        "concurrent_planning": "concurrent planning",
    }
    if considered_on:
        for field, words in answers.items():
            if not values.get(field):
                add(field, f"Say whether {words} is the plan or was considered and not right for this child.")
    elif any(values.get(field) for field in answers):
        add(
            "early_permanence_considered_on",
            "Enter the date Fostering for Adoption and concurrent planning were considered.",
        )
    if values.get("early_permanence_placement_on") and not any(
        values.get(field) == PermanenceRecord.Considered.YES for field in answers
    ):
        add(
            "early_permanence_placement_on",
            "An early permanence placement needs Fostering for Adoption or concurrent planning recorded as the plan.",
        )

    for later, earlier, message in MILESTONE_NEEDS:
        if values.get(later) and not values.get(earlier):
            add(later, message)
    for later, earlier, message in MILESTONE_ORDER:
        if values.get(later) and values.get(earlier) and values[later] < values[earlier]:
            add(later, message)
    if values.get("decision_reversed_on") and not (values.get("decision_reversed_reason") or "").strip():
        add(
            "decision_reversed_reason",
            "Enter why the decision that the child should be placed for adoption was reversed.",
        )
    if (values.get("decision_reversed_reason") or "").strip() and not values.get("decision_reversed_on"):
        add("decision_reversed_on", "Enter the date the decision was reversed, or remove the reason.")
    return problems


def permanence_record_update(
    *, actor: User, child: Child, expected_version: int | None, **fields
) -> PermanenceRecord:
    """Record or change the child's permanence record (created on first use). `expected_version` is
    the version the person started from (0 or None when there was no record): if someone else saved
    since, EditConflict carries what they saved."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"Not part of a permanence record: {', '.join(sorted(unknown))}")
    for field in TEXT_FIELDS:
        if field in fields:
            fields[field] = (fields[field] or "").strip()
    try:
        with writing(actor, [child], Function.RECORD_LEGAL):
            record = PermanenceRecord.objects.filter(child=child).first()
            if record is not None and expected_version not in (None, record.version):
                raise EditConflict(record)
            current = {name: getattr(record, name) if record else _empty(name) for name in FIELDS}
            values = {**current, **fields}
            problems = permanence_problems(values)
            if problems:
                raise ValidationError(problems)
            if record is None:
                record = PermanenceRecord(child=child, **values)
                create(actor=actor, children=[child], record=record)
            else:
                changes = {name: value for name, value in fields.items() if getattr(record, name) != value}
                if changes:
                    change(
                        actor=actor,
                        children=[child],
                        record=record,
                        changes=changes,
                        expected_version=record.version,
                    )
            return record
    except IntegrityError:
        # Two people created the child's record at the same moment; the second sees the first's.
        raise EditConflict(PermanenceRecord.objects.get(child=child)) from None


def _empty(name: str):
    return None if name in DATE_FIELDS else ""
