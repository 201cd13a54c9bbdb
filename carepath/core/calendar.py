"""Working days and the counting conventions of rules.md section 0.

A working day is Monday to Friday, less England and Wales bank holidays (from the maintained
`holidays` library, subdivision ENG) and the closure days an authority adds. Statutory timescales
count working days from the day *after* the trigger, so `add_working_days(d, n)` is the n-th
working day after d. "Beginning with" periods (CA 1989 s32: 26 weeks beginning with the day of
issue) count the trigger day as day 1. Hours (police protection, s46(6)) are hours that actually
pass from a datetime, whatever the clocks do in March and October.

The engine asks millions of these questions on a full recompute, so a calendar precomputes each
year it is asked about into arrays and answers by index.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

# Working days and bank holidays are England and Wales days: a moment is on the day it is there.
ENGLAND_AND_WALES = ZoneInfo("Europe/London")


class Unit:
    WORKING_DAYS = "working_days"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    HOURS = "hours"

    ALL = (WORKING_DAYS, DAYS, WEEKS, MONTHS, HOURS)
    LABELS = {
        WORKING_DAYS: ("working day", "working days"),
        DAYS: ("day", "days"),
        WEEKS: ("week", "weeks"),
        MONTHS: ("month", "months"),
        HOURS: ("hour", "hours"),
    }


class Counting:
    """How the trigger day is counted (rules.md section 0)."""

    AFTER = "after"  # day 1 is the day after the trigger (Working Together, CPPCR regs)
    BEGINNING_WITH = "beginning_with"  # the trigger day is day 1 (CA 1989 s32, s45)

    ALL = (AFTER, BEGINNING_WITH)


def describe_limit(limit: int, unit: str) -> str:
    singular, plural = Unit.LABELS[unit]
    return f"{limit} {singular if limit == 1 else plural}"


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def bank_holidays_between(first: date, last: date) -> dict[date, str]:
    """England and Wales bank holidays with their names, for the calendar page."""
    found = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))
    return {day: name for day, name in sorted(found.items()) if first <= day <= last}


@dataclass(frozen=True)
class _Year:
    first: date
    working: tuple[date, ...]  # the year's working days in order


class WorkingCalendar:
    """England and Wales working days, less an authority's closure days."""

    def __init__(self, closure_days: Iterable[date] = ()):
        self.closure_days = frozenset(closure_days)
        self._years: dict[int, tuple[date, ...]] = {}

    # -- the calendar itself --------------------------------------------------------------------

    def _working_in(self, year: int) -> tuple[date, ...]:
        found = self._years.get(year)
        if found is None:
            bank = _bank_holidays(year)
            day = date(year, 1, 1)
            days = []
            while day.year == year:
                if day.weekday() < 5 and day not in bank and day not in self.closure_days:
                    days.append(day)
                day += timedelta(days=1)
            found = self._years[year] = tuple(days)
        return found

    def is_bank_holiday(self, day: date) -> bool:
        return day in _bank_holidays(day.year)

    def is_working_day(self, day: date) -> bool:
        working = self._working_in(day.year)
        i = bisect.bisect_left(working, day)
        return i < len(working) and working[i] == day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (day 1 is the first working day after it)."""
        if n < 1:
            raise ValueError("count at least one working day")
        year = day.year
        working = self._working_in(year)
        i = bisect.bisect_right(working, day)  # first working day strictly after `day`
        while True:
            remaining = len(working) - i
            if n <= remaining:
                return working[i + n - 1]
            n -= remaining
            year += 1
            working = self._working_in(year)
            i = 0

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start`, up to and including `end` (0 if end is not after start)."""
        if end <= start:
            return 0
        count = 0
        for year in range(start.year, end.year + 1):
            working = self._working_in(year)
            lo = bisect.bisect_right(working, start) if year == start.year else 0
            hi = bisect.bisect_right(working, end) if year == end.year else len(working)
            count += max(0, hi - lo)
        return count

    def next_day_not_public_holiday(self, day: date) -> date:
        """CA 1989 s45(2): a public holiday is Christmas Day, Good Friday, a bank holiday or a Sunday."""
        while day.weekday() == 6 or self.is_bank_holiday(day):
            day += timedelta(days=1)
        return day

    # -- deadlines ------------------------------------------------------------------------------

    def due(
        self,
        start: date | datetime,
        limit: int,
        unit: str,
        counting: str = Counting.AFTER,
        public_holiday_extends: bool = False,
    ) -> date | datetime:
        """The last moment something started at `start` may be done within `limit` `unit`s.

        Day-based units give the last permitted date; hours give a datetime.
        """
        if counting not in Counting.ALL:
            raise ValueError(f"unknown counting {counting!r}")
        if unit == Unit.HOURS:
            if not isinstance(start, datetime):
                raise ValueError("an hours rule needs a date and time to start from")
            if start.tzinfo is None:
                return start + timedelta(hours=limit)
            # Hours that pass, not hours on the clock face: adding a timedelta to a datetime in
            # Europe/London is wall-clock arithmetic, which gives 73 hours across the October
            # change and 71 across the March one. Count in UTC and answer in the caller's zone.
            return (start.astimezone(UTC) + timedelta(hours=limit)).astimezone(start.tzinfo)
        if isinstance(start, datetime):
            # The day it is in England and Wales, not in UTC: 00:30 BST is still that day.
            day = (start.astimezone(ENGLAND_AND_WALES) if start.tzinfo else start).date()
        else:
            day = start
        if unit == Unit.WORKING_DAYS:
            if counting == Counting.BEGINNING_WITH:
                # The trigger day is day 1 when it is a working day.
                due = day if limit == 1 and self.is_working_day(day) else None
                if due is None:
                    n = limit - 1 if self.is_working_day(day) else limit
                    due = self.add_working_days(day, n)
            else:
                due = self.add_working_days(day, limit)
        elif unit in (Unit.DAYS, Unit.WEEKS):
            days = limit * 7 if unit == Unit.WEEKS else limit
            due = day + timedelta(days=days - 1 if counting == Counting.BEGINNING_WITH else days)
        elif unit == Unit.MONTHS:
            # relativedelta is month-end safe: 31 January + 1 month is 28 (or 29) February.
            due = day + relativedelta(months=limit)
            if counting == Counting.BEGINNING_WITH:
                due -= timedelta(days=1)
        else:
            raise ValueError(f"unknown unit {unit!r}")
        if public_holiday_extends:
            due = self.next_day_not_public_holiday(due)
        return due


_cache: dict[frozenset[date], WorkingCalendar] = {}


def calendar_with(closure_days: Iterable[date]) -> WorkingCalendar:
    """A shared calendar for a set of closure days, so its arrays are built once per process."""
    key = frozenset(closure_days)
    found = _cache.get(key)
    if found is None:
        if len(_cache) > 8:
            _cache.clear()
        found = _cache[key] = WorkingCalendar(key)
    return found
