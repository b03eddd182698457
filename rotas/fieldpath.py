"""Field names of config problems as index paths into the document.

The loader names fields by what they are (`rota.primary.handoff`, `severities.a.closed.page[0]
.notify`); an editor of the document needs where they are: `rota[0].handoff`,
`severities[0].closed.page[0].notify`. A problem named after a whole list (`overrides`, an
overlap) gets the index of the item on the problem's line.
"""

from __future__ import annotations

import re

_SEGMENT = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
NAMING_KEYS = ("layer", "id")  # what names an item of a list in a field name


def index_path(field: str, data, line: int = 0) -> str:
    """`field` with every list item named by its layer or id replaced by its index in `data`
    (the parsed document); unknown parts are kept as they are."""
    node, out = data, []
    segments = _SEGMENT.findall(field)
    for n, (index, name) in enumerate(segments):
        if isinstance(node, list):
            i = int(index) if index else _find(node, name, line)
            if i is None or i >= len(node):
                return "".join(out) + _rest(segments[n:], bool(out))
            out.append(f"[{i}]")
            node = node[i]
        elif isinstance(node, dict) and name and name in node:
            out.append(f".{name}" if out else name)
            node = node[name]
        else:
            return "".join(out) + _rest(segments[n:], bool(out))
    if isinstance(node, list) and line:
        i = next((i for i, x in enumerate(node) if getattr(x, "line", None) == line), None)
        if i is not None:
            out.append(f"[{i}]")
    return "".join(out) or field


def _find(items: list, name: str, line: int) -> int | None:
    found = [
        i
        for i, item in enumerate(items)
        if isinstance(item, dict) and any(str(item.get(k)) == name for k in NAMING_KEYS)
    ]
    on_line = [i for i in found if getattr(items[i], "line", None) == line]
    return (on_line or found or [None])[0]


def _rest(segments: list, after: bool) -> str:
    parts = [f"[{i}]" if i else name for i, name in segments]
    text = ""
    for part in parts:
        text += part if part.startswith("[") or not (text or after) else f".{part}"
    return text
