"""The vendor calendar as one value: its zone, closed days, desk week and duty hours.

Everything is evaluated on the vendor-local wall clock, so DST nights come out right.
A `Calendar` never changes once built, so its answers per local date (desk spans, duty
windows, why a day is closed, the next opening after it) are memoised inside it: a decision
asks the same questions again, and every call on one day asks the same ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import pendulum

from rotas.closed_days import COUNTRY_NAMES, Closure, HolidayCalendar
from rotas.hours import (
    Day,
    Span,
    WeeklyHours,
    complement,
    contains,
    local_date,
    local_instant,
    minute_of_day,
    normalise,
    subtract,
    zone,
)

HORIZON_DAYS = 800  # a desk that does not open within this many days has no next opening
_MEMO_LIMIT = 200_000  # answers one calendar keeps before its memo starts afresh
_UNKNOWN = object()  # not memoised yet (None is an answer: no opening, not closed)


@dataclass(frozen=True)
class Break:
    name: str
    days: tuple[int, ...]
    span: Span


class Opening(NamedTuple):
    """A desk opening span: vendor-local start and end, and both as epoch seconds (instants
    in different zones compare ten times slower than numbers)."""

    start: object
    end: object
    start_ts: float
    end_ts: float


@dataclass(frozen=True)
class Calendar:
    """When a vendor's desk is open and its duty window runs, in its time zone `tz`.

    A copy made with `dataclasses.replace` derives its week and starts with an empty memo of
    its own, so it never answers from the calendar it was copied from."""

    tz: str
    holidays: HolidayCalendar
    desk_hours: WeeklyHours
    breaks: tuple[Break, ...] = ()
    duty_hours: WeeklyHours | None = None  # None: whenever the desk is closed
    closures: tuple[Closure, ...] = ()
    _open_week: tuple[Day, ...] = field(init=False, repr=False, compare=False)
    _memo: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        breaks = [normalise([b.span for b in self.breaks if d in b.days]) for d in range(7)]
        week = tuple(subtract(self.desk_hours.days[d], breaks[d]) for d in range(7))
        object.__setattr__(self, "_open_week", week)  # desk hours with breaks removed
        object.__setattr__(self, "_memo", {})

    @property
    def country(self) -> str:
        return self.holidays.country

    @property
    def zone(self):
        return zone(self.tz)

    def local(self, at):
        """`at` on the vendor's wall clock."""
        tz = zone(self.tz)
        return at if at.tzinfo is tz else at.astimezone(tz)

    # -- per local date (memoised) --------------------------------------------------------

    def closed_reason(self, d: date) -> str | None:
        """Why `d` is a closed day ('Maundy Thursday is a public holiday in Norway'), or None."""
        return self._memoised(("closed", d), self._closed_reason, d)

    def desk_day(self, d: date) -> Day:
        """Desk opening spans on local date `d` (breaks removed; empty on closed days)."""
        return self._memoised(("desk", d), self._desk_day, d)

    def duty_day(self, d: date) -> Day:
        """Duty-window spans on local date `d`. Without configured duty hours: whenever closed."""
        return self._memoised(("duty", d), self._duty_day, d)

    def desk_openings(self, d: date) -> tuple[Opening, ...]:
        """The desk's opening spans on local date `d`."""
        return self._memoised(("desk openings", d), self._desk_openings, d)

    def first_opening_after(self, d: date):
        """The first desk opening (vendor-local) on a day after local date `d`, within
        HORIZON_DAYS days; None: none (most calls outside hours ask for the same morning)."""
        return self._memoised(("first opening after", d), self._first_opening_after, d)

    def working_day_end(self, d: date, n: int):
        """The closing time (vendor-local) of the n-th working day after local date `d`
        (n=1: the next working day), or None when there are not that many within the horizon."""
        return self._memoised(("end of working day", d, n), self._working_day_end, d, n)

    # -- instants ---------------------------------------------------------------------------

    def is_open(self, at) -> bool:
        """Is the desk open at instant `at`? 08:00-16:00 includes 08:00 and excludes 16:00."""
        t = self.local(at)
        return contains(self.desk_day(local_date(t)), minute_of_day(t)) is not None

    def in_duty_window(self, at) -> bool:
        t = self.local(at)
        return contains(self.duty_day(local_date(t)), minute_of_day(t)) is not None

    def day_instants(self, d: date, spans: Day) -> tuple[tuple, ...]:
        """Spans of local date `d` as (start, end) instants (UTC)."""
        tz = self.tz
        return tuple((local_instant(tz, d, s.start), local_instant(tz, d, s.end)) for s in spans)

    def open_intervals(self, start, *, max_days: int = HORIZON_DAYS):
        """Desk-open intervals (start, end) as instants, from the one containing or following
        `start`, in order. Stops after `max_days` days (a desk that never opens yields none)."""
        d = local_date(self.local(start))
        start = start.astimezone(pendulum.UTC)  # instants below are UTC: compare like with like
        for i in range(max_days):
            day = d + timedelta(days=i)
            for a, b in self.day_instants(day, self.desk_day(day)):
                if b > start:
                    yield a, b

    # -- the answers, computed --------------------------------------------------------------

    def _memoised(self, key, compute, *args):
        """The memo's answer for `key`, computed as compute(*args) the first time. Bounded
        (started afresh when large), and read with one lookup, so that another thread
        starting it afresh does no harm."""
        found = self._memo.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = compute(*args)
            if len(self._memo) > _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found

    def _closed_reason(self, d: date) -> str | None:
        holiday = self.holidays.holiday(d)
        if holiday:
            name, category = holiday
            kind = category.replace("_", " ")  # 'public', 'de facto'
            return f"{name} is a {kind} holiday in {COUNTRY_NAMES[self.country]}"
        for closure in self.closures:
            if closure.covers(d):
                return f"{d.isoformat()} is in the vendor closure {closure.describe()}"
        return None

    def _desk_day(self, d: date) -> Day:
        spans = self._open_week[d.weekday()]
        return () if not spans or self.closed_reason(d) else spans

    def _duty_day(self, d: date) -> Day:
        hours = self.duty_hours
        if hours is None:
            return complement(self.desk_day(d))
        if hours.closed_days is not None and self.closed_reason(d):
            return hours.closed_days
        return hours.days[d.weekday()]

    def _desk_openings(self, d: date) -> tuple[Opening, ...]:
        tz = self.zone
        return tuple(
            Opening(a.astimezone(tz), b.astimezone(tz), a.timestamp(), b.timestamp())
            for a, b in self.day_instants(d, self.desk_day(d))
        )

    def _first_opening_after(self, d: date):
        for i in range(1, HORIZON_DAYS + 1):
            day = d + timedelta(days=i)
            spans = self.desk_day(day)
            if spans:
                return self.local(local_instant(self.tz, day, spans[0].start))
        return None

    def _working_day_end(self, d: date, n: int):
        for i in range(1, HORIZON_DAYS):
            day = d + timedelta(days=i)
            spans = self.desk_day(day)
            if spans:
                n -= 1
                if n == 0:
                    return self.local(local_instant(self.tz, day, spans[-1].end))
        return None
