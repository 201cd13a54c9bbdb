"""The one engine: every rule, applied to every span of a child's record, gives the clocks.

Pure: rules, a calendar, a child's history and today in; clocks out. Nothing else in carepath
computes a due date. Services store the clocks that matter (open, late, missed, flagged) so that
queues are a query away; a full recompute and the refresh after a save call the same function.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from carepath.core.calendar import Unit, WorkingCalendar, describe_limit

from .contexts import Moment, Span, spans_for
from .events import EVENTS
from .history import ChildHistory, as_date
from .rulebook import Kind, RuleSpec


class Status:
    OPEN = "open"  # not done yet; overdue once the due date has passed
    DONE = "done"  # done in time (not stored)
    LATE = "late"  # done, but after the due date (or a state that lasted too long, then ended)
    MISSED = "missed"  # never done: the span ended after the due date had passed
    STOPPED = "stopped"  # the span ended before anything was due (not stored)
    FLAGGED = "flagged"  # a drift flag that is raised now
    FLAGGED_BEFORE = "flagged_before"  # a drift flag raised in the past

    STORED = (OPEN, LATE, MISSED, FLAGGED, FLAGGED_BEFORE)
    ACTIVE = (OPEN, FLAGGED)
    LABELS = {
        OPEN: "Open",
        DONE: "Done in time",
        LATE: "Done late",
        MISSED: "Missed",
        STOPPED: "No longer needed",
        FLAGGED: "Flagged",
        FLAGGED_BEFORE: "Flagged before",
    }


@dataclass(frozen=True)
class Clock:
    key: str
    child_id: int
    rule_id: str
    kind: str
    context_type: str
    context_id: int
    started: Moment
    due: Moment  # a date, or a datetime for an hours rule
    met: Moment | None
    status: str
    why: str
    recorded_reason: str = ""
    owner_id: int | None = None  # who the record says the work is for
    # When the span ended (None while it goes on): with started, due and met it says whether the
    # clock was overdue on any past day (assurance's calibration reads the record "as at").
    ended: date | None = None

    @property
    def due_on(self) -> date:
        return as_date(self.due)

    @property
    def started_on(self) -> date:
        return as_date(self.started)


def _fmt(moment: Moment) -> str:
    if isinstance(moment, datetime):
        from carepath.timescales.history import _LOCAL

        local = moment.astimezone(_LOCAL) if moment.tzinfo else moment
        return f"{local.day} {local:%b %Y} at {local:%H:%M}"
    return f"{moment.day} {moment:%b %Y}"


def _said(value) -> str:
    """An attribute's value in words (a flag's reason is read by people)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "not known" if value is None else str(value)


def _applies(rule: RuleSpec, attributes: dict) -> bool:
    for key, wanted in rule.applies_to.items():
        if key.startswith("min_"):
            value = attributes.get(key[4:])
            if value is None or value < wanted:
                return False
        elif key.startswith("max_"):
            value = attributes.get(key[4:])
            if value is None or value > wanted:
                return False
        elif isinstance(wanted, list):
            if attributes.get(key) not in wanted:
                return False
        elif attributes.get(key) != wanted:
            return False
    return True


def _after(a: Moment, b: Moment, hours: bool) -> bool:
    """a > b, comparing dates unless both sides carry a time and the rule counts hours."""
    if hours and isinstance(a, datetime) and isinstance(b, datetime):
        return a > b
    return as_date(a) > as_date(b)


def _fewest_days(limit: int, unit: str, counting: str) -> int:
    """A lower bound, in calendar days, of how long `limit` `unit`s can be."""
    per = {Unit.WORKING_DAYS: 1, Unit.DAYS: 1, Unit.WEEKS: 7, Unit.MONTHS: 28}[unit]
    return limit * per - (1 if counting != "after" else 0)


def _moment_key(m: Moment) -> tuple:
    return (as_date(m), _seconds(m))


def _seconds(m: Moment) -> float:
    return m.timestamp() if isinstance(m, datetime) else 0.0


def _not_before(a: Moment, b: Moment, hours: bool) -> bool:
    if hours and isinstance(a, datetime) and isinstance(b, datetime):
        return a >= b
    return as_date(a) >= as_date(b)


class Engine:
    def __init__(self, rules: Iterable[RuleSpec], calendar: WorkingCalendar):
        self.rules = [r for r in rules if r.enabled and r.evaluated]
        self.calendar = calendar
        self.by_id = {r.id: r for r in self.rules}
        # Which rules replace which where both apply (e.g. long-term fostering visits).
        self.superseded_by: dict[str, list[RuleSpec]] = {}
        for rule in self.rules:
            for other in rule.supersedes:
                self.superseded_by.setdefault(other, []).append(rule)
        self.by_context: dict[str, list[RuleSpec]] = {}
        for rule in self.rules:
            self.by_context.setdefault(rule.context, []).append(rule)

    def clocks(self, history: ChildHistory, today: date) -> list[Clock]:
        found: list[Clock] = []
        for context, spans in spans_for(history).items():
            for rule in self.by_context.get(context, ()):
                for span in spans:
                    if rule.kind in (Kind.DEADLINE, Kind.DRIFT):
                        found.extend(self._deadlines(rule, span, history.child_id, today))
                    elif rule.kind == Kind.COUNT:
                        found.extend(self._counts(rule, span, history.child_id, today))
                    elif rule.kind == Kind.FLAG:
                        found.extend(self._flags(rule, span, history.child_id))
        return found

    def clocks_in_spans(self, spans: Iterable[Span], subject_id: int, today: date) -> list[Clock]:
        """Deadline rules applied to spans that are not a child's: a worker's time in post, whose
        supervision clocks (context "supervision") practice assurance asks for. The same rules
        table and the same arithmetic as a child's clocks; `child_id` carries the subject's id."""
        found: list[Clock] = []
        for span in spans:
            for rule in self.by_context.get(span.type, ()):
                if rule.kind == Kind.DEADLINE:
                    found.extend(self._deadlines(rule, span, subject_id, today))
        return found

    # -- deadlines and drift ----------------------------------------------------------------------

    def _deadlines(self, rule: RuleSpec, span: Span, child_id: int, today: date) -> Iterable[Clock]:
        hours = rule.unit == Unit.HOURS
        if hours:
            # Clock hours: compare moments (a datetime where the record has one).
            starts = sorted(span.occurrences(rule.start_event), key=_moment_key)
            ends = sorted(span.occurrences(rule.end_event), key=_moment_key)
        else:
            starts, ends = span.dates(rule.start_event), span.dates(rule.end_event)
        if len(starts) < rule.start_occurrence:
            return
        first = starts[rule.start_occurrence - 1]
        same_event = rule.start_event == rule.end_event
        strictly_after = same_event or rule.recurring
        anchors = [first]
        if rule.recurring:
            if hours:
                anchors += [e for e in ends if _after(e, first, True)]
            else:
                anchors += ends[bisect_right(ends, first) :]
        superseders = self.superseded_by.get(rule.id, ())
        needs_attributes = bool(rule.applies_to or superseders or rule.limit_from)
        floor = None
        if not hours:
            shortest = rule.limit
            if rule.limit_from:
                # A plan's own frequency is fixed for the plan, so one look gives the shortest limit.
                own = span.attributes(as_date(first)).get(rule.limit_from)
                shortest = min(shortest, own) if own is not None else shortest
            floor = _fewest_days(shortest, rule.unit, rule.counting)
        last = len(anchors) - 1
        for i, anchor in enumerate(anchors):
            if floor is not None and i < last and (anchors[i + 1] - anchor).days <= floor:
                # Done within the fewest days the limit can mean: in time, whichever rule applies.
                # (Only recurring rules have more than one anchor.)
                continue
            # The end event answers this clock if it comes after the start (or on the same day,
            # when it is a different event: a referral decided the day it arrived).
            if rule.recurring and i < last:
                met = anchors[i + 1]  # the next occurrence after this one
            elif hours:
                met = next(
                    (
                        e
                        for e in ends
                        if (_after(e, anchor, True) if strictly_after else _not_before(e, anchor, True))
                    ),
                    None,
                )
            else:
                j = bisect_right(ends, anchor) if strictly_after else bisect_left(ends, anchor)
                met = ends[j] if j < len(ends) else None
            if floor is not None:
                settled = met if met is not None else span.end
                if settled is not None and (settled - anchor).days <= floor:
                    continue  # done, or no longer needed, before the limit could have passed
            limit = rule.limit
            if needs_attributes:
                attributes = span.attributes(as_date(anchor))
                if not _applies(rule, attributes):
                    continue
                if any(_applies(other, attributes) for other in superseders):
                    continue
                if rule.limit_from and attributes.get(rule.limit_from) is not None:
                    limit = attributes[rule.limit_from]
            due = self.calendar.due(anchor, limit, rule.unit, rule.counting, rule.public_holiday_extends)
            if met is not None:
                if (met <= due) if not hours else not _after(met, due, True):
                    continue  # done in time
                status = Status.LATE
            elif span.end is not None:
                if (span.end <= due) if not hours else not _after(span.end, due, True):
                    continue  # the span ended before anything was due
                status = Status.MISSED
            else:
                status = Status.OPEN
            yield Clock(
                key=span.key(rule.id, anchor, child_id),
                child_id=child_id,
                rule_id=rule.id,
                kind=rule.kind,
                context_type=span.type,
                context_id=span.id,
                started=anchor,
                due=due,
                met=met,
                status=status,
                why=self._why(rule, anchor, due, limit, met, status),
                recorded_reason=span.reasons.get(rule.end_event, ""),
                owner_id=span.owner_id,
                ended=span.end,
            )

    def _why(self, rule: RuleSpec, anchor: Moment, due: Moment, limit: int, met, status: str) -> str:
        start = EVENTS[rule.start_event].label
        end = EVENTS[rule.end_event].label
        span = describe_limit(limit, rule.unit)
        if rule.kind == Kind.DRIFT:
            lasted = f"{start} on {_fmt(anchor)}"
            if status == Status.OPEN:
                return f"{lasted}; flagged if it goes past {_fmt(due)} with no {end.lower()} ({span})."
            return f"{lasted}; it went past {_fmt(due)} ({span}) before {end.lower()}" + (
                f" on {_fmt(met)}." if met else "."
            )
        said = f"{start} on {_fmt(anchor)}: {end.lower()} due by {_fmt(due)} ({span})"
        if status == Status.LATE:
            return f"{said}; done on {_fmt(met)}."
        if status == Status.MISSED:
            return f"{said}; never done before it ended."
        return f"{said}."

    # -- counts and flags -------------------------------------------------------------------------

    def _counts(self, rule: RuleSpec, span: Span, child_id: int, today: date) -> Iterable[Clock]:
        events = [as_date(e) for e in span.occurrences(rule.start_event)]
        i = 0
        while i < len(events):
            window_end = self.calendar.due(events[i], rule.limit, rule.unit) - timedelta(days=1)
            j = i
            while j + 1 < len(events) and events[j + 1] <= window_end:
                j += 1
            count = j - i + 1
            if count > rule.threshold:
                fired = events[i + rule.threshold]
                in_window = events[i : j + 1]
                status = Status.FLAGGED if window_end >= today else Status.FLAGGED_BEFORE
                yield Clock(
                    key=span.key(rule.id, events[i], child_id),
                    child_id=child_id,
                    rule_id=rule.id,
                    kind=rule.kind,
                    context_type=span.type,
                    context_id=span.id,
                    started=events[i],
                    due=fired,
                    met=None,
                    status=status,
                    why=(
                        f"{count} × {EVENTS[rule.start_event].label.lower()} within {describe_limit(rule.limit, rule.unit)} "
                        f"(more than {rule.threshold}): " + ", ".join(_fmt(d) for d in in_window) + "."
                    ),
                )
                i = j + 1
            else:
                i += 1

    def _flags(self, rule: RuleSpec, span: Span, child_id: int) -> Iterable[Clock]:
        start = span.occurrences(rule.start_event)
        if not start:
            return
        attributes = span.attributes(as_date(start[0]))
        if not _applies(rule, attributes):
            return
        detail = ", ".join(
            f"{name.replace('_', ' ')}: {_said(attributes.get(name))}"
            for name in (k.removeprefix("min_").removeprefix("max_") for k in rule.applies_to)
        )
        yield Clock(
            key=span.key(rule.id, start[0], child_id),
            child_id=child_id,
            rule_id=rule.id,
            kind=rule.kind,
            context_type=span.type,
            context_id=span.id,
            started=start[0],
            due=start[0],
            met=span.end,
            status=Status.FLAGGED if span.end is None else Status.FLAGGED_BEFORE,
            why=f"{EVENTS[rule.start_event].label} on {_fmt(start[0])} ({detail}).",
            ended=span.end,
        )
