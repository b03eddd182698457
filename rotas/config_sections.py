"""A cursor over one mapping of a config file: typed access that records located problems."""

from __future__ import annotations

from rotas.yamlsource import Problems


class AlreadyReported(ValueError):
    """A value that depends on something already reported as broken: say nothing more."""


def declared(data, key: str) -> set[str]:
    """Names declared under `key` (mapping keys, or the 'layer' of list items), valid or not,
    so a broken declaration is reported once and not again by everything that refers to it."""
    value = data.get(key) if hasattr(data, "get") else None
    if hasattr(value, "keys"):
        return set(value)
    if isinstance(value, list):
        return {str(item["layer"]) for item in value if hasattr(item, "get") and "layer" in item}
    return set()


def line_at(data, *path, default: int = 1) -> int:
    """The line of the deepest existing element along `path` (keys and list indexes)."""
    line = getattr(data, "line", default)
    for step in path:
        lines = getattr(data, "lines", None)
        try:
            line, data = lines[step], data[step]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(data, "line", line) if isinstance(step, int) else line
    return line


class Section:
    """The mapping at `path` (e.g. 'desk.hours'); unknown keys are reported on creation."""

    def __init__(self, problems: Problems, data, path: str, known: set[str] | None, line: int = 1):
        self.problems, self.pathname = problems, path
        self.line = getattr(data, "line", line)
        if data is not None and known is not None and not hasattr(data, "keys"):
            self.problem(self.line, path or "file", "expected a mapping of keys and values")
            data = {}
        self.data = data if data is not None else {}
        for key in self.data if known is not None else ():
            if key not in known:
                hint = f"; expected one of {', '.join(sorted(known))}" if known else ""
                self.problem(self.line_of(key), self.path(key), f"unknown key{hint}")

    def path(self, key) -> str:
        return f"{self.pathname}.{key}" if self.pathname else str(key)

    def line_of(self, key) -> int:
        return getattr(self.data, "lines", {}).get(key, self.line)

    def rename(self, path: str) -> None:
        self.pathname = path

    def problem(self, line: int, field_name: str, message: str, level: str = "error") -> None:
        self.problems.add(line, field_name, message, level)

    def take(self, key, convert, *, required: bool = False, default=None):
        """The converted value of `key`; a missing required key or a ValueError is a problem."""
        if key not in self.data:
            if required:
                self.problem(self.line, self.path(key), "missing (required)")
            return default
        cursor = Section(self.problems, None, self.path(key), None, self.line_of(key))
        try:
            return convert(self.data[key], cursor)
        except AlreadyReported:
            return default
        except ValueError as exc:
            self.problem(self.line_of(key), self.path(key), str(exc))
            return default

    def value(self, key, convert, *, required: bool = False, default=None):
        """take() for converters of the value alone: no cursor for nested problems (the
        thousands of overrides in a big rota are read through this)."""
        if key not in self.data:
            if required:
                self.problem(self.line, self.path(key), "missing (required)")
            return default
        try:
            return convert(self.data[key])
        except AlreadyReported:
            return default
        except ValueError as exc:
            self.problem(self.line_of(key), self.path(key), str(exc))
            return default

    def section(self, key, known: set[str], *, required: bool = False) -> Section:
        if key not in self.data and required:
            self.problem(self.line, self.path(key), "missing (required)")
        value = self.data.get(key)
        return Section(self.problems, value, self.path(key), known, self.line_of(key))

    def nested(self, value, known: set[str]) -> Section:
        return Section(self.problems, value, self.pathname, known, self.line)

    def each(self, value, convert) -> list:
        """Convert every item of a list (or a single scalar), each problem on its own line."""
        items = value if isinstance(value, list) else [value]
        lines = getattr(value, "lines", [self.line] * len(items))
        out = []
        for i, (item, line) in enumerate(zip(items, lines, strict=True)):
            try:
                out.append(convert(item))
            except AlreadyReported:
                continue
            except ValueError as exc:
                self.problem(line, f"{self.pathname}[{i}]", str(exc))
        return out

    def each_section(self, value, known: set[str], build) -> list:
        """build(Section) for every mapping in a list."""
        if not isinstance(value, list):
            raise ValueError("expected a list")
        return [
            build(Section(self.problems, item, f"{self.pathname}[{i}]", known, line))
            for i, (item, line) in enumerate(zip(value, value.lines, strict=True))
        ]
