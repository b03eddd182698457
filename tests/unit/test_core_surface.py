"""The pure core's public surface: modules that import one way, one instant per question,
and caches kept inside the values (or modules) that own them."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from tests.helpers.factories import vendor

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted([*(ROOT / "rotas").glob("*.py"), *(ROOT / "ivr").glob("*.py")])


def module_name(path: Path) -> str:
    return f"{path.parent.name}.{path.stem}"


def core_imports(path: Path) -> set[str]:
    """Core modules `path` imports anywhere (top level, TYPE_CHECKING blocks, functions)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {n for n in names if n.split(".")[0] in ("rotas", "ivr")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle found by a depth-first walk, as [a, b, ..., a]."""
    found, done = [], set()

    def walk(name: str, path: list[str]) -> None:
        if name in path:
            found.append([*path[path.index(name) :], name])
            return
        if name in done:
            return
        for nxt in sorted(graph.get(name, ())):
            walk(nxt, [*path, name])
        done.add(name)

    for name in sorted(graph):
        walk(name, [])
    return found


def test_the_core_modules_import_each_other_without_cycles():
    graph = {module_name(p): core_imports(p) for p in CORE}
    assert cycles(graph) == []


def test_the_cycle_check_itself_finds_a_cycle_behind_type_checking(tmp_path):
    (tmp_path / "rotas").mkdir()
    a, b = tmp_path / "rotas" / "a.py", tmp_path / "rotas" / "b.py"
    a.write_text("from rotas.b import B\n")
    b.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from rotas.a import A\n")
    graph = {module_name(p): core_imports(p) for p in (a, b)}
    assert cycles(graph) == [["rotas.a", "rotas.b", "rotas.a"]]


def public_callables(module):
    """(name, callable) of the public functions and methods defined in `module`."""
    for name, value in vars(module).items():
        if name.startswith("_") or getattr(value, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(value):
            yield name, value
        elif inspect.isclass(value):
            for attr, member in vars(value).items():
                if not attr.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{attr}", member


@pytest.mark.parametrize("path", CORE, ids=module_name)
def test_public_functions_take_one_instant_not_its_epoch_seconds_beside_it(path):
    """A question about an instant takes the instant; epoch seconds, where they make it
    faster, are computed inside (private helpers may pass them on)."""
    module = importlib.import_module(module_name(path))
    beside = [
        name for name, fn in public_callables(module) if "ts" in inspect.signature(fn).parameters
    ]
    assert beside == []


def test_memoised_answers_are_not_on_the_public_surface():
    policy = vendor("aidn")
    owners = {
        "policy": policy,
        "calendar": getattr(policy, "calendar", None),
        "rotas.calendar": importlib.import_module("rotas.calendar"),
    }
    public = [
        f"{owner}.{name}"
        for owner, value in owners.items()
        for name in dir(value)
        if "memo" in name.lower() and not name.startswith("_")
    ]
    assert public == []
