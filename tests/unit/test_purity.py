"""The functional core stays pure: rotas/ never imports IO libraries, and ivr/ uses only
twilio.twiml, which builds XML and does no IO (design.md)."""

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


def imported_dotted(path: Path) -> set[str]:
    """Every module `path` imports, dotted in full (`twilio.twiml.voice_response`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "ivr").glob("*.py")), ids=lambda p: p.name)
def test_ivr_imports_nothing_with_io_but_twilio_twiml(path):
    found = imported_dotted(path)
    twilio = {n for n in found if n.split(".")[0] == "twilio"}
    assert all(n == "twilio.twiml" or n.startswith("twilio.twiml.") for n in twilio), twilio
    assert not {n.split(".")[0] for n in found} & (FORBIDDEN - {"twilio"})


def test_the_ivr_check_catches_the_rest_client(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from twilio.twiml.voice_response import VoiceResponse\nfrom twilio.rest import Client\n"
    )
    assert {n for n in imported_dotted(bad) if not n.startswith("twilio.twiml")} == {"twilio.rest"}


def test_the_check_itself_catches_an_io_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import redis\nfrom twilio.rest import Client\n")
    assert imported_modules(bad) & FORBIDDEN == {"redis", "twilio"}
