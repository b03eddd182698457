"""YAML that remembers where things are, so every config problem names file, line and field.

Every scalar is loaded as a string (no YAML 1.1 surprises: `NO` stays "NO", not False, and
`16:00` stays "16:00", not 960); the parser converts types explicitly. Duplicate keys are
reported instead of silently keeping the last one.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass, field

import yaml


# Composed by the C parser when available; no constructors run: every scalar stays a string.
class _Loader(getattr(yaml, "CBaseLoader", yaml.BaseLoader)):
    def resolve(self, kind, value, implicit):  # no implicit typing at all: skip the resolver
        return (
            self.DEFAULT_MAPPING_TAG
            if kind is yaml.MappingNode
            else (
                self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_SCALAR_TAG
            )
        )


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


def _convert(node, problems: Problems):
    """YAML node tree -> str / LocatedList / Located, remembering lines (1-based)."""
    if isinstance(node, yaml.MappingNode):
        out = Located()
        out.line, out.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = _convert(key_node, problems)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                problems.add(line, "yaml", "a key must be a plain text")
                continue
            if key in out:
                problems.add(line, key, f"duplicate key (first at line {out.lines[key]})")
            out[key] = _convert(value_node, problems)
            out.lines[key] = line
        return out
    if isinstance(node, yaml.SequenceNode):
        out = LocatedList(_convert(child, problems) for child in node.value)
        out.line = node.start_mark.line + 1
        out.lines = [child.start_mark.line + 1 for child in node.value]
        return out
    return node.value


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
    """Parse YAML text; syntax errors become problems on their line."""
    problems = Problems(source)
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = _convert(node, problems) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add(mark.line + 1 if mark else 1, "yaml", str(exc.problem or exc))
        return None, problems
    return data, problems
