"""Duty rotas: layers of rotating members, with overrides, as pure values.

A layer hands off at a wall-clock time (e.g. 08:00 local) every `shift_days` days, counted
from its start date, so a week-long shift hands off at 08:00 on both sides of a DST change.
"Who is on duty at `at`" is O(log overrides): an index computation plus a bisect.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

import pendulum

from rotas.hours import local_date, local_instant, minute_of_day, zone
from rotas.phone import E164

UTC = pendulum.UTC


def _utc(at):
    return at if at.tzinfo is UTC else at.astimezone(UTC)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    phone: E164
    language: str


@dataclass(frozen=True)
class Override:
    """`person` covers `layer` during [start, end)."""

    layer: str
    person: Person
    start: object  # aware DateTime
    end: object


class Shift(NamedTuple):  # a tuple: built on every decision, three times cheaper
    layer: str
    person: Person | None  # None: nobody (before the rotation starts, or an empty layer)
    start: object
    end: object | None  # None: open-ended
    override: bool = False


@dataclass(frozen=True)
class Layer:
    name: str
    members: tuple[Person, ...]
    start: date  # the first handoff happens on this local date
    shift_days: int
    handoff: int  # minutes after local midnight
    tz: str
    overrides: tuple[Override, ...] = ()  # sorted by start, non-overlapping
    # Instants are compared as epoch seconds: fast, and immune to Python comparing two
    # datetimes that share a tzinfo by wall clock (wrong in the repeated autumn hour).
    # (init=False: derived here, so dataclasses.replace derives them afresh)
    _starts: tuple = field(init=False, repr=False, compare=False)  # override starts (UTC)
    _ends: tuple = field(init=False, repr=False, compare=False)
    _start_ts: tuple = field(init=False, repr=False, compare=False)
    _end_ts: tuple = field(init=False, repr=False, compare=False)
    _boundaries: dict = field(init=False, repr=False, compare=False)  # k -> (ts, instant)

    def __post_init__(self):
        starts = tuple(_utc(o.start) for o in self.overrides)
        ends = tuple(_utc(o.end) for o in self.overrides)
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_ends", ends)
        object.__setattr__(self, "_start_ts", tuple(x.timestamp() for x in starts))
        object.__setattr__(self, "_end_ts", tuple(x.timestamp() for x in ends))
        object.__setattr__(self, "_boundaries", {})

    def _boundary(self, k: int) -> tuple[float, object]:
        found = self._boundaries.get(k)
        if found is None:
            day = self.start + timedelta(days=k * self.shift_days)
            at = local_instant(self.tz, day, self.handoff)
            found = self._boundaries[k] = (at.timestamp(), at)
        return found

    def _rotation_index(self, at, ts: float) -> int:
        """The number of the rotation shift covering `at` (epoch second `ts`)."""
        tz = zone(self.tz)
        t = at if at.tzinfo is tz else at.astimezone(tz)
        days = (local_date(t) - self.start).days
        if minute_of_day(t) < self.handoff:
            days -= 1
        k = days // self.shift_days
        # DST: a handoff moved by a gap or fold is decided on instants, not wall time.
        if ts < self._boundary(k)[0]:
            return k - 1
        if ts >= self._boundary(k + 1)[0]:
            return k + 1
        return k

    def _member(self, k: int) -> Person | None:
        return self.members[k % len(self.members)] if self.members and k >= 0 else None


def on_call_at(layer: Layer, at) -> Shift:
    """The shift covering instant `at` on this layer: an override wins, else the rotation.

    For an override the shift ends where the override ends; for the rotation it ends at the
    next handoff or the next override start, whichever comes first, and starts at the later
    of its handoff and the end of the override before it.
    """
    return _shift_at(layer, at, at.timestamp())


def _shift_at(layer: Layer, at, ts: float) -> Shift:
    """on_call_at, with `at` as epoch seconds `ts` (computed once for all layers)."""
    i = bisect_right(layer._start_ts, ts) - 1  # the last override starting at or before ts
    if i >= 0 and ts < layer._end_ts[i]:
        o = layer.overrides[i]
        return Shift(layer.name, o.person, layer._starts[i], layer._ends[i], True)
    k = layer._rotation_index(at, ts)
    (start_ts, start), (end_ts, end) = layer._boundary(k), layer._boundary(k + 1)
    # Overrides do not overlap, so override i ended at or before ts and i + 1 starts after.
    if i + 1 < len(layer._start_ts) and layer._start_ts[i + 1] < end_ts:
        end = layer._starts[i + 1]
    if i >= 0 and layer._end_ts[i] > start_ts:
        start = layer._ends[i]
    return Shift(layer.name, layer._member(k), start, end)


def rotation_start(layer: Layer):
    """The instant (UTC) the rotation first puts a member on this layer: its first handoff.
    From then on the layer always has someone on duty; None for a layer without members."""
    return layer._boundary(0)[1] if layer.members else None


def shifts_between(layer: Layer, start, end) -> list[Shift]:
    """Every shift (rotation or override) that overlaps [start, end), in order, tiling it."""
    out: list[Shift] = []
    at, end_ts = start, end.timestamp()
    while at.timestamp() < end_ts:
        shift = on_call_at(layer, at)
        out.append(shift)
        at = shift.end
    return out


@dataclass(frozen=True)
class Rota:
    layers: tuple[Layer, ...] = ()


def layer_named(rota: Rota, name: str) -> Layer | None:
    return next((layer for layer in rota.layers if layer.name == name), None)


def on_duty(rota: Rota, at) -> list[Shift]:
    """One shift per layer, in layer order (primary first)."""
    ts = at.timestamp()
    return [_shift_at(layer, at, ts) for layer in rota.layers]
