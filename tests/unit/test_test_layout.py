"""No test module imports another: code two tests share lives in tests/helpers/ (and the fake
Twilio in tests/fake_twilio/), so running, moving or deleting one test file never changes
another. Every module under tests/ may import from the `tests` package only those two; the
imports are read with ast, as tests/unit/test_layers.py reads the project's."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("tests.helpers", "tests.fake_twilio")


def modules_under_tests() -> list[Path]:
    return sorted((ROOT / "tests").rglob("*.py"))


def imported(node: ast.AST) -> list[str]:
    """The `tests` modules (or names) one import statement names; relative imports included."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        return [f"(relative){'.' * node.level}{node.module or ''}"]
    if node.module == "tests":
        return [f"tests.{a.name}" for a in node.names]
    return [node.module or ""]


def violations(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        for name in imported(node):
            shared = any(name == s or name.startswith(s + ".") for s in SHARED)
            if name.startswith("(relative)") or (name.split(".")[0] == "tests" and not shared):
                where = path.relative_to(root)
                out.append(f"{where}:{node.lineno}: imports {name.removeprefix('(relative)')}")
    return out


@pytest.mark.parametrize("path", modules_under_tests(), ids=lambda p: str(p.relative_to(ROOT)))
def test_tests_import_shared_code_only_from_the_helpers(path):
    assert violations(path) == []


def test_the_check_catches_imports_of_other_test_modules(tmp_path):
    module = tmp_path / "test_x.py"
    module.write_text(
        "from tests.unit.test_properties import utc\n"
        "import tests.integration.test_production_start\n"
        "from tests import conftest\n"
        "from .factories import vendor\n"
        "from tests.helpers.strategies import instants\n"
        "from tests.fake_twilio import FakeTwilio\n"
        "def f():\n"
        "    from tests.e2e import conftest\n"
    )
    found = violations(module, root=tmp_path)
    assert found == [
        "test_x.py:1: imports tests.unit.test_properties",
        "test_x.py:2: imports tests.integration.test_production_start",
        "test_x.py:3: imports tests.conftest",
        "test_x.py:4: imports .factories",
        "test_x.py:8: imports tests.e2e",
    ]
