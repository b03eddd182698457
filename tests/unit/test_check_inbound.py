"""`oncall check`: a number belongs to one vendor (issue 9, item 8)."""

from __future__ import annotations

import shutil
from pathlib import Path

from oncall.cli import main

VENDORS = Path(__file__).resolve().parents[2] / "config" / "vendors"


def _claim(path: Path, number: str) -> None:
    """Give a vendor file a second inbound number, on a line of its own."""
    text = path.read_text(encoding="utf-8")
    start = text.index("inbound: [")
    own = text[start + len("inbound: [") : text.index("]", start)]
    end = text.index("\n", start)
    text = text[:start] + f'inbound:\n  - {own}\n  - "{number}"' + text[end:]
    path.write_text(text, encoding="utf-8")


def test_check_fails_on_a_number_in_two_files_naming_both_files_and_lines(capsys, tmp_path):
    for vendor in ("aidn", "pindena"):
        shutil.copy(VENDORS / f"{vendor}.yaml", tmp_path / f"{vendor}.yaml")
    _claim(tmp_path / "pindena.yaml", "+47 21 00 00 11")  # aidn's number, written differently
    aidn, pindena = tmp_path / "aidn.yaml", tmp_path / "pindena.yaml"

    code = main(["check", str(aidn), str(pindena), "--months", "1"])
    out = capsys.readouterr().out

    assert code == 1
    assert (
        f"{aidn}:13: inbound: +*******011 is also the inbound number of pindena ({pindena}:20)"
    ) in out
    assert (
        f"{pindena}:20: inbound: +*******011 is also the inbound number of aidn ({aidn}:13)"
    ) in out
    assert out.splitlines()[-1].startswith("2 file(s): 2 error(s)")
