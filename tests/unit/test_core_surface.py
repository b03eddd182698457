"""The pure core's public surface: one instant per question."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted([*(ROOT / "rotas").glob("*.py"), *(ROOT / "ivr").glob("*.py")])


def module_name(path: Path) -> str:
    return f"{path.parent.name}.{path.stem}"


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
