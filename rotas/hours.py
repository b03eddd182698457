"""Wall-clock hours: spans of a day and weekly schedules, evaluated in vendor-local time.

A span is [start, end) in minutes after local midnight; end may be 1440 ("24:00").
Weekly hours are a tuple of spans per weekday (0 = Monday), plus optional spans for closed
days (public holidays and vendor closures), used by duty windows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

import pendulum

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Dates outside these years are refused wherever they are read (config files and the command
# line): no rota, holiday table or time zone rule needs them, and near year 1 or 9999 date
# arithmetic overflows.
FIRST_YEAR, LAST_YEAR = 1970, 2200
_LOCAL_MINUTE = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, order=True)
class Span:
    start: int  # minutes after local midnight
    end: int  # exclusive, up to 1440

    def __str__(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


Day = tuple[Span, ...]


@dataclass(frozen=True)
class WeeklyHours:
    days: tuple[Day, ...]  # 7 entries, Monday first
    closed_days: Day | None = None  # spans used on holidays and closures (duty windows only)

    @cached_property
    def description(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """'Mon-Fri 08:00-16:00' style summary, consecutive equal days grouped."""
        parts, i = [], 0
        while i < 7:
            j = i
            while j + 1 < 7 and self.days[j + 1] == self.days[i]:
                j += 1
            if self.days[i]:
                name = DAY_LABELS[i] if i == j else f"{DAY_LABELS[i]}-{DAY_LABELS[j]}"
                parts.append(f"{name} {', '.join(str(s) for s in self.days[i])}")
            i = j + 1
        return "; ".join(parts) or "never"


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(text: str) -> int:
    """'08:00' -> 480. Raises ValueError for anything that is not HH:MM in 00:00..24:00."""
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not m:
        raise ValueError(f"{text!r} is not a time of day like '08:00'")
    return _minutes(int(m[1]), int(m[2]), text)


def _minutes(h: int, mi: int, text: str) -> int:
    if mi > 59 or h > 24 or (h == 24 and mi):
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return h * 60 + mi


def parse_span(text: str) -> Span:
    """'08:00-16:00' -> Span(480, 960). Spans do not wrap past midnight."""
    m = _SPAN.match(str(text))
    if not m:
        raise ValueError(f"{text!r} is not a time span like '08:00-16:00'")
    start = _minutes(int(m[1]), int(m[2]), text)
    end = _minutes(int(m[3]), int(m[4]), text)
    if start == 1440:
        raise ValueError(f"{text!r} starts at 24:00")
    if end <= start:
        raise ValueError(
            f"{text!r} ends before it starts; spans do not wrap midnight, "
            f"write {clock(start)}-24:00 and 00:00-{clock(end)}"
        )
    return Span(start, end)


def parse_days(text: str) -> tuple[int, ...]:
    """'mon-fri' -> (0..4); 'sat,sun' -> (5, 6); 'daily' -> all."""
    text = str(text).strip().lower()
    if text in ("daily", "all", "mon-sun"):
        return tuple(range(7))
    days: list[int] = []
    for part in text.split(","):
        ends = [p.strip() for p in part.split("-")]
        if len(ends) > 2 or any(e not in DAY_NAMES for e in ends):
            raise ValueError(f"{text!r} is not a day or day range like 'mon-fri' or 'sat,sun'")
        a, b = DAY_NAMES.index(ends[0]), DAY_NAMES.index(ends[-1])
        if b < a:
            raise ValueError(f"{text!r}: day range goes backwards")
        days.extend(range(a, b + 1))
    return tuple(sorted(set(days)))


def normalise(spans: list[Span]) -> Day:
    """Sorted, overlapping and touching spans merged."""
    out: list[Span] = []
    for s in sorted(spans):
        if out and s.start <= out[-1].end:
            out[-1] = Span(out[-1].start, max(out[-1].end, s.end))
        else:
            out.append(s)
    return tuple(out)


def subtract(spans: Day, holes: Day) -> Day:
    """spans minus holes (both normalised)."""
    out: list[Span] = []
    for s in spans:
        pieces = [s]
        for h in holes:
            nxt = []
            for p in pieces:
                if h.end <= p.start or h.start >= p.end:
                    nxt.append(p)
                    continue
                if h.start > p.start:
                    nxt.append(Span(p.start, h.start))
                if h.end < p.end:
                    nxt.append(Span(h.end, p.end))
            pieces = nxt
        out.extend(pieces)
    return tuple(out)


def complement(spans: Day) -> Day:
    """The parts of the day not in `spans` (normalised)."""
    return subtract((Span(0, 1440),), spans)


def local_date(t) -> date:
    """The wall-clock date of an aware datetime, as a plain (fast) `datetime.date`."""
    return date(t.year, t.month, t.day)


def minute_of_day(local) -> int:
    return local.hour * 60 + local.minute


def contains(spans: Day, minute: int) -> Span | None:
    for s in spans:
        if s.start <= minute < s.end:
            return s
    return None


@lru_cache(maxsize=65536)
def local_instant(tz: str, day, minute: int, fold: int = 1) -> pendulum.DateTime:
    """The instant (in UTC) a local wall-clock time happens on `day`.

    A time that does not exist (spring-forward gap) moves forward by the gap, as the clocks
    do; a time that happens twice (autumn) is the second occurrence (fold=0: the first).
    Returned in UTC because Python compares two datetimes that share a tzinfo by wall clock,
    ignoring the fold, which would misorder instants in the repeated hour.
    """
    if minute >= 1440:
        day, minute = day + timedelta(days=1), minute - 1440
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    zone_ = zone(tz)
    first = naive.replace(tzinfo=zone_).utcoffset()
    second = naive.replace(tzinfo=zone_, fold=1).utcoffset()
    # gap: first < second, and the first offset moves the time forward; fold: first > second
    offset = second if first > second and fold == 1 else first
    u = naive - offset
    return pendulum.DateTime(u.year, u.month, u.day, u.hour, u.minute, tzinfo=pendulum.UTC)


def offset_changes(tz: str, day) -> list[pendulum.DateTime]:
    """The instants (UTC) on local date `day` when the UTC offset changes (DST)."""
    start = int(local_instant(tz, day, 0).timestamp())
    end = int(local_instant(tz, day, 1440).timestamp())
    zone_ = zone(tz)

    def offset(ts: int):  # stdlib arithmetic on epoch seconds: this runs for every day
        return datetime.fromtimestamp(ts, zone_).utcoffset()

    if offset(start) == offset(end):
        return []
    step = 15 * 60  # zones change offset on quarter hours
    return [
        pendulum.from_timestamp(t + step)
        for t in range(start, end, step)
        if offset(t) != offset(t + step)
    ]


@lru_cache(maxsize=64)
def zone(tz: str):
    """The pendulum time zone for an IANA name (cached: built once per process)."""
    return pendulum.timezone(tz)


def parse_instant(text: str, tz: str) -> pendulum.DateTime:
    """ISO 8601 date-time; without an offset it is wall-clock time in `tz`, with an offset or
    `Z` it is that instant. A bare date means local midnight. Raises ValueError."""
    text = str(text).strip()
    m = _LOCAL_MINUTE.fullmatch(text)
    if m:  # the common config form, 20x faster than pendulum.parse
        try:
            day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise ValueError(f"{text!r} is not a valid date") from None
        return local_instant(tz, _supported(day, text), _minutes(int(m[4]), int(m[5]), text))
    if not re.match(r"^\d{4}-?\d{2}-?\d{2}", text):
        raise ValueError(f"{text!r} is not an ISO 8601 time like 2026-04-02T10:00")
    try:
        at = pendulum.parse(text, tz=tz)
    except Exception:  # pendulum raises ParserError or ValueError subclasses
        raise ValueError(f"{text!r} is not an ISO 8601 time like 2026-04-02T10:00") from None
    if not isinstance(at, pendulum.DateTime):
        raise ValueError(f"{text!r} is not a date and time")
    _supported(at, text)
    return at


def parse_date(text: str) -> date:
    """'2026-01-05' -> Date. Raises ValueError."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", str(text))
    if not m:
        raise ValueError(f"{text!r} is not a date like 2026-01-05")
    try:
        day = date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date ({exc})") from None
    return _supported(day, text)


def _supported(day, text: str):
    """`day` (a date or a date-time) if its year is within FIRST_YEAR..LAST_YEAR."""
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{text!r} is outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
    return day
