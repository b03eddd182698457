"""`make test` (and `make check`) refuse vendor configs with a coverage gap: a severity that
should reach a human and reaches nobody is a caller hung up on, so it fails the build.

The command is taken from the Makefile itself and run as written, in-process, against the
shipped vendors (must pass) and against a vendor with the Aidn seed's literal duty window,
which leaves weekend days 08:00-16:00 uncovered (must fail)."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from oncall.cli import main

ROOT = Path(__file__).resolve().parents[2]
VENDORS = ROOT / "config" / "vendors"


def makefile_check_commands() -> dict[str, list[str]]:
    """target -> the arguments after `-m oncall` of its `oncall check` recipe line."""
    found, target = {}, None
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([\w-]+):", line)
        if m:
            target = m[1]
        elif line.startswith("\t") and " -m oncall check" in line:
            found[target] = shlex.split(line.split(" -m oncall ", 1)[1])
    return found


def run(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(argv)
    return code, out.getvalue()


def literal_aidn_dir(tmp_path: Path) -> Path:
    text = (VENDORS / "aidn.yaml").read_text(encoding="utf-8")
    old = "  hours: when-desk-closed"
    assert text.count(old) == 1
    text = text.replace(old, '  hours: {daily: ["00:00-08:00", "16:00-24:00"]}')
    (tmp_path / "aidn.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("target", ["test", "check"])
def test_the_makefile_config_check_passes_the_shipped_vendors_and_fails_on_a_gap(
    tmp_path, monkeypatch, target
):
    argv = makefile_check_commands()[target]
    monkeypatch.setenv("ONCALL_CONFIG_DIR", str(VENDORS))
    code, out = run(argv)
    assert out.splitlines()[-1] == "5 file(s): 0 error(s), 0 warning(s), 0 coverage gap(s)"
    assert code == 0
    monkeypatch.setenv("ONCALL_CONFIG_DIR", str(literal_aidn_dir(tmp_path)))
    code, out = run(argv)
    assert "coverage gap(s) in the next 12 months" in out  # a weekend falls in any 12 months
    assert code == 1
