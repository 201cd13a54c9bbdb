"""Who held each child's case: a simulation of allocation across the whole authority.

The journey phase says, for each child, which kind of team should hold the case and when. This
phase walks through the history day by day (as a queue of events) and gives each new case to the
least-loaded worker in the team, keeping brothers and sisters with the same worker. When a worker
leaves, their children move to colleagues on their last day (LEFTRL). Transfers between teams are
TSPROC and closures PCCHAN. Planted churn moves a child between workers four or five times in a
year; churn can also arise on its own from turnover, and both are listed.
"""

import heapq
import random
from collections import defaultdict
from datetime import date, timedelta

from carepath.core.permissions import Role
from carepath.people import models as pm

from .journeys import JourneyBuilder, Kid
from .organisation import Holder, Organisation, TeamInfo
from .planted import PlantedFailures

AK = pm.Allocation.Kind
ER = pm.Allocation.EndReason

# Event order within a day: cases end, then leavers hand over, then new cases, then churn.
END, LEAVE, START, CHURN = 0, 1, 2, 3


class Alloc:
    __slots__ = ("kid", "holder", "team", "start", "end", "reason", "kind")

    def __init__(self, kid: Kid, holder: Holder, team: TeamInfo, start: date, kind: str):
        self.kid = kid
        self.holder = holder
        self.team = team
        self.start = start
        self.end: date | None = None
        self.reason = ""
        self.kind = kind


def changes_in_a_year(allocs: list[Alloc]) -> tuple[int, date | None]:
    """The most changes of social worker in any 12 months, and when that year began. A change is
    an allocation that starts the day the previous one ended, to a different worker."""
    allocs = sorted(allocs, key=lambda a: (a.start, a.end or date.max))
    changes = [
        b.start
        for a, b in zip(allocs, allocs[1:], strict=False)
        if a.end == b.start and a.holder.user_id != b.holder.user_id
    ]
    best, best_start = 0, None
    j = 0
    for i, day in enumerate(changes):
        while changes[j] <= day - timedelta(days=365):
            j += 1
        if i - j + 1 > best:
            best, best_start = i - j + 1, changes[j]
    return best, best_start


class AllocationSimulation:
    def __init__(
        self,
        *,
        journeys: JourneyBuilder,
        org: Organisation,
        planted: PlantedFailures,
        seed: int,
        today: date,
        history_start: date,
    ):
        self.journeys = journeys
        self.org = org
        self.planted = planted
        self.rng = random.Random(seed * 31 + 17)
        self.today = today
        self.history_start = history_start
        self.load: dict[int, int] = defaultdict(int)
        self.current: dict[tuple[int, str], Alloc] = {}  # (child id, kind) -> open allocation
        self.by_worker: dict[int, set] = defaultdict(set)  # user id -> open allocations
        self.family_worker: dict[tuple[int, int], Holder] = {}
        self.allocs: dict[int, list[Alloc]] = defaultdict(list)  # child id -> allocations
        self.team_by_id = {team.id: team for teams in org.teams.values() for team in teams}
        self.churn_children: set[int] = set()

    # -- choosing a worker ----------------------------------------------------------------------

    def _choose(self, team: TeamInfo, day: date, kid: Kid | None, exclude: int | None = None) -> Holder:
        workers = [h for h in team.workers_on(day) if h.user_id != exclude]
        if kid is not None:
            pinned = kid.pinned_worker
            if (
                pinned is not None
                and pinned.post.team is team
                and pinned.active_on(day)
                and pinned.user_id != exclude
            ):
                return pinned
            sibling = self.family_worker.get((kid.family.id, team.id))
            if (
                sibling is not None
                and sibling.active_on(day)
                and sibling.user_id != exclude
                and sibling.post.team is team
            ):
                return sibling
        if not workers:
            return self.org.manager_or_head(team, day)
        rng = self.rng
        return min(
            workers,
            key=lambda h: (
                self.load[h.user_id]
                * (1.3 if h.post.registered and h.started_on > day - timedelta(days=365) else 1.0),
                rng.random(),
            ),
        )

    def _open(self, kid: Kid, team: TeamInfo, day: date, kind: str, exclude: int | None = None) -> Alloc:
        holder = self._choose(team, day, kid, exclude)
        alloc = Alloc(kid, holder, team, day, kind)
        self.current[(kid.id, kind)] = alloc
        self.by_worker[holder.user_id].add(alloc)
        self.load[holder.user_id] += 1
        self.allocs[kid.id].append(alloc)
        self.family_worker[(kid.family.id, team.id)] = holder
        return alloc

    def _close(self, alloc: Alloc, day: date, reason: str) -> None:
        alloc.end = day
        alloc.reason = reason
        self.current.pop((alloc.kid.id, alloc.kind), None)
        self.by_worker[alloc.holder.user_id].discard(alloc)
        self.load[alloc.holder.user_id] -= 1

    # -- the simulation -------------------------------------------------------------------------

    def run(self, progress=None) -> None:
        events: list = []
        seq = 0

        def push(day, order, payload):
            nonlocal seq
            seq += 1
            heapq.heappush(events, (day, order, seq, payload))

        eligible_for_churn = []
        for kid in self.journeys.kids:
            for start, end, team_id, reason in kid.sw_plan:
                push(start, START, ("sw", kid, team_id, AK.SOCIAL_WORKER))
                if end is not None:
                    push(end, END, (kid, AK.SOCIAL_WORKER, reason))
                if end is None or end - start > timedelta(days=400):
                    eligible_for_churn.append((kid, start, end))
            for start, end, team_id in kid.eh_plan:
                push(start, START, ("eh", kid, team_id, AK.EARLY_HELP_WORKER))
                if end is not None:
                    push(end, END, (kid, AK.EARLY_HELP_WORKER, ER.PCCHAN))
        for holder in self.org.all_holders:
            if holder.left_on is not None and holder.post.role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER):
                push(holder.left_on, LEAVE, holder)
        # Planted churn: a year in which the child's worker changes four or five times.
        for kid, start, end in eligible_for_churn:
            if kid.id in self.churn_children or not self.planted.roll("worker_churn", self.rng):
                continue
            stop = min(end or self.today, self.today - timedelta(days=1))
            latest = stop - timedelta(days=340)
            earliest = max(start + timedelta(days=10), self.history_start)
            if latest <= earliest:
                continue
            begin = earliest + timedelta(days=self.rng.randint(0, (latest - earliest).days))
            self.churn_children.add(kid.id)
            for offset in sorted(self.rng.sample(range(1, 330), self.rng.randint(4, 5))):
                push(begin + timedelta(days=offset), CHURN, kid)

        total = len(events)
        done = 0
        while events:
            day, order, _seq, payload = heapq.heappop(events)
            done += 1
            if progress and done % 20000 == 0:
                progress("allocations", done, total)
            if order == END:
                kid, kind, reason = payload
                alloc = self.current.get((kid.id, kind))
                if alloc is not None:
                    self._close(alloc, day, reason)
            elif order == LEAVE:
                holder = payload
                for alloc in sorted(self.by_worker.get(holder.user_id, ()), key=lambda a: (a.kid.id, a.kind)):
                    self._close(alloc, day, ER.LEFTRL)
                    self._open(alloc.kid, alloc.team, day, alloc.kind, exclude=holder.user_id)
            elif order == START:
                _label, kid, team_id, kind = payload
                previous = self.current.get((kid.id, kind))
                if previous is not None:
                    # A transfer on the same day the last segment ended is handled by END first;
                    # anything still open here is closed as a transfer.
                    self._close(previous, day, ER.TSPROC)
                self._open(kid, self.team_by_id[team_id], day, kind)
            else:
                kid = payload
                alloc = self.current.get((kid.id, AK.SOCIAL_WORKER))
                if alloc is None or alloc.start >= day:
                    continue
                self._close(alloc, day, self.rng.choice([ER.MANAGE, ER.ABSENC, ER.ORGRST, ER.OTHERS]))
                # A deliberate move: away from the sibling rule and the pinned worker.
                self.family_worker.pop((kid.family.id, alloc.team.id), None)
                pinned, kid.pinned_worker = kid.pinned_worker, None
                self._open(kid, alloc.team, day, AK.SOCIAL_WORKER, exclude=alloc.holder.user_id)
                kid.pinned_worker = pinned
        if progress:
            progress("allocations", total, total)

    # -- after the simulation -------------------------------------------------------------------

    def open_social_worker(self, kid: Kid) -> Alloc | None:
        return self.current.get((kid.id, AK.SOCIAL_WORKER))

    def reallocate(self, kid: Kid, holder: Holder, day: date, reason: str = ER.MANAGE) -> None:
        alloc = self.current.get((kid.id, AK.SOCIAL_WORKER))
        if alloc is None:
            return
        self._close(alloc, day, reason)
        new = Alloc(kid, holder, holder.post.team, day, AK.SOCIAL_WORKER)
        self.current[(kid.id, AK.SOCIAL_WORKER)] = new
        self.by_worker[holder.user_id].add(new)
        self.load[holder.user_id] += 1
        self.allocs[kid.id].append(new)

    def record_churn(self) -> None:
        for kid in self.journeys.kids:
            sw = [a for a in self.allocs.get(kid.id, ()) if a.kind == AK.SOCIAL_WORKER]
            if len(sw) < 5:
                continue
            count, begin = changes_in_a_year(sw)
            if count >= 4:
                planted = kid.id in self.churn_children
                self.planted.add(
                    "worker_churn",
                    case_number=kid.case_number,
                    record_type="Allocation",
                    record_id=None,
                    start=begin,
                    end=begin + timedelta(days=364),
                    origin="planted" if planted else "arose",
                    description=f"{count} changes of social worker within 12 months"
                    + ("" if planted else " (arose from staff turnover and transfers)"),
                )

    def write(self, sink, recorded) -> None:
        for kid in self.journeys.kids:
            for alloc in self.allocs.get(kid.id, ()):
                manager = alloc.team.manager_on(alloc.start)
                sink.add(
                    pm.Allocation,
                    child_id=kid.id,
                    worker_id=alloc.holder.user_id,
                    team_id=alloc.team.id,
                    kind=alloc.kind,
                    started_on=alloc.start,
                    ended_on=alloc.end,
                    end_reason=alloc.reason,
                    recorded_at=recorded(self.rng, alloc.start),
                    recorded_by_id=manager.user_id if manager else None,
                )
