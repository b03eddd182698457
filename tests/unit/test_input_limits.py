"""Every input is bounded: config files (size, values, nesting, aliases, bytes) and the command
line's dates and windows. Bad input is one clear line (a `file:line: field:` problem, or exit 2
from the CLI), never a traceback, never minutes of work or gigabytes of memory."""

from __future__ import annotations

import contextlib
import io
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from oncall.cli import main
from rotas.config import check_policy_file
from rotas.yamlsource import MAX_CHARS, MAX_DEPTH, MAX_NODES, load_yaml

ROOT = Path(__file__).resolve().parents[2]
VENDORS = ROOT / "config" / "vendors"


@pytest.fixture(scope="module", autouse=True)
def _shipped_configs():
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ONCALL_CONFIG_DIR", str(VENDORS))
        yield


def problems_of(text: str) -> tuple[object, list[str]]:
    data, problems = load_yaml(text, "v.yaml")
    return data, [str(p) for p in problems.items]


# -- YAML: aliases, nesting, size -----------------------------------------------------------


def alias_bomb(levels: int = 9) -> str:
    """The billion laughs: each line lists the previous anchor nine times (9**levels values)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_in_bounded_memory(tmp_path):
    """The real bomb through the real command, in a process capped at 1 GiB of address space:
    expanding it needs tens of gigabytes; refusing it needs nothing."""
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "oncall", "check", str(path), "--months", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=cap_memory,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr == ""
    assert done.stdout.splitlines()[0] == (
        f"{path}:1: a: YAML anchors (&a) are not allowed; write the value out"
    )


def test_an_alias_is_refused_on_its_own_line_naming_the_field():
    text = "a: [x]\nseverities:\n  - id: p1\n    closed:\n      page: [{notify: *ops}]\n"
    data, found = problems_of(text)
    assert data is None
    assert found == [
        "v.yaml:5: severities[0].closed.page[0].notify: "
        "YAML aliases (*ops) are not allowed; write the value out"
    ]


def test_an_anchor_is_refused_even_unused():
    data, found = problems_of("desk:\n  hours: &h {mon-fri: '08:00-16:00'}\n")
    assert data is None
    assert found == ["v.yaml:2: desk.hours: YAML anchors (&h) are not allowed; write the value out"]


def test_deep_nesting_is_refused_not_a_recursion_error():
    for depth in (MAX_DEPTH, 5_000, 100_000):  # the top-level mapping is one more level
        data, found = problems_of("x: " + "[" * depth + "]" * depth)
        assert data is None
        assert len(found) == 1 and found[0].startswith("v.yaml:1: x[0][0]")
        assert found[0].endswith(f": nested deeper than {MAX_DEPTH} levels")
    depth = MAX_DEPTH - 1
    data, found = problems_of("x: " + "[" * depth + "]" * depth)
    assert found == [] and data is not None


def test_too_many_values_are_refused_on_the_line_that_passes_the_limit():
    text = "x:\n  - [" + ",".join(["0"] * (MAX_NODES + 10)) + "]\n"
    assert len(text) < MAX_CHARS  # dense: two characters a value
    data, found = problems_of(text)
    assert data is None
    # the top mapping, 'x', and two lists are four values: item n is value n + 5
    n = MAX_NODES + 1 - 5
    assert found == [f"v.yaml:2: x[0][{n}]: more than {MAX_NODES:,} values in one file"]


def test_a_file_larger_than_the_limit_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * (MAX_CHARS + 100) + "\n", encoding="utf-8")
    policy, found = check_policy_file(path)
    assert policy is None
    assert [str(p) for p in found] == [f"{path}:1: file: larger than {MAX_CHARS // 1024} KiB"]
    data, found = problems_of("# " + "x" * MAX_CHARS)
    assert data is None and found == [f"v.yaml:1: file: larger than {MAX_CHARS // 1024} KiB"]


def test_control_characters_are_a_problem_on_their_line():
    data, found = problems_of("id: acme\nname: \x07bell\n")
    assert data is None
    assert found == ["v.yaml:2: yaml: control characters are not allowed"]


def test_a_file_that_is_not_utf8_is_a_problem_on_its_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: acme\nname: Åkerö\n".encode("latin-1"))
    policy, found = check_policy_file(path)
    assert policy is None
    assert [str(p) for p in found] == [f"{path}:2: file: not UTF-8 text"]


# -- config values: every number bounded ----------------------------------------------------

ITSL_LAYER = '    shift: 1 week\n    handoff: "08:00"\n  - layer: secondary'
ITSL_OVERRIDE = '{layer: primary, person: anna, from: "9999-12-31T23:00", to: "2026-12-31T23:59"}'


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (ITSL_LAYER, ITSL_LAYER.replace("1 week", "99999999999999 weeks"),
         "rota.primary.shift: '99999999999999 weeks': a shift is at most 52 weeks"),
        (ITSL_LAYER, ITSL_LAYER.replace("1 week", "365 days"),
         "rota.primary.shift: '365 days': a shift is at most 52 weeks"),
        ("        - after: 20m", "        - after: 9999999999999999h",
         "severities.p1.closed.page[2].after: '9999999999999999h': "
         "a page step comes at most 24h after the incident opens"),
        ("      route: duty\n", "      route: duty\n      repeat: 1000000\n",
         "severities.p1.closed.repeat: '1000000': a page plan repeats at most 10 times"),
        ("closures: []", "closures: [{name: x, weeks: 29-30, year: 99999999999999999999}]",
         "closures[0].year: '99999999999999999999' is not a year like 2027"),
        ("closures: []", "closures: [{name: x, weeks: 29-30, year: 2230}]",
         "closures[0].year: '2230' is outside the supported years 1970-2200"),
        ("closures: []", 'closures: [{name: x, from: "0001-01-01", to: "2026-12-31"}]',
         "closures[0].from: '0001-01-01' is outside the supported years 1970-2200"),
        ("\nseverities:", f"\noverrides:\n  - {ITSL_OVERRIDE}\nseverities:",
         "overrides[0].from: '9999-12-31T23:00' is outside the supported years 1970-2200"),
    ],
)  # fmt: skip
def test_config_numbers_and_dates_are_bounded_one_problem_each(tmp_path, old, new, problem):
    text = (VENDORS / "itsl.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    text = text.replace(old, new)
    value = problem.split("'")[1]  # the problem is on the line of the offending value
    line = text[: text.index(value)].count("\n") + 1
    path = tmp_path / "itsl.yaml"
    path.write_text(text, encoding="utf-8")
    policy, problems = check_policy_file(path)
    assert policy is None
    assert [str(p) for p in problems] == [f"{path}:{line}: {problem}"]


# -- the command line: every date and window bounded -----------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


ROUTE_AIDN_A = ["route", "--vendor", "aidn", "--severity", "a", "--at"]
TIMETABLE_AMIDO = ["timetable", "--vendor", "amido", "--severity", "lag"]


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        ([*ROUTE_AIDN_A, "0001-01-01T00:00"], "outside the supported years 1970-2200"),
        ([*ROUTE_AIDN_A, "9999-12-31T23:59"], "outside the supported years 1970-2200"),
        ([*ROUTE_AIDN_A, "0001-01-01T00:00+05:00"], "outside the supported years 1970-2200"),
        ([*ROUTE_AIDN_A, "2201-01-01"], "outside the supported years 1970-2200"),
        (["rota", "show", "--vendor", "aidn", "--from", "9999-12-25"], "1970-2200"),
        (["rota", "show", "--vendor", "aidn", "--from", "1969-12-31"], "1970-2200"),
        (["check", "--months", "100000"], "--months must be between 1 and 60"),
        (["check", str(VENDORS / "amido.yaml"), "--months", "61"], "between 1 and 60"),
        (["check", "--from", "0001-01-01", "--months", "1"], "--from: '0001-01-01' is outside"),
        ([*TIMETABLE_AMIDO, "--from", "9999-12-30", "--to", "9999-12-31"], "1970-2200"),
        ([*TIMETABLE_AMIDO, "--from", "2026-01-01", "--to", "9999-12-31"], "--to: '9999-12-31'"),
    ],
)
def test_out_of_range_arguments_exit_2_with_one_line(argv, names):
    code, out, err = run(*argv)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.startswith("oncall: error: ")
    assert names in err


def test_timetable_range_is_at_most_ten_years():
    code, out, err = run(*TIMETABLE_AMIDO, "--from", "2026-01-01", "--to", "2036-01-02")
    assert (code, out) == (2, "")
    assert err == (
        "oncall: error: --from 2026-01-01 --to 2036-01-02 spans 3654 days; "
        "at most 3653 (ten years)\n"
    )
    code, out, _err = run(*TIMETABLE_AMIDO, "--from", "2026-01-01", "--to", "2036-01-01")
    assert code == 0 and out.count("\n") > 10_000


def test_the_supported_years_are_1970_to_2200_inclusive():
    for at in ("1969-12-31T23:59", "2201-01-01T00:00"):
        code, _out, err = run("route", "--vendor", "itsl", "--severity", "p1", "--at", at)
        assert code == 2 and "outside the supported years 1970-2200" in err
    for at in ("1970-01-01T00:00", "2200-12-31T23:59", "2200-12-31T23:59-12:00"):
        code, out, _err = run("route", "--vendor", "itsl", "--severity", "p1", "--at", at)
        assert code == 0 and "route:" in out
    code, _out, _err = run("rota", "show", "--vendor", "itsl", "--from", "2200-12-31")
    assert code == 0
    code, _out, _err = run(
        "timetable", "--vendor", "aidn", "--severity", "a",
        "--from", "1970-01-01", "--to", "1970-01-31",
    )  # fmt: skip
    assert code == 0


EDGES = [
    "",
    " ",
    "0001-01-01",
    "0001-01-01T00:00",
    "9999-12-31",
    "9999-12-31T23:59",
    "9999-12-31T23:59:59.999999-14:00",
    "0001-01-01T00:00+14:00",
    "1969-12-31T23:59",
    "2200-12-31T23:59",
    "2026-02-30",
    "2026-13-01",
    "2026-W05",
    "2026-123",
    "P1D",
    "10:00",
    "nan",
    "\x00",
]
DATE_TEXT = st.one_of(
    st.sampled_from(EDGES),
    st.text(max_size=40),
    st.dates().map(str),
    st.datetimes().map(lambda t: t.isoformat(timespec="minutes")),
    st.datetimes().map(lambda t: t.isoformat() + "+05:00"),
)
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["0", "1", "60", "61", "104", "105", "-1", "", "1e3", "٣", "0x10"]),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    command=st.sampled_from(["route", "check", "rota", "timetable"]),
    first=DATE_TEXT,
    second=DATE_TEXT,
    number=NUMBER_TEXT,
)
@example(command="route", first="0001-01-01T00:00", second="", number="1")
@example(command="rota", first="9999-12-25", second="", number="2")
@example(command="check", first="2026-01-01", second="", number="100000")
@example(command="timetable", first="9999-12-30", second="9999-12-31", number="1")
@example(command="timetable", first="1970-01-01", second="1970-01-02", number="1")
def test_any_date_or_number_exits_0_or_2_with_no_traceback(command, first, second, number):
    """Arbitrary text and extreme dates into each subcommand's date and number arguments:
    either the command runs (0) or it says what is wrong in one line (2)."""
    argv = {
        "route": ["route", "--vendor", "itsl", "--severity", "p1", "--at", first],
        "check": ["check", str(VENDORS / "amido.yaml"), "--from", first, "--months", number],
        "rota": ["rota", "show", "--vendor", "itsl", "--from", first, "--weeks", number],
        "timetable": [
            "timetable", "--vendor", "itsl", "--severity", "p1", "--from", first, "--to", second,
        ],
    }[command]  # fmt: skip
    code, _out, err = run(*argv)
    assert code in (0, 2), err
    if code == 2:
        assert len(err.splitlines()) == 1 and err.startswith("oncall: error: "), err
    else:
        assert err == ""
