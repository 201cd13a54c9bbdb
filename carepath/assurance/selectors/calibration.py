"""Calibration against the record (F18): what a child's record showed on a given day, read from
the timescales engine's stored clocks, so that an audit graded good or better on a day when the
child had overdue statutory work, drift flags or missing section 20 consent evidence can be put in
front of the QA lead.

Nothing here works out a due date: the engine derives every clock from the rules table and keeps
the ones that were late, missed, open or flagged (a clock met in time is not stored, and was never
overdue). A stored clock says when it started, when it was due, when it was met and when the
record it ran in ended, which is enough to say what was outstanding on any past day.

Section 20 consent evidence is the engine's S20-CONSENT clock: its end event is the day the
consent evidence became complete for everyone with parental responsibility, by the same test the
consent register uses (carepath.legal.consent.consent_gaps). A section 20 consent clock overdue on
the day is therefore missing section 20 consent evidence, and is labelled so.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache

from carepath.timescales.models import Deadline, Rule

OVERDUE, DRIFT, FLAG, SECTION_20 = "overdue", "drift", "flag", "section_20"

KIND_LABELS = {
    OVERDUE: "Overdue statutory work",
    DRIFT: "Drift flag",
    FLAG: "Flag on the record",
    SECTION_20: "Missing section 20 consent evidence",
}

# The practice assurance clocks themselves (an audit overdue, an audit action) say nothing about
# the practice the audit graded.
EXCLUDED_PREFIX = "AUDIT-"
# A worker's own clocks (supervision) are not about the child.
EXCLUDED_CONTEXTS = ("supervision",)


# The event that says consent evidence is complete for everyone with parental responsibility.
CONSENT_EVIDENCED = "section_20_consent_evidenced"


@cache
def section_20_consent_rules() -> frozenset[str]:
    """The rules that wait for section 20 consent evidence (S20-CONSENT), by what they wait for
    rather than by their name, which an authority may reword."""
    from carepath.timescales.rulebook import default_rules

    return frozenset(spec.id for spec in default_rules() if spec.end_event == CONSENT_EVIDENCED)


def is_section_20_consent(rule_id: str) -> bool:
    return rule_id in section_20_consent_rules()


def _was_outstanding(row: Deadline, day: date) -> bool:
    if row.kind == "flag":
        return row.started_on <= day and (row.met_on is None or row.met_on > day)
    return (
        row.started_on <= day
        and row.due_on < day
        and (row.met_on is None or row.met_on > day)
        and (row.ended_on is None or row.ended_on > day)
    )


def _rule_names(rule_ids: set[str]) -> dict[str, str]:
    """The rules' names as the authority has them; the shipped name for a rule not yet loaded."""
    names = dict(Rule.objects.filter(rule_id__in=rule_ids).values_list("rule_id", "name"))
    if rule_ids - names.keys():
        from carepath.timescales.rulebook import default_rules

        shipped = {spec.id: spec.name for spec in default_rules()}
        names.update({r: shipped[r] for r in rule_ids - names.keys() if r in shipped})
    return names


def rule_names() -> dict[str, str]:
    """Every rule's name, as _rule_names gives them: read once by a caller that asks about many
    audits (the recheck), rather than once per audit."""
    from carepath.timescales.rulebook import default_rules

    shipped = {spec.id: spec.name for spec in default_rules()}
    return shipped | dict(Rule.objects.values_list("rule_id", "name"))


def record_concerns_on(child_id: int, day: date, *, names: Mapping[str, str] | None = None) -> list[dict]:
    """What the child's record showed on `day`: each deadline overdue, each drift flag raised and
    each flag active then, in the order they fell due. Each is {"kind": overdue, drift, flag or
    section_20, "rule_id", "name" (the rule's name), "why" (the engine's words), "due_on" (ISO)}.
    `names`: the rules' names (rule_names), when the caller has them."""
    rows = [
        row
        for row in Deadline.objects.filter(
            child_id=child_id, started_on__lte=day, kind__in=("deadline", "drift", "flag")
        )
        .exclude(rule_id__startswith=EXCLUDED_PREFIX)
        .exclude(context_type__in=EXCLUDED_CONTEXTS)
        .order_by("due_on", "rule_id", "pk")
        if _was_outstanding(row, day)
    ]
    names = _rule_names({r.rule_id for r in rows}) if names is None else names
    concerns = []
    for row in rows:
        name = names.get(row.rule_id, row.rule_id)
        if is_section_20_consent(row.rule_id):
            kind = SECTION_20
        else:
            kind = {"deadline": OVERDUE, "drift": DRIFT, "flag": FLAG}[row.kind]
        concerns.append(
            {
                "kind": kind,
                "rule_id": row.rule_id,
                "name": name,
                "why": row.why,
                "due_on": row.due_on.isoformat(),
            }
        )
    return concerns


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind)
