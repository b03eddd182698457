"""A number belongs to one vendor: inbound numbers claimed by more than one vendor file.

The numbers come from the parsed policies; the lines are looked up again in the text only
for the files involved in a duplicate (rare), so loading stays one parse per file.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rotas.phone import E164, InvalidNumber, mask, to_e164
from rotas.yamlsource import load_yaml


@dataclass(frozen=True)
class Claim:
    """`vendor` (read from `source`, line `line`) answers calls to `number`."""

    number: E164
    vendor: str
    source: str
    line: int = 0

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}"


def inbound_lines(text: str, source: str, region: str) -> dict[E164, int]:
    """number -> line of each `inbound` entry of a vendor file's text."""
    data, _ = load_yaml(text, source)
    raw = data.get("inbound") if hasattr(data, "get") else None
    if raw is None:
        return {}
    items = raw if isinstance(raw, list) else [raw]
    lines = getattr(raw, "lines", [data.lines.get("inbound", 1)] * len(items))
    out: dict[E164, int] = {}
    for item, line in zip(items, lines, strict=True):
        try:
            out.setdefault(to_e164(item, region), line)
        except InvalidNumber:
            continue  # reported by the loader already
    return out


def duplicates(claims) -> dict[E164, list[Claim]]:
    """number -> its claims, for every number claimed by more than one vendor."""
    by_number: dict[E164, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_number[claim.number].append(claim)
    return {n: cs for n, cs in by_number.items() if len({c.vendor for c in cs}) > 1}


def keeper(claims: list[Claim], previous_owner: str | None) -> str:
    """Who answers a number claimed twice: the vendor that answered it before (a file that
    starts claiming someone else's number is the likelier mistake), else the first file
    alphabetically. Never neither: a call must reach a human."""
    vendors = sorted({c.vendor for c in claims})
    return previous_owner if previous_owner in vendors else vendors[0]


def duplicate_problems(number: E164, claims: list[Claim]) -> list[str]:
    """One `file:line: inbound: message` per claim, each naming the other files and lines."""
    out = []
    for claim in claims:
        others = ", ".join(f"{c.vendor} ({c.where})" for c in claims if c is not claim)
        out.append(
            f"{claim.where}: inbound: {mask(number)} is also the inbound number of {others}; "
            f"a number belongs to one vendor"
        )
    return out
