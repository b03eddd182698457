"""Bad vendor configs: every problem is reported once, as 'file:line: field: message'.

Each test starts from BASE, a valid minimal vendor file shaped like config/vendors/aidn.yaml,
and changes a few lines. Line numbers in the assertions are lines of the mutated file; the
lines of BASE that the tests refer to are pinned by test_base_line_numbers.
"""

from __future__ import annotations

import pendulum
import pytest

from rotas.config import load_policy
from rotas.routing import decide
from rotas.yamlsource import ConfigError
from tests.helpers.vendor_files import BASE, check, errors, mutate, only, where


def test_base_line_numbers():
    lines = BASE.splitlines()
    assert lines[3] == "timezone: Europe/Oslo"  # 4
    assert lines[8].startswith("  phones:")  # 9: desk.phones
    assert lines[13] == "  hours: when-desk-closed"  # 14: duty.hours
    assert lines[14] == "closures: []"  # 15
    assert lines[16].startswith("  email:")  # 17
    assert lines[18].startswith("  kari:")  # 19
    assert lines[21] == "  - layer: primary"  # 22
    assert lines[22] == "    members: [kari, ola]"  # 23
    assert lines[25] == '    handoff: "08:00"'  # 26: primary handoff
    assert lines[26] == "  - layer: secondary"  # 27
    assert lines[32].startswith("  - {layer: primary")  # 33: the override
    assert lines[34] == "  - id: a"  # 35
    assert lines[37] == "    closed:"  # 38
    assert lines[40] == "        - notify: [rota:primary]"  # 41
    assert lines[42] == "          notify: [rota:secondary]"  # 43


def test_base_is_valid(tmp_path):
    _path, policy, problems = check(tmp_path, BASE)
    assert problems == []
    assert policy is not None and policy.id == "acme"
    assert [layer.name for layer in policy.rota.layers] == ["primary", "secondary"]


def test_problem_names_file_line_field(tmp_path):
    path, policy, problems = check(tmp_path, mutate({4: "timezone: Europe/Olso"}))
    assert policy is None
    p = only(problems)
    assert (p.source, p.line, p.field, p.level) == (str(path), 4, "timezone", "error")
    assert "Europe/Olso" in p.message
    assert str(p) == f"{path}:4: timezone: {p.message}"


# -- unknown keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "line", "field"),
    [
        ({15: "closure: []"}, 15, "closure"),
        ({14: "  hour: when-desk-closed"}, 14, "duty.hour"),
        ({17: "  e-mail: support@acme.no"}, 17, "written.e-mail"),
        (
            {19: '  kari: {name: Kari, phone: "+47 400 00 101", language: nb, mail: x}'},
            19,
            "people.kari.mail",
        ),
        ({11: '    mon-fre: "08:00-16:00"'}, 11, "desk.hours.mon-fre"),
    ],
    ids=["top-level", "duty", "written", "person", "weekday"],
)
def test_unknown_key(tmp_path, changes, line, field):
    path, policy, problems = check(tmp_path, mutate(changes))
    assert policy is None
    p = only(problems)
    assert (p.line, p.field, p.level) == (line, field, "error")
    assert str(p) == f"{path}:{line}: {field}: {p.message}"


@pytest.mark.parametrize(
    ("changes", "line", "prefix", "key"),
    [
        ({26: '    handof: "08:00"'}, 26, "rota", "handof"),
        ({36: "    label: {nb: A-feil, en: A fault}\n    colour: red"}, 37, "severities", "colour"),
        (
            {43: "          notify: [rota:secondary]\n          repeat: 2"},
            44,
            "severities",
            "repeat",
        ),
    ],
    ids=["rota-layer", "severity", "page-step"],
)
def test_unknown_key_in_list_items(tmp_path, changes, line, prefix, key):
    _path, policy, problems = check(tmp_path, mutate(changes))
    assert policy is None
    p = only(problems)
    assert p.line == line
    assert p.field.startswith(prefix) and p.field.endswith(f".{key}"), p.field
    assert "unknown key" in p.message


# -- phone numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "line", "field", "bad"),
    [
        ({9: '  phones: ["+47 97 32 86 34", "+47 000"]'}, 9, "desk.phones[1]", "+47 000"),
        (
            {9: '  phones:\n    - "+47 97 32 86 34"\n    - "not a number"'},
            11,
            "desk.phones[1]",
            "not a number",
        ),
        ({7: 'emergency: "+47 12"'}, 7, "emergency", "+47 12"),
        ({6: 'inbound: ["12"]'}, 6, "inbound[0]", "12"),
        ({13: '  phones: ["+46 8 12"]'}, 13, "duty.phones[0]", "+46 8 12"),
    ],
    ids=["desk-flow-list", "desk-block-list", "emergency", "inbound", "duty"],
)
def test_invalid_phone_number(tmp_path, changes, line, field, bad):
    _path, policy, problems = check(tmp_path, mutate(changes))
    assert policy is None
    p = only(problems)
    assert (p.line, p.field) == (line, field)
    assert bad in p.message


def test_invalid_person_phone_is_reported(tmp_path):
    _path, policy, problems = check(
        tmp_path, mutate({20: '  ola: {name: Ola, phone: "12345", language: nb}'})
    )
    assert policy is None
    assert (20, "people.ola.phone") in where(problems)


def test_invalid_person_phone_is_reported_once(tmp_path):
    _path, _policy, problems = check(
        tmp_path, mutate({20: '  ola: {name: Ola, phone: "12345", language: nb}'})
    )
    assert (only(problems).line, only(problems).field) == (20, "people.ola.phone")


# -- rota layers and overrides --------------------------------------------------------------


def test_empty_layer(tmp_path):
    _path, policy, problems = check(tmp_path, mutate({23: "    members: []"}))
    assert policy is None
    p = next(p for p in problems if p.line == 23)
    assert p.field == "rota.primary.members"
    assert "empty" in p.message


def test_empty_layer_is_reported_once(tmp_path):
    _path, _policy, problems = check(tmp_path, mutate({23: "    members: []"}))
    assert where(problems) == {(23, "rota.primary.members")}


def test_two_layers_with_the_same_name(tmp_path):
    _path, policy, problems = check(tmp_path, mutate({27: "  - layer: primary"}))
    assert policy is None
    p = next(p for p in problems if p.line == 27)
    assert p.field == "rota.primary"
    assert "line 22" in p.message  # points at the first one
    assert not any(p.line == 22 for p in problems)


def test_overlapping_overrides(tmp_path):
    second = '  - {layer: primary, person: kari, from: "2026-12-26T08:00", to: "2026-12-28T08:00"}'
    _path, policy, problems = check(tmp_path, mutate({33: BASE.splitlines()[32] + "\n" + second}))
    assert policy is None
    p = only(problems)
    assert p.line == 34
    assert p.field.startswith("overrides")
    assert p.message == (  # the vendor's wall clock, as the file and the API write times
        "override on 'primary' from 2026-12-26 08:00 overlaps the one from 2026-12-24 08:00 "
        "to 2026-12-27 08:00 (Europe/Oslo)"
    )


def test_overrides_on_different_layers_may_overlap(tmp_path):
    second = (
        '  - {layer: secondary, person: kari, from: "2026-12-26T08:00", to: "2026-12-28T08:00"}'
    )
    _path, policy, problems = check(tmp_path, mutate({33: BASE.splitlines()[32] + "\n" + second}))
    assert problems == [] and policy is not None


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-12-27T08:00", "2026-12-24T08:00"), ("2026-12-24T08:00", "2026-12-24T08:00")],
    ids=["reversed", "empty"],
)
def test_override_ending_before_it_starts(tmp_path, start, end):
    line = f'  - {{layer: primary, person: ola, from: "{start}", to: "{end}"}}'
    _path, policy, problems = check(tmp_path, mutate({33: line}))
    assert policy is None
    p = only(problems)
    assert (p.line, p.field) == (33, "overrides[0].to")
    wall = {t: t.replace("T", " ") for t in (start, end)}
    assert p.message == f"override ends ({wall[end]}) before it starts ({wall[start]})"


@pytest.mark.parametrize(
    ("changes", "line", "field"),
    [
        (
            {15: 'closures: [{name: Sommer, from: "2026-07-31", to: "2026-07-01"}]'},
            15,
            "closures[0].to",
        ),
        (
            {15: 'closures:\n  - name: Sommer\n    from: "2026-07-31"\n    to: "2026-07-01"'},
            18,
            "closures[0].to",
        ),
        ({15: 'closures: [{name: Sommer, weeks: "30-29"}]'}, 15, "closures[0].weeks"),
    ],
    ids=["dates-flow", "dates-block", "iso-weeks"],
)
def test_closure_ending_before_it_starts(tmp_path, changes, line, field):
    _path, policy, problems = check(tmp_path, mutate(changes))
    assert policy is None
    p = only(problems)
    assert (p.line, p.field) == (line, field)


def test_yearly_closure_over_new_year_is_fine(tmp_path):
    _path, policy, problems = check(
        tmp_path, mutate({15: 'closures: [{name: Nyttår, from: "12-27", to: "01-02"}]'})
    )
    assert problems == [] and policy is not None
    d = decide(policy, "a", pendulum.datetime(2027, 1, 1, 10, tz="Europe/Oslo"))
    assert not d.open


# -- severities: duty without anyone, unknown page targets ----------------------------------

# no duty phones, no rota, no overrides, no page plan: comments keep the line numbers
NOBODY_ON_DUTY = {13: "  # no duty phones", **{n: "#" for n in range(21, 34)}}
NOBODY_ON_DUTY.update({n: "      #" for n in range(40, 44)})


def test_duty_severity_with_no_rota_and_no_duty_phones(tmp_path):
    _path, policy, problems = check(tmp_path, mutate(NOBODY_ON_DUTY))
    assert policy is None
    p = only(problems)
    assert p.field == "severities.a.closed"
    assert "duty" in p.message and "rota" in p.message


def test_duty_phones_alone_are_enough(tmp_path):
    changes = dict(NOBODY_ON_DUTY)
    del changes[13]
    _path, policy, problems = check(tmp_path, mutate(changes))
    assert problems == [] and policy is not None


@pytest.mark.parametrize(
    ("changes", "target", "hint"),
    [
        ({41: "        - notify: [rota:tertiary]"}, "rota:tertiary", "primary, secondary"),
        ({43: "          notify: [rota:secondary, nobody]"}, "nobody", "people"),
    ],
    ids=["unknown-layer", "unknown-person"],
)
def test_page_target_unknown(tmp_path, changes, target, hint):
    _path, policy, problems = check(tmp_path, mutate(changes))
    assert policy is None
    p = only(problems)
    assert p.field.startswith("severities.a.closed.page[")
    assert target in p.message and hint in p.message


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({41: "        - notify: [rota:tertiary]"}, 41),
        ({43: "          notify: [rota:secondary, nobody]"}, 43),
        (NOBODY_ON_DUTY, 38),
    ],
    ids=["unknown-layer", "unknown-person", "duty-without-anyone"],
)
def test_severity_cross_check_points_at_its_line(tmp_path, changes, line):
    _path, _policy, problems = check(tmp_path, mutate(changes))
    assert only(problems).line == line


# -- DST-sensitive handoffs: warnings that say what the rota does -------------------------

DAILY_0230 = {25: "    shift: 1 day", 26: '    handoff: "02:30"'}


def test_handoff_in_dst_gap_is_a_warning(tmp_path):
    path, policy, problems = check(tmp_path, mutate(DAILY_0230))
    assert policy is not None  # a warning does not stop loading
    assert errors(problems) == []
    gap = [p for p in problems if "2026-03-29" in p.message]
    p = only(gap)
    assert p.level == "warning"
    assert p.field == "rota.primary.handoff"
    assert "03:30" in p.message  # what the rota does: hands off at 03:30 that day
    assert str(p).startswith(f"{path}:{p.line}: ")
    assert p.field in str(p) and p.message in str(p)
    assert load_policy(path) is not None


def test_handoff_outside_dst_hours_gives_no_warning(tmp_path):
    _path, _policy, problems = check(tmp_path, mutate({25: "    shift: 1 day"}))
    assert problems == []


def test_dst_warning_points_at_the_handoff_line(tmp_path):
    _path, _policy, problems = check(tmp_path, mutate(DAILY_0230))
    assert {p.line for p in problems} == {26}


def test_handoff_in_dst_fold_is_a_warning(tmp_path):
    _path, policy, problems = check(tmp_path, mutate(DAILY_0230))
    assert policy is not None
    fold = [p for p in problems if "2026-10-25" in p.message]
    assert only(fold).level == "warning"


def test_weekly_monday_handoff_at_0230_never_meets_dst(tmp_path):
    # EU clocks change on Sundays; this layer hands off on Mondays only
    _path, _policy, problems = check(tmp_path, mutate({26: '    handoff: "02:30"'}))
    assert problems == []


# -- YAML level -----------------------------------------------------------------------------


def test_yaml_syntax_error_names_its_line(tmp_path):
    path, policy, problems = check(tmp_path, mutate({2: "name: Acme: Inc"}))
    assert policy is None
    p = only(problems)
    assert (p.line, p.field, p.level) == (2, "yaml", "error")
    assert str(p).startswith(f"{path}:2: yaml: ")


@pytest.mark.parametrize(
    ("changes", "line", "field", "first"),
    [
        ({15: "name: Other"}, 15, "name", 2),
        ({20: '  kari: {name: Ola, phone: "+47 400 00 102", language: nb}'}, 20, "kari", 19),
    ],
    ids=["top-level", "nested"],
)
def test_duplicate_key(tmp_path, changes, line, field, first):
    _path, policy, problems = check(tmp_path, mutate(changes))
    assert policy is None
    p = next(p for p in problems if "duplicate" in p.message)  # validation goes on after it
    assert p.line == line
    assert p.field.endswith(field)
    assert f"line {first}" in p.message


def test_duplicate_key_does_not_hide_other_problems(tmp_path):
    _path, _policy, problems = check(
        tmp_path, mutate({4: "timezone: Europe/Olso", 15: "name: Other"})
    )
    assert where(problems) == {(4, "timezone"), (15, "name")}


def test_holidays_no_unquoted_is_norway(tmp_path):
    # YAML 1.1 would read NO as false (the 'Norway problem')
    _path, policy, problems = check(tmp_path, mutate({5: "holidays: NO"}))
    assert problems == []
    assert policy.country == "NO"
    d = decide(policy, "a", pendulum.datetime(2026, 4, 2, 10, tz="Europe/Oslo"))
    assert not d.open
    assert "Maundy Thursday" in d.reason and "Norway" in d.reason


def test_other_yaml_11_lookalikes_stay_text(tmp_path):
    text = mutate(
        {
            11: "    mon-fri: 08:00-16:00",  # sexagesimal 08:00 in YAML 1.1
            24: "    start: 2026-01-05",  # a timestamp in YAML 1.1
            26: "    handoff: 08:00",
        }
    )
    _path, policy, problems = check(tmp_path, text)
    assert problems == []
    assert policy.rota.layers[0].handoff == 8 * 60
    assert str(policy.calendar.desk_hours.days[0][0]) == "08:00-16:00"


# -- hours ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "line", "field"),
    [
        ({14: "  hours: {mon-fri: 16:00-08:00}"}, 14, "duty.hours.mon-fri"),
        ({11: "    mon-fri: 16:00-08:00"}, 11, "desk.hours.mon-fri"),
    ],
    ids=["duty", "desk"],
)
def test_span_wrapping_midnight_suggests_split(tmp_path, changes, line, field):
    _path, policy, problems = check(tmp_path, mutate(changes))
    assert policy is None
    p = only(problems)
    assert (p.line, p.field) == (line, field)
    assert "16:00-24:00" in p.message and "00:00-08:00" in p.message


# -- all problems collected -----------------------------------------------------------------

MANY = {
    4: "timezone: Europe/Olso",
    9: '  phones: ["+47 97 32 86 34", "+47 000"]',
    14: "  hours: {mon-fri: 16:00-08:00}",
    17: "  e-mail: support@acme.no",
    33: '  - {layer: primary, person: ola, from: "2026-12-27T08:00", to: "2026-12-24T08:00"}',
}


def test_all_problems_collected_one_each(tmp_path):
    path, policy, problems = check(tmp_path, mutate(MANY))
    assert policy is None
    assert len(problems) == 5, "\n".join(str(p) for p in problems)
    assert where(problems) == {
        (4, "timezone"),
        (9, "desk.phones[1]"),
        (14, "duty.hours.mon-fri"),
        (17, "written.e-mail"),
        (33, "overrides[0].to"),
    }
    for p in problems:
        assert str(p) == f"{path}:{p.line}: {p.field}: {p.message}"


def test_load_policy_raises_with_every_error(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(mutate(MANY), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_policy(path)
    assert len(info.value.problems) == 5
    lines = str(info.value).splitlines()
    assert len(lines) == 5 and all(line.startswith(f"{path}:") for line in lines)


def test_missing_required_key(tmp_path):
    _path, policy, problems = check(tmp_path, mutate({3: None}))
    assert policy is None
    p = only(problems)
    assert p.field == "language" and "missing" in p.message


def test_id_must_match_file_name(tmp_path):
    _path, policy, problems = check(tmp_path, mutate({1: "id: other"}))
    assert policy is None
    p = only(problems)
    assert (p.line, p.field) == (1, "id")
    assert "acme" in p.message
