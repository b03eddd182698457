"""Closed days: public holidays of the vendor's country and the vendor's own closures.

A "closed day" is a holiday of the vendor's country (of the categories it chose: public by
default) or a vendor closure; weekends are simply days without desk hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import holidays as holidays_lib

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
