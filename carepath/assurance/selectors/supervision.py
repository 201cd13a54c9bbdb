"""Reads for supervision (F16): each worker's supervision clocks, their status, compliance per
worker, team and service, the gaps, and the pages' reads (a session, a worker's own supervision).

Supervision clocks come from the records alone. A worker's time in post is a span of type
"supervision" (`worker_spans`); the timescales engine applies the rules table to it (SUPV monthly,
SUPV-NQ-WEEKLY and SUPV-NQ-FORTNIGHTLY for a newly qualified worker's first six weeks and six
months) through `Engine.clocks_in_spans`, as it does to a child's record. Nothing here works out a
due date.

How the clocks read. The rules are recurring: the first clock starts on the day the worker
started in post, and each session held starts the next one. So every "interval" between
supervisions is one clock, started by one *anchor* (the start in post, or a session after it). The
engine returns the clocks that matter (late, missed, open) and not those done in time, which is
why compliance counts anchors rather than the clocks returned (see `Interval`).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from carepath.core.calendar import Unit
from carepath.core.permissions import Function, Role, Scope
from carepath.core.reads import log_read
from carepath.people.models import Child, Service, Team, User
from carepath.people.selectors import child_access_decision
from carepath.timescales.contexts import Span
from carepath.timescales.engine import Clock, Engine, Status
from carepath.timescales.rulebook import Kind

from ..models import CaseDirection, DirectionAction, SupervisionEscalation, SupervisionSession
from ..services.supervision import may_mark_done, may_supervise

CONTEXT = "supervision"
SUPERVISED_ROLES = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
# A newly qualified worker is supervised as one (the NQ rules) only within their first year in
# post, whatever the flag on their account still says: the assessed and supported year.
NEWLY_QUALIFIED_FOR = timedelta(days=365)
# "Longest gap in the last 12 months" and the default compliance period.
YEAR = timedelta(days=365)


# ---------------------------------------------------------------------------------------------
# Spans and clocks
# ---------------------------------------------------------------------------------------------


def started_in_post(worker: User) -> date:
    """User.started_on, or else the day the account was made."""
    if worker.started_on:
        return worker.started_on
    return timezone.localtime(worker.date_joined).date()


def supervised_workers() -> QuerySet[User]:
    """The workers supervision clocks are kept for: social workers and team managers in post.
    Their teams, services and team managers are read once each and shared (prefetched, not
    joined): hundreds of workers share a few dozen teams."""
    return (
        User.objects.filter(is_active=True, left_on__isnull=True, role__in=SUPERVISED_ROLES)
        .prefetch_related("team__service", "team__manager", "service")
        .order_by("last_name", "first_name", "pk")
    )


def worker_spans(worker: User, today: date, session_days: Iterable[date] | None = None) -> list[Span]:
    """The worker's time in post as a span of type "supervision" (one span; a list because the
    engine takes spans, and a leaver who came back would have two).

    Start: User.started_on, else the day the account was made; end: left_on once it has passed.
    Events: "started_in_post" on the start, "supervision_session" on each day they were
    supervised (several sessions on one day are one supervision) up to today. Attributes on a day:
    "newly_qualified" (their flag, within the first year in post only) and "weeks_in_post" (whole
    weeks from the start). `session_days` saves the query when the caller has them."""
    start = started_in_post(worker)
    end = worker.left_on if worker.left_on and worker.left_on <= today else None
    if end is not None and end < start:
        return []
    if session_days is None:
        session_days = SupervisionSession.objects.filter(supervisee=worker).values_list("held_on", flat=True)
    last = end or today
    days = sorted({d for d in session_days if d <= last})
    return [_span(worker.pk, start, end, bool(worker.newly_qualified), days)]


def _span(worker_id: int, start: date, end: date | None, newly_qualified: bool, days: list[date]) -> Span:
    nq_until = start + NEWLY_QUALIFIED_FOR

    def attributes(day: date) -> dict:
        return {
            "newly_qualified": newly_qualified and day < nq_until,
            "weeks_in_post": max(0, (day - start).days // 7),
        }

    return Span(
        CONTEXT,
        worker_id,
        start,
        end,
        {"started_in_post": [start], "supervision_session": days},
        attributes,
    )


@lru_cache(maxsize=8192)
def _engine_clocks(
    engine: Engine,
    worker_id: int,
    start: date,
    end: date | None,
    newly_qualified: bool,
    days: tuple[date, ...],
    today: date,
) -> tuple[Clock, ...]:
    """The engine's clocks for a worker's span (_span), oldest first. A pure function of its
    arguments, which are everything the span and the clocks are made from: the engine (a new one
    whenever a rule or a closure day changes: timescales.services.engine_in_force), the worker's
    start, end and flag, the days they were supervised, and today. So the answer is kept for the
    next reader of the same figures, and can never be stale: a session recorded or moved, a rule
    or a worker's details changed, or a new day, and the arguments differ. The clocks are frozen."""
    clocks = engine.clocks_in_spans(
        [_span(worker_id, start, end, newly_qualified, list(days))], worker_id, today
    )
    return tuple(sorted(clocks, key=lambda c: (c.started_on, c.rule_id)))


@dataclass
class Interval:
    """One stretch between supervisions: it starts on an anchor (the start in post, or a session)
    and is answered by the next session.

    outcome:
    - "met": answered in time. The engine returns no clock for it (DONE is not stored).
    - "not_met": its clock is late (answered after the due date), missed (the worker left with
      it unanswered and overdue), or open and already past its due date.
    - "pending": its clock is open and not yet due: not decided either way.
    - "stopped": the worker left before anything was due, or no rule applied: nothing expected.
    """

    started_on: date
    outcome: str
    clock: Clock | None = None


@dataclass
class WorkerSupervision:
    worker: User
    spans: list[Span]
    clocks: list[Clock]
    session_days: list[date]  # the days they were supervised up to today (from `since`), oldest first
    last_session: tuple[date, int, int] | None  # (held_on, supervisor id, session id) of the latest
    today: date
    # Read for a period from this day (evaluate's `since`): the clocks and intervals that start
    # from it are the record's; none before it is. None: the whole history.
    since: date | None = None

    @property
    def open_clock(self) -> Clock | None:
        found = [c for c in self.clocks if c.status == Status.OPEN]
        return min(found, key=lambda c: c.due_on) if found else None

    @cached_property
    def intervals(self) -> list[Interval]:
        period = Period(self.since, self.today) if self.since else None
        return _intervals(self.spans, self.clocks, self.today, period)


def _intervals(
    spans: list[Span], clocks: list[Clock], today: date, period: Period | None = None
) -> list[Interval]:
    """Every anchor of the worker's recurring supervision clocks (those that started in `period`,
    if given), with how it turned out.

    The anchors are the engine's own: the start in post, then each session after it (the engine
    takes the end events after the first start as the next clocks' starts). An anchor the engine
    returned a clock for is "not_met" (late, missed, or open and overdue) or "pending" (open, not
    due yet). An anchor with no clock was done in time, except the last one: the last clock is
    never answered (there is no next session), so with no clock it stopped (the worker left
    before it was due, or no rule applied to it)."""
    by_start: dict[date, list[Clock]] = defaultdict(list)
    for clock in clocks:
        by_start[clock.started_on].append(clock)
    found: list[Interval] = []
    for span in spans:
        start = span.dates("started_in_post")[0]
        days = span.dates("supervision_session")
        anchors = [start] + days[bisect_right(days, start) :]
        last = len(anchors) - 1
        # Only the anchors in the period are looked at (the dates are sorted); an anchor's outcome
        # depends on its own clocks and on whether it is the last one, not on the others.
        first, stop = 0, len(anchors)
        if period is not None:
            first, stop = bisect_left(anchors, period.start), bisect_right(anchors, period.end)
        for i in range(first, stop):
            anchor = anchors[i]
            theirs = by_start.get(anchor)
            if not theirs:
                found.append(Interval(anchor, "met" if i < last else "stopped"))
                continue
            failed = [c for c in theirs if _not_met(c, today)]
            clock = failed[0] if failed else theirs[0]
            found.append(Interval(anchor, "not_met" if failed else "pending", clock))
    return found


def _not_met(clock: Clock, today: date) -> bool:
    return clock.status in (Status.LATE, Status.MISSED) or (
        clock.status == Status.OPEN and clock.due_on < today
    )


def _never_for_experienced_workers(rule) -> bool:
    """The rule applies only to a newly qualified worker: its `applies_to` asks for
    newly_qualified true (tested as the engine's _applies tests it: a list must hold the value, a
    single value must equal it). Such a rule can never apply on any day to a worker whose
    newly_qualified attribute is false on every day (worker_spans: their flag is off)."""
    if "newly_qualified" not in rule.applies_to:
        return False
    wanted = rule.applies_to["newly_qualified"]
    return (False not in wanted) if isinstance(wanted, list) else (wanted != False)  # noqa: E712


def _engine_for_experienced(engine: Engine) -> Engine:
    """The same engine without the supervision rules that can only apply to a newly qualified
    worker. For a worker who is not newly qualified the clocks are the same: those rules never
    apply to them, so they yield no clock and never supersede the monthly rule. What it saves is
    the work of asking, at every session, whether they do (the monthly rule is superseded by
    them, so with them it looks at the worker's attributes at each session)."""
    cached = _experienced_engines.get(id(engine))
    if cached is not None and cached[0] is engine:
        return cached[1]
    rules = [r for r in engine.rules if not (r.context == CONTEXT and _never_for_experienced_workers(r))]
    reduced = Engine(rules, engine.calendar)
    if len(_experienced_engines) > 8:
        _experienced_engines.clear()
    # The engine in force is kept with its reduced form (so its id is not reused while cached).
    _experienced_engines[id(engine)] = (engine, reduced)
    return reduced


_experienced_engines: dict[int, tuple[Engine, Engine]] = {}


def _windowable(engine: Engine) -> bool:
    """Whether the supervision rules in force let a period's figures be read from the sessions
    since its start (see evaluate). They do when every one is a recurring deadline from the start
    in post, answered by each session: then each clock runs from one anchor (the start, or a
    session) to the next session, and depends on nothing earlier. Any other rule (an authority's
    own, counted from the third session, say) and the whole history is read."""
    return all(
        rule.kind == Kind.DEADLINE
        and rule.recurring
        and rule.unit != Unit.HOURS
        and rule.start_event == "started_in_post"
        and rule.start_occurrence == 1
        and rule.end_event == "supervision_session"
        for rule in engine.by_context.get(CONTEXT, ())
    )


def evaluate(
    workers: Iterable[User] | None = None, today: date | None = None, *, since: date | None = None
) -> dict[int, WorkerSupervision]:
    """Everything the supervision reads need, per worker: the days of their sessions (read from the
    index on supervisee and date), their latest session, then the engine in force on each worker's
    span. A constant number of queries, however many workers and sessions.

    `since`: only the clocks and intervals that start on or after that day are wanted (the status
    and compliance of a period). Each clock then runs from its anchor to the next session, so the
    sessions before `since` matter only through the last of them (the anchor of the clock running
    on `since`): the span is given that one and those after it, and the clocks the engine works out
    before it (from the start in post to that session, which it now takes as the first) are
    dropped. The clocks kept are the ones the whole history gives, and far fewer sessions are read
    and walked. Only where the rules allow it (_windowable); the whole history otherwise.

    The engine's answer for a span is kept for the next reader under everything it is made from
    (_engine_clocks), and a worker who is not newly qualified is given the engine without the
    rules that only apply to one (_engine_for_experienced): the same clocks, less work."""
    from carepath.timescales.services import engine_in_force

    today = today or timezone.localdate()
    workers = list(supervised_workers() if workers is None else workers)
    ids = [w.pk for w in workers]
    engine = engine_in_force()
    if since is not None and not _windowable(engine):
        since = None
    held = SupervisionSession.objects.filter(held_on__lte=today)
    window = held.filter(supervisee_id__in=ids)
    if since is not None:
        window = window.filter(held_on__gte=since)
    days: dict[int, list[date]] = defaultdict(list)
    for supervisee_id, held_on in window.order_by("supervisee_id", "held_on").values_list(
        "supervisee_id", "held_on"
    ):
        days[supervisee_id].append(held_on)
    # Each worker's latest session (for who held it) and, with `since`, their last day before it.
    theirs = held.filter(supervisee_id=OuterRef("pk"))
    wanted = {"last_id": Subquery(theirs.order_by("-held_on", "-pk").values("pk")[:1])}
    if since is not None:
        wanted["before"] = Subquery(
            theirs.filter(held_on__lt=since).order_by("-held_on").values("held_on")[:1]
        )
    latest, before = {}, {}
    for row in User.objects.filter(pk__in=ids).annotate(**wanted).values("pk", *wanted):
        latest[row["pk"]] = row["last_id"]
        before[row["pk"]] = row.get("before")
    last_sessions = {
        pk: (held_on, supervisor_id, pk)
        for pk, held_on, supervisor_id in SupervisionSession.objects.filter(
            pk__in=[pk for pk in latest.values() if pk]
        ).values_list("pk", "held_on", "supervisor_id")
    }
    experienced = _engine_for_experienced(engine)
    found: dict[int, WorkerSupervision] = {}
    for worker in workers:
        earlier = before.get(worker.pk)
        session_days = ([earlier] if earlier else []) + days.get(worker.pk, [])
        spans = worker_spans(worker, today, session_days)
        clocks: list[Clock] = []
        for span in spans:
            clocks += _engine_clocks(
                engine if worker.newly_qualified else experienced,
                worker.pk,
                span.start,
                span.end,
                bool(worker.newly_qualified),
                tuple(span.events["supervision_session"]),
                today,
            )
        if earlier:
            # Before that session the span lacks the sessions not read: not the record's clocks.
            clocks = [c for c in clocks if c.started_on >= earlier]
        found[worker.pk] = WorkerSupervision(
            worker=worker,
            spans=spans,
            clocks=sorted(clocks, key=lambda c: (c.started_on, c.rule_id)),
            session_days=session_days,
            last_session=last_sessions.get(latest.get(worker.pk)),
            today=today,
            since=since,
        )
    return found


def supervision_clocks(
    workers: Iterable[User] | None = None, today: date | None = None
) -> dict[int, list[Clock]]:
    """Each worker's supervision clocks that matter (late, missed, open), by worker id. `workers`
    defaults to every social worker and team manager in post."""
    return {pk: record.clocks for pk, record in evaluate(workers, today).items()}


# ---------------------------------------------------------------------------------------------
# Status and compliance
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @classmethod
    def last_year(cls, today: date) -> Period:
        return cls(today - YEAR + timedelta(days=1), today)

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Compliance:
    """Supervision in time over a period: `met` of the `counted` intervals that started in it.

    The engine returns no clock for an interval done in time, so the intervals are counted from
    their anchors (`Interval`), not from the clocks returned: the denominator is the number of
    intervals that started in the period and have been decided (met, or not met: late, missed,
    or open past their due date). Those still open and not yet due, and those that stopped
    (the worker left first), are left out, as nothing was yet expected of them."""

    met: int = 0
    counted: int = 0

    @property
    def not_met(self) -> int:
        return self.counted - self.met

    @property
    def share(self) -> float | None:
        return self.met / self.counted if self.counted else None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    def __add__(self, other: Compliance) -> Compliance:
        return Compliance(self.met + other.met, self.counted + other.counted)


def compliance_of(record: WorkerSupervision, period: Period) -> Compliance:
    if record.since is not None and period.start < record.since:
        raise ValueError("This record was read from a later day than the period starts.")
    within = _intervals(record.spans, record.clocks, record.today, period)
    decided = [i for i in within if i.outcome in ("met", "not_met")]
    return Compliance(sum(1 for i in decided if i.outcome == "met"), len(decided))


def longest_gap_days(record: WorkerSupervision, today: date, since: date) -> int:
    """The longest stretch without supervision that ran into the 12 months from `since`: between
    the start in post or a session and the next session, or the last one and today (or the day
    they left)."""
    if record.since is not None and since < record.since:
        raise ValueError("This record was read from a later day than the gaps asked for.")
    if not record.spans:
        return 0
    span = record.spans[0]
    start = span.dates("started_in_post")[0]
    points = [start] + [d for d in span.dates("supervision_session") if d > start] + [span.end or today]
    gaps = [(b - a).days for a, b in zip(points, points[1:], strict=False) if b >= since]
    return max(gaps, default=0)


class Tag:
    OVERDUE = "Overdue"
    DUE_SOON = "Due soon"
    IN_TIME = "In time"
    CLASSES = {OVERDUE: "govuk-tag--red", DUE_SOON: "govuk-tag--yellow", IN_TIME: "govuk-tag--green"}
    ORDER = {OVERDUE: 0, DUE_SOON: 1, IN_TIME: 2}


@dataclass
class WorkerStatus:
    worker: User
    last_session_on: date | None
    last_session_id: int | None
    last_supervisor: User | None
    next_due: date | None
    rule_id: str
    rule_name: str
    overdue_days: int
    longest_gap_days: int
    compliance: Compliance
    tag: str

    @property
    def tag_class(self) -> str:
        return Tag.CLASSES[self.tag]


def _tag(clock: Clock | None, today: date, warn_days: int) -> str:
    if clock is None:
        return Tag.IN_TIME
    if clock.due_on < today:
        return Tag.OVERDUE
    if (clock.due_on - today).days <= warn_days:
        return Tag.DUE_SOON
    return Tag.IN_TIME


def supervision_status(
    workers: Iterable[User] | None = None, today: date | None = None, period: Period | None = None
) -> list[WorkerStatus]:
    """Per worker: the last session and who held it, when the next is due (the open clock), how
    many days overdue, the longest gap in the last 12 months, compliance over `period` (the last
    12 months by default) and a tag; overdue first, then the soonest due."""
    from carepath.timescales.services import engine_in_force

    today = today or timezone.localdate()
    period = period or Period.last_year(today)
    # Nothing before the period or the last 12 months (the longest gap) is shown.
    records = evaluate(workers, today, since=min(period.start, today - YEAR))
    rules = engine_in_force().by_id
    supervisor_ids = {r.last_session[1] for r in records.values() if r.last_session}
    supervisors = User.objects.in_bulk(supervisor_ids)
    rows = []
    for record in records.values():
        clock = record.open_clock
        rule = rules.get(clock.rule_id) if clock else None
        last = record.last_session
        rows.append(
            WorkerStatus(
                worker=record.worker,
                last_session_on=last[0] if last else None,
                last_session_id=last[2] if last else None,
                last_supervisor=supervisors.get(last[1]) if last else None,
                next_due=clock.due_on if clock else None,
                rule_id=clock.rule_id if clock else "",
                rule_name=rule.name if rule else "",
                overdue_days=max(0, (today - clock.due_on).days) if clock else 0,
                longest_gap_days=longest_gap_days(record, today, today - YEAR),
                compliance=compliance_of(record, period),
                tag=_tag(clock, today, max(rule.warn_days, default=0) if rule else 0),
            )
        )
    rows.sort(key=lambda r: (Tag.ORDER[r.tag], r.next_due or date.max, r.worker.last_name, r.worker.pk))
    return rows


@dataclass
class GroupCompliance:
    """Compliance of a team or a service: the sum of its workers' intervals."""

    group: Team | Service | None
    worker_ids: list[int] = field(default_factory=list)
    compliance: Compliance = field(default_factory=Compliance)
    overdue_now: int = 0

    @property
    def name(self) -> str:
        return str(self.group) if self.group is not None else "No team"


def compliance_by(
    by: str,
    period: Period,
    workers: Iterable[User] | None = None,
    today: date | None = None,
    statuses: list[WorkerStatus] | None = None,
) -> list[GroupCompliance]:
    """Compliance per team (`by="team"`) or per service (`by="service"`) over `period`, with the
    workers behind each figure, and how many of them are overdue now. Pass `statuses` (from
    supervision_status with the same period) to save working the clocks out again."""
    if by not in ("team", "service"):
        raise ValueError("compliance_by groups by 'team' or 'service'")
    statuses = statuses if statuses is not None else supervision_status(workers, today, period)
    groups: dict[int | None, GroupCompliance] = {}
    for row in statuses:
        worker = row.worker
        if by == "team":
            key, group = worker.team_id, worker.team if worker.team_id else None
        else:
            service = worker.service if worker.service_id else None
            key, group = (service.pk if service else None), service
        entry = groups.setdefault(key, GroupCompliance(group))
        entry.worker_ids.append(worker.pk)
        entry.compliance = entry.compliance + row.compliance
        entry.overdue_now += row.tag == Tag.OVERDUE
    return sorted(groups.values(), key=lambda g: (g.group is None, g.name))


@dataclass(frozen=True)
class Gap:
    """A supervision gap: an interval whose clock was late (answered after its due date), missed
    (the worker left with it overdue) or is open past its due date.

    started_on: the start in post or the session the gap runs from; due_on: when the next
    supervision was due (the rule's frequency from started_on); met_on: the session that ended
    it, or None; days_over: days past due_on until met_on, the day they left, or today;
    days_without: days from started_on to the same day (the length of the gap)."""

    worker_id: int
    worker: User
    rule_id: str
    status: str
    started_on: date
    due_on: date
    met_on: date | None
    days_over: int
    days_without: int
    key: str


def gaps(
    workers: Iterable[User] | None = None, since: date | None = None, today: date | None = None
) -> list[Gap]:
    """Every supervision gap that ran on or after `since` (its overdue stretch, the day after
    due_on to when it ended, reaches `since`; every gap if None), as of `today`, per worker and
    oldest first. A planted stretch of months with no supervision shows as one gap: one late
    clock from the last session before it to the first after it (or an open one, if there has
    been none since)."""
    today = today or timezone.localdate()
    found = []
    for record in evaluate(workers, today).values():
        for clock in record.clocks:
            if not _not_met(clock, today):
                continue
            met = clock.met if clock.status == Status.LATE else None
            ended = met or (clock.ended if clock.status == Status.MISSED else None) or today
            if since is not None and ended < since:
                continue
            found.append(
                Gap(
                    worker_id=record.worker.pk,
                    worker=record.worker,
                    rule_id=clock.rule_id,
                    status=clock.status,
                    started_on=clock.started_on,
                    due_on=clock.due_on,
                    met_on=met,
                    days_over=(ended - clock.due_on).days,
                    days_without=(ended - clock.started_on).days,
                    key=clock.key,
                )
            )
    found.sort(key=lambda g: (g.worker.last_name, g.worker_id, g.started_on))
    return found


# ---------------------------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------------------------


def supervisees_of(actor: User, today: date | None = None) -> QuerySet[User]:
    """The people on a supervisor's page: those they supervise by the organisation chart (a team
    manager's team, a head of service's team managers and the workers of teams with no manager,
    the director's heads of service), and anyone they have supervised in the last year; in post."""
    today = today or timezone.localdate()
    line = Q(role=Role.SOCIAL_WORKER, team__manager=actor)
    line |= Q(role=Role.TEAM_MANAGER, service__head=actor)
    line |= Q(role=Role.SOCIAL_WORKER, team__manager__isnull=True, team__service__head=actor)
    if actor.role == Role.DIRECTOR:
        line |= Q(role=Role.HEAD_OF_SERVICE)
    recent = SupervisionSession.objects.filter(supervisor=actor, held_on__gte=today - YEAR).values(
        "supervisee_id"
    )
    return (
        User.objects.filter(line | Q(pk__in=recent), is_active=True, left_on__isnull=True)
        .exclude(pk=actor.pk)
        .select_related("team__service", "team__manager", "service")
        .order_by("last_name", "first_name", "pk")
        .distinct()
    )


def supervisable_by(actor: User) -> list[User]:
    """Everyone the actor may record supervision of (services.supervision.may_supervise): the
    choices of the record form."""
    if not actor.can(Function.RECORD_SUPERVISION):
        return []
    candidates = User.objects.filter(
        is_active=True,
        left_on__isnull=True,
        role__in=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE],
    ).select_related("team__service", "service")
    if actor.role != Role.DIRECTOR:
        candidates = candidates.filter(
            Q(service_id=actor.service_id) | Q(team__manager=actor) | Q(team__service__head=actor)
        )
    return [u for u in candidates.order_by("last_name", "first_name", "pk") if may_supervise(actor, u)]


def escalated_to(actor: User) -> QuerySet[SupervisionEscalation]:
    return (
        SupervisionEscalation.objects.filter(escalated_to=actor)
        .select_related("supervisee__team", "supervisor")
        .order_by("-escalated_at", "-pk")
    )


def workers_for_assurance(actor: User) -> QuerySet[User]:
    """The workers whose supervision a VIEW_ASSURANCE reader may see: their team (a team manager),
    their service (a head of service), or everyone (authority scope)."""
    if not (actor.is_authenticated and actor.can(Function.VIEW_ASSURANCE)):
        raise PermissionDenied("Your role does not include supervision reports.")
    workers = supervised_workers()
    if actor.scope == Scope.AUTHORITY:
        return workers
    if actor.scope == Scope.SERVICE and actor.service_id:
        return workers.filter(service_id=actor.service_id)
    if actor.scope == Scope.TEAM and actor.team_id:
        return workers.filter(team_id=actor.team_id)
    return workers.none()


def above_in_line(reader: User, person: User) -> bool:
    """The reader manages `person`: their team's named manager, the named head of their service
    or a head of service of that service (a deputy), or the director."""
    if reader.pk == person.pk or not reader.is_active:
        return False
    if reader.role == Role.DIRECTOR:
        return True
    team = person.team if person.team_id else None
    if team is not None and team.manager_id == reader.pk:
        return True
    service = person.service if person.service_id else (team.service if team else None)
    if service is not None and service.head_id == reader.pk:
        return True
    return (
        reader.role == Role.HEAD_OF_SERVICE
        and reader.service_id is not None
        and (reader.service_id == person.service_id and person.role != Role.HEAD_OF_SERVICE)
    )


def may_read_notes(reader: User, session: SupervisionSession) -> bool:
    """The personal notes are for the supervisor, the supervisee and those who manage the
    supervisor (rules of confidentiality in supervision agreements)."""
    if reader.pk in (session.supervisor_id, session.supervisee_id):
        return True
    return above_in_line(reader, session.supervisor)


def may_see_session(reader: User, session: SupervisionSession) -> bool:
    """The session's date, length, type and directions: the two people, those above either of
    them in the line, and assurance readers whose scope covers the supervisee."""
    if may_read_notes(reader, session) or above_in_line(reader, session.supervisee):
        return True
    if not reader.can(Function.VIEW_ASSURANCE):
        return False
    return workers_for_assurance(reader).filter(pk=session.supervisee_id).exists()


@dataclass
class ShownDirection:
    direction: CaseDirection
    actions: list[DirectionAction]


@dataclass
class SessionPage:
    session: SupervisionSession
    directions: list[ShownDirection]
    hidden: int  # children discussed whose records the reader may not open (counted, not named)
    notes_visible: bool


def session_for(reader: User, pk: int, *, what: str = "Supervision session") -> SessionPage:
    """A session for its page: refused (403) to anyone who may not see it; the notes only for
    those who may read them; a child's direction only where the reader may open the child's
    record, each such child logged as read."""
    session = (
        SupervisionSession.objects.select_related("supervisor__team__service", "supervisee__team__service")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404("No supervision session with that number.")
    if not may_see_session(reader, session):
        raise PermissionDenied("Only the supervisor, the supervisee and their managers can see this session.")
    directions = list(
        session.directions.select_related("child", "directed_by").prefetch_related("actions__owner")
    )
    shown, hidden = [], 0
    for direction in directions:
        decision = child_access_decision(reader, direction.child)
        if not decision.allowed:
            hidden += 1
            continue
        log_read(reader, direction.child, decision, what)
        actions = list(direction.actions.all())
        for action in actions:
            action.may_mark_done = action.done_on is None and may_mark_done(reader, action)
        shown.append(ShownDirection(direction, actions))
    return SessionPage(session, shown, hidden, may_read_notes(reader, session))


def sessions_of(worker: User, *, limit: int | None = None) -> QuerySet[SupervisionSession]:
    rows = (
        SupervisionSession.objects.filter(supervisee=worker)
        .select_related("supervisor")
        .order_by("-held_on", "-pk")
    )
    return rows[:limit] if limit else rows


@dataclass
class OwnAction:
    action: DirectionAction
    visible: bool  # the owner can still open the child's record
    days_overdue: int


def actions_owned_by(worker: User, today: date | None = None, *, what: str | None = None) -> list[OwnAction]:
    """The direction actions a worker owns, open ones first (soonest due), then the last done.
    Children are named (and, with `what`, logged as read) only where the worker may open them."""
    today = today or timezone.localdate()
    rows = list(
        DirectionAction.objects.filter(owner=worker)
        .filter(Q(done_on__isnull=True) | Q(done_on__gte=today - timedelta(days=90)))
        .select_related("child", "direction__directed_by")
        .order_by("done_on", "due_on", "pk")
    )
    found = []
    logged: set[int] = set()
    for action in rows:
        decision = child_access_decision(worker, action.child)
        if decision.allowed and what and action.child_id not in logged:
            log_read(worker, action.child, decision, what)
            logged.add(action.child_id)
        overdue = (today - action.due_on).days if action.done_on is None and action.due_on < today else 0
        found.append(OwnAction(action, decision.allowed, overdue))
    found.sort(key=lambda r: (r.action.done_on is not None, r.action.due_on, r.action.pk))
    return found


def caseload_for_supervision(actor: User, supervisee: User) -> list[Child]:
    """The supervisee's open allocations (their caseload) that the supervisor may record a case
    direction on: the children the record form offers."""
    from carepath.people.models import Allocation

    child_ids = Allocation.objects.filter(
        worker=supervisee, ended_on__isnull=True, kind=Allocation.Kind.SOCIAL_WORKER
    ).values("child_id")
    children = (
        Child.objects.filter(pk__in=child_ids)
        .select_related("allocated_team__service")
        .order_by("last_name", "first_name", "pk")
    )
    return [c for c in children if child_access_decision(actor, c, Function.RECORD_SUPERVISION).allowed]


def owners_for(child: Child, *extra: User) -> list[User]:
    """Who the record form offers as an action's owner for a child: the people in post in the
    child's team, the head of its service, and `extra` (the supervisor and supervisee), who can
    open the child's record. The service checks the owner again."""
    people: dict[int, User] = {u.pk: u for u in extra if u is not None}
    team = child.allocated_team
    if team is not None:
        for user in User.objects.filter(
            is_active=True,
            left_on__isnull=True,
            team=team,
            role__in=[Role.SOCIAL_WORKER, Role.TEAM_MANAGER],
        ):
            people.setdefault(user.pk, user)
        head = team.service.head
        if head is not None and head.is_active and head.left_on is None:
            people.setdefault(head.pk, head)
    return sorted(
        (u for u in people.values() if child_access_decision(u, child).allowed),
        key=lambda u: (u.last_name, u.first_name, u.pk),
    )
