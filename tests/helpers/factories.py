"""Small builders for rotas values used by the property tests.

Values are built directly (Person, Layer, Override) or parsed from small YAML snippets through
the real config loader, so a synthetic policy goes through the same validation as a vendor file.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from rotas.config import load_policy, parse_policy
from rotas.policy import VendorPolicy
from rotas.rota import Layer, Override, Person
from rotas.yamlsource import load_yaml

VENDOR_DIR = Path(__file__).resolve().parents[2] / "config" / "vendors"
VENDOR_IDS = tuple(sorted(p.stem for p in VENDOR_DIR.glob("*.yaml")))


@cache
def vendor(vendor_id: str) -> VendorPolicy:
    """A vendor policy from config/vendors, loaded once per process."""
    return load_policy(VENDOR_DIR / f"{vendor_id}.yaml")


def make_person(i: int) -> Person:
    return Person(f"p{i}", f"Person {i}", f"+474000{i:04d}", "en")


def make_layer(
    *,
    members: int | tuple[Person, ...] = 3,
    start: date = date(2026, 1, 5),
    shift_days: int = 7,
    handoff: int = 8 * 60,
    tz: str = "Europe/Oslo",
    overrides: tuple[tuple[datetime, datetime, Person], ...] = (),
    name: str = "primary",
) -> Layer:
    """A rota layer; `overrides` are (start, end, person), sorted and non-overlapping."""
    people = tuple(make_person(i) for i in range(members)) if isinstance(members, int) else members
    return Layer(
        name,
        people,
        start,
        shift_days,
        handoff,
        tz,
        tuple(Override(name, p, a, b) for a, b, p in overrides),
    )


def make_policy(yaml_text: str, source: str = "test.yaml") -> VendorPolicy:
    """Parse a vendor config snippet; fails loudly if the config has errors."""
    data, problems = load_yaml(yaml_text, source)
    assert not problems, problems.items
    policy = parse_policy(data, problems)
    errors = [p for p in problems.items if p.level == "error"]
    assert not errors, [str(p) for p in errors]
    assert policy is not None
    return policy


def wall_instant(tz: str, day: date, minute: int) -> datetime:
    """Independent reference for "the instant local `minute` happens on `day`", in UTC.

    A wall time in a spring-forward gap moves forward by the gap; one in the autumn fold is the
    second occurrence. Both are the later of the two PEP 495 readings of the wall time.
    """
    day, minute = day + timedelta(days=minute // 1440), minute % 1440
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    zi = ZoneInfo(tz)
    return max(naive.replace(tzinfo=zi, fold=f).astimezone(UTC) for f in (0, 1))


def dst_days(tz: str, first_year: int = 2024, last_year: int = 2035) -> list[date]:
    """Local dates on which the UTC offset of `tz` changes, found by scanning every day."""
    zi = ZoneInfo(tz)
    out = []
    d = date(first_year, 1, 1)
    while d.year <= last_year:
        a = datetime(d.year, d.month, d.day, 0, 30, tzinfo=zi).utcoffset()
        b = datetime(d.year, d.month, d.day, 23, 30, tzinfo=zi).utcoffset()
        if a != b:
            out.append(d)
        d += timedelta(days=1)
    return out
