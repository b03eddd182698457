"""Imports run one way, downwards (README, Architecture): the import graph is read with ast.

core (rotas/, then ivr/)  <  adapters (settings, Redis stores, Twilio client, clock, masking)
<  services (oncall.services: shared by every entry point)  <  entry points (oncall.web,
oncall.cli, workers/, and the process files that start them). A module may import its own
layer and the layers below; entry points never import one another. No function-level import
of a project module: one that exists only to dodge a cycle means the layers are wrong.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ("rotas", "ivr", "oncall", "workers", "config")

# (module prefix, layer, entry-point group); the longest matching prefix wins.
LAYERS = [
    ("rotas", 0, None),
    ("ivr", 1, None),
    ("config.settings", 2, None),
    ("oncall.store", 2, None),
    ("oncall.telephony", 2, None),
    ("oncall.clock", 2, None),
    ("oncall.masking", 2, None),
    ("oncall.logs", 2, None),
    ("oncall.services", 3, None),
    ("oncall.web", 4, "web"),
    ("oncall.wsgi", 4, "web"),
    ("config.gunicorn", 4, "web"),
    ("oncall.cli", 4, "cli"),
    ("oncall.__main__", 4, "cli"),
    ("workers", 4, "workers"),
    ("oncall", 2, None),  # the package itself: a docstring, imports nothing
    ("config", 2, None),
]
NAMES = {0: "core (rotas)", 1: "core (ivr)", 2: "adapters", 3: "services", 4: "entry points"}
# One entry point may drive another, named here with the reason.
ALLOWED_SIDEWAYS = {
    ("oncall.cli.simulator", "oncall.web"): "`oncall call`/`reply` run the web app in-process, "
    "signed, as Twilio would",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> tuple[int, str | None]:
    best = max((p for p in LAYERS if module == p[0] or module.startswith(p[0] + ".")),
               key=lambda p: len(p[0]))  # fmt: skip
    return best[1], best[2]


def project_files() -> list[Path]:
    return sorted(p for pkg in PROJECT for p in (ROOT / pkg).rglob("*.py"))


def imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported project module, line, inside a function) for every import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                names = [a.name for a in child.names]
            elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                names = [child.module]
                names += [f"{child.module}.{a.name}" for a in child.names]
            else:
                visit(child, inner)
                continue
            for name in names:
                if name.split(".")[0] in PROJECT and _is_module(name):
                    found.append((name, child.lineno, in_function))

    visit(tree, False)
    return found


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def violations(path: Path) -> list[str]:
    source = module_name(path)
    layer, group = layer_of(source)
    out = []
    for target, line, in_function in imports(path):
        where = f"{path.relative_to(ROOT)}:{line}: {source} imports {target}"
        if in_function:
            out.append(f"{where} inside a function")
        t_layer, t_group = layer_of(target)
        allowed = any(
            source.startswith(s) and (target == t or target.startswith(t + "."))
            for s, t in ALLOWED_SIDEWAYS
        )
        if t_layer > layer:
            out.append(f"{where}: upwards, {NAMES[layer]} -> {NAMES[t_layer]}")
        elif group and t_group and group != t_group and not allowed:
            out.append(f"{where}: sideways between entry points ({group} -> {t_group})")
    return out


@pytest.mark.parametrize("path", project_files(), ids=lambda p: module_name(p))
def test_imports_run_downwards(path):
    assert violations(path) == []


def test_every_project_module_has_a_layer():
    for path in project_files():
        layer_of(module_name(path))  # max() of nothing raises


def test_the_check_catches_upward_sideways_and_function_level_imports(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.unit.test_layers.ROOT", tmp_path)  # one module per layer
    for name in ("rotas/x.py", "oncall/store/s.py", "oncall/web/w.py", "workers/j.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    (tmp_path / "rotas" / "x.py").write_text("from oncall.store import s\n")
    (tmp_path / "workers" / "j.py").write_text("def job():\n    from oncall.web import w\n")
    assert violations(tmp_path / "rotas" / "x.py") == [
        "rotas/x.py:1: rotas.x imports oncall.store.s: upwards, core (rotas) -> adapters",
    ]
    found = violations(tmp_path / "workers" / "j.py")
    assert any("inside a function" in v for v in found)
    assert any("sideways between entry points (workers -> web)" in v for v in found)
