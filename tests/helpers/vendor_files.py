"""A small valid vendor file (BASE) to mutate line by line, and its check through the real
config checker: the problems it reports, errors only, where, or the only one.
"""

from __future__ import annotations

from pathlib import Path

from rotas.config import check_policy_file

BASE = """\
id: acme
name: Acme
language: nb
timezone: Europe/Oslo
holidays: "NO"
inbound: ["+47 21 00 00 11"]
emergency: "+47 75 98 80 62"
desk:
  phones: ["+47 97 32 86 34"]
  hours:
    mon-fri: "08:00-16:00"
duty:
  phones: ["+47 75 98 80 62"]
  hours: when-desk-closed
closures: []
written:
  email: support@acme.no
people:
  kari: {name: Kari, phone: "+47 400 00 101", language: nb}
  ola: {name: Ola, phone: "+47 400 00 102", language: nb}
rota:
  - layer: primary
    members: [kari, ola]
    start: "2026-01-05"
    shift: 1 week
    handoff: "08:00"
  - layer: secondary
    members: [ola, kari]
    start: "2026-01-05"
    shift: 1 week
    handoff: "08:00"
overrides:
  - {layer: primary, person: ola, from: "2026-12-24T08:00", to: "2026-12-27T08:00"}
severities:
  - id: a
    label: {nb: A-feil, en: A fault}
    open: desk
    closed:
      route: duty
      page:
        - notify: [rota:primary]
        - after: 10m
          notify: [rota:secondary]
    respond: immediately
  - id: c
    label: {nb: C-feil, en: C fault}
    open: written
    closed: written
"""


def mutate(changes: dict[int, str | None]) -> str:
    """BASE with line N (1-based) replaced by changes[N]; a value with newlines inserts lines,
    None deletes the line (all numbers refer to BASE)."""
    lines = BASE.splitlines()
    out: list[str] = []
    for n, line in enumerate(lines, start=1):
        if n not in changes:
            out.append(line)
        elif changes[n] is not None:
            out.extend(changes[n].split("\n"))
    return "\n".join(out) + "\n"


def check(tmp_path: Path, text: str):
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    policy, problems = check_policy_file(path)
    return path, policy, problems


def errors(problems):
    return [p for p in problems if p.level == "error"]


def where(problems) -> set[tuple[int, str]]:
    return {(p.line, p.field) for p in problems}


def only(problems):
    """The single problem; fails listing them all otherwise."""
    assert len(problems) == 1, "\n".join(str(p) for p in problems)
    return problems[0]
