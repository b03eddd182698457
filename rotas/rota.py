"""Duty rotas: layers of rotating members, with overrides, as pure values.

A layer hands off at a wall-clock time (e.g. 08:00 local) every `shift_days` days, counted
from its start date, so a week-long shift hands off at 08:00 on both sides of a DST change.
"Who is on duty at `at`" is O(log overrides): an index computation plus a bisect.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta

from rotas.hours import local_date, local_instant, minute_of_day, zone
from rotas.phone import E164


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


@dataclass(frozen=True)
class Shift:
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
    _starts: tuple = field(default=(), repr=False, compare=False)
    _ends: tuple = field(default=(), repr=False, compare=False)
    _boundaries: dict = field(default_factory=dict, repr=False, compare=False)  # memo

    def __post_init__(self):
        object.__setattr__(self, "_starts", tuple(o.start for o in self.overrides))
        object.__setattr__(self, "_ends", tuple(o.end for o in self.overrides))

    def boundary(self, k: int):
        """The instant shift number `k` starts (k may be negative: before the rotation)."""
        instant = self._boundaries.get(k)
        if instant is None:
            day = self.start + timedelta(days=k * self.shift_days)
            instant = self._boundaries[k] = local_instant(self.tz, day, self.handoff)
        return instant

    def rotation_at(self, at) -> Shift:
        """The rotation's shift covering `at` (overrides ignored)."""
        tz = zone(self.tz)
        t = at if at.tzinfo is tz else at.astimezone(tz)
        days = (local_date(t) - self.start).days
        if minute_of_day(t) < self.handoff:
            days -= 1
        k = days // self.shift_days
        start, end = self.boundary(k), self.boundary(k + 1)
        # DST: a handoff moved by a gap or fold is decided on instants, not wall time.
        if at < start:
            k, start, end = k - 1, self.boundary(k - 1), start
        elif at >= end:
            k, start, end = k + 1, end, self.boundary(k + 2)
        person = self.members[k % len(self.members)] if self.members and k >= 0 else None
        return Shift(self.name, person, start, end)

    def override_at(self, at) -> Override | None:
        i = bisect_right(self._starts, at) - 1
        if i >= 0 and at < self.overrides[i].end:
            return self.overrides[i]
        return None


def on_call_at(layer: Layer, at) -> Shift:
    """The shift covering instant `at` on this layer: an override wins, else the rotation.

    For an override the shift ends where the override ends; for the rotation it ends at the
    next handoff or the next override start, whichever comes first.
    """
    o = layer.override_at(at)
    if o is not None:
        return Shift(layer.name, o.person, o.start, o.end, override=True)
    shift = layer.rotation_at(at)
    i = bisect_right(layer._starts, at)
    if i < len(layer._starts) and layer._starts[i] < shift.end:
        shift = Shift(layer.name, shift.person, shift.start, layer._starts[i])
    j = bisect_right(layer._ends, at) - 1
    if j >= 0 and layer._ends[j] > shift.start:
        shift = Shift(layer.name, shift.person, layer._ends[j], shift.end)
    return shift


def shifts_between(layer: Layer, start, end) -> list[Shift]:
    """Every shift (rotation or override) that overlaps [start, end), in order, tiling it."""
    out: list[Shift] = []
    at = start
    while at < end:
        shift = on_call_at(layer, at)
        out.append(shift)
        at = shift.end
    return out


@dataclass(frozen=True)
class Rota:
    layers: tuple[Layer, ...] = ()

    def layer(self, name: str) -> Layer | None:
        return next((lay for lay in self.layers if lay.name == name), None)


def on_duty(rota: Rota, at) -> list[Shift]:
    """One shift per layer, in layer order (primary first)."""
    return [on_call_at(layer, at) for layer in rota.layers]
