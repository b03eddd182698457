"""ISO weeks in a vendor's zone, and hours on duty per person within them.

A week runs from Monday 00:00 to the next Monday 00:00 local time: 168 hours, 167 in the
week clocks go forward, 169 in the week they go back.

After hours, for fairness and payroll, in two disjoint kinds:
- weekend: every hour of a Saturday, a Sunday or a public holiday of the vendor's calendar;
- night: 00:00-07:00 and 22:00-24:00 local on the other days.
A Friday night counts as night until Saturday 00:00, then as weekend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pendulum

from rotas.hours import FIRST_YEAR, LAST_YEAR
from rotas.rota import Layer, shifts_between

NIGHT_ENDS, NIGHT_STARTS = 7, 22  # local hours: night is before 07:00 and from 22:00
_ISO_WEEK = re.compile(r"\s*(\d{4})-W(\d{2})\s*")

Interval = tuple[float, float]  # [start, end) in epoch seconds


@dataclass(frozen=True)
class Week:
    year: int
    number: int
    start: pendulum.DateTime  # Monday 00:00 local
    end: pendulum.DateTime  # the next Monday 00:00 local

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def hours(self) -> float:
        return (self.end.timestamp() - self.start.timestamp()) / 3600

    def days(self) -> list[date]:
        first = self.start.date()
        return [first + timedelta(days=i) for i in range(7)]


def parse_week(text: str) -> tuple[int, int]:
    """'2026-W47' -> (2026, 47). Raises ValueError naming the problem."""
    m = _ISO_WEEK.fullmatch(str(text))
    if not m:
        raise ValueError(f"{text!r} is not an ISO week like 2026-W47")
    year, number = int(m[1]), int(m[2])
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"{text!r}: the year must be {FIRST_YEAR}-{LAST_YEAR}")
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        last = date(year, 12, 28).isocalendar()[1]
        raise ValueError(f"{text!r}: {year} has ISO weeks 01-{last:02d}") from None
    return year, number


def iso_week(year: int, number: int, tz: str) -> Week:
    monday = date.fromisocalendar(year, number, 1)
    start = pendulum.datetime(monday.year, monday.month, monday.day, tz=tz)
    return Week(year, number, start, start.add(weeks=1))


def after_hours(week: Week, tz: str, holiday) -> tuple[list[Interval], list[Interval]]:
    """(night intervals, weekend intervals) of the week; `holiday(date)` is truthy on a
    public holiday."""
    nights, weekends = [], []
    for d in week.days():
        midnight = _at(d, 0, tz)
        next_midnight = _at(d + timedelta(days=1), 0, tz)
        if d.weekday() >= 5 or holiday(d):
            weekends.append((midnight, next_midnight))
        else:
            nights.append((midnight, _at(d, NIGHT_ENDS, tz)))
            nights.append((_at(d, NIGHT_STARTS, tz), next_midnight))
    return nights, weekends


def _at(d: date, hour: int, tz: str) -> float:
    return pendulum.datetime(d.year, d.month, d.day, hour, tz=tz).timestamp()


def duty_intervals(layers: tuple[Layer, ...], week: Week) -> dict[str, tuple]:
    """person id -> (Person, layer names, merged intervals on duty within the week), from
    every layer's shifts (overrides included). Two layers held at once count once."""
    found: dict[str, tuple] = {}
    start, end = week.start.timestamp(), week.end.timestamp()
    for layer in layers:
        for shift in shifts_between(layer, week.start, week.end):
            if shift.person is None:
                continue
            a = max(start, shift.start.timestamp())
            b = end if shift.end is None else min(end, shift.end.timestamp())
            if b <= a:
                continue
            person, names, spans = found.get(shift.person.id, (shift.person, [], []))
            if layer.name not in names:
                names.append(layer.name)
            spans.append((a, b))
            found[shift.person.id] = (person, names, spans)
    return {pid: (p, tuple(names), merge(spans)) for pid, (p, names, spans) in found.items()}


def merge(spans: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def overlap_hours(spans: list[Interval], others: list[Interval]) -> float:
    seconds = 0.0
    for a, b in spans:
        for c, d in others:
            seconds += max(0.0, min(b, d) - max(a, c))
    return seconds / 3600
