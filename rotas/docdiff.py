"""What changed between two versions of a vendor document (plain parsed YAML: dicts, lists,
strings), as a list of changes and a one-line summary.

A change is `{"op": "add"|"remove"|"change", "path": "overrides[2]", "old": ..., "new": ...}`
(no "old" on an add, no "new" on a remove). Paths index lists like the validation does:
`rota[0].handoff`. Lists of mappings are compared by what their items are, not by position:
rota layers by `layer`, severities by `id` (an edited layer is a change inside it, a moved
one an order change of the list); overrides and other lists of mappings as a multiset (an
override added in the middle is one add, not a change of every later one). Lists of plain
values (members, phones) change as a whole.
"""

from __future__ import annotations

import json
from collections import Counter

IDENTITY_KEYS = ("layer", "id")  # the first of these that names every item of a list
MAX_SUMMARY = 300  # characters
MAX_NAMED = 3  # items described per section and kind in a summary


def diff(old, new, path: str = "") -> list[dict]:
    """Every change from `old` to `new` (both parsed documents, or parts of them)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return _diff_mappings(old, new, path)
    if _mappings_list(old) and _mappings_list(new):
        key = _identity(old, new)
        return _diff_keyed(old, new, path, key) if key else _diff_multiset(old, new, path)
    return [] if old == new else [{"op": "change", "path": path, "old": old, "new": new}]


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _diff_mappings(old: dict, new: dict, path: str) -> list[dict]:
    out = [
        {"op": "remove", "path": _join(path, k), "old": v} for k, v in old.items() if k not in new
    ]
    for k, v in new.items():
        if k not in old:
            out.append({"op": "add", "path": _join(path, k), "new": v})
        elif old[k] != v:
            out += diff(old[k], v, _join(path, k))
    return out


def _mappings_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(x, dict) for x in value)


def _identity(old: list, new: list) -> str | None:
    for key in IDENTITY_KEYS:
        for items in (old, new):
            names = [x.get(key) for x in items]
            if None in names or len(set(map(str, names))) < len(names):
                break
        else:
            return key
    return None


def _diff_keyed(old: list, new: list, path: str, key: str) -> list[dict]:
    before = {str(x[key]): (i, x) for i, x in enumerate(old)}
    after = {str(x[key]): (i, x) for i, x in enumerate(new)}
    out = [
        {"op": "remove", "path": f"{path}[{i}]", "old": x}
        for name, (i, x) in before.items()
        if name not in after
    ]
    for name, (i, x) in after.items():
        if name not in before:
            out.append({"op": "add", "path": f"{path}[{i}]", "new": x})
        elif before[name][1] != x:
            out += diff(before[name][1], x, f"{path}[{i}]")
    kept_old = [n for n in before if n in after]
    kept_new = [n for n in after if n in before]
    if kept_old != kept_new:
        out.append({"op": "change", "path": path, "old": kept_old, "new": kept_new})
    return out


def _canonical(item) -> frozenset | str:
    """A hashable stand-in for an item: its pairs when flat (an override), else JSON."""
    if all(isinstance(v, str) for v in item.values()):
        return frozenset(item.items())
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def _diff_multiset(old: list, new: list, path: str) -> list[dict]:
    """Items removed (by their old index) and added (by their new index); the equal items at
    both ends are skipped first (an edit touches a few of thousands of overrides)."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    out = []
    middle_old, middle_new = old[head : len(old) - tail], new[head : len(new) - tail]
    for op, items, others, side in (
        ("remove", middle_old, middle_new, "old"),
        ("add", middle_new, middle_old, "new"),
    ):
        left = Counter(map(_canonical, others))
        for i, item in enumerate(items, head):
            canon = _canonical(item)
            if left[canon]:
                left[canon] -= 1
            else:
                out.append({"op": op, "path": f"{path}[{i}]", side: item})
    return out


# -- the one-line summary ---------------------------------------------------------------------


def summarize(changes: list[dict]) -> str:
    """'overrides: +1 (per on primary 2026-12-24 08:00 to 2026-12-27 08:00); desk: ~1
    (hours.mon-fri)'; 'no changes' for none (only comments or layout differ)."""
    if not changes:
        return "no changes to the policy (comments or layout only)"
    sections: dict[str, dict[str, list[str]]] = {}
    for c in changes:
        section, rest = _section(c["path"])
        sections.setdefault(section, {}).setdefault(c["op"], []).append(_describe(c, rest))
    parts = []
    for section, ops in sections.items():
        counts = [
            _count(sign, ops[op])
            for sign, op in (("+", "add"), ("-", "remove"), ("~", "change"))
            if op in ops
        ]
        parts.append(f"{section}: {', '.join(counts)}")
    text = "; ".join(parts)
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 3] + "..."


def _section(path: str) -> tuple[str, str]:
    cut = min((i for i in (path.find("."), path.find("[")) if i >= 0), default=len(path))
    return path[:cut] or "document", path[cut:].lstrip(".")


def _count(sign: str, names: list[str]) -> str:
    named = [n for n in names if n]
    if not named:
        return f"{sign}{len(names)}"
    more = ", ..." if len(named) > MAX_NAMED else ""
    return f"{sign}{len(names)} ({', '.join(named[:MAX_NAMED])}{more})"


def _describe(change: dict, rest: str) -> str:
    value = change.get("new", change.get("old"))
    if isinstance(value, dict) and {"layer", "person", "from", "to"} <= set(value):
        return (
            f"{value['person']} on {value['layer']} {_when(value['from'])} to {_when(value['to'])}"
        )
    if rest.startswith("[") and isinstance(value, dict):
        name = next((value[k] for k in IDENTITY_KEYS if k in value), None)
        if name is not None:
            return str(name)
    return rest


def _when(value) -> str:
    return str(value).replace("T", " ")
