"""The rules table as data: the shipped file is sound, and a bad file is refused with a message
that names the rule and the field at fault."""

import json
from pathlib import Path

import pytest

from carepath.core.calendar import Counting, Unit
from carepath.timescales.events import CONTEXTS, EVENTS
from carepath.timescales.rulebook import (
    DEFAULT_RULES_FILE,
    Confidence,
    Kind,
    RuleFileError,
    check_rules,
    default_rules,
    parse_rules,
    read_rules_file,
)

# -- the shipped rules ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return default_rules()


def test_the_shipped_file_parses_with_no_problems(shipped):
    assert len(shipped) == len(parse_rules(DEFAULT_RULES_FILE.read_text(encoding="utf-8")))
    assert check_rules(shipped) == []
    ids = [rule.id for rule in shipped]
    assert len(ids) == len(set(ids))
    assert len(shipped) >= 40  # rules.md section 10 and the rows it summarises


def test_every_shipped_rule_cites_a_source(shipped):
    assert [rule.id for rule in shipped if len(rule.source.strip()) < 10] == []


def test_every_knowledge_or_local_rule_is_configurable(shipped):
    unsure = [rule for rule in shipped if rule.confidence in (Confidence.KNOWLEDGE, Confidence.LOCAL)]
    assert unsure, "the file has [K] and [L] rules"
    assert [rule.id for rule in unsure if not rule.configurable] == []


def test_every_event_a_shipped_rule_names_exists_in_the_rule_s_context(shipped):
    for rule in shipped:
        assert rule.start_event in EVENTS, rule.id
        if rule.kind in (Kind.DEADLINE, Kind.DRIFT):
            assert rule.end_event in EVENTS, rule.id
            assert EVENTS[rule.end_event].context == rule.context, rule.id
        assert rule.context in CONTEXTS
        for other in rule.supersedes:
            assert other in {r.id for r in shipped}, rule.id


def test_the_shipped_rules_count_as_the_law_says(shipped):
    by_id = {rule.id: rule for rule in shipped}
    assert (by_id["ICPC-15"].limit, by_id["ICPC-15"].unit) == (15, Unit.WORKING_DAYS)
    assert by_id["ICPC-15"].counting == Counting.AFTER
    assert (by_id["CP26"].limit, by_id["CP26"].unit, by_id["CP26"].counting) == (
        26,
        Unit.WEEKS,
        Counting.BEGINNING_WITH,
    )
    assert by_id["EPO"].public_holiday_extends
    assert (by_id["PP-72H"].limit, by_id["PP-72H"].unit) == (72, Unit.HOURS)


def test_reading_the_shipped_file_by_path(shipped):
    assert [r.id for r in read_rules_file(DEFAULT_RULES_FILE)] == [r.id for r in shipped]


# -- bad files -----------------------------------------------------------------------------------


def rule(**overrides) -> dict:
    """A sound local-practice rule, changed by `overrides` (None removes a field)."""
    fields = {
        "id": "TEST-CIN",
        "name": "Child in need visit at least every 20 working days",
        "group": "Children in need",
        "kind": "deadline",
        "start_event": "cin_plan_started",
        "end_event": "cin_visit",
        "recurring": True,
        "limit": 20,
        "unit": "working_days",
        "warn_days": [5],
        "escalate_after_days": [5, 15],
        "severity": "medium",
        "source": "Local practice (rules.md 1.15)",
        "confidence": "L",
        "configurable": True,
    } | overrides
    return {k: v for k, v in fields.items() if v is not None}


def _toml_value(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)  # strings, numbers and booleans are written the same way in TOML


def toml(*rules: dict) -> str:
    tables = []
    for r in rules:
        tables.append("[[rule]]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in r.items()))
    return "\n".join(tables)


def refused(text: str, rule_id: str, field: str, *fragments: str) -> RuleFileError:
    """The file must be refused with a problem on `rule_id` and `field` whose message holds every
    fragment, and the message people see must name the rule and the field."""
    with pytest.raises(RuleFileError) as caught:
        parse_rules(text, where="test.toml")
    error = caught.value
    matching = [p for p in error.problems if p.rule == rule_id and p.field == field]
    assert matching, [str(p) for p in error.problems]
    assert any(all(f in p.message for f in fragments) for p in matching), [str(p) for p in matching]
    assert f"Rule {rule_id}, field '{field}'" in str(error)
    assert "test.toml was refused; the rules in force are unchanged" in str(error)
    return error


def test_the_sound_rule_used_below_is_accepted():
    [spec] = parse_rules(toml(rule()))
    assert (spec.id, spec.limit, spec.unit) == ("TEST-CIN", 20, Unit.WORKING_DAYS)


def test_malformed_toml_is_refused_naming_the_line():
    text = toml(rule()) + "\n[[rule]]\nid = TEST-BAD\n"
    error = refused(text, "(file)", "(syntax)", "is not valid TOML")
    assert f"line {text.count(chr(10))}" in str(error)


def test_a_file_that_is_not_a_list_of_rules_is_refused():
    refused('title = "rules"\n', "(file)", "(layout)")
    refused(toml(rule()) + "\n[settings]\nx = 1\n", "(file)", "(layout)")
    refused("rule = [1, 2]\n", "(rule 1)", "(layout)", "[[rule]] table")


def test_a_rule_with_no_source_is_refused():
    refused(toml(rule(source="  ")), "TEST-CIN", "source", "cites no source")
    refused(toml(rule(source=None)), "TEST-CIN", "source", "is required")


def test_a_rule_missing_a_required_field_is_refused():
    refused(toml(rule(start_event=None)), "TEST-CIN", "start_event", "is required")
    refused(toml(rule(id=None)), "(no id)", "id", "is required")


def test_an_unknown_field_is_refused():
    refused(toml(rule(limt=10)), "TEST-CIN", "limt", "not a field")


def test_an_unknown_unit_is_refused():
    refused(toml(rule(unit="fortnights")), "TEST-CIN", "unit", "working_days")


def test_an_unknown_counting_kind_confidence_or_severity_is_refused():
    refused(toml(rule(counting="starting_from")), "TEST-CIN", "counting")
    refused(toml(rule(kind="reminder")), "TEST-CIN", "kind")
    refused(toml(rule(confidence="X")), "TEST-CIN", "confidence")
    refused(toml(rule(severity="urgent")), "TEST-CIN", "severity")


def test_an_unknown_event_is_refused():
    refused(toml(rule(start_event="cin_plan_begun")), "TEST-CIN", "start_event", "'cin_plan_begun'")
    refused(toml(rule(end_event="cin_vist")), "TEST-CIN", "end_event", "'cin_vist'")
    refused(toml(rule(end_event=None)), "TEST-CIN", "end_event", "not an event")


def test_start_and_end_events_from_different_contexts_are_refused():
    # A child in need visit cannot answer a clock started by a child protection plan.
    refused(
        toml(rule(start_event="cp_plan_started", end_event="cin_visit")),
        "TEST-CIN",
        "end_event",
        "cin_plan",
        "cp_plan",
    )


def test_a_flag_or_count_rule_has_no_end_event():
    refused(toml(rule(kind="flag", end_event="cin_visit", recurring=False)), "TEST-CIN", "end_event", "flag")


@pytest.mark.parametrize("confidence", ["K", "L"])
def test_a_knowledge_or_local_rule_that_is_not_configurable_is_refused(confidence):
    refused(toml(rule(confidence=confidence, configurable=False)), "TEST-CIN", "configurable", confidence)


@pytest.mark.parametrize("confidence", ["P", "S"])
def test_a_primary_or_secondary_rule_may_be_fixed(confidence):
    assert parse_rules(toml(rule(confidence=confidence, configurable=False)))


def test_a_duplicate_id_is_refused():
    refused(toml(rule(), rule(end_event="cin_plan_ended", recurring=False)), "TEST-CIN", "id", "twice")


def test_contradictory_rules_are_refused():
    # Same start, end and children with different limits: which one is the law?
    error = refused(
        toml(rule(), rule(id="TEST-CIN-10", limit=10)),
        "TEST-CIN-10",
        "start_event",
        "same children as rule TEST-CIN",
    )
    assert "supersedes" in str(error)


def test_the_same_children_listed_in_another_order_still_contradict():
    base = {"min_age_years": 5}
    refused(
        toml(
            rule(
                start_event="placement_started",
                end_event="cla_visit",
                applies_to=base | {"placement_type": ["U1", "U4"]},
            ),
            rule(
                id="TEST-OTHER",
                start_event="placement_started",
                end_event="cla_visit",
                limit=10,
                applies_to={"placement_type": ["U4", "U1"]} | base,
            ),
        ),
        "TEST-OTHER",
        "start_event",
        "TEST-CIN",
    )


def test_rules_for_different_children_or_a_disabled_rule_do_not_contradict():
    assert parse_rules(toml(rule(), rule(id="TEST-OLDER", limit=10, applies_to={"min_age_years": 16})))
    assert parse_rules(toml(rule(), rule(id="TEST-OFF", limit=10, enabled=False)))


def test_a_rule_that_says_which_it_supersedes_does_not_contradict_it():
    # The message tells the authority to say which rule supersedes the other: doing so must work.
    specs = parse_rules(toml(rule(), rule(id="TEST-CIN-10", limit=10, supersedes=["TEST-CIN"])))
    assert [s.id for s in specs] == ["TEST-CIN", "TEST-CIN-10"]


def test_superseding_an_unknown_rule_or_itself_is_refused():
    refused(toml(rule(supersedes=["CIN-VISITS"])), "TEST-CIN", "supersedes", "'CIN-VISITS'")
    refused(toml(rule(supersedes=["TEST-CIN"])), "TEST-CIN", "supersedes", "itself")


def test_an_unknown_applies_to_attribute_is_refused():
    refused(toml(rule(applies_to={"legal_status": ["C2"]})), "TEST-CIN", "applies_to", "'legal_status'")


@pytest.mark.parametrize(
    ("applies_to", "fragment"),
    [
        ({"age_years": 5}, "use min_age_years"),
        ({"min_unborn": 1}, "only numbers"),
        ({"min_age_years": "five"}, "whole number"),
        ({"min_age_years": True}, "whole number"),
        ({"unborn": "yes"}, "true or false"),
    ],
)
def test_a_badly_written_applies_to_is_refused(applies_to, fragment):
    refused(toml(rule(applies_to=applies_to)), "TEST-CIN", "applies_to", fragment)


def test_a_list_of_codes_with_a_number_in_it_is_refused_not_a_crash():
    refused(
        toml(
            rule(
                start_event="placement_started",
                end_event="cla_visit",
                applies_to={"placement_type": ["U1", 4]},
            ),
            rule(
                id="TEST-TWO",
                start_event="placement_started",
                end_event="cla_visit",
                applies_to={"placement_type": [4, "U1"]},
            ),
        ),
        "TEST-CIN",
        "applies_to",
        "list of codes",
    )


def test_a_codes_attribute_needs_a_list_of_codes():
    refused(
        toml(
            rule(start_event="placement_started", end_event="cla_visit", applies_to={"placement_type": "U1"})
        ),
        "TEST-CIN",
        "applies_to",
        "list of codes",
    )


def test_limit_from_must_be_a_number_the_context_has():
    refused(toml(rule(limit_from="visit_frequency")), "TEST-CIN", "limit_from", "'visit_frequency'")
    # `unborn` is true or false: the engine would read true as a limit of 1 working day.
    refused(toml(rule(limit_from="unborn")), "TEST-CIN", "limit_from", "not a number")


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"limit": 20, "unit": "working_days", "warn_days": [20]}, "20 working days"),
        ({"limit": 1, "unit": "working_days", "warn_days": [0, 3]}, "1 working day"),
        ({"limit": 7, "unit": "days", "warn_days": [8]}, "7 days"),
        ({"limit": 8, "unit": "days", "counting": "beginning_with", "warn_days": [7]}, "as short as 7 days"),
        ({"limit": 4, "unit": "weeks", "warn_days": [30]}, "as short as 28 days"),
        ({"limit": 3, "unit": "months", "warn_days": [90]}, "as short as 84 days"),
        ({"limit": 72, "unit": "hours", "warn_days": [80]}, "as short as 72 hours"),
    ],
)
def test_a_warning_before_the_clock_starts_is_refused(overrides, fragment):
    refused(toml(rule(**overrides)), "TEST-CIN", "warn_days", "after the clock starts", fragment)


def test_warnings_inside_the_limit_are_accepted():
    assert parse_rules(toml(rule(limit=1, warn_days=[0])))
    assert parse_rules(toml(rule(limit=4, unit="weeks", warn_days=[27, 7])))
    assert parse_rules(toml(rule(limit=3, unit="months", warn_days=[83])))


def test_a_negative_warning_is_refused():
    refused(toml(rule(warn_days=[-1])), "TEST-CIN", "warn_days", "negative")


@pytest.mark.parametrize(
    ("points", "fragment"),
    [
        ([15, 5], "head of service cannot be told before the team manager"),
        ([5], "give two numbers"),
        ([1, 2, 3], "give two numbers"),
        ([-2, 5], "negative"),
    ],
)
def test_escalation_points_in_the_wrong_order_or_shape_are_refused(points, fragment):
    refused(toml(rule(escalate_after_days=points)), "TEST-CIN", "escalate_after_days", fragment)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("limit", "ten"),
        ("limit", 10.5),
        ("limit", True),
        ("configurable", "yes"),
        ("warn_days", ["five"]),
        ("warn_days", 5),
        ("supersedes", [1]),
        ("applies_to", ["age_years"]),
        ("name", 7),
    ],
)
def test_a_value_of_the_wrong_type_is_refused(field, value):
    refused(toml(rule(**{field: value})), "TEST-CIN", field, "should be")


def test_a_limit_of_nothing_is_refused():
    refused(toml(rule(limit=0)), "TEST-CIN", "limit", "at least 1")
    refused(toml(rule(start_occurrence=0)), "TEST-CIN", "start_occurrence", "at least 1")


def test_a_count_rule_needs_a_threshold():
    refused(
        toml(
            rule(
                kind="count",
                start_event="social_worker_changed",
                end_event=None,
                limit=12,
                unit="months",
                warn_days=None,
            )
        ),
        "TEST-CIN",
        "threshold",
    )


def test_an_hours_rule_counts_from_the_moment_it_starts():
    refused(
        toml(
            rule(
                start_event="police_protection_started",
                end_event="police_protection_ended",
                recurring=False,
                limit=72,
                unit="hours",
                counting="beginning_with",
                warn_days=[24],
            )
        ),
        "TEST-CIN",
        "counting",
        "clock hours",
    )


def test_every_problem_in_the_file_is_listed_at_once():
    with pytest.raises(RuleFileError) as caught:
        parse_rules(toml(rule(source=""), rule(id="TEST-TWO", end_event="cin_plan_ended", unit="fortnights")))
    found = {(p.rule, p.field) for p in caught.value.problems}
    assert {("TEST-CIN", "source"), ("TEST-TWO", "unit")} <= found


def test_a_file_that_cannot_be_read_is_refused(tmp_path: Path):
    with pytest.raises(RuleFileError, match="could not be read"):
        read_rules_file(tmp_path / "missing.toml")
    (tmp_path / "latin1.toml").write_bytes(b'[[rule]]\nname = "caf\xe9"\n')
    with pytest.raises(RuleFileError, match="could not be read"):
        read_rules_file(tmp_path / "latin1.toml")
