"""Changing the rules and the calendar: loading the shipped rules, loading a rules file all or
nothing, an authority's change to a configurable rule, and closure days. Each change is recorded
(who, when, old and new, why or from which file) and, once committed, moves the children's clocks.

The clocks here are a child in need plan started on Monday 5 January 2026, "today" Wednesday
7 January 2026. CIN-VISIT (20 working days, local practice) is then due on Monday 2 February:
6-9 January (4), 12-16 (9), 19-23 (14), 26-30 (19), 2 February (20).
"""

import re
from datetime import date, datetime, time
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Role
from carepath.journey import services as js
from carepath.timescales import services as ts
from carepath.timescales.models import CalendarChange, ClosureDay, Deadline, Rule, RuleChange
from carepath.timescales.rulebook import DEFAULT_RULES_FILE, RuleFileError, default_rules
from tests import factories as f
from tests.journey.helpers import Journey

pytestmark = pytest.mark.django_db

PLAN_STARTED = date(2026, 1, 5)
TODAY = date(2026, 1, 7)
NOW = timezone.make_aware(datetime.combine(TODAY, time(12)))
SHIPPED = default_rules()


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def director():
    return f.UserFactory(role=Role.DIRECTOR)


@pytest.fixture
def caseworker(team):
    return f.UserFactory(team=team)


@pytest.fixture
def cin_child(caseworker):
    """A child on a child in need plan from Monday 5 January 2026, recorded through the services
    (which refresh the child's clocks as they save)."""
    child = f.ChildFactory(date_of_birth=date(2018, 5, 1))
    f.allocate(child, caseworker, started_on=date(2025, 1, 2))
    referral = Journey(caseworker, child).referral(on=PLAN_STARTED)
    js.cin_plan_start(actor=caseworker, referral=referral, start_date=PLAN_STARTED)
    return child


def cin_visit_due(child) -> date:
    return Deadline.objects.get(child=child, rule_id="CIN-VISIT").due_on


def rules_as_stored() -> dict[str, dict]:
    """Every rule in force, every column (version and updated_at included)."""
    return {row["rule_id"]: row for row in Rule.objects.values()}


def _toml_value(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f'"{value}"' if isinstance(value, str) else str(value)


def shipped_text_with(changes: dict[str, dict], *, only: bool = False, extra: str = "") -> str:
    """The shipped rules file with fields of some rules rewritten (`only`: just those rules)."""
    head, *blocks = DEFAULT_RULES_FILE.read_text(encoding="utf-8").split("[[rule]]\n")
    out = []
    for block in blocks:
        rule_id = re.search(r'^id = "([^"]+)"', block, re.MULTILINE).group(1)
        if rule_id in changes:
            for name, value in changes[rule_id].items():
                line = f"{name} = {_toml_value(value)}"
                block, n = re.subn(rf"^{name} = .*$", line, block, count=1, flags=re.MULTILINE)
                if not n:
                    block = f"{block.rstrip()}\n{line}\n\n"
        if not only or rule_id in changes:
            out.append(block)
    return "\n".join(["", *[f"[[rule]]\n{b}" for b in out], extra])


def write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the shipped rules ---------------------------------------------------------------------------


def test_the_shipped_rules_are_loaded_once_and_recorded_as_added():
    # The migration loads them into every new database; start from an empty table as an older
    # installation would have.
    RuleChange.objects.all().delete()
    Rule.objects.all().delete()
    assert ts.rules_ensure_loaded() == len(SHIPPED)
    assert sorted(Rule.objects.values_list("rule_id", flat=True)) == sorted(s.id for s in SHIPPED)
    added = RuleChange.objects.filter(field="(added)")
    assert added.count() == len(SHIPPED)
    assert set(added.values_list("origin", flat=True)) == {"shipped rules"}
    icpc = added.get(rule__rule_id="ICPC-15")
    assert icpc.old_value is None
    assert icpc.new_value["limit"] == 15 and icpc.new_value["unit"] == "working_days"
    assert Rule.objects.get(rule_id="ICPC-15").to_spec() == next(s for s in SHIPPED if s.id == "ICPC-15")

    before = rules_as_stored()
    assert ts.rules_ensure_loaded() == 0
    assert rules_as_stored() == before
    assert RuleChange.objects.count() == len(SHIPPED)


def test_loading_the_shipped_rules_again_keeps_the_authority_s_changes(director):
    ts.rules_ensure_loaded()
    cin = Rule.objects.get(rule_id="CIN-VISIT")
    ts.rule_change(actor=director, rule=cin, expected_version=cin.version, reason="Fortnightly", limit=10)
    Rule.objects.filter(rule_id="GATEWAY").delete()  # a rule a new release brings
    assert ts.rules_ensure_loaded() == 1
    assert Rule.objects.get(rule_id="CIN-VISIT").limit == 10
    assert Rule.objects.filter(rule_id="GATEWAY").exists()


# -- loading a rules file ------------------------------------------------------------------------


def test_a_valid_file_changes_only_what_differs_and_records_it(
    tmp_path, director, django_capture_on_commit_callbacks
):
    ts.rules_ensure_loaded()
    before = rules_as_stored()
    extra = """
[[rule]]
id = "TEST-NEW"
name = "Contact decision recorded within 2 working days for unborn children"
group = "Front door"
kind = "deadline"
start_event = "contact_received"
end_event = "contact_decided"
limit = 2
unit = "working_days"
applies_to = { unborn = true }
supersedes = ["CONTACT-DECISION"]
source = "Local practice: test"
confidence = "L"
configurable = true
"""
    path = write(tmp_path, shipped_text_with({"CIN-VISIT": {"limit": 15, "warn_days": [4, 2]}}, extra=extra))
    with django_capture_on_commit_callbacks() as callbacks:
        result = ts.rules_load_file(path=path, actor=director)

    assert result.added == ["TEST-NEW"]
    assert result.changed == {"CIN-VISIT": ["limit", "warn_days"]}
    assert result.unchanged == len(SHIPPED) - 1
    assert len(callbacks) == 1, "the clocks are recomputed once the load commits"

    after = rules_as_stored()
    assert after["CIN-VISIT"]["limit"] == 15 and after["CIN-VISIT"]["warn_days"] == [4, 2]
    assert after["CIN-VISIT"]["version"] == before["CIN-VISIT"]["version"] + 1
    assert {k: v for k, v in after.items() if k not in ("CIN-VISIT", "TEST-NEW")} == {
        k: v for k, v in before.items() if k != "CIN-VISIT"
    }

    changes = {
        c.field: c for c in RuleChange.objects.filter(rule__rule_id="CIN-VISIT").exclude(field="(added)")
    }
    assert set(changes) == {"limit", "warn_days"}
    assert (changes["limit"].old_value, changes["limit"].new_value) == (20, 15)
    assert (changes["warn_days"].old_value, changes["warn_days"].new_value) == ([5], [4, 2])
    for change in changes.values():
        assert change.origin == str(path)
        assert change.changed_by == director
        assert change.changed_at == NOW
    added = RuleChange.objects.get(rule__rule_id="TEST-NEW")
    assert (added.field, added.origin, added.new_value["limit"]) == ("(added)", str(path), 2)


def test_loading_the_same_file_twice_changes_nothing_the_second_time(tmp_path):
    ts.rules_ensure_loaded()
    path = write(tmp_path, shipped_text_with({"CIN-VISIT": {"limit": 15}}))
    assert ts.rules_load_file(path=path, recompute=False).changed == {"CIN-VISIT": ["limit"]}
    before, logged = rules_as_stored(), RuleChange.objects.count()
    again = ts.rules_load_file(path=path, recompute=False)
    assert (again.added, again.changed, again.unchanged) == ([], {}, len(SHIPPED))
    assert rules_as_stored() == before
    assert RuleChange.objects.count() == logged


def test_rules_a_file_does_not_mention_stay_as_they_are(tmp_path):
    ts.rules_ensure_loaded()
    before = rules_as_stored()
    path = write(tmp_path, shipped_text_with({"CIN-VISIT": {"limit": 15}}, only=True))
    ts.rules_load_file(path=path, recompute=False)
    after = rules_as_stored()
    assert set(after) == set(before)
    assert after["CIN-VISIT"]["limit"] == 15
    assert {k: v for k, v in after.items() if k != "CIN-VISIT"} == {
        k: v for k, v in before.items() if k != "CIN-VISIT"
    }


def test_a_loaded_file_moves_the_children_s_clocks_once_committed(
    tmp_path, cin_child, django_capture_on_commit_callbacks
):
    assert cin_visit_due(cin_child) == date(2026, 2, 2)
    path = write(tmp_path, shipped_text_with({"CIN-VISIT": {"limit": 15}}))
    with django_capture_on_commit_callbacks(execute=True):
        ts.rules_load_file(path=path)
    # 15 working days after Monday 5 January 2026: Monday 26 January.
    assert cin_visit_due(cin_child) == date(2026, 1, 26)


@pytest.mark.parametrize(
    ("text", "rule_id", "field"),
    [
        # One good change and one rule with no source: the good change is not applied either.
        (
            shipped_text_with({"CIN-VISIT": {"limit": 15}, "CORE-N": {"source": ""}}),
            "CORE-N",
            "source",
        ),
        (
            shipped_text_with({"CIN-VISIT": {"limit": 15}, "EPO": {"configurable": False}}),
            "EPO",
            "configurable",
        ),
        (shipped_text_with({"CIN-VISIT": {"limit": 15}, "CORE-1": {"unit": "fortnights"}}), "CORE-1", "unit"),
        (shipped_text_with({"CIN-VISIT": {"limit": "fifteen"}}), "CIN-VISIT", "limit"),
        (shipped_text_with({"CIN-VISIT": {"limit": 15}}) + "\n[[rule]\n", "(file)", "(syntax)"),
    ],
)
def test_an_invalid_file_leaves_every_rule_in_force_as_it_was(tmp_path, director, text, rule_id, field):
    ts.rules_ensure_loaded()
    before, logged = rules_as_stored(), RuleChange.objects.count()
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        ts.rules_load_file(path=path, actor=director)
    assert f"Rule {rule_id}, field '{field}'" in str(caught.value)
    assert "the rules in force are unchanged" in str(caught.value)
    assert rules_as_stored() == before
    assert RuleChange.objects.count() == logged


def test_a_file_that_contradicts_a_rule_in_force_is_refused(tmp_path):
    # A file of one new rule, sound on its own, timing the same thing as CIN-VISIT in force.
    ts.rules_ensure_loaded()
    before = rules_as_stored()
    text = shipped_text_with({"CIN-VISIT": {}}, only=True).replace('"CIN-VISIT"', '"TEST-CIN-10"')
    text = text.replace("limit = 20", "limit = 10")
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError) as caught:
        ts.rules_load_file(path=path)
    assert "field 'start_event'" in str(caught.value)
    assert "CIN-VISIT" in str(caught.value) and "TEST-CIN-10" in str(caught.value)
    assert rules_as_stored() == before


def test_a_missing_file_is_refused(tmp_path):
    ts.rules_ensure_loaded()
    before = rules_as_stored()
    with pytest.raises(RuleFileError, match="could not be read"):
        ts.rules_load_file(path=tmp_path / "nowhere.toml")
    assert rules_as_stored() == before


# -- an authority's change on the rules page -----------------------------------------------------


@pytest.fixture
def cin_rule():
    ts.rules_ensure_loaded()
    return Rule.objects.get(rule_id="CIN-VISIT")


def nothing_changed(before: dict, logged: int) -> None:
    assert rules_as_stored() == before
    assert RuleChange.objects.count() == logged


def test_a_rule_set_in_law_cannot_be_changed(director):
    ts.rules_ensure_loaded()
    icpc = Rule.objects.get(rule_id="ICPC-15")
    before, logged = rules_as_stored(), RuleChange.objects.count()
    with pytest.raises(ValidationError, match="ICPC-15"):
        ts.rule_change(actor=director, rule=icpc, expected_version=icpc.version, reason="Faster", limit=10)
    nothing_changed(before, logged)


@pytest.mark.parametrize(
    "role", [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE, Role.PERFORMANCE_ANALYST]
)
def test_only_people_who_manage_timescales_may_change_a_rule(cin_rule, role):
    before, logged = rules_as_stored(), RuleChange.objects.count()
    with pytest.raises(PermissionDenied):
        ts.rule_change(
            actor=f.UserFactory(role=role),
            rule=cin_rule,
            expected_version=cin_rule.version,
            reason="x",
            limit=10,
        )
    nothing_changed(before, logged)


def test_a_director_who_has_left_cannot_change_a_rule(cin_rule):
    gone = f.UserFactory(role=Role.DIRECTOR, is_active=False)
    with pytest.raises(PermissionDenied):
        ts.rule_change(actor=gone, rule=cin_rule, expected_version=cin_rule.version, reason="x", limit=10)
    assert Rule.objects.get(rule_id="CIN-VISIT").limit == 20


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_change_needs_a_reason(cin_rule, director, reason):
    before, logged = rules_as_stored(), RuleChange.objects.count()
    with pytest.raises(ValidationError) as caught:
        ts.rule_change(
            actor=director, rule=cin_rule, expected_version=cin_rule.version, reason=reason, limit=10
        )
    assert "reason" in caught.value.message_dict
    nothing_changed(before, logged)


def test_only_the_changeable_fields_can_be_changed(cin_rule, director):
    before, logged = rules_as_stored(), RuleChange.objects.count()
    with pytest.raises(ValueError, match="unit"):
        ts.rule_change(
            actor=director, rule=cin_rule, expected_version=cin_rule.version, reason="Weeks", unit="weeks"
        )
    nothing_changed(before, logged)


def test_a_change_that_makes_the_rule_unsound_is_refused_naming_the_field(cin_rule, director):
    # Three working days, with a warning five days before the due date: before the clock starts.
    before, logged = rules_as_stored(), RuleChange.objects.count()
    with pytest.raises(ValidationError) as caught:
        ts.rule_change(
            actor=director, rule=cin_rule, expected_version=cin_rule.version, reason="Tight", limit=3
        )
    assert "warn_days" in caught.value.message_dict
    nothing_changed(before, logged)


def test_a_change_on_a_stale_page_is_refused(cin_rule, director):
    other = f.UserFactory(role=Role.SYSTEM_ADMINISTRATOR)
    opened_at = cin_rule.version
    ts.rule_change(actor=other, rule=cin_rule, expected_version=opened_at, reason="Every 15", limit=15)
    before, logged = rules_as_stored(), RuleChange.objects.count()
    with pytest.raises(EditConflict):
        ts.rule_change(actor=director, rule=cin_rule, expected_version=opened_at, reason="Every 10", limit=10)
    nothing_changed(before, logged)
    assert Rule.objects.get(rule_id="CIN-VISIT").limit == 15


def test_a_change_to_the_same_values_records_nothing(cin_rule, director):
    before, logged = rules_as_stored(), RuleChange.objects.count()
    same = ts.rule_change(
        actor=director, rule=cin_rule, expected_version=cin_rule.version, reason="x", limit=20
    )
    assert same.version == cin_rule.version
    nothing_changed(before, logged)


def test_a_change_is_recorded_and_moves_the_clocks_once_committed(
    cin_child, director, django_capture_on_commit_callbacks
):
    assert cin_visit_due(cin_child) == date(2026, 2, 2)
    rule = Rule.objects.get(rule_id="CIN-VISIT")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = ts.rule_change(
            actor=director,
            rule=rule,
            expected_version=rule.version,
            reason="Children in need seen fortnightly (Cabinet decision)",
            limit=10,
            warn_days=[3],
        )
    assert len(callbacks) == 1
    assert changed.version == rule.version + 1
    assert (changed.limit, changed.warn_days) == (10, [3])

    log = {c.field: c for c in RuleChange.objects.filter(rule=rule).exclude(field="(added)")}
    assert set(log) == {"limit", "warn_days"}
    assert (log["limit"].old_value, log["limit"].new_value) == (20, 10)
    assert (log["warn_days"].old_value, log["warn_days"].new_value) == ([5], [3])
    for entry in log.values():
        assert entry.changed_by == director
        assert entry.changed_at == NOW
        assert entry.reason == "Children in need seen fortnightly (Cabinet decision)"
        assert entry.origin == "rules page"

    # 10 working days after Monday 5 January 2026: 6-9 (4), 12-16 (9), Monday 19 January.
    assert cin_visit_due(cin_child) == date(2026, 1, 19)
    assert "10 working days" in Deadline.objects.get(child=cin_child, rule_id="CIN-VISIT").why


def test_a_change_is_not_applied_to_the_clocks_before_it_commits(cin_child, director):
    rule = Rule.objects.get(rule_id="CIN-VISIT")
    ts.rule_change(actor=director, rule=rule, expected_version=rule.version, reason="Fortnightly", limit=10)
    # The test's transaction never commits, so the recompute has not run.
    assert cin_visit_due(cin_child) == date(2026, 2, 2)


def test_a_plan_s_own_visiting_frequency_replaces_the_rule_s_limit(
    caseworker, director, django_capture_on_commit_callbacks
):
    # CP-VISIT takes its limit from the plan where the plan sets one (limit_from); the plan
    # recorded here says every 10 working days, so changing the rule's fallback to 5 leaves it.
    child = f.ChildFactory(date_of_birth=date(2018, 5, 1))
    f.allocate(child, caseworker, started_on=date(2025, 1, 2))
    journey = Journey(caseworker, child)
    referral = journey.referral(on=date(2025, 12, 1))
    journey.cp_plan(referral, on=PLAN_STARTED, visit_frequency_working_days=7)
    # 7 working days after Monday 5 January 2026: Wednesday 14 January.
    assert Deadline.objects.get(child=child, rule_id="CP-VISIT").due_on == date(2026, 1, 14)
    rule = Rule.objects.get(rule_id="CP-VISIT")
    with django_capture_on_commit_callbacks(execute=True):
        ts.rule_change(actor=director, rule=rule, expected_version=rule.version, reason="Weekly", limit=5)
    assert Deadline.objects.get(child=child, rule_id="CP-VISIT").due_on == date(2026, 1, 14)


def test_changing_cp_visit_moves_a_plan_that_kept_the_usual_frequency(
    caseworker, director, django_capture_on_commit_callbacks
):
    child = f.ChildFactory(date_of_birth=date(2018, 5, 1))
    f.allocate(child, caseworker, started_on=date(2025, 1, 2))
    journey = Journey(caseworker, child)
    journey.cp_plan(journey.referral(on=date(2025, 12, 1)), on=PLAN_STARTED)  # no frequency given
    # 10 working days after Monday 5 January 2026: Monday 19 January.
    assert Deadline.objects.get(child=child, rule_id="CP-VISIT").due_on == date(2026, 1, 19)
    rule = Rule.objects.get(rule_id="CP-VISIT")
    with django_capture_on_commit_callbacks(execute=True):
        ts.rule_change(actor=director, rule=rule, expected_version=rule.version, reason="Weekly", limit=5)
    # 5 working days after Monday 5 January 2026: Monday 12 January.
    assert Deadline.objects.get(child=child, rule_id="CP-VISIT").due_on == date(2026, 1, 12)


# -- closure days --------------------------------------------------------------------------------


def test_a_closure_day_moves_a_working_days_clock_that_spans_it(
    cin_child, director, django_capture_on_commit_callbacks
):
    assert cin_visit_due(cin_child) == date(2026, 2, 2)
    with django_capture_on_commit_callbacks(execute=True):
        closure = ts.closure_day_add(actor=director, day=date(2026, 1, 14), reason="Staff training day")
    assert cin_visit_due(cin_child) == date(2026, 2, 3)  # one working day later
    change = CalendarChange.objects.get()
    assert (change.day, change.action, change.changed_by, change.reason) == (
        date(2026, 1, 14),
        CalendarChange.Action.ADDED,
        director,
        "Staff training day",
    )
    assert not ts.calendar_in_force().is_working_day(date(2026, 1, 14))

    with django_capture_on_commit_callbacks(execute=True):
        ts.closure_day_remove(actor=director, closure=closure, reason="Training moved online")
    assert cin_visit_due(cin_child) == date(2026, 2, 2)
    assert not ClosureDay.objects.exists()
    assert CalendarChange.objects.filter(action=CalendarChange.Action.REMOVED).count() == 1


def test_a_closure_day_after_the_due_date_does_not_move_it(
    cin_child, director, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ts.closure_day_add(actor=director, day=date(2026, 2, 10), reason="Office move")
    assert cin_visit_due(cin_child) == date(2026, 2, 2)


@pytest.mark.parametrize(
    ("day", "reason", "field"),
    [
        (date(2026, 1, 10), "Saturday", "day"),  # already not a working day
        (date(2026, 12, 28), "Substitute bank holiday", "day"),
        (date(2026, 1, 14), "  ", "reason"),
    ],
)
def test_a_closure_day_that_is_not_needed_or_has_no_reason_is_refused(director, day, reason, field):
    with pytest.raises(ValidationError) as caught:
        ts.closure_day_add(actor=director, day=day, reason=reason)
    assert field in caught.value.message_dict
    assert not ClosureDay.objects.exists() and not CalendarChange.objects.exists()


def test_a_closure_day_cannot_be_added_twice_or_by_a_social_worker(director, caseworker):
    ts.closure_day_add(actor=director, day=date(2026, 12, 29), reason="Christmas closure")
    with pytest.raises(ValidationError, match="already a closure day"):
        ts.closure_day_add(actor=director, day=date(2026, 12, 29), reason="Again")
    with pytest.raises(PermissionDenied):
        ts.closure_day_add(actor=caseworker, day=date(2026, 12, 30), reason="Christmas closure")
    assert list(ClosureDay.objects.values_list("day", flat=True)) == [date(2026, 12, 29)]


def test_a_closures_file_is_loaded_and_recorded(
    tmp_path, director, cin_child, django_capture_on_commit_callbacks
):
    path = write(
        tmp_path,
        "date,reason\n2026-01-14,Staff training day\n\n2026-12-29,Christmas closure\n",
        "closures.csv",
    )
    with django_capture_on_commit_callbacks(execute=True):
        added = ts.closures_load_file(path=path, actor=director)
    assert added == [date(2026, 1, 14), date(2026, 12, 29)]
    assert list(ClosureDay.objects.values_list("day", "reason")) == [
        (date(2026, 1, 14), "Staff training day"),
        (date(2026, 12, 29), "Christmas closure"),
    ]
    assert set(CalendarChange.objects.values_list("origin", flat=True)) == {str(path)}
    assert cin_visit_due(cin_child) == date(2026, 2, 3)


@pytest.mark.parametrize(
    ("bad_row", "field", "fragment"),
    [
        ("2026-13-01,Staff training day", "date", "not a date"),
        ("29/12/2026,Christmas closure", "date", "not a date"),
        ("2026-12-26,Boxing Day", "date", "weekend or bank holiday"),
        ("2026-01-14,", "reason", "empty"),
        ("2026-01-14,Training,extra", "(row)", "two cells"),
        ("2026-01-15,Second training day", "date", "already a closure day"),  # in force already
        ("2026-03-02,Office move", "date", "already a closure day"),  # twice in the file
    ],
)
def test_a_closures_file_with_a_bad_row_is_refused_naming_the_row(
    tmp_path, director, bad_row, field, fragment
):
    ts.closure_day_add(actor=director, day=date(2026, 1, 15), reason="Training")
    before = list(ClosureDay.objects.values_list("day", flat=True))
    changes = CalendarChange.objects.count()
    path = write(
        tmp_path, f"date,reason\n2026-03-02,Office move\n{bad_row}\n2026-12-29,Closure\n", "closures.csv"
    )
    with pytest.raises(RuleFileError) as caught:
        ts.closures_load_file(path=path, actor=director)
    assert "row 3" in str(caught.value) and f"field '{field}'" in str(caught.value)
    assert any(
        p.rule == "row 3" and p.field == field and fragment in p.message for p in caught.value.problems
    )
    assert list(ClosureDay.objects.values_list("day", flat=True)) == before
    assert CalendarChange.objects.count() == changes


def test_a_refused_closures_file_says_the_calendar_is_unchanged(tmp_path, director):
    path = write(tmp_path, "date,reason\n2026-13-01,Training\n", "closures.csv")
    with pytest.raises(RuleFileError) as caught:
        ts.closures_load_file(path=path, actor=director)
    message = str(caught.value).replace(str(path), "the file")
    assert "rules" not in message.lower()
    assert "calendar" in message.lower() or "closure days" in message.lower()


def test_a_new_database_starts_with_the_shipped_rules():
    """The migration loads them, so the first save in a new installation needs no file read."""
    assert sorted(Rule.objects.values_list("rule_id", flat=True)) == sorted(s.id for s in SHIPPED)
    assert ts.rules_ensure_loaded() == 0
