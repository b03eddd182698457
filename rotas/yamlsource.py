"""YAML that remembers where things are, so every config problem names file, line and field.

Every scalar is loaded as a string (no YAML 1.1 surprises: `NO` stays "NO", not False, and
`16:00` stays "16:00", not 960); the parser converts types explicitly. Duplicate keys are
reported instead of silently keeping the last one.

The tree is built straight from the parser's events, one pass with bounded memory: a file is
refused past MAX_CHARS characters, MAX_NODES values or MAX_DEPTH levels of nesting, and
anchors and aliases (`&name`, `*name`) are refused outright, so an alias bomb (a few lines
that expand to billions of values) costs no more than its own few lines.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

import yaml

MAX_CHARS = 256 * 1024  # a 5-year rota with 2,000 overrides is ~170 KiB
MAX_NODES = 50_000  # values (scalars, lists, mappings); that rota has ~20,000
MAX_DEPTH = 32  # levels of nesting; a vendor file uses 7

# The C parser when available. Only its events are used: no resolver, no constructors.
_Parser = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_NO_KEY = object()


class Located(dict):
    """A mapping with the line of each key (1-based) and of itself."""

    line: int = 0
    lines: dict


class LocatedList(list):
    line: int = 0
    lines: list


@dataclass(frozen=True)
class Problem:
    source: str
    line: int
    field: str
    message: str
    level: str = "error"  # or "warning": reported by `check`, does not stop loading

    def __str__(self) -> str:
        tag = "warning: " if self.level == "warning" else ""
        return f"{self.source}:{self.line}: {tag}{self.field}: {self.message}"


@dataclass
class Problems:
    source: str
    items: list[Problem] = field(default_factory=list)

    def add(self, line: int, field_name: str, message: str, level: str = "error") -> None:
        self.items.append(Problem(self.source, line, field_name, message, level))

    def __bool__(self) -> bool:
        return any(p.level == "error" for p in self.items)


class ConfigError(Exception):
    """One or more problems in a config file."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _Refused(Exception):
    """The file is refused as a whole (an alias, or past a limit): loading stops here."""

    def __init__(self, line: int, field_name: str, message: str):
        super().__init__(message)
        self.line, self.field, self.message = line, field_name, message


class _Frame:
    """An open mapping or list while its events arrive."""

    __slots__ = ("container", "key", "key_line", "last_key")

    def __init__(self, container):
        self.container, self.key, self.key_line, self.last_key = container, _NO_KEY, 0, None


def _path(stack: list[_Frame]) -> str:
    """'severities[1].closed' for the value being read, to name the field of a refusal."""
    parts = []
    for depth, frame in enumerate(stack, 1):
        inner = depth == len(stack)  # the innermost frame is reading its next value
        if isinstance(frame.container, Located):
            key = frame.key if inner else frame.last_key
            if isinstance(key, str):
                parts.append(f".{key}" if parts else key)
        else:
            parts.append(f"[{len(frame.container) - (0 if inner else 1)}]")
    return "".join(parts) or "yaml"


def _place(stack: list[_Frame], value, line: int, problems: Problems) -> None:
    """Put a new value into the innermost open mapping (as a key or a value) or list."""
    frame = stack[-1]
    into = frame.container
    if not isinstance(into, Located):
        into.append(value)
        into.lines.append(line)
    elif frame.key is _NO_KEY:
        frame.key, frame.key_line = value, line
    else:
        key, key_line, frame.key = frame.key, frame.key_line, _NO_KEY
        frame.last_key = key
        if not isinstance(key, str):
            problems.add(key_line, "yaml", "a key must be a plain text")
            return
        if key in into:
            problems.add(key_line, key, f"duplicate key (first at line {into.lines[key]})")
        into[key], into.lines[key] = value, key_line


def _build(events, problems: Problems):
    """Parser events -> str / LocatedList / Located for the one document, lines 1-based."""
    root, stack, nodes, documents = None, [], 0, 0
    for event in events:
        kind = type(event)
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _Refused(event.start_mark.line + 1, "yaml", "expected a single document")
            continue
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            continue
        if kind not in (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent):
            if kind is yaml.AliasEvent:
                raise _Refused(
                    event.start_mark.line + 1,
                    _path(stack),
                    f"YAML aliases (*{event.anchor}) are not allowed; write the value out",
                )
            continue  # stream and document ends
        line = event.start_mark.line + 1
        if event.anchor is not None:
            raise _Refused(
                line,
                _path(stack),
                f"YAML anchors (&{event.anchor}) are not allowed; write the value out",
            )
        nodes += 1
        if nodes > MAX_NODES:
            raise _Refused(line, _path(stack), f"more than {MAX_NODES:,} values in one file")
        if kind is yaml.ScalarEvent:
            value = event.value
        elif len(stack) >= MAX_DEPTH:
            raise _Refused(line, _path(stack), f"nested deeper than {MAX_DEPTH} levels")
        else:
            value = Located() if kind is yaml.MappingStartEvent else LocatedList()
            value.line, value.lines = line, {} if kind is yaml.MappingStartEvent else []
        if stack:
            _place(stack, value, line, problems)
        else:
            root = value
        if kind is not yaml.ScalarEvent:
            stack.append(_Frame(value))
    return root


@contextmanager
def gc_paused():
    """No garbage collection inside: loading a config allocates tens of thousands of objects
    that all stay alive, and the collector would otherwise scan them again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_yaml(text: str, source: str) -> tuple[object, Problems]:
    """Parse YAML text; syntax errors, aliases and exceeded limits become problems on their
    line (and the data None)."""
    problems = Problems(source)
    if len(text) > MAX_CHARS:
        problems.add(1, "file", f"larger than {MAX_CHARS // 1024} KiB")
        return None, problems
    try:
        return _build(yaml.parse(text, Loader=_Parser), problems), problems
    except _Refused as exc:
        problems.add(exc.line, exc.field, exc.message)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add(mark.line + 1 if mark else 1, "yaml", str(exc.problem or exc))
    except yaml.YAMLError as exc:  # the reader: a control character or bad encoding
        position = getattr(exc, "position", 0) or 0
        reason = getattr(exc, "reason", None) or "not readable as YAML"
        problems.add(text.count("\n", 0, position) + 1, "yaml", reason)
    return None, problems
