"""Writes for the timescales: refreshing clocks, changing rules and the calendar, and what people
record about deadlines (reasons, acknowledgements, reassignments) and escalations."""

from __future__ import annotations

import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from carepath.core.bulk import Sink
from carepath.core.calendar import Unit, WorkingCalendar, calendar_with
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Function, Role
from carepath.people.models import Child, User

from .engine import Clock, Engine, Status
from .history import load_histories, load_history
from .models import (
    Acknowledgement,
    CalendarChange,
    ClosureDay,
    Deadline,
    Escalation,
    LateReason,
    Reassignment,
    Rule,
    RuleChange,
)
from .rulebook import (
    CHANGEABLE,
    RuleFileError,
    RuleProblem,
    RuleSpec,
    check_rules,
    default_rules,
    read_rules_file,
)

# ---------------------------------------------------------------------------------------------
# The rules table
# ---------------------------------------------------------------------------------------------


def _rule_fields(spec: RuleSpec) -> dict:
    return {name: getattr(spec, name) for name in Rule.SPEC_FIELDS}


def rules_ensure_loaded() -> int:
    """Add any shipped rule the table does not have yet (a new installation, or a new release
    that brings rules). Rules already in the table, and the authority's changes to them, stay."""
    have = set(Rule.objects.values_list("rule_id", flat=True))
    missing = [spec for spec in default_rules() if spec.id not in have]
    if missing:
        with transaction.atomic():
            for spec in missing:
                rule = Rule.objects.create(rule_id=spec.id, **_rule_fields(spec))
                RuleChange.objects.create(
                    rule=rule,
                    field="(added)",
                    old_value=None,
                    new_value=spec.as_dict(),
                    origin="shipped rules",
                )
    return len(missing)


def rules_in_force() -> list[RuleSpec]:
    rules = [rule.to_spec() for rule in Rule.objects.all()]
    if not rules:
        rules_ensure_loaded()
        rules = [rule.to_spec() for rule in Rule.objects.all()]
    return rules


@dataclass
class LoadResult:
    added: list[str]
    changed: dict[str, list[str]]  # rule id -> the fields that changed
    unchanged: int


def rules_load_file(*, path: Path, actor: User | None = None, recompute: bool = True) -> LoadResult:
    """Replace the rules with those in a file, all or nothing. Rules in force that the file does
    not mention stay as they are. Raises RuleFileError, naming each rule and field at fault."""
    specs = read_rules_file(path)  # refuses a malformed file before anything changes
    existing = {rule.rule_id: rule for rule in Rule.objects.all()}
    merged = {rule_id: rule.to_spec() for rule_id, rule in existing.items()}
    merged.update({spec.id: spec for spec in specs})
    problems = check_rules(list(merged.values()))
    if problems:
        raise RuleFileError(problems, str(path))
    result = LoadResult([], {}, 0)
    with transaction.atomic():
        for spec in specs:
            new = _rule_fields(spec)
            rule = existing.get(spec.id)
            if rule is None:
                rule = Rule.objects.create(rule_id=spec.id, **new)
                RuleChange.objects.create(
                    rule=rule, field="(added)", new_value=spec.as_dict(), changed_by=actor, origin=str(path)
                )
                result.added.append(spec.id)
                continue
            differ = [name for name, value in new.items() if getattr(rule, name) != value]
            if not differ:
                result.unchanged += 1
                continue
            for name in differ:
                RuleChange.objects.create(
                    rule=rule,
                    field=name,
                    old_value=getattr(rule, name),
                    new_value=new[name],
                    changed_by=actor,
                    origin=str(path),
                )
                setattr(rule, name, new[name])
            rule.version += 1
            rule.save()
            result.changed[spec.id] = differ
        if recompute and (result.added or result.changed):
            transaction.on_commit(lambda: clocks_recompute_all())
    return result


def _can_change_rules(actor: User) -> bool:
    return actor.is_active and actor.can(Function.MANAGE_TIMESCALES)


def _refuse_unless_configurable(rule: Rule) -> None:
    if not rule.configurable:
        raise ValidationError(
            {
                "__all__": f"Rule {rule.rule_id} is set in law or statutory guidance, so it cannot be changed here."
            }
        )


def rule_change(*, actor: User, rule: Rule, expected_version: int, reason: str, **changes) -> Rule:
    """An authority's change to a configurable rule: checked with every other rule, recorded
    (who, when, old and new value, why), and applied to every child."""
    if not _can_change_rules(actor):
        raise PermissionDenied("You cannot change timescale rules.")
    _refuse_unless_configurable(rule)
    unknown = set(changes) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"these fields cannot be changed on the rules page: {', '.join(sorted(unknown))}")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the rule is changing"})
    with transaction.atomic():
        current = Rule.objects.select_for_update().get(pk=rule.pk)
        _refuse_unless_configurable(current)  # as stored now, not as the caller last read it
        if current.version != expected_version:
            raise EditConflict(current)
        differ = {name: value for name, value in changes.items() if getattr(current, name) != value}
        if not differ:
            return current
        proposed = current.to_spec()
        for name, value in differ.items():
            setattr(proposed, name, value)
        others = [r.to_spec() for r in Rule.objects.exclude(pk=current.pk)]
        problems = [p for p in check_rules([*others, proposed]) if p.rule == current.rule_id]
        if problems:
            raise ValidationError(
                {p.field if p.field in CHANGEABLE else "__all__": p.message for p in problems}
            )
        for name, value in differ.items():
            RuleChange.objects.create(
                rule=current,
                field=name,
                old_value=getattr(current, name),
                new_value=value,
                changed_by=actor,
                reason=reason,
                origin="rules page",
            )
            setattr(current, name, value)
        current.version += 1
        current.save()
        transaction.on_commit(lambda: clocks_recompute_all())
    return current


# ---------------------------------------------------------------------------------------------
# The calendar
# ---------------------------------------------------------------------------------------------


def calendar_in_force() -> WorkingCalendar:
    return calendar_with(ClosureDay.objects.values_list("day", flat=True))


def closure_day_add(
    *, actor: User | None, day: date, reason: str, origin: str = "calendar page"
) -> ClosureDay:
    if actor is not None and not _can_change_rules(actor):
        raise PermissionDenied("You cannot change the calendar.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the offices are closed"})
    if day.weekday() >= 5 or calendar_with(()).is_bank_holiday(day):
        raise ValidationError({"day": "That day is already not a working day (a weekend or bank holiday)"})
    with transaction.atomic():
        if ClosureDay.objects.filter(day=day).exists():
            raise ValidationError({"day": f"{day:%-d %B %Y} is already a closure day"})
        closure = ClosureDay.objects.create(day=day, reason=reason.strip(), added_by=actor)
        CalendarChange.objects.create(
            day=day,
            action=CalendarChange.Action.ADDED,
            reason=reason.strip(),
            changed_by=actor,
            origin=origin,
        )
        transaction.on_commit(lambda: clocks_recompute_all())
    return closure


def closure_day_remove(*, actor: User | None, closure: ClosureDay, reason: str) -> None:
    if actor is not None and not _can_change_rules(actor):
        raise PermissionDenied("You cannot change the calendar.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the closure day is being removed"})
    with transaction.atomic():
        CalendarChange.objects.create(
            day=closure.day,
            action=CalendarChange.Action.REMOVED,
            reason=reason.strip(),
            changed_by=actor,
            origin="calendar page",
        )
        closure.delete()
        transaction.on_commit(lambda: clocks_recompute_all())


CALENDAR_UNCHANGED = "the calendar is"


def closures_load_file(*, path: Path, actor: User | None = None) -> list[date]:
    """Add closure days from a CSV file of `date,reason` rows (a header row is allowed), all or
    nothing. Refuses the whole file, naming the row, if any row is wrong."""
    import csv

    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise RuleFileError(
            [RuleProblem("(file)", "(file)", f"could not be read: {error}")], str(path)
        ) from None
    problems, days = [], []
    existing = set(ClosureDay.objects.values_list("day", flat=True))
    bank = calendar_with(())
    for number, row in enumerate(rows, start=1):
        if number == 1 and row and row[0].strip().lower() in ("date", "day"):
            continue
        if not row or not any(cell.strip() for cell in row):
            continue
        where = f"row {number}"
        if len(row) != 2:
            problems.append(RuleProblem(where, "(row)", "should have two cells: date, reason"))
            continue
        try:
            day = date.fromisoformat(row[0].strip())
        except ValueError:
            problems.append(RuleProblem(where, "date", f"'{row[0]}' is not a date like 2026-12-29"))
            continue
        if not row[1].strip():
            problems.append(RuleProblem(where, "reason", "is empty; say why the offices are closed"))
        elif day.weekday() >= 5 or bank.is_bank_holiday(day):
            problems.append(RuleProblem(where, "date", f"{day} is already a weekend or bank holiday"))
        elif day in existing or day in [d for d, _ in days]:
            problems.append(RuleProblem(where, "date", f"{day} is already a closure day"))
        else:
            days.append((day, row[1].strip()))
    if problems:
        raise RuleFileError(problems, str(path), CALENDAR_UNCHANGED)
    with transaction.atomic():
        for day, reason in days:
            ClosureDay.objects.create(day=day, reason=reason, added_by=actor)
            CalendarChange.objects.create(
                day=day, action=CalendarChange.Action.ADDED, reason=reason, changed_by=actor, origin=str(path)
            )
        if days:
            transaction.on_commit(lambda: clocks_recompute_all())
    return [d for d, _ in days]


# ---------------------------------------------------------------------------------------------
# The clocks
# ---------------------------------------------------------------------------------------------


_engines: dict[tuple, Engine] = {}


def engine_in_force() -> Engine:
    """The engine for the rules and closure days in the database now. Rebuilding it costs more than
    refreshing a child, so it is kept per process and reused while the rows it came from are the
    same: every column of every rule, and the closure days, read raw (one cheap query) as the key."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {Rule._meta.db_table} ORDER BY id")  # noqa: S608 (a model's table name)
        rules = tuple(cursor.fetchall())
        cursor.execute(f"SELECT day FROM {ClosureDay._meta.db_table} ORDER BY day")  # noqa: S608
        closures = tuple(cursor.fetchall())
    key = (connection.alias, rules, closures)
    engine = _engines.get(key)
    if engine is None:
        if len(_engines) > 16:
            _engines.clear()
        engine = _engines[key] = Engine(rules_in_force(), calendar_in_force())
    return engine


def due_date_for(rule_id: str, start: date | datetime) -> date | datetime:
    """When something a rule times, started at `start`, is due: for records that hold their own due
    date (a review the service opens, say), so that they agree with the engine's clock. The one
    other caller of the calendar's `due` besides the engine; both read the rules table."""
    engine = engine_in_force()
    rule = engine.by_id.get(rule_id)
    if rule is None:
        spec = next((r for r in rules_in_force() if r.id == rule_id), None)
        if spec is None:
            raise KeyError(f"no timescale rule {rule_id}")
        rule = spec
    return engine.calendar.due(start, rule.limit, rule.unit, rule.counting, rule.public_holiday_extends)


def _values(clock: Clock) -> dict:
    return {
        "key": clock.key,
        "child_id": clock.child_id,
        "rule_id": clock.rule_id,
        "kind": clock.kind,
        "context_type": clock.context_type,
        "context_id": clock.context_id,
        "started_on": clock.started_on,
        "started_at": clock.started if isinstance(clock.started, datetime) else None,
        "due_on": clock.due_on,
        "due_at": clock.due if isinstance(clock.due, datetime) else None,
        "met_on": (clock.met.date() if isinstance(clock.met, datetime) else clock.met) if clock.met else None,
        "status": clock.status,
        "ended_on": clock.ended,
        "why": clock.why,
        "reason_on_record": clock.recorded_reason,
        "has_reason": bool(clock.recorded_reason),
        # Work the record gives to someone (a panel action's owner) is theirs until reassigned.
        "assigned_to_id": clock.owner_id,
        "acknowledged_at": None,
        "escalation_level": 0,
    }


def _row(clock: Clock) -> Deadline:
    return Deadline(**_values(clock))


class _Values(dict):
    """A row's values that side records can be copied onto as onto a Deadline."""

    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__


def _stored(clocks: Iterable[Clock]) -> list[Deadline]:
    return [_row(c) for c in clocks if c.status in Status.STORED]


def _apply_side_records(rows: list[Deadline], child_filter: dict) -> None:
    """Copy what people recorded about each deadline onto the fresh rows."""
    by_key = {row.key: row for row in rows}
    if not by_key:
        return
    for key, user_id in (
        Reassignment.objects.filter(**child_filter)
        .order_by("assigned_at", "pk")
        .values_list("deadline_key", "assigned_to_id")
    ):
        if key in by_key:
            by_key[key].assigned_to_id = user_id  # the latest wins
    for key, at in Acknowledgement.objects.filter(**child_filter).values_list(
        "deadline_key", "acknowledged_at"
    ):
        row = by_key.get(key)
        if row and (row.acknowledged_at is None or at > row.acknowledged_at):
            row.acknowledged_at = at
    for key, level in Escalation.objects.filter(**child_filter).values_list("deadline_key", "level"):
        row = by_key.get(key)
        if row:
            row.escalation_level = max(row.escalation_level, level)
    for key in LateReason.objects.filter(**child_filter).values_list("deadline_key", flat=True):
        if key in by_key:
            by_key[key].has_reason = True


def child_clocks_refresh(
    *, child_id: int, today: date | None = None, engine: Engine | None = None
) -> list[Deadline]:
    """Recompute one child's clocks and replace their stored rows (the incremental path)."""
    today = today or timezone.localdate()
    engine = engine or engine_in_force()
    history = load_history(child_id)
    rows = _stored(engine.clocks(history, today)) if history else []
    _apply_side_records(rows, {"child_id": child_id})
    with transaction.atomic():
        Deadline.objects.filter(child_id=child_id).delete()
        Deadline.objects.bulk_create(rows)
    return rows


def child_clocks_refresh_by_id(child_id: int) -> None:
    child_clocks_refresh(child_id=child_id)


@dataclass
class RecomputeResult:
    children: int
    deadlines: int
    seconds: float
    peak_memory_mb: float | None = None
    workers: int = 1
    refreshed_after: int = 0  # children changed while the recompute ran, refreshed again at the end


def _clocks_for_range(lo: int, hi: int, today: date, engine: Engine) -> tuple[int, list[Clock]]:
    histories = load_histories(id_from=lo, id_to=hi)
    clocks: list[Clock] = []
    for history in histories.values():
        clocks.extend(c for c in engine.clocks(history, today) if c.status in Status.STORED)
    return len(histories), clocks


def _worker_chunk(job: tuple) -> tuple[int, list[Clock]]:
    """One process's share of a parallel recompute (its own database connection)."""
    lo, hi, today, specs, closure_days = job
    return _clocks_for_range(lo, hi, today, Engine(specs, calendar_with(closure_days)))


def _parallel_allowed() -> bool:
    from django.db import connection

    # Worker processes read committed data through their own connections, so a recompute inside
    # an open transaction (a test, a rule change's on_commit inside another atomic) stays serial.
    return not connection.in_atomic_block


def clocks_recompute_all(
    *,
    today: date | None = None,
    chunk: int = 4000,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    measure_memory: bool = False,
) -> RecomputeResult:
    """Recompute every child's clocks (after a rule or calendar change, and nightly so that
    time-dependent flags stay true), then replace the stored rows in one transaction: readers see
    the old rows or the new. Large authorities are evaluated by several processes (one per core by
    default); children whose records change meanwhile are refreshed again at the end."""
    import os

    from django.db import connection, connections

    from carepath.core.models import ChangeEvent

    started = time.perf_counter()
    began_at = timezone.now()
    if measure_memory:
        tracemalloc.start()
    today = today or timezone.localdate()
    specs = rules_in_force()
    closure_days = tuple(ClosureDay.objects.values_list("day", flat=True))
    engine = Engine(specs, calendar_with(closure_days))
    bounds = Child.objects.aggregate(lo=Min("id"), hi=Max("id"), n=Count("id"))
    ranges = []
    if bounds["lo"] is not None:
        ranges = [(lo, lo + chunk) for lo in range(bounds["lo"], bounds["hi"] + 1, chunk)]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if bounds["n"] and bounds["n"] >= 20000 else 1
    workers = workers if _parallel_allowed() else 1
    clocks: list[Clock] = []
    children = 0
    if workers > 1 and len(ranges) > 1:
        import multiprocessing

        connections.close_all()  # each forked worker opens its own
        jobs = [(lo, hi, today, specs, closure_days) for lo, hi in ranges]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done, (count, found) in enumerate(pool.imap(_worker_chunk, jobs), start=1):
                children += count
                clocks.extend(found)
                if progress:
                    progress(done, len(jobs))
    else:
        for done, (lo, hi) in enumerate(ranges, start=1):
            count, found = _clocks_for_range(lo, hi, today, engine)
            children += count
            clocks.extend(found)
            if progress:
                progress(done, len(ranges))
    rows = [_Values(_values(c)) for c in clocks]
    _apply_side_records(rows, {})
    with transaction.atomic():
        # The sink numbers new rows past every id the table has used (not only the rows left),
        # so a page still showing an old row cannot act on a different item through it.
        sink = Sink(batch=10000, never_reuse_ids=True)
        Deadline.objects.all().delete()
        # executemany (COPY on PostgreSQL), as the generator writes: bulk_create compiles one
        # statement per ~50 rows on SQLite, which took longer than working the clocks out.
        for row in rows:
            sink.add(Deadline, **row)
        sink.flush()
        sink.reset_sequences()
    with connection.cursor() as cursor:
        # Fresh statistics, so that queues read a child's items by the child index rather than
        # every open item by status.
        cursor.execute(f"ANALYZE {Deadline._meta.db_table}")
    # Anyone who saved a record while we were reading has had their child's rows refreshed
    # already, and then overwritten above from an older read: refresh those children again.
    changed = set(
        ChangeEvent.objects.filter(occurred_at__gte=began_at, child_id__isnull=False).values_list(
            "child_id", flat=True
        )
    )
    for child_id in changed:
        child_clocks_refresh(child_id=child_id, today=today, engine=engine)
    peak = None
    if measure_memory:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return RecomputeResult(children, len(rows), time.perf_counter() - started, peak, workers, len(changed))


# ---------------------------------------------------------------------------------------------
# What people record about deadlines
# ---------------------------------------------------------------------------------------------


def _responsible(deadline: Deadline) -> User | None:
    if deadline.assigned_to_id:
        return deadline.assigned_to
    return deadline.child.allocated_worker


def _may_act_on(actor: User, deadline: Deadline, *, managing: bool) -> bool:
    from carepath.people.selectors import child_access_decision

    decision = child_access_decision(actor, deadline.child, Function.VIEW_CHILD_RECORD)
    if not decision.allowed:
        return False
    if managing:
        return actor.can(Function.MANAGE_WORK)
    return actor == _responsible(deadline) or actor.can(Function.MANAGE_WORK)


def late_reason_record(*, actor: User, deadline: Deadline, reason: str) -> LateReason:
    """The reason a deadline was missed, from the person responsible or their manager."""
    if not _may_act_on(actor, deadline, managing=False):
        raise PermissionDenied("Only the person responsible or their manager can record why this was late.")
    if deadline.status == Status.OPEN and deadline.due_on >= timezone.localdate():
        raise ValidationError({"reason": "This is not late yet"})
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "Say why it was late, in a sentence or more"})
    with transaction.atomic():
        late = LateReason.objects.create(
            deadline_key=deadline.key,
            child=deadline.child,
            rule_id=deadline.rule_id,
            due_on=deadline.due_on,
            reason=reason.strip(),
            recorded_by=actor,
        )
        Deadline.objects.filter(pk=deadline.pk).update(has_reason=True)
    return late


def deadlines_acknowledge(*, actor: User, deadlines: list[Deadline], reason: str) -> uuid.UUID:
    """A manager acknowledges overdue items, one or many, with a reason. Who, what and when are
    kept; acknowledging does not make an item less late or stop its escalation."""
    if not deadlines:
        raise ValidationError({"deadlines": "Choose at least one item to acknowledge"})
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "Say why, in a sentence or more"})
    refused = [d for d in deadlines if not _may_act_on(actor, d, managing=True)]
    if refused:
        raise PermissionDenied("You cannot acknowledge items for children outside your team.")
    batch = uuid.uuid4()
    now = timezone.now()
    with transaction.atomic():
        Acknowledgement.objects.bulk_create(
            [
                Acknowledgement(
                    deadline_key=d.key,
                    child=d.child,
                    rule_id=d.rule_id,
                    due_on=d.due_on,
                    reason=reason.strip(),
                    acknowledged_by=actor,
                    batch=batch,
                )
                for d in deadlines
            ]
        )
        Deadline.objects.filter(pk__in=[d.pk for d in deadlines]).update(acknowledged_at=now)
    return batch


def deadline_reassign(*, actor: User, deadline: Deadline, to: User, reason: str = "") -> Reassignment:
    """Give one item to another worker in the team (a duty worker covering a visit, say)."""
    if not _may_act_on(actor, deadline, managing=True):
        raise PermissionDenied("You cannot reassign work for this child.")
    if not to.is_active or to.left_on is not None:
        raise ValidationError({"to": f"{to} is not working here"})
    if to.role not in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
        raise ValidationError({"to": "Work can only go to a social worker or team manager"})
    if actor.role == Role.TEAM_MANAGER and to.team_id != actor.team_id:
        raise ValidationError({"to": "Choose someone in your team"})
    if to == _responsible(deadline):
        raise ValidationError({"to": f"{to} already has this item"})
    from carepath.core.models import AccessBasis
    from carepath.people.selectors import child_access_decision

    # Break-glass access ends within the hour, and the item would go with it.
    access = child_access_decision(to, deadline.child, Function.VIEW_CHILD_RECORD)
    if not access.allowed or access.basis == AccessBasis.BREAK_GLASS:
        # They would never see it: queues list only children the worker may open.
        raise ValidationError(
            {"to": f"{to} cannot open this child's record; allocate the child to them instead"}
        )
    with transaction.atomic():
        moved = Reassignment.objects.create(
            deadline_key=deadline.key,
            child=deadline.child,
            rule_id=deadline.rule_id,
            due_on=deadline.due_on,
            assigned_to=to,
            assigned_by=actor,
            reason=reason.strip(),
        )
        Deadline.objects.filter(pk=deadline.pk).update(assigned_to=to)
    return moved


# ---------------------------------------------------------------------------------------------
# Escalation
# ---------------------------------------------------------------------------------------------


def _in_post(user: User | None) -> User | None:
    return user if user is not None and user.is_active and user.left_on is None else None


def team_manager_for(worker: User | None, child: Child) -> User | None:
    """The named manager (Team.manager) of the responsible social worker's team, or else of the
    child's allocated team."""
    team = (worker.team if worker and worker.role == Role.SOCIAL_WORKER and worker.team_id else None) or (
        child.allocated_team
    )
    return _in_post(team.manager) if team else None


def head_of_service_for(worker: User | None, child: Child) -> User | None:
    """The named head (Service.head) of the service the worker's team, or else the child's
    allocated team, belongs to."""
    team = (worker.team if worker and worker.team_id else None) or child.allocated_team
    return _in_post(team.service.head) if team else None


def escalations_run(*, today: date | None = None) -> list[Escalation]:
    """Escalate every open item overdue past its rule's points: first to the responsible
    worker's team manager, then to the head of service. Each escalation happens once and is kept."""
    today = today or timezone.localdate()
    rules = {r.id: r for r in rules_in_force()}
    made: list[Escalation] = []
    overdue = (
        Deadline.objects.filter(status__in=Status.ACTIVE, escalation_level__lt=2)
        # Hours rules (police protection) are overdue from the hour, not from the next day.
        .filter(Q(due_on__lt=today) | Q(due_at__lt=timezone.now()))
        .select_related("child", "child__allocated_worker", "child__allocated_team", "assigned_to")
        .order_by("due_on", "pk")
    )
    for deadline in overdue.iterator(chunk_size=2000):
        rule = rules.get(deadline.rule_id)
        if rule is None or len(rule.escalate_after_days) != 2:
            continue
        if rule.unit == Unit.HOURS and deadline.due_at and deadline.due_at > timezone.now():
            continue
        days_overdue = max((today - deadline.due_on).days, 1 if deadline.due_at else 0)
        level = (
            2
            if days_overdue >= rule.escalate_after_days[1] + 1
            else 1
            if days_overdue >= rule.escalate_after_days[0] + 1
            else 0
        )
        if level <= deadline.escalation_level:
            continue
        worker = _responsible(deadline)
        with transaction.atomic():
            for step in range(deadline.escalation_level + 1, level + 1):
                to = (
                    team_manager_for(worker, deadline.child)
                    if step == 1
                    else head_of_service_for(worker, deadline.child)
                )
                escalation, created = Escalation.objects.get_or_create(
                    deadline_key=deadline.key,
                    level=step,
                    defaults={
                        "child": deadline.child,
                        "rule_id": deadline.rule_id,
                        "due_on": deadline.due_on,
                        "escalated_to": to,
                        "days_overdue": days_overdue,
                        "responsible": worker,
                    },
                )
                if created:
                    made.append(escalation)
            Deadline.objects.filter(pk=deadline.pk).update(escalation_level=level)
    return made
