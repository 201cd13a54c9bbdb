"""The rules table as data: reading and checking a rules file.

A rules file (TOML, see data/rules.toml) is checked as a whole before anything changes: a rule
that is malformed, contradicts another or cites no source is refused with a message naming the
rule and the field, and the rules in force stay as they were.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from carepath.core.calendar import Counting, Unit, describe_limit

from .events import CONTEXTS, EVENTS, is_recorded

DEFAULT_RULES_FILE = Path(__file__).parent / "data" / "rules.toml"


class Kind:
    DEADLINE = "deadline"  # something must happen by a date
    DRIFT = "drift"  # a state has lasted too long
    COUNT = "count"  # too many events in a window
    FLAG = "flag"  # a situation that needs attention as soon as it exists

    ALL = (DEADLINE, DRIFT, COUNT, FLAG)


class Confidence:
    PRIMARY = "P"
    SECONDARY = "S"
    KNOWLEDGE = "K"
    LOCAL = "L"

    ALL = (PRIMARY, SECONDARY, KNOWLEDGE, LOCAL)
    LABELS = {
        PRIMARY: "Primary text read",
        SECONDARY: "Secondary sources",
        KNOWLEDGE: "Domain knowledge: to verify",
        LOCAL: "Local practice",
    }
    MUST_BE_CONFIGURABLE = (KNOWLEDGE, LOCAL)


SEVERITIES = ("high", "medium", "low")

# The fields an authority may change on a configurable rule, through the rules page.
CHANGEABLE = ("limit", "warn_days", "escalate_after_days", "threshold", "enabled")


@dataclass
class RuleSpec:
    id: str
    name: str
    group: str
    kind: str
    start_event: str
    source: str
    confidence: str
    configurable: bool
    severity: str = "medium"
    end_event: str = ""
    start_occurrence: int = 1
    recurring: bool = False
    limit: int = 0
    unit: str = Unit.DAYS
    counting: str = Counting.AFTER
    public_holiday_extends: bool = False
    applies_to: dict = field(default_factory=dict)
    limit_from: str = ""
    supersedes: list[str] = field(default_factory=list)
    warn_days: list[int] = field(default_factory=list)
    escalate_after_days: list[int] = field(default_factory=list)
    threshold: int = 0
    late_reason_required: bool = False
    enabled: bool = True
    notes: str = ""

    @property
    def context(self) -> str:
        return EVENTS[self.start_event].context

    @property
    def evaluated(self) -> bool:
        """Whether carepath holds the records this rule needs."""
        return is_recorded(self.start_event) and (not self.end_event or is_recorded(self.end_event))

    def as_dict(self) -> dict:
        return asdict(self)


FIELD_TYPES = {f.name: f.type for f in fields(RuleSpec)}
REQUIRED = ("id", "name", "group", "kind", "start_event", "source", "confidence", "configurable")


@dataclass(frozen=True)
class RuleProblem:
    rule: str
    field: str
    message: str

    def __str__(self) -> str:
        # Calendar files have rows, not rules.
        label = self.rule if self.rule.startswith("row ") else f"Rule {self.rule}"
        return f"{label}, field '{self.field}': {self.message}"


class RuleFileError(ValueError):
    def __init__(
        self,
        problems: list[RuleProblem],
        where: str = "the rules file",
        unchanged: str = "the rules in force are",
    ):
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{where} was refused; {unchanged} unchanged.\n{lines}")


_TYPES = {"str": str, "int": int, "bool": bool, "list[str]": list, "list[int]": list, "dict": dict}


def _check_types(raw: dict, rule_id: str) -> list[RuleProblem]:
    problems = []
    for name, value in raw.items():
        if name not in FIELD_TYPES:
            problems.append(RuleProblem(rule_id, name, "is not a field a rule can have"))
            continue
        expected = _TYPES[FIELD_TYPES[name]]
        # bool is an int in Python; a limit of `true` is still wrong.
        if (
            not isinstance(value, expected)
            or (expected is int and isinstance(value, bool))
            or FIELD_TYPES[name].startswith("list[")
            and not all(
                isinstance(v, str if FIELD_TYPES[name] == "list[str]" else int) and not isinstance(v, bool)
                for v in value
            )
        ):
            problems.append(RuleProblem(rule_id, name, f"should be {FIELD_TYPES[name]}, not {value!r}"))
    return problems


def _check_applies_to(rule: RuleSpec) -> list[RuleProblem]:
    problems = []
    attributes = dict(CONTEXTS[rule.context].attributes)
    for key, value in rule.applies_to.items():
        name = key.removeprefix("min_").removeprefix("max_")
        kind = attributes.get(name)
        if kind is None:
            known = ", ".join(sorted(attributes)) or "none"
            problems.append(
                RuleProblem(
                    rule.id, "applies_to", f"'{key}' is not something a {rule.context} has (known: {known})"
                )
            )
        elif key != name and kind != "number":
            problems.append(
                RuleProblem(rule.id, "applies_to", f"'{key}': only numbers have a minimum or maximum")
            )
        elif key != name and (not isinstance(value, int) or isinstance(value, bool)):
            problems.append(RuleProblem(rule.id, "applies_to", f"'{key}' should be a whole number"))
        elif key == name and kind == "bool" and not isinstance(value, bool):
            problems.append(RuleProblem(rule.id, "applies_to", f"'{key}' should be true or false"))
        elif (
            key == name
            and kind == "codes"
            and not (isinstance(value, list) and value and all(isinstance(v, str) for v in value))
        ):
            problems.append(RuleProblem(rule.id, "applies_to", f"'{key}' should be a list of codes"))
        elif key == name and kind == "number":
            problems.append(
                RuleProblem(rule.id, "applies_to", f"'{key}' is a number: use min_{key} or max_{key}")
            )
    return problems


def _shortest(rule: RuleSpec) -> int | None:
    """The fewest calendar days (hours, for an hours rule) from a clock's start to its due date:
    a warning point that many or more before the due date would come before the clock starts."""
    if rule.kind not in (Kind.DEADLINE, Kind.DRIFT) or rule.unit not in Unit.ALL or rule.limit < 1:
        return None
    if rule.unit == Unit.HOURS:
        return rule.limit
    # A working day is at least a calendar day; a month is at least 28 days.
    per = {Unit.WORKING_DAYS: 1, Unit.DAYS: 1, Unit.WEEKS: 7, Unit.MONTHS: 28}[rule.unit]
    return rule.limit * per - (1 if rule.counting == Counting.BEGINNING_WITH else 0)


def check_rule(rule: RuleSpec) -> list[RuleProblem]:
    """Problems with one rule on its own."""
    p = []

    def bad(field_name: str, message: str) -> None:
        p.append(RuleProblem(rule.id, field_name, message))

    if not rule.source.strip():
        bad("source", "cites no source; every timescale must say where it comes from")
    if rule.confidence not in Confidence.ALL:
        bad("confidence", f"must be one of {', '.join(Confidence.ALL)}")
    elif rule.confidence in Confidence.MUST_BE_CONFIGURABLE and not rule.configurable:
        bad("configurable", f"a [{rule.confidence}] rule must be configurable by the authority")
    if rule.kind not in Kind.ALL:
        bad("kind", f"must be one of {', '.join(Kind.ALL)}")
    if rule.severity not in SEVERITIES:
        bad("severity", f"must be one of {', '.join(SEVERITIES)}")
    if rule.start_event not in EVENTS:
        bad("start_event", f"'{rule.start_event}' is not an event carepath knows")
        return p
    needs_end = rule.kind in (Kind.DEADLINE, Kind.DRIFT)
    if needs_end:
        if rule.end_event not in EVENTS:
            bad("end_event", f"'{rule.end_event}' is not an event carepath knows")
        elif EVENTS[rule.end_event].context != rule.context:
            bad(
                "end_event",
                f"'{rule.end_event}' belongs to {EVENTS[rule.end_event].context}, but the start event belongs to {rule.context}",
            )
    elif rule.end_event:
        bad("end_event", f"a {rule.kind} rule has no end event")
    if rule.kind != Kind.FLAG:
        if rule.unit not in Unit.ALL:
            bad("unit", f"must be one of {', '.join(Unit.ALL)}")
        if rule.limit < 1:
            bad("limit", "must be at least 1")
    if rule.counting not in Counting.ALL:
        bad("counting", f"must be one of {', '.join(Counting.ALL)}")
    if rule.start_occurrence < 1:
        bad("start_occurrence", "must be at least 1")
    if rule.kind == Kind.COUNT and rule.threshold < 1:
        bad("threshold", "a count rule needs a threshold of at least 1")
    if rule.limit_from:
        kind_of = dict(CONTEXTS[rule.context].attributes).get(rule.limit_from)
        if kind_of is None:
            bad("limit_from", f"'{rule.limit_from}' is not something a {rule.context} has")
        elif kind_of != "number":
            # The engine would take true as a limit of 1.
            bad("limit_from", f"'{rule.limit_from}' is not a number, so it cannot replace the limit")
    if any(w < 0 for w in rule.warn_days):
        bad("warn_days", "warning points cannot be negative")
    shortest = _shortest(rule)
    if shortest is not None and any(w > 0 and w >= shortest for w in rule.warn_days):
        shortest_as = describe_limit(shortest, Unit.HOURS if rule.unit == Unit.HOURS else Unit.DAYS)
        bad(
            "warn_days",
            f"a warning point must come after the clock starts ({describe_limit(rule.limit, rule.unit)}"
            f" can be as short as {shortest_as})",
        )
    if rule.escalate_after_days:
        if len(rule.escalate_after_days) != 2:
            bad(
                "escalate_after_days",
                "give two numbers: days overdue before the team manager, then the head of service",
            )
        elif rule.escalate_after_days[0] > rule.escalate_after_days[1]:
            bad("escalate_after_days", "the head of service cannot be told before the team manager")
        elif min(rule.escalate_after_days) < 0:
            bad("escalate_after_days", "days overdue cannot be negative")
    if rule.unit == Unit.HOURS and rule.counting != Counting.AFTER:
        bad("counting", "an hours rule counts clock hours from the moment it starts")
    p.extend(_check_applies_to(rule))
    return p


def check_rules(rules: list[RuleSpec]) -> list[RuleProblem]:
    """Problems with each rule, and between rules."""
    problems = []
    seen: dict[str, RuleSpec] = {}
    for rule in rules:
        if rule.id in seen:
            problems.append(RuleProblem(rule.id, "id", "appears twice"))
        seen[rule.id] = rule
        problems.extend(check_rule(rule))
    clocks: dict[tuple, list[RuleSpec]] = {}
    for rule in rules:
        for other in rule.supersedes:
            if other not in seen:
                problems.append(RuleProblem(rule.id, "supersedes", f"'{other}' is not a rule in this file"))
            elif other == rule.id:
                problems.append(RuleProblem(rule.id, "supersedes", "a rule cannot supersede itself"))
        # Two rules timing the same thing for the same children with different limits contradict
        # each other: which one is the law?
        shape = (
            rule.kind,
            rule.start_event,
            rule.start_occurrence,
            rule.end_event,
            rule.recurring,
            tuple(
                sorted(
                    (k, str(sorted(map(str, v)) if isinstance(v, list) else v))
                    for k, v in rule.applies_to.items()
                )
            ),
        )
        if not rule.enabled:
            continue
        clash = next(
            (
                other
                for other in clocks.get(shape, ())
                if other.id not in rule.supersedes and rule.id not in other.supersedes
            ),
            None,
        )
        if clash is not None:
            problems.append(
                RuleProblem(
                    rule.id,
                    "start_event",
                    f"times the same thing for the same children as rule {clash.id}; change one or say which it supersedes",
                )
            )
        else:
            clocks.setdefault(shape, []).append(rule)
    return problems


def spec_from_dict(raw: dict) -> tuple[RuleSpec | None, list[RuleProblem]]:
    rule_id = str(raw.get("id") or "(no id)")
    problems = [RuleProblem(rule_id, name, "is required") for name in REQUIRED if name not in raw]
    problems += _check_types(raw, rule_id)
    if problems:
        return None, problems
    return RuleSpec(**raw), []


def parse_rules(text: str, where: str = "the rules file") -> list[RuleSpec]:
    """Read and check a whole rules file; raise RuleFileError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleFileError(
            [RuleProblem("(file)", "(syntax)", f"is not valid TOML: {error}")], where
        ) from None
    unknown = set(data) - {"rule"}
    raw_rules = data.get("rule")
    if unknown or not isinstance(raw_rules, list) or not raw_rules:
        raise RuleFileError(
            [RuleProblem("(file)", "(layout)", "should be a list of [[rule]] tables and nothing else")], where
        )
    specs, problems = [], []
    for number, raw in enumerate(raw_rules, start=1):
        if not isinstance(raw, dict):
            problems.append(RuleProblem(f"(rule {number})", "(layout)", "should be a [[rule]] table"))
            continue
        spec, found = spec_from_dict(raw)
        problems.extend(found)
        if spec:
            specs.append(spec)
    problems.extend(check_rules(specs))
    if problems:
        raise RuleFileError(problems, where)
    return specs


def read_rules_file(path: Path) -> list[RuleSpec]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileError(
            [RuleProblem("(file)", "(file)", f"could not be read: {error}")], str(path)
        ) from None
    return parse_rules(text, where=str(path))


@lru_cache(maxsize=1)
def _default_rules() -> tuple[RuleSpec, ...]:
    return tuple(read_rules_file(DEFAULT_RULES_FILE))


def default_rules() -> list[RuleSpec]:
    """The shipped rules (read once per process; callers get their own copies)."""
    return [RuleSpec(**spec.as_dict()) for spec in _default_rules()]
