"""Live config in tests: a vendor's stored text with its overrides replaced, saved through the
policy store service (as the API will), and who holds a rota layer at an instant."""

from __future__ import annotations

import re

from oncall.services import policies
from rotas.rota import on_duty

ROTA_PEOPLE = ("kari", "ola", "ingrid", "per")  # aidn's rota people (drift leads: not used)


def with_overrides(text: str, *entries: dict) -> str:
    """`text` with its `overrides:` list replaced by `entries` ({layer, person, from, to},
    local ISO times as a vendor file writes them)."""
    block = "overrides:\n" + "".join(
        f"  - {{layer: {e['layer']}, person: {e['person']}, "
        f'from: "{e["from"]}", to: "{e["to"]}"}}\n'
        for e in entries
    )
    changed, n = re.subn(r"^overrides:\n(?:  - .*\n)*", block, text, count=1, flags=re.M)
    assert n == 1, "the vendor text has no `overrides:` list"
    return changed


def local_minute(at) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


def covering(layer: str, person: str, at, hours: int = 24) -> dict:
    """An override putting `person` on `layer` from an hour before `at` to `hours` after."""
    return {
        "layer": layer,
        "person": person,
        "from": local_minute(at.subtract(hours=1)),
        "to": local_minute(at.add(hours=hours)),
    }


def on_call(policy, at) -> dict[str, str]:
    """layer name -> the person id holding it at `at`."""
    return {s.layer: s.person.id for s in on_duty(policy.rota, at.in_timezone(policy.tz))}


def others(policy, at, count: int = 2) -> list[str]:
    """`count` rota people holding no layer at `at`."""
    busy = set(on_call(policy, at).values())
    free = [p for p in ROTA_PEOPLE if p not in busy]
    assert len(free) >= count, (busy, free)
    return free[:count]


def save_overrides(client, vendor: str, clock, *entries: dict, author: str = "lead"):
    """A new version of `vendor` with exactly these overrides (based on the current one)."""
    now = policies.current(client, vendor)
    text = with_overrides(now.text, *entries)
    return policies.save_text(
        client, vendor, text, base=now.number, author=author, clock=clock, summary="override"
    )
