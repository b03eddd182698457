"""The functional core stays pure: rotas/ never imports IO libraries (design.md)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"flask", "redis", "rq", "twilio", "requests", "socket", "oncall", "workers"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "rotas").glob("*.py")), ids=lambda p: p.name)
def test_rotas_imports_no_io_library(path):
    assert not imported_modules(path) & FORBIDDEN


def test_the_check_itself_catches_an_io_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import redis\nfrom twilio.rest import Client\n")
    assert imported_modules(bad) & FORBIDDEN == {"redis", "twilio"}
