"""Visits and case notes: the day-to-day record of work with each child.

Statutory visits keep to their cadence (child protection: at least every 10 working days;
looked after: within a week of each placement starting and at least every 42 days; child in
need: about every 20 working days) except where a late visit is planted. Case notes are written
by whoever held the case that day, usually the same day or within a week; planted backdated
notes are written up 10 to 60 days later. A manager's oversight note goes on each open episode
every 18 to 27 days, so that no episode goes a month without case supervision or oversight
(CASE-SUPV; supervision's case directions come on top). Rows are generated child by child and
written in batches, so memory stays flat however large the authority.
"""

import random
from datetime import date, datetime, timedelta

from carepath.core.bulk import Sink
from carepath.journey import models as jm
from carepath.people import models as pm

from .allocation import Alloc, AllocationSimulation
from .calendar import WorkingDays
from .journeys import JourneyBuilder, Kid, at
from .organisation import Holder, Organisation
from .planted import PlantedFailures
from .pools import CASE_NOTE_SUBJECTS, CASE_NOTE_TEXTS, OVERSIGHT_TEXTS, VISIT_NOTES

AK = pm.Allocation.Kind
VK = jm.Visit.Kind
NK = jm.CaseNote.Kind
NOTE_KINDS = {NK.CASE_NOTE: 0.5, NK.PHONE_CALL: 0.25, NK.MEETING: 0.1, NK.CORRESPONDENCE: 0.15}
# Management oversight notes on an open episode: days from the referral to the first, then between.
FIRST_OVERSIGHT_DAYS = (10, 25)
OVERSIGHT_EVERY_DAYS = (18, 27)


class Caseholders:
    """Who held a child's case on a given day, from the allocation history."""

    def __init__(self, allocs: list[Alloc], fallback: Holder):
        self.allocs = sorted(allocs, key=lambda a: a.start)
        self.fallback = fallback

    def on(self, day: date) -> Alloc | None:
        found = None
        for alloc in self.allocs:
            if alloc.start > day:
                break
            if alloc.end is None or day <= alloc.end:
                found = alloc
        if found is None:
            earlier = [a for a in self.allocs if a.start <= day]
            return earlier[-1] if earlier else (self.allocs[0] if self.allocs else None)
        return found

    def holder_on(self, day: date) -> Holder:
        alloc = self.on(day)
        return alloc.holder if alloc else self.fallback


class ActivityWriter:
    def __init__(
        self,
        *,
        sink: Sink,
        journeys: JourneyBuilder,
        allocations: AllocationSimulation,
        org: Organisation,
        planted: PlantedFailures,
        wd: WorkingDays,
        today: date,
        seed: int,
    ):
        self.sink = sink
        self.journeys = journeys
        self.allocations = allocations
        self.org = org
        self.planted = planted
        self.wd = wd
        self.today = today
        self.last = today - timedelta(days=1)
        self.cutoff = journeys.cutoff
        self.seed = seed

    def run(self, progress=None) -> None:
        kids = self.journeys.kids
        for i, kid in enumerate(kids):
            if kid.spans:
                self.child(kid, random.Random(self.seed * 13 + kid.index))
            if progress and (i % 1000 == 0 or i + 1 == len(kids)):
                progress("visits and case notes", i + 1, len(kids))

    def child(self, kid: Kid, rng: random.Random) -> None:
        allocs = self.allocations.allocs.get(kid.id, [])
        mash = self.org.teams[pm.Team.Kind.FRONT_DOOR][0]
        fallback = self.org.manager_or_head(mash, self.last)
        social = Caseholders([a for a in allocs if a.kind == AK.SOCIAL_WORKER], fallback)
        early = Caseholders([a for a in allocs if a.kind == AK.EARLY_HELP_WORKER], fallback)
        names = {
            "child": kid.first_name or "the baby",
            "parent": kid.family.mother_name.split(" ")[0] or "Mother",
        }
        for span in kid.spans:
            kind = span[0]
            if kind == "cp":
                self.cp_visits(kid, span, social, names, rng)
            elif kind == "cla":
                self.cla_visits(kid, span, social, names, rng)
            elif kind == "cin":
                self.cadence(kid, span[1], span[2], (12, 20), VK.CIN, social, names, rng)
            elif kind == "eh":
                self.cadence(kid, span[1], span[2], None, VK.EARLY_HELP, early, names, rng)
                self.notes(kid, span[1], span[2], early, names, rng, mean_gap=20, oversight=False)
            elif kind == "assess":
                self.assessment_visits(kid, span, social, names, rng)
            elif kind == "open":
                self.notes(kid, span[1], span[2], social, names, rng, mean_gap=12, oversight=True)

    # -- visits ---------------------------------------------------------------------------------

    def _visit(
        self,
        kid: Kid,
        day: date,
        kind: str,
        holders: Caseholders,
        names: dict,
        rng: random.Random,
        seen: bool = True,
        bedroom: bool = False,
    ) -> int:
        when = at(day, rng.randint(9, 17), rng.choice([0, 10, 15, 20, 30, 40, 45, 50]))
        unborn = kid.dob is None or day < kid.dob
        seen = seen and not unborn
        age = kid.age_on(day)
        if unborn:
            notes = "Pre-birth visit to the mother."
        elif seen:
            notes = rng.choice(VISIT_NOTES).format(**names)
        else:
            notes = "No answer at the door; card left and visit rearranged."
        return self.sink.add(
            jm.Visit,
            child_id=kid.id,
            visited_at=when,
            kind=kind,
            visitor_id=holders.holder_on(day).user_id,
            child_seen=seen,
            child_seen_alone=seen and age >= 5 and rng.random() < 0.6,
            bedroom_seen=seen and bedroom,
            notes=notes,
            recorded_at=self.journeys.recorded(rng, when),
            recorded_by_id=holders.holder_on(day).user_id,
        )

    def cp_visits(self, kid: Kid, span: tuple, holders: Caseholders, names: dict, rng: random.Random) -> None:
        _kind, start, end, plan_id = span
        wd = self.wd
        stop = min(end or self.today, self.today)
        plant = self.planted.roll("late_cp_visit", rng)
        expected = wd.between(start, stop) // 8 if stop > start else 0
        late_at = rng.randint(1, max(1, expected - 2)) if plant and expected >= 3 else None
        prev = start
        n = 0
        while True:
            if n == late_at:
                gap = rng.randint(13, 25)  # the planted late visit
            elif n:
                gap = rng.randint(5, 10)
            else:
                gap = rng.randint(1, 6)  # the first visit, soon after the conference
            day = wd.add(prev, gap)
            if n == late_at:
                due = wd.add(prev, 10)
                if due < stop:
                    self.planted.add(
                        "late_cp_visit",
                        case_number=kid.case_number,
                        record_type="ChildProtectionPlan",
                        record_id=plan_id,
                        start=prev,
                        end=day if day < stop else None,
                        description=(
                            f"{wd.between(prev, min(day, stop))} working days between statutory visits "
                            f"(due by {due.isoformat()})"
                        ),
                    )
            if day >= stop:
                break
            self._visit(kid, day, VK.CP, holders, names, rng, bedroom=n % 2 == 0)
            if rng.random() < 0.04:
                attempt = wd.add(day, 1)
                if attempt < stop:
                    self._visit(kid, attempt, VK.CP, holders, names, rng, seen=False)
            prev = day
            n += 1

    def cla_visits(
        self, kid: Kid, span: tuple, holders: Caseholders, names: dict, rng: random.Random
    ) -> None:
        _kind, start, end, placement_days, episode_id = span
        stop = min(end or self.today, self.today)
        if stop <= start:
            return
        plant = (stop - start).days >= 60 and self.planted.roll("late_cla_visit", rng)
        late_at = rng.randint(1, max(1, (stop - start).days // 42 - 1)) if plant else None
        upcoming = sorted(d for d in placement_days if d > start)
        day = start + timedelta(days=rng.randint(0, 6))
        n = 0
        while day < stop:
            self._visit(kid, day, VK.CLA, holders, names, rng, bedroom=n % 3 == 0)
            n += 1
            upcoming = [d for d in upcoming if d > day]
            if n == late_at:
                nxt = day + timedelta(days=rng.randint(46, 80))
                while nxt.weekday() >= 5:
                    nxt += timedelta(days=1)
                due = day + timedelta(days=42)
                if due < stop:
                    self.planted.add(
                        "late_cla_visit",
                        case_number=kid.case_number,
                        record_type="LookedAfterEpisode",
                        record_id=episode_id,
                        start=day,
                        end=nxt if nxt < stop else None,
                        description=(
                            f"{(min(nxt, stop) - day).days} days between statutory visits "
                            f"(due by {due.isoformat()})"
                        ),
                    )
                upcoming = [d for d in upcoming if d > nxt]
                day = nxt
                continue
            nxt = day + timedelta(days=rng.randint(21, 42))
            # A new placement: visit within a week of it starting, and never more than 42 days on.
            moved = [d for d in upcoming if d <= nxt]
            floor = day + timedelta(days=1)
            if moved:
                nxt = min(moved[0] + timedelta(days=rng.randint(0, 6)), day + timedelta(days=42))
                floor = moved[0]
                upcoming = [d for d in upcoming if d > moved[0]]
            while nxt.weekday() >= 5 and nxt - timedelta(days=1) >= floor:
                nxt -= timedelta(days=1)
            day = nxt

    def cadence(
        self,
        kid: Kid,
        start: date,
        end: date | None,
        working_gap: tuple[int, int] | None,
        kind: str,
        holders: Caseholders,
        names: dict,
        rng: random.Random,
    ) -> None:
        stop = min(end or self.today, self.today)
        wd = self.wd
        day = wd.add(start, rng.randint(2, 10)) if working_gap else start + timedelta(days=rng.randint(3, 14))
        while day < stop:
            self._visit(kid, day, kind, holders, names, rng)
            day = (
                wd.add(day, rng.randint(*working_gap))
                if working_gap
                else day + timedelta(days=rng.randint(10, 30))
            )

    def assessment_visits(
        self, kid: Kid, span: tuple, holders: Caseholders, names: dict, rng: random.Random
    ) -> None:
        _kind, start, end, seen_on = span
        stop = min(end or self.today, self.today)
        days = {seen_on} if seen_on else set()
        for _ in range(rng.randint(0, 2)):
            candidate = start + timedelta(days=rng.randint(0, max(0, (stop - start).days - 1)))
            if candidate < stop:
                days.add(candidate)
        if not seen_on and kid.dob is not None and kid.dob <= start:
            days = set()  # the child was not seen during an assessment still under way
        for day in sorted(d for d in days if d <= self.last):
            self._visit(kid, day, VK.ASSESSMENT, holders, names, rng)

    # -- case notes -----------------------------------------------------------------------------

    def notes(
        self,
        kid: Kid,
        start: date,
        end: date | None,
        holders: Caseholders,
        names: dict,
        rng: random.Random,
        *,
        mean_gap: int,
        oversight: bool,
    ) -> None:
        stop = min(end or self.today, self.today)
        day = start + timedelta(days=rng.randint(0, 3))
        # Management oversight keeps each open episode within CASE-SUPV (a case direction or an
        # oversight note at least monthly): the first within 10-25 days of the referral, then every
        # 18-27 days (a calendar month is never shorter than 28). Supervision adds case directions
        # on top (synth/assurance.py); no case supervision gap is planted.
        next_oversight = start + timedelta(days=rng.randint(*FIRST_OVERSIGHT_DAYS))
        while day < stop:
            self._note(kid, day, pick_kind(rng), holders.holder_on(day), names, rng)
            day += timedelta(days=max(1, int(rng.expovariate(1 / mean_gap))))
            # Up to the next note, or to the end of the episode (or today) after the last one.
            while oversight and next_oversight < min(day, stop):
                alloc = holders.on(next_oversight)
                team = alloc.team if alloc else None
                manager = self.org.manager_or_head(team, next_oversight) if team else holders.fallback
                self._note(kid, next_oversight, NK.MANAGEMENT_OVERSIGHT, manager, names, rng)
                next_oversight += timedelta(days=rng.randint(*OVERSIGHT_EVERY_DAYS))

    def _note(self, kid: Kid, day: date, kind: str, author: Holder, names: dict, rng: random.Random) -> None:
        when = at(day, rng.randint(8, 18), rng.randint(0, 59))
        if kind == NK.MANAGEMENT_OVERSIGHT:
            text = rng.choice(OVERSIGHT_TEXTS)
        else:
            text = rng.choice(CASE_NOTE_TEXTS).format(**names)
        backdated = (
            when + timedelta(days=61) < self.cutoff
            and kind != NK.MANAGEMENT_OVERSIGHT
            and self.planted.roll("backdated_recording", rng)
        )
        if backdated:
            recorded: datetime = when + timedelta(days=rng.randint(10, 60), hours=rng.randint(0, 6))
        else:
            recorded = self.journeys.recorded(rng, when)
        note_id = self.sink.add(
            jm.CaseNote,
            child_id=kid.id,
            happened_at=when,
            kind=kind,
            subject=rng.choice(CASE_NOTE_SUBJECTS[kind]),
            text=text,
            author_id=author.user_id,
            recorded_at=recorded,
            recorded_by_id=author.user_id,
        )
        if backdated:
            self.planted.add(
                "backdated_recording",
                case_number=kid.case_number,
                record_type="CaseNote",
                record_id=note_id,
                start=day,
                end=recorded.date(),
                description=f"Case note written up {(recorded - when).days} days after the activity",
            )


def pick_kind(rng: random.Random) -> str:
    return rng.choices(list(NOTE_KINDS), weights=list(NOTE_KINDS.values()))[0]
