"""Working days for the generator: Monday to Friday, less England and Wales bank holidays.

Statutory timescales count working days from the day after the trigger (rules.md section 0), so
`add(d, n)` is the n-th working day after d and `between(a, b)` counts the working days after a
up to and including b. The generator needs millions of these look-ups, so they are array reads
over a precomputed span rather than date arithmetic.
"""

from datetime import date, timedelta

import holidays


class WorkingDays:
    def __init__(self, first: date, last: date):
        self.first = first
        self.last = last
        bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=range(first.year, last.year + 1))
        span = (last - first).days + 1
        self._cumulative: list[int] = []  # working days in [first, first + i]
        self._working: list[date] = []  # every working day in order
        count = 0
        for i in range(span):
            day = first + timedelta(days=i)
            if day.weekday() < 5 and day not in bank_holidays:
                count += 1
                self._working.append(day)
            self._cumulative.append(count)

    def _offset(self, day: date) -> int:
        offset = (day - self.first).days
        if not 0 <= offset < len(self._cumulative):
            raise ValueError(f"{day} is outside the generator's calendar ({self.first} to {self.last})")
        return offset

    def is_working(self, day: date) -> bool:
        offset = self._offset(day)
        before = self._cumulative[offset - 1] if offset else 0
        return self._cumulative[offset] > before

    def add(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n >= 1); n = 0 gives the first working day on or after it."""
        if n <= 0:
            return self.on_or_after(day)
        return self._working[self._cumulative[self._offset(day)] + n - 1]

    def between(self, start: date, end: date) -> int:
        """Working days after `start`, up to and including `end` (negative if end is earlier)."""
        return self._cumulative[self._offset(end)] - self._cumulative[self._offset(start)]

    def on_or_after(self, day: date) -> date:
        offset = self._offset(day)
        before = self._cumulative[offset - 1] if offset else 0
        return self._working[before]

    def on_or_before(self, day: date) -> date:
        return self._working[self._cumulative[self._offset(day)] - 1]
