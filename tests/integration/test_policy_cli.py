"""`python -m oncall import | export | history | restore` against the test's own Redis.

Import validates like `check` and writes nothing when any file has an error; export writes
what imports back unchanged; bad arguments exit 2 with one line.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from oncall.cli import main
from oncall.services import policies
from oncall.store.redisconn import url_of

VENDORS = Path(__file__).resolve().parents[2] / "config" / "vendors"
NAMES = sorted(p.stem for p in VENDORS.glob("*.yaml"))


@pytest.fixture
def oncall(redis_client, monkeypatch, capsys):
    """oncall(*argv) -> (exit status, stdout, stderr), in-process, on the test's Redis."""
    monkeypatch.setenv("REDIS_URL", url_of(redis_client))
    monkeypatch.setenv("ONCALL_CONFIG_DIR", str(VENDORS))

    def run(*argv: str):
        status = main(list(argv))
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


def test_import_stores_every_vendor_and_a_second_import_changes_nothing(oncall, redis_client):
    status, out, _ = oncall("import", "--author", "kari")
    assert status == 0, out
    assert policies.current_numbers(redis_client) == dict.fromkeys(NAMES, 1)
    assert policies.current(redis_client, "aidn").text == (VENDORS / "aidn.yaml").read_text()
    assert policies.current(redis_client, "aidn").author == "kari"
    counted = policies.generation(redis_client)
    status, out, _ = oncall("import")
    assert status == 0
    assert out.splitlines() == [f"{name}: unchanged (version 1)" for name in NAMES]
    assert policies.generation(redis_client) == counted  # no save at all


def test_export_imports_back_unchanged(oncall, redis_client, tmp_path):
    oncall("import")
    status, _, _ = oncall("export", "--dir", str(tmp_path / "out"))
    assert status == 0
    for name in NAMES:
        assert (tmp_path / "out" / f"{name}.yaml").read_text() == (
            VENDORS / f"{name}.yaml"
        ).read_text()
    status, out, _ = oncall("export", "--vendor", "aidn")
    assert out == (VENDORS / "aidn.yaml").read_text()
    files = sorted(str(p) for p in (tmp_path / "out").glob("*.yaml"))
    status, out, _ = oncall("import", *files)
    assert status == 0 and out.count("unchanged") == len(NAMES)


def test_one_bad_file_and_nothing_is_imported(oncall, redis_client, tmp_path):
    folder = tmp_path / "vendors"
    shutil.copytree(VENDORS, folder)
    aidn = folder / "aidn.yaml"
    aidn.write_text(aidn.read_text().replace('handoff: "08:00"', 'handoff: "8"', 1))
    status, out, _ = oncall("import", *sorted(str(p) for p in folder.glob("*.yaml")))
    assert status == 1
    assert f"{aidn}:45: rota.primary.handoff: '8' is not a time of day like '08:00'" in out
    assert out.splitlines()[-1] == "5 file(s): 1 error(s); nothing imported"
    assert redis_client.dbsize() == 0


def test_a_number_claimed_by_two_files_is_refused(oncall, redis_client, tmp_path):
    shutil.copy(VENDORS / "aidn.yaml", tmp_path / "aidn.yaml")
    pindena = (VENDORS / "pindena.yaml").read_text()
    (tmp_path / "pindena.yaml").write_text(pindena.replace("+47 21 00 00 12", "+47 21 00 00 11"))
    status, out, _ = oncall("import", str(tmp_path / "aidn.yaml"), str(tmp_path / "pindena.yaml"))
    assert status == 1
    assert "a number belongs to one vendor" in out
    assert redis_client.dbsize() == 0


def test_history_and_restore(oncall, redis_client, tmp_path):
    oncall("import", str(VENDORS / "aidn.yaml"))
    edited = tmp_path / "aidn.yaml"
    edited.write_text((VENDORS / "aidn.yaml").read_text().replace("name: Aidn", "name: Aidn AS"))
    assert oncall("import", "--author", "ola", str(edited))[0] == 0
    status, out, _ = oncall("restore", "--vendor", "aidn", "--version", "1", "--author", "lead")
    assert (status, out) == (0, "aidn: version 3 restores version 1\n")
    status, out, _ = oncall("history", "--vendor", "aidn")
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == ["3", "2", "1"]
    assert lines[1].endswith("ola  name: ~1")
    status, out, _ = oncall("history", "--vendor", "aidn", "--limit", "1", "--json")
    assert [v["summary"] for v in json.loads(out)] == ["restored version 1"]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["history", "--vendor", "nope"], "no stored policy for 'nope'"),
        (["history", "--vendor", "aidn", "--limit", "0"], "--limit must be between 1 and 500"),
        (["restore", "--vendor", "aidn", "--version", "9"], "--version must be between 1 and 1"),
        (["restore", "--vendor", "aidn", "--version", "x"], "argument --version: invalid int"),
        (["export"], "give --vendor ID to print one policy, or --dir DIR to write them"),
        (["export", "--vendor", "nope"], "no stored policy for 'nope' (stored: aidn, pindena)"),
        (["import", "--author", " ", "x.yaml"], "--author must be 1 to 100 characters"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(oncall, argv, says):
    oncall("import", str(VENDORS / "aidn.yaml"), str(VENDORS / "pindena.yaml"))
    status, out, err = oncall(*argv)
    assert status == 2
    assert len(err.splitlines()) == 1 and says in err, err
