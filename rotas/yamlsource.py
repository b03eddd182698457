"""YAML that remembers where things are, so every config problem names file, line and field.

Every scalar is loaded as a string (no YAML 1.1 surprises: `NO` stays "NO", not False, and
`16:00` stays "16:00", not 960); the parser converts types explicitly. Duplicate keys are
reported instead of silently keeping the last one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

_Base = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


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


def _make_loader(problems: Problems):
    class Loader(_Base):
        def construct_mapping(self, node, deep=False):
            out = Located()
            out.line, out.lines = node.start_mark.line + 1, {}
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in out:
                    problems.add(line, str(key), f"duplicate key (first at line {out.lines[key]})")
                out[key] = self.construct_object(value_node, deep=True)
                out.lines[key] = line
            return out

        def construct_sequence(self, node, deep=False):
            out = LocatedList(self.construct_object(child, deep=True) for child in node.value)
            out.line = node.start_mark.line + 1
            out.lines = [child.start_mark.line + 1 for child in node.value]
            return out

    Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", Loader.construct_sequence)
    return Loader


def load_yaml(text: str, source: str) -> tuple[object, Problems]:
    """Parse YAML text; syntax errors become problems on their line."""
    problems = Problems(source)
    try:
        data = yaml.load(text, Loader=_make_loader(problems))  # noqa: S506 - BaseLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.add(mark.line + 1 if mark else 1, "yaml", str(exc.problem or exc))
        return None, problems
    return data, problems
