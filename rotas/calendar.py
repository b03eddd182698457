"""The vendor calendar: public holidays, vendor closures, desk hours and duty windows.

Everything is evaluated on the vendor-local wall clock, so DST nights come out right.
A "closed day" is a holiday of the vendor's country (of the categories it chose: public by
default) or a vendor closure; weekends are simply days without desk hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, NamedTuple

import holidays as holidays_lib
import pendulum

from rotas.hours import Day, complement, contains, local_date, local_instant, minute_of_day

if TYPE_CHECKING:
    from rotas.policy import VendorPolicy

COUNTRY_NAMES = {"NO": "Norway", "SE": "Sweden"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def holiday_categories(country: str) -> tuple[str, ...]:
    """The holiday categories the `holidays` package knows for `country` ('public', ...)."""
    return tuple(sorted(holidays_lib.country_holidays(country).supported_categories))


@dataclass
class HolidayCalendar:
    """Holidays of one country from the `holidays` package, in English, cached per year.

    `categories` chooses which: 'public' by default; Sweden's 'de_facto' adds Midsummer Eve,
    Christmas Eve and New Year's Eve, days "helgfria vardagar" leave out. On a date in more
    than one category, the first category listed names it."""

    country: str
    categories: tuple[str, ...] = ("public",)
    _years: dict[int, dict[date, tuple[str, str]]] = field(default_factory=dict, repr=False)

    def holiday(self, d: date) -> tuple[str, str] | None:
        """(name, category) of the holiday on `d`, or None."""
        year = self._years.get(d.year)
        if year is None:
            year = self._years[d.year] = self._load(d.year)
        return year.get(d)

    def _load(self, year: int) -> dict[date, tuple[str, str]]:
        out: dict[date, tuple[str, str]] = {}
        for category in self.categories:
            found = holidays_lib.country_holidays(
                self.country, years=year, language="en_US", categories=(category,)
            )
            for d, name in found.items():
                out.setdefault(d, (name, category))
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, HolidayCalendar) and (other.country, other.categories) == (
            self.country,
            self.categories,
        )

    def __hash__(self) -> int:
        return hash((self.country, self.categories))


@dataclass(frozen=True)
class Closure:
    """A vendor closure: one date range, a yearly date range, or ISO weeks (every year or one)."""

    name: str
    first: date | None = None  # one-off, inclusive
    last: date | None = None
    yearly: tuple[tuple[int, int], tuple[int, int]] | None = None  # (month, day) inclusive
    weeks: tuple[int, int] | None = None  # ISO weeks, inclusive
    year: int | None = None  # limits `weeks` to one year

    def covers(self, d: date) -> bool:
        if self.first is not None:
            return self.first <= d <= self.last
        if self.yearly is not None:
            md, (a, b) = (d.month, d.day), self.yearly
            return a <= md <= b if a <= b else md >= a or md <= b
        iso_year, week, _ = d.isocalendar()
        return self.weeks[0] <= week <= self.weeks[1] and self.year in (None, iso_year)

    def describe(self) -> str:
        if self.first is not None:
            return f"{self.name} ({self.first.isoformat()} to {self.last.isoformat()})"
        if self.yearly is not None:
            (m1, d1), (m2, d2) = self.yearly
            return f"{self.name} ({d1} {_MONTHS[m1 - 1]}-{d2} {_MONTHS[m2 - 1]} every year)"
        when = f"in {self.year}" if self.year else "every year"
        return f"{self.name} (ISO weeks {self.weeks[0]}-{self.weeks[1]} {when})"


def closed_reason(policy: VendorPolicy, d: date) -> str | None:
    """Why `d` is a closed day ('Maundy Thursday is a public holiday in Norway'), or None."""
    return memoised(policy, ("closed", d), _closed_reason, policy, d)


def _closed_reason(policy: VendorPolicy, d: date) -> str | None:
    holiday = policy.holidays.holiday(d)
    if holiday:
        name, category = holiday
        kind = category.replace("_", " ")  # 'public', 'de facto'
        return f"{name} is a {kind} holiday in {COUNTRY_NAMES[policy.country]}"
    for closure in policy.closures:
        if closure.covers(d):
            return f"{d.isoformat()} is in the vendor closure {closure.describe()}"
    return None


def desk_day(policy: VendorPolicy, d: date) -> Day:
    """Desk opening spans on local date `d` (breaks removed; empty on closed days)."""
    return memoised(policy, ("desk", d), _desk_day, policy, d)


def _desk_day(policy: VendorPolicy, d: date) -> Day:
    spans = policy.desk_open_week[d.weekday()]
    return () if not spans or closed_reason(policy, d) else spans


UNKNOWN = object()  # not memoised yet (None is an answer: no deadline, no opening)


def memoised(policy: VendorPolicy, key, compute, *args):
    """policy.memo[key], computed as compute(*args) the first time. The memo holds pure
    functions of the loaded calendar; it is bounded (cleared when large), and read with one
    lookup so that another thread clearing it does no harm."""
    found = policy.memo.get(key, UNKNOWN)
    if found is UNKNOWN:
        found = compute(*args)
        if len(policy.memo) > 200_000:
            policy.memo.clear()
        policy.memo[key] = found
    return found


def duty_day(policy: VendorPolicy, d: date) -> Day:
    """Duty-window spans on local date `d`. Without configured duty hours: whenever closed."""
    return memoised(policy, ("duty", d), _duty_day, policy, d)


def _duty_day(policy: VendorPolicy, d: date) -> Day:
    hours = policy.duty_hours
    if hours is None:
        return complement(desk_day(policy, d))
    if hours.closed_days is not None and closed_reason(policy, d):
        return hours.closed_days
    return hours.days[d.weekday()]


def local(policy: VendorPolicy, at):
    """`at` on the vendor's wall clock."""
    tz = policy.zone
    return at if at.tzinfo is tz else at.astimezone(tz)


def is_open(policy: VendorPolicy, at) -> bool:
    """Is the desk open at instant `at`? 08:00-16:00 includes 08:00 and excludes 16:00."""
    t = local(policy, at)
    return contains(desk_day(policy, local_date(t)), minute_of_day(t)) is not None


def in_duty_window(policy: VendorPolicy, at) -> bool:
    t = local(policy, at)
    return contains(duty_day(policy, local_date(t)), minute_of_day(t)) is not None


def day_instants(policy: VendorPolicy, d: date, spans: Day) -> tuple[tuple, ...]:
    """Spans of local date `d` as (start, end) instants (UTC)."""
    return tuple(
        (local_instant(policy.tz, d, s.start), local_instant(policy.tz, d, s.end)) for s in spans
    )


class Opening(NamedTuple):
    """A desk opening span: vendor-local start and end, and both as epoch seconds (instants
    in different zones compare ten times slower than numbers)."""

    start: object
    end: object
    start_ts: float
    end_ts: float


def desk_openings(policy: VendorPolicy, d: date) -> tuple[Opening, ...]:
    """The desk's opening spans on local date `d`, memoised."""
    return memoised(policy, ("desk openings", d), _desk_openings, policy, d)


def _desk_openings(policy: VendorPolicy, d: date) -> tuple[Opening, ...]:
    tz = policy.zone
    return tuple(
        Opening(a.astimezone(tz), b.astimezone(tz), a.timestamp(), b.timestamp())
        for a, b in day_instants(policy, d, desk_day(policy, d))
    )


def open_intervals(policy: VendorPolicy, start, *, max_days: int = 800):
    """Desk-open intervals (start, end) as instants, from the one containing or following
    `start`, in order. Stops after `max_days` days (a vendor that never opens yields nothing)."""
    d = local_date(local(policy, start))
    start = start.astimezone(pendulum.UTC)  # instants below are UTC: compare like with like
    for i in range(max_days):
        day = d + timedelta(days=i)
        for a, b in day_instants(policy, day, desk_day(policy, day)):
            if b > start:
                yield a, b
