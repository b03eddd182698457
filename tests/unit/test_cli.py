"""The `python -m oncall` command line: output shapes, instants, exit codes, one-line errors.

Expected routes are worked out from policies.md and the shipped configs (see test_vendors.py
for the rota arithmetic): in the week of Mon 2026-03-30 08:00 Aidn's primary is Kari and the
secondary Per; from Mon 2026-04-06 08:00 it is Ola and Kari.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from oncall.cli import main

ROOT = Path(__file__).resolve().parents[2]
VENDORS = ROOT / "config" / "vendors"
ALL_VENDORS = "aidn, amido, itsl, kommune-ikt, pindena"

AIDN_DESK, AIDN_DUTY = "+4797328634", "+4775988062"
KARI, OLA, PER = "+4740000101", "+4740000102", "+4740000104"

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2})$")


@pytest.fixture(autouse=True)
def _shipped_configs(monkeypatch):
    monkeypatch.delenv("ONCALL_CONFIG_DIR", raising=False)


def oncall(*argv: str) -> subprocess.CompletedProcess:
    """`python -m oncall ...` in a fresh interpreter, from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "oncall", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def route_json(capsys, vendor: str, at: str, severity: str) -> dict:
    code, out, err = run(
        capsys, "route", "--vendor", vendor, "--at", at, "--severity", severity, "--json"
    )
    assert (code, err) == (0, "")
    return json.loads(out)


# -- route --------------------------------------------------------------------------------


def test_route_json_has_every_field(capsys):
    data = route_json(capsys, "aidn", "2026-04-02T10:00", "a")
    assert {
        "vendor",
        "at",
        "severity",
        "open",
        "route",
        "dial",
        "page",
        "reason",
        "respond_by",
    } <= set(data)
    assert data["vendor"] == "aidn"
    assert data["severity"] == "a"
    assert ISO_WITH_OFFSET.match(data["at"]), data["at"]
    assert data["at"].startswith("2026-04-02T10:00") and data["at"].endswith("+02:00")
    assert data["open"] is False
    assert data["route"] == "oncall"
    assert data["dial"] == [KARI, PER, AIDN_DUTY]
    assert data["page"] == [KARI]
    assert "Maundy Thursday" in data["reason"]
    # 'immediately' while the duty plan pages: before its second step, +10 minutes
    assert data["respond_by"].startswith("2026-04-02T10:10")
    assert ISO_WITH_OFFSET.match(data["respond_by"])


def test_route_json_open_desk(capsys):
    data = route_json(capsys, "itsl", "2026-03-10T10:00", "p1")
    assert data["open"] is True
    assert data["route"] == "desk"
    assert data["dial"] == ["+46607851410"]
    assert data["page"] == ["+46701740615", "+46701740616"]  # development + service owner
    assert data["at"] == "2026-03-10T10:00:00+01:00"
    assert data["respond_by"] == "2026-03-10T11:00:00+01:00"


def test_route_json_written_has_no_deadline_or_numbers(capsys):
    data = route_json(capsys, "aidn", "2026-03-10T10:00", "suggestion")
    assert data["route"] == "written"
    assert data["dial"] == [] and data["page"] == []
    assert data["respond_by"] is None


@pytest.mark.parametrize(
    "instant",
    [
        "2026-04-02T08:00Z",
        "2026-04-02T08:00:00Z",
        "2026-04-02T08:00+00:00",
        "2026-04-02T11:00+03:00",
    ],
)
def test_time_with_offset_is_that_instant(capsys, instant):
    local = route_json(capsys, "aidn", "2026-04-02T10:00", "a")
    other = route_json(capsys, "aidn", instant, "a")
    assert other == local


def test_time_without_offset_is_vendor_local(capsys):
    # read as UTC, 16:30 would be 18:30 in Stockholm and the desk would be closed
    data = route_json(capsys, "itsl", "2026-04-02T16:30", "p1")
    assert data["at"] == "2026-04-02T16:30:00+02:00"
    # ITSL is open until 17:00 local, and Maundy Thursday is no Swedish holiday
    assert data["route"] == "desk"


def test_utc_instant_can_fall_on_the_next_local_day(capsys):
    # 22:30Z on Wednesday 1 April is 00:30 on Maundy Thursday in Oslo
    data = route_json(capsys, "pindena", "2026-04-01T22:30Z", "kritisk")
    assert data["at"] == "2026-04-02T00:30:00+02:00"
    assert data["route"] == "written"
    assert "Maundy Thursday" in data["reason"]


def test_route_text_output(capsys):
    code, out, err = run(
        capsys, "route", "--vendor", "aidn", "--at", "2026-03-10T10:00", "--severity", "a"
    )
    assert (code, err) == (0, "")
    assert "route:      desk" in out
    assert AIDN_DESK in out
    assert "open" in out


# -- usage errors: exit 2, exactly one line on stderr, naming problem and valid choices ------

ROUTE = ["route", "--vendor", "aidn", "--at", "2026-04-02T10:00", "--severity", "a"]


@pytest.mark.parametrize(
    ("argv", "must_mention"),
    [
        (
            ["route", "--vendor", "nope", "--at", "2026-04-02T10:00", "--severity", "a"],
            ["nope", ALL_VENDORS],
        ),
        (
            ["route", "--vendor", "aidn", "--at", "2026-04-02T10:00", "--severity", "p1"],
            ["p1", "a, b, c, support, suggestion"],
        ),
        (
            ["route", "--vendor", "aidn", "--at", "tomorrow", "--severity", "a"],
            ["--at", "tomorrow", "2026-04-02T10:00"],
        ),
        (
            ["route", "--vendor", "aidn", "--at", "2026-04-02T25:00", "--severity", "a"],
            ["--at", "2026-04-02T25:00"],
        ),
        (
            ["route", "--vendor", "aidn", "--at", "2026-02-30T10:00", "--severity", "a"],
            ["--at", "2026-02-30T10:00"],
        ),
        (["route", "--vendor", "aidn", "--severity", "a"], ["--at"]),
        (["route", "--vendor", "aidn", "--at", "2026-04-02T10:00"], ["--severity"]),
        ([], ["command"]),
        (["frobnicate"], ["frobnicate", "route", "check", "rota", "timetable"]),
        (["rota", "list"], ["list", "show"]),
        ([*ROUTE, "--bogus"], ["--bogus"]),
        (
            [
                "timetable",
                "--vendor",
                "aidn",
                "--severity",
                "a",
                "--from",
                "2026-04-07",
                "--to",
                "2026-04-01",
            ],
            ["--to", "2026-04-01", "--from", "2026-04-07"],
        ),
        (
            [
                "timetable",
                "--vendor",
                "aidn",
                "--severity",
                "a",
                "--from",
                "7 April",
                "--to",
                "2026-04-01",
            ],
            ["--from", "7 April"],
        ),
        (["check", "--months", "0"], ["--months"]),
        (["rota", "show", "--vendor", "aidn", "--weeks", "0"], ["--weeks"]),
    ],
    ids=[
        "unknown-vendor",
        "unknown-severity",
        "malformed-time",
        "hour-25",
        "30-february",
        "missing-at",
        "missing-severity",
        "no-command",
        "unknown-command",
        "unknown-rota-command",
        "unknown-option",
        "to-before-from",
        "malformed-date",
        "months-0",
        "weeks-0",
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, argv, must_mention):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("oncall: error: ")
    for text in must_mention:
        assert text in lines[0], lines[0]
    assert "Traceback" not in err


def test_vendor_id_that_is_a_path_is_unknown(capsys):
    code, _out, err = run(
        capsys,
        "route",
        "--vendor",
        "../vendors/aidn",
        "--at",
        "2026-04-02T10:00",
        "--severity",
        "a",
    )
    assert code == 2
    assert "unknown vendor" in err and ALL_VENDORS in err


def test_subprocess_unknown_vendor_no_traceback():
    proc = oncall("route", "--vendor", "nope", "--at", "2026-04-02T10:00", "--severity", "a")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"oncall: error: unknown vendor 'nope' (valid: {ALL_VENDORS})"
    ]


def test_subprocess_route_json():
    proc = oncall(
        "route",
        "--vendor",
        "kommune-ikt",
        "--at",
        "2026-03-10T15:45",
        "--severity",
        "kritisk",
        "--json",
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    data = json.loads(proc.stdout)
    # 15:30-16:00 on a weekday: the duty window has begun, but the desk is still open
    assert (data["route"], data["dial"], data["open"]) == ("desk", ["+4770162999"], True)


def test_subprocess_malformed_time_no_traceback():
    proc = oncall("route", "--vendor", "aidn", "--at", "2026-04-02T10:00+25:00", "--severity", "a")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert "--at" in proc.stderr


# -- timetable ----------------------------------------------------------------------------


def test_timetable_json_over_easter(capsys):
    code, out, err = run(
        capsys,
        "timetable",
        "--vendor",
        "aidn",
        "--severity",
        "a",
        "--from",
        "2026-04-01",
        "--to",
        "2026-04-07",
        "--json",
    )
    assert (code, err) == (0, "")
    changes = json.loads(out)
    assert isinstance(changes, list)
    for c in changes:
        assert {"at", "route", "dial", "reason"} <= set(c)
        assert ISO_WITH_OFFSET.match(c["at"]), c["at"]
    got = [(c["at"], c["route"], c["dial"]) for c in changes]
    # Maundy Thursday, Good Friday, the weekend and Easter Monday: no desk from Wednesday
    # 16:00 until Tuesday 08:00; the only change in between is the Monday 08:00 handoff.
    assert got == [
        ("2026-04-01T00:00:00+02:00", "oncall", [KARI, PER, AIDN_DUTY]),
        ("2026-04-01T08:00:00+02:00", "desk", [AIDN_DESK]),
        ("2026-04-01T16:00:00+02:00", "oncall", [KARI, PER, AIDN_DUTY]),
        ("2026-04-06T08:00:00+02:00", "oncall", [OLA, KARI, AIDN_DUTY]),
        ("2026-04-07T08:00:00+02:00", "desk", [AIDN_DESK]),
        ("2026-04-07T16:00:00+02:00", "oncall", [OLA, KARI, AIDN_DUTY]),
    ]
    assert "Easter Monday" in changes[3]["reason"]


def test_timetable_json_swedish_easter(capsys):
    # ITSL p1: Maundy Thursday is a working day in Sweden, Good Friday and Easter Monday not
    code, out, err = run(
        capsys,
        "timetable",
        "--vendor",
        "itsl",
        "--severity",
        "p1",
        "--from",
        "2026-04-02",
        "--to",
        "2026-04-06",
        "--json",
    )
    assert (code, err) == (0, "")
    got = [(c["at"], c["route"]) for c in json.loads(out)]
    assert got == [
        ("2026-04-02T00:00:00+02:00", "oncall"),
        ("2026-04-02T08:00:00+02:00", "desk"),
        ("2026-04-02T17:00:00+02:00", "oncall"),
        ("2026-04-06T08:00:00+02:00", "oncall"),  # weekly handoff: anna/johan -> erik/anna
    ]


def test_timetable_text(capsys):
    code, out, err = run(
        capsys,
        "timetable",
        "--vendor",
        "pindena",
        "--severity",
        "kritisk",
        "--from",
        "2026-03-10",
        "--to",
        "2026-03-10",
    )
    assert (code, err) == (0, "")
    # 09:00 desk, 11:30 lunch, 12:00 desk, 15:00 written (plus midnight)
    assert "11:30" in out and "lunch" in out
    assert "5 change(s)" in out


# -- rota show ----------------------------------------------------------------------------


def test_rota_show_layers_and_holidays(capsys):
    code, out, err = run(capsys, "rota", "show", "--vendor", "aidn", "--from", "2026-03-30")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    header = next(line for line in lines if line.startswith("Date"))
    assert "primary" in header and "secondary" in header
    rows = {line[:10]: line for line in lines if re.match(r"\d{4}-\d{2}-\d{2} ", line)}
    assert len(rows) == 14  # default: two weeks
    assert "Maundy Thursday" in rows["2026-04-02"]
    assert "Good Friday" in rows["2026-04-03"]
    assert "Easter Monday" in rows["2026-04-06"]
    assert "closed" in rows["2026-04-02"]
    assert "08:00-16:00" in rows["2026-04-01"]
    assert "holiday" not in rows["2026-04-01"]
    # Tuesday 31 March: Kari is primary, Per secondary (shift k=12)
    assert re.search(r"Kari Nordmann.*Per Hansen", rows["2026-03-31"])
    # phone numbers are masked
    assert KARI not in out and "+*******101" in out


def test_rota_show_marks_overrides(capsys):
    code, out, _err = run(
        capsys, "rota", "show", "--vendor", "aidn", "--from", "2026-12-21", "--weeks", "1"
    )
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith("2026-12-25"))
    assert "Per Hansen (example)*" in row
    assert "Christmas Day" in row


def test_rota_show_vendor_without_rota(capsys):
    code, out, _err = run(
        capsys, "rota", "show", "--vendor", "pindena", "--from", "2026-12-21", "--weeks", "1"
    )
    assert code == 0
    assert "no rota layers" in out
    rows = {line[:10]: line for line in out.splitlines() if line.startswith("2026-12-")}
    assert "Christmas Day" in rows["2026-12-25"]
    assert "Romjul" in rows["2026-12-27"]
    assert "Romjul" not in rows["2026-12-24"] and "11:30" in rows["2026-12-24"]


# -- check --------------------------------------------------------------------------------


def test_check_shipped_configs_exit_0(capsys):
    # after the rotas start (first handoff Mon 2026-01-05 08:00; before it ITSL has nobody)
    code, out, err = run(capsys, "check", "--from", "2026-02-01", "--months", "12")
    assert code == 0, out
    assert err == ""
    assert out.splitlines()[-1] == "5 file(s): 0 error(s), 0 warning(s), 0 coverage gap(s)"


def test_check_default_window(capsys):
    code, out, _err = run(capsys, "check")
    assert code == 0, out
    assert "0 error(s)" in out


def _broken(tmp_path: Path) -> Path:
    text = (VENDORS / "aidn.yaml").read_text(encoding="utf-8")
    text = text.replace("timezone: Europe/Oslo", "timezone: Europe/Olso")
    path = tmp_path / "aidn.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_check_broken_file_exit_1(capsys, tmp_path):
    path = _broken(tmp_path)
    code, out, _err = run(capsys, "check", str(path), "--months", "1")
    assert code == 1
    assert f"{path}:11: timezone: " in out
    assert "Europe/Olso" in out
    assert "1 error(s)" in out.splitlines()[-1]


def test_check_uses_oncall_config_dir(capsys, tmp_path, monkeypatch):
    _broken(tmp_path)
    shutil.copy(VENDORS / "itsl.yaml", tmp_path / "itsl.yaml")
    monkeypatch.setenv("ONCALL_CONFIG_DIR", str(tmp_path))
    code, out, _err = run(capsys, "check", "--months", "1")
    assert code == 1
    assert out.splitlines()[-1].startswith("2 file(s): 1 error(s)")


def test_route_uses_oncall_config_dir(capsys, tmp_path, monkeypatch):
    shutil.copy(VENDORS / "itsl.yaml", tmp_path / "itsl.yaml")
    monkeypatch.setenv("ONCALL_CONFIG_DIR", str(tmp_path))
    code, _out, err = run(
        capsys, "route", "--vendor", "aidn", "--at", "2026-04-02T10:00", "--severity", "a"
    )
    assert code == 2
    assert err.strip() == "oncall: error: unknown vendor 'aidn' (valid: itsl)"


def test_check_empty_config_dir(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ONCALL_CONFIG_DIR", str(tmp_path))
    code, _out, err = run(capsys, "check")
    assert code == 2
    assert len(err.splitlines()) == 1 and str(tmp_path) in err


def _literal_aidn(tmp_path: Path) -> Path:
    """aidn.yaml with the seed's literal duty window: all days 16:00-08:00."""
    text = (VENDORS / "aidn.yaml").read_text(encoding="utf-8")
    old = "  hours: when-desk-closed"
    assert text.count(old) == 1
    text = text.replace(old, '  hours: {daily: ["00:00-08:00", "16:00-24:00"]}')
    path = tmp_path / "aidn.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _gaps(out: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r"gap: (\w+) reaches nobody from (\d{4}-\d{2}-\d{2} \d{2}:\d{2}) \S+ "
        r"to (\d{4}-\d{2}-\d{2} \d{2}:\d{2})",
        out,
    )


def test_check_reports_the_seed_literal_weekend_gap(capsys, tmp_path):
    path = _literal_aidn(tmp_path)
    code, out, _err = run(capsys, "check", str(path), "--from", "2026-06-01", "--months", "1")
    assert code == 0  # gaps are reported; only --strict fails on them
    weekend = [f"2026-06-{d:02d}" for d in (6, 7, 13, 14, 20, 21, 27, 28)]
    expected = [(sev, f"{day} 08:00", f"{day} 16:00") for sev in ("a", "b") for day in weekend]
    assert _gaps(out) == expected
    assert "16 coverage gap(s)" in out.splitlines()[-1]


def test_check_literal_window_also_leaves_weekday_holidays_uncovered(capsys, tmp_path):
    path = _literal_aidn(tmp_path)
    code, out, _err = run(capsys, "check", str(path), "--from", "2026-05-01", "--months", "1")
    assert code == 0
    gaps = {g for g in _gaps(out) if g[0] == "a"}
    # Labour Day (Fri 1 May), Ascension Day (Thu 14 May), Whit Monday (Mon 25 May)
    for day in ("2026-05-01", "2026-05-14", "2026-05-25"):
        assert ("a", f"{day} 08:00", f"{day} 16:00") in gaps
    # an ordinary Tuesday is covered: the desk is open 08:00-16:00
    assert not any(g[1].startswith("2026-05-05") for g in gaps)


def test_check_strict_fails_on_gaps(capsys, tmp_path):
    path = _literal_aidn(tmp_path)
    code, _out, _err = run(
        capsys, "check", str(path), "--from", "2026-06-01", "--months", "1", "--strict"
    )
    assert code == 1
