"""Config parsing for people, rota layers and overrides (part of rotas.config)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import pendulum

from rotas.config_sections import AlreadyReported, Section, declared
from rotas.hours import clock, parse_clock, parse_date, parse_instant
from rotas.policy import LANGUAGES
from rotas.rota import Layer, Override, Person, Rota


@dataclass(frozen=True)
class _LayerSpec:
    name: str
    members: tuple[Person, ...]
    start: object
    shift_days: int
    handoff: int
    line: int
    handoff_line: int


def parse_people(value, s: Section, phone) -> dict[str, Person]:
    sub = s.nested(value, set(value) if hasattr(value, "keys") else set())
    people = {}
    for pid in sub.data:
        entry = sub.section(pid, {"name", "phone", "language"}, required=True)
        name = entry.take("name", lambda v, _s: str(v), required=True)
        number = entry.take("phone", lambda v, _s: phone(v), required=True)
        language = entry.take("language", parse_language, default="en")
        if name and number:
            people[str(pid)] = Person(str(pid), name, number, language)
    return people


def parse_language(value, _s) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"{value!r} is not one of {', '.join(LANGUAGES)}")
    return value


def parse_rota(top: Section, people: dict[str, Person], tz: str) -> Rota:
    people_ids, layer_names = declared(top.data, "people"), declared(top.data, "rota")
    specs = top.take(
        "rota",
        lambda v, s: s.each_section(
            v,
            {"layer", "members", "start", "shift", "handoff"},
            lambda x: _layer(x, people, people_ids),
        ),
        default=[],
    )
    specs = [x for x in specs if x]
    seen: dict[str, int] = {}
    for spec in specs:
        if spec.name in seen:
            top.problem(
                spec.line,
                f"rota.{spec.name}",
                f"layer {spec.name!r} overlaps the layer of the same name at line "
                f"{seen[spec.name]}",
            )
        seen.setdefault(spec.name, spec.line)
        _warn_dst_handoff(top, spec, tz)
    overrides = top.take(
        "overrides",
        lambda v, s: s.each_section(
            v,
            {"layer", "person", "from", "to"},
            lambda x: _override(x, people, people_ids, tz, seen, layer_names),
        ),
        default=[],
    )
    by_layer: dict[str, list[tuple[Override, int]]] = {}
    for item in overrides:
        if item:
            by_layer.setdefault(item[0].layer, []).append(item)
    layers = []
    for spec in specs:
        mine = sorted(by_layer.get(spec.name, []), key=lambda x: x[0].start)
        for (a, _), (b, line) in zip(mine, mine[1:], strict=False):
            if b.start < a.end:
                top.problem(
                    line,
                    "overrides",
                    f"override on {spec.name!r} from {_wall(b.start, tz)} overlaps the one "
                    f"from {_wall(a.start, tz)} to {_wall(a.end, tz)} ({tz})",
                )
        layers.append(
            Layer(
                spec.name,
                spec.members,
                spec.start,
                spec.shift_days,
                spec.handoff,
                tz,
                tuple(o for o, _ in mine),
            )
        )
    return Rota(tuple(layers))


def _wall(instant: datetime, tz: str) -> str:
    """An instant (UTC inside the domain) as the vendor's wall clock, as files write it."""
    return instant.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def _layer(sub: Section, people: dict[str, Person], people_ids: set[str]) -> _LayerSpec | None:
    name = sub.take("layer", lambda v, _s: str(v), required=True)
    if name:
        sub.rename(f"rota.{name}")
    members = sub.take(
        "members",
        lambda v, s: tuple(s.each(v, lambda m: _person(m, people, people_ids))),
        required=True,
        default=(),
    )
    if "members" in sub.data and not sub.data["members"]:
        sub.problem(sub.line_of("members"), sub.path("members"), "empty layer: no members")
    start = sub.take("start", lambda v, _s: parse_date(v), required=True)
    shift = sub.take("shift", lambda v, _s: _shift_days(v), required=True)
    handoff = sub.take("handoff", lambda v, _s: _handoff(v), default=8 * 60)
    if not (name and members and start and shift):
        return None
    return _LayerSpec(name, members, start, shift, handoff, sub.line, sub.line_of("handoff"))


def _person(pid, people: dict[str, Person], people_ids: set[str]) -> Person:
    if pid not in people and pid in people_ids:
        raise AlreadyReported(pid)
    if pid not in people:
        raise ValueError(f"{pid!r} is not in people ({', '.join(sorted(people)) or 'none'})")
    return people[pid]


MAX_SHIFT_DAYS = 364  # 52 weeks


def _shift_days(value) -> int:
    text = str(value).strip().lower()
    m = re.fullmatch(r"(?:(\d+)\s+)?(day|days|week|weeks)", text)
    if not m or (m[1] is not None and int(m[1]) < 1):
        raise ValueError(f"{value!r} is not a shift length like '1 week', '1 day' or '3 days'")
    days = int(m[1] or 1) * (7 if m[2].startswith("week") else 1)
    if days > MAX_SHIFT_DAYS:
        raise ValueError(f"{value!r}: a shift is at most 52 weeks")
    return days


def _handoff(value) -> int:
    minute = parse_clock(value)
    if minute >= 1440:
        raise ValueError("handoff must be before 24:00")
    return minute


def _override(sub: Section, people, people_ids, tz: str, layers: dict, layer_names: set[str]):
    layer = sub.value("layer", str, required=True)
    if layer and layer not in layers and layer in layer_names:
        layer = None  # the layer itself is broken and reported
    elif layer and layer not in layers:
        sub.problem(
            sub.line_of("layer"),
            sub.path("layer"),
            f"{layer!r} is not a rota layer ({', '.join(layers) or 'none'})",
        )
        layer = None
    person = sub.value("person", lambda v: _person(v, people, people_ids), required=True)
    start = sub.value("from", lambda v: parse_instant(v, tz), required=True)
    end = sub.value("to", lambda v: parse_instant(v, tz), required=True)
    if start and end and end <= start:
        sub.problem(
            sub.line_of("to"),
            sub.path("to"),
            f"override ends ({_wall(end, tz)}) before it starts ({_wall(start, tz)})",
        )
        return None
    if not (layer and person and start and end):
        return None
    return Override(layer, person, start, end), sub.line


def _warn_dst_handoff(top: Section, spec: _LayerSpec, tz: str) -> None:
    """A handoff that falls in a DST gap or fold: say what the rota does on that night.
    Only real handoff days count (a weekly Monday handoff never meets a Sunday DST night)."""
    h, m = divmod(spec.handoff, 60)
    field_name = f"rota.{spec.name}.handoff"
    warned = set()
    for day in _transition_days(tz, spec.start.year, years=10):
        if day < spec.start or (day - spec.start).days % spec.shift_days:
            continue
        later = pendulum.datetime(day.year, day.month, day.day, h, m, tz=tz, fold=1)
        earlier = pendulum.datetime(day.year, day.month, day.day, h, m, tz=tz, fold=0)
        if (later.hour, later.minute) != (h, m) and "gap" not in warned:
            warned.add("gap")
            top.problem(
                spec.handoff_line,
                field_name,
                f"{clock(spec.handoff)} does not exist on {day} (clocks go forward): "
                f"that night the shift hands off at {later.format('HH:mm')} local",
                level="warning",
            )
        elif later.utcoffset() != earlier.utcoffset() and "fold" not in warned:
            warned.add("fold")
            top.problem(
                spec.handoff_line,
                field_name,
                f"{clock(spec.handoff)} happens twice on {day} (clocks go back): "
                f"the shift hands off at the second {clock(spec.handoff)}",
                level="warning",
            )


@lru_cache(maxsize=64)
def _transition_days(tz: str, year: int, years: int) -> tuple:
    """Local dates in [year, year + years) on which the UTC offset changes (DST nights)."""
    zone = ZoneInfo(tz)
    first = date(year, 1, 1)
    count = (date(year + years, 1, 1) - first).days
    offsets = [
        datetime.combine(first + timedelta(days=i), time(), zone).utcoffset()
        for i in range(count + 1)
    ]
    return tuple(first + timedelta(days=i) for i in range(count) if offsets[i] != offsets[i + 1])
