"""Property tests for the pure routing domain (rotas/), over 2024-2035 and every DST night.

The expectations come from independent references wherever possible: opening hours and the
policy reading are restated from shared/docs/policies.md, Easter from dateutil, DST nights by
scanning zoneinfo offsets, handoff instants from PEP 495 folds, and working-time deadlines from
a small day-by-day reimplementation on zoneinfo.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import pendulum
import pytest
from dateutil.easter import easter
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from rotas.escalation import first_response_minutes, lead_of
from rotas.hours import zone
from rotas.rota import on_call_at, on_duty, shifts_between
from rotas.routing import ROUTES, decide
from rotas.timetable import timetable
from rotas.workingtime import deadline
from tests.helpers.factories import (
    VENDOR_IDS,
    make_layer,
    make_person,
    make_policy,
    vendor,
    wall_instant,
)
from tests.helpers.strategies import (
    DST_DAYS,
    SECOND,
    TZ,
    US,
    any_instant,
    dates,
    instants,
    utc,
    vendor_severity_instant,
)


def shift_key(s):
    return s.layer, s.person, utc(s.start), utc(s.end), s.override


# -- the reading of every policy, restated from shared/docs/policies.md ----------------------

COUNTRY = {"aidn": "NO", "amido": "SE", "itsl": "SE", "kommune-ikt": "NO", "pindena": "NO"}
# desk-open spans on a working day, minutes after local midnight (breaks removed)
OPEN_SPANS = {
    "aidn": ((480, 960),),
    "amido": ((540, 1020),),
    "itsl": ((480, 1020),),
    "kommune-ikt": ((480, 960),),
    "pindena": ((540, 690), (720, 900)),
}
# severity -> (route while the desk is open, route while it is closed)
READING = {
    "aidn": {
        "a": ("desk", "oncall"),
        "b": ("desk", "oncall"),
        "c": ("written", "written"),
        "support": ("written", "written"),
        "suggestion": ("written", "written"),
    },
    "amido": {s: ("desk", "written") for s in ("bradskande", "hog", "medel", "lag")},
    "itsl": {
        "p1": ("desk", "oncall"),
        "p2": ("desk", "written"),
        "p3": ("desk", "written"),
        "p4": ("desk", "written"),
    },
    "kommune-ikt": {
        "kritisk": ("desk", "oncall"),
        "hog": ("desk", "written"),
        "medium": ("written", "written"),
        "lav": ("written", "written"),
    },
    "pindena": {s: ("desk", "written") for s in ("kritisk", "alvorlig", "mindre")},
}


def test_reading_table_matches_the_config_files():
    assert set(VENDOR_IDS) == set(READING)
    for vid, sevs in READING.items():
        policy = vendor(vid)
        assert policy.tz == TZ[vid] and policy.country == COUNTRY[vid]
        assert policy.severity_ids == tuple(sevs)


@lru_cache(maxsize=256)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, years=year))


def swedish_eve(d: date) -> bool:
    """Julafton, nyårsafton, midsommarafton (the Friday between 19 and 25 June): not among
    the "helgfria vardagar" of the Swedish vendors."""
    return (d.month, d.day) in ((12, 24), (12, 31)) or (
        d.month == 6 and 19 <= d.day <= 25 and d.weekday() == 4
    )


def ref_closed_day(vid: str, d: date) -> bool:
    """Weekend, public holiday, (Sweden) a de facto holiday eve, or (pindena) romjul 27-31 Dec
    and ISO weeks 29-30."""
    if d.weekday() >= 5 or d in _holiday_dates(COUNTRY[vid], d.year):
        return True
    if COUNTRY[vid] == "SE" and swedish_eve(d):
        return True
    if vid == "pindena":
        return (d.month == 12 and d.day >= 27) or d.isocalendar()[1] in (29, 30)
    return False


def ref_spans(vid: str, d: date) -> tuple[tuple[int, int], ...]:
    return () if ref_closed_day(vid, d) else OPEN_SPANS[vid]


def ref_is_open(vid: str, at: datetime) -> bool:
    t = at.astimezone(ZoneInfo(TZ[vid]))
    secs = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
    return any(a * 60 <= secs < b * 60 for a, b in ref_spans(vid, t.date()))


def ref_working_hours(vid: str, at: datetime, hours: int) -> datetime:
    """`hours` of desk-open time after `at` (0: the next opening, or `at` if open)."""
    left = timedelta(hours=hours)
    d = at.astimezone(ZoneInfo(TZ[vid])).date()
    for i in range(400):
        day = d + timedelta(days=i)
        for a, b in ref_spans(vid, day):
            start, end = wall_instant(TZ[vid], day, a), wall_instant(TZ[vid], day, b)
            start = max(start, at)
            if end <= start:
                continue
            if end - start >= left:
                return start + left
            left -= end - start
    raise AssertionError("no working time within 400 days")


def ref_end_of_working_day(vid: str, at: datetime, n: int) -> datetime:
    d = at.astimezone(ZoneInfo(TZ[vid])).date()
    for i in range(1, 400):
        day = d + timedelta(days=i)
        spans = ref_spans(vid, day)
        if spans:
            n -= 1
            if n == 0:
                return wall_instant(TZ[vid], day, spans[-1][1])
    raise AssertionError("no working day within 400 days")


# -- 1. every instant gets exactly one route ------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(vendor_severity_instant())
def test_every_instant_gets_exactly_one_consistent_route(case):
    vid, sev_id, at = case
    policy = vendor(vid)
    sev = policy.severity(sev_id)
    d = decide(policy, sev_id, at)

    assert d.route in ROUTES
    assert d.open == policy.calendar.is_open(at) == ref_is_open(vid, at)
    assert d.route == READING[vid][sev_id][0 if d.open else 1]
    rule = sev.open if d.open else sev.closed
    if d.route == "written":
        assert d.dial == () and d.page == ()
    elif d.route == "desk":
        assert d.dial == policy.desk_phones and d.dial
    else:
        people = [s.person.phone for s in on_duty(policy.rota, at) if s.person]
        on_duty_now = policy.calendar.in_duty_window(at) and bool(people or policy.duty_phones)
        if on_duty_now:
            assert set(d.dial) == set(people) | set(policy.duty_phones)
            if people:
                assert d.dial[0] == people[0]  # primary first
        else:  # nobody on duty: the duty phones, else the emergency number; the lead paged
            assert d.dial == (policy.duty_phones or (policy.emergency,))
            lead = lead_of(policy, rule, {})
            assert d.page == ((lead.phone,) if lead else d.page)
        assert len(set(d.dial)) == len(d.dial)
        assert d.covered == on_duty_now
    # uncovered only when a human route reaches nobody on duty
    if d.route != "oncall":
        assert d.covered == (bool(d.dial) or rule.route == "written")
    assert utc(d.at) == at and d.at.utcoffset() == at.astimezone(ZoneInfo(TZ[vid])).utcoffset()
    assert d.reason.startswith("The desk is open") == d.open


# -- 2. the same instant in any offset gives the same decision ------------------------------


def _same_instant_variants(at: datetime, tz: str) -> list:
    return [
        at,
        at.astimezone(timezone(timedelta(hours=5, minutes=30))),
        at.astimezone(timezone(timedelta(hours=-8))),
        at.astimezone(ZoneInfo(tz)),
        pendulum.instance(at).in_timezone(tz),
        pendulum.instance(at).in_timezone("America/Los_Angeles"),
    ]


@settings(max_examples=150, deadline=None)
@given(vendor_severity_instant())
def test_decision_does_not_depend_on_the_offset_the_instant_is_written_in(case):
    vid, sev_id, at = case
    policy = vendor(vid)
    decisions = [decide(policy, sev_id, x) for x in _same_instant_variants(at, TZ[vid])]
    first = decisions[0].to_json()
    first.pop("at")
    for d in decisions:
        assert utc(d.at) == at
        as_json = d.to_json()
        assert as_json.pop("at") == decisions[0].to_json()["at"]
        assert as_json == first


# -- 3. rotas tile time, across every DST night ---------------------------------------------

ROTA_TZS = ("Europe/Oslo", "Europe/Stockholm")
HANDOFFS = (0, 8 * 60, 120, 150, 179, 180, 23 * 60 + 30)


@st.composite
def layer_and_window(draw):
    tz = draw(st.sampled_from(ROTA_TZS))
    if draw(st.booleans()):
        dst = draw(st.sampled_from(DST_DAYS[tz]))
        ws = wall_instant(tz, dst, 0) + timedelta(minutes=draw(st.integers(-10 * 1440, 1440)))
    else:
        ws = draw(any_instant)
    we = ws + timedelta(minutes=draw(st.integers(1, 40 * 1440)))
    shift_days = draw(st.sampled_from((1, 3, 7, 14)) | st.integers(1, 10))
    handoff = draw(st.sampled_from(HANDOFFS) | st.integers(0, 1439))
    start = ws.date() + timedelta(days=draw(st.integers(-60, 20)))
    members = tuple(make_person(i) for i in range(draw(st.integers(1, 4))))
    overrides = []
    at = ws - timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    for gap, length in draw(
        st.lists(st.tuples(st.integers(0, 6 * 1440), st.integers(1, 4 * 1440)), max_size=5)
    ):
        a = at + timedelta(minutes=gap)
        b = a + timedelta(minutes=length)
        # a mix of value types, like the config (pendulum) and callers (stdlib)
        a_, b_ = (pendulum.instance(a), pendulum.instance(b)) if gap % 2 else (a, b)
        overrides.append((a_, b_, make_person(10 + len(overrides))))
        at = b
    layer = make_layer(
        members=members,
        start=start,
        shift_days=shift_days,
        handoff=handoff,
        tz=tz,
        overrides=tuple(overrides),
    )
    return layer, ws, we


def ref_rotation_index(layer, t: datetime) -> int:
    """k with boundary(k) <= t < boundary(k + 1), from zoneinfo handoff instants."""

    def boundary(k: int) -> datetime:
        return wall_instant(
            layer.tz, layer.start + timedelta(days=k * layer.shift_days), layer.handoff
        )

    k = (t.astimezone(ZoneInfo(layer.tz)).date() - layer.start).days // layer.shift_days
    while boundary(k) > t:
        k -= 1
    while boundary(k + 1) <= t:
        k += 1
    return k


def _sample_instants(layer, ws, we, shifts, fractions) -> list[datetime]:
    """Random instants, every shift edge +-1 us, and the DST nights in the window every 10 min."""
    out = [ws + (we - ws) * f for f in fractions]
    for x in shifts:
        out += [utc(x.start) - US, utc(x.start), utc(x.end) - US]
    for d in DST_DAYS[layer.tz]:
        night = wall_instant(layer.tz, d, 0)
        if ws - timedelta(days=1) <= night <= we:
            out += [night + timedelta(minutes=10 * i) for i in range(24)]
    return [t for t in out if ws <= t < we]


def _check_tiling(layer, ws, we, shifts) -> None:
    assert shifts and utc(shifts[0].start) <= ws < utc(shifts[0].end)
    assert utc(shifts[-1].end) >= we
    for a, b in zip(shifts, shifts[1:], strict=False):
        assert utc(a.end) == utc(b.start), (a, b)
    for x in shifts:
        assert utc(x.start) < utc(x.end), x


layer_cases = st.tuples(
    layer_and_window(), st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=8)
)


@settings(max_examples=120, deadline=None)
@given(layer_cases)
def test_shifts_tile_the_window_without_gaps_or_double_cover(case):
    (layer, ws, we), fractions = case
    shifts = shifts_between(layer, ws, we)
    _check_tiling(layer, ws, we, shifts)

    overrides = [o for o in layer.overrides if utc(o.start) < we and utc(o.end) > ws]
    assert [shift_key(x) for x in shifts if x.override] == [
        (layer.name, o.person, utc(o.start), utc(o.end), True) for o in overrides
    ]
    override_starts = {utc(o.start) for o in layer.overrides}
    override_ends = {utc(o.end) for o in layer.overrides}
    for x in shifts:
        if x.override:
            continue
        a, b = utc(x.start), utc(x.end)
        # a rotation shift never covers an override instant and never crosses a handoff
        assert not any(utc(o.start) < b and a < utc(o.end) for o in layer.overrides)
        k = ref_rotation_index(layer, a)
        assert ref_rotation_index(layer, b - US) == k, x
        assert x.person == (layer.members[k % len(layer.members)] if k >= 0 else None)
        # it starts at a handoff or where an override ends, and ends at one or where one starts
        assert x is shifts[0] or a in override_ends or ref_rotation_index(layer, a - US) == k - 1
        assert b in override_starts or ref_rotation_index(layer, b) == k + 1

    starts = [utc(x.start) for x in shifts]
    for t in _sample_instants(layer, ws, we, shifts, fractions):
        containing = shifts[bisect_right(starts, t) - 1]
        assert utc(containing.start) <= t < utc(containing.end)
        assert shift_key(on_call_at(layer, t)) == shift_key(containing), t
        as_pendulum = pendulum.instance(t)  # the same instant as a pendulum UTC DateTime
        assert shift_key(on_call_at(layer, as_pendulum)) == shift_key(containing), t


FOLD_EXAMPLE = (
    (
        make_layer(start=date(2024, 10, 1), shift_days=1, handoff=150, tz="Europe/Oslo"),
        datetime(2024, 10, 26, 22, 0, tzinfo=UTC),
        datetime(2024, 10, 27, 4, 0, tzinfo=UTC),
    ),
    [0.4583],  # 2024-10-27 00:45Z = 02:45 CEST, the first 02:45 of the night
)


@settings(max_examples=40, deadline=None)
@example(FOLD_EXAMPLE)
@given(layer_cases)
def test_rota_gives_the_same_answer_for_an_instant_given_in_vendor_local_time(case):
    """routing.decide() always hands the rota vendor-local instants, so this matters."""
    (layer, ws, we), fractions = case
    zi = zone(layer.tz)
    shifts = shifts_between(layer, ws, we)
    local_shifts = shifts_between(layer, ws.astimezone(zi), we.astimezone(zi))
    _check_tiling(layer, ws, we, local_shifts)
    assert [shift_key(x) for x in local_shifts] == [shift_key(x) for x in shifts]
    for t in _sample_instants(layer, ws, we, shifts, fractions):
        for local_t in (t.astimezone(zi), pendulum.instance(t).in_timezone(layer.tz)):
            assert shift_key(on_call_at(layer, local_t)) == shift_key(on_call_at(layer, t)), t


def _dst_walk_cases():
    return [(tz, d) for tz in ROTA_TZS for d in DST_DAYS[tz]]


@pytest.mark.parametrize(("tz", "dst_day"), _dst_walk_cases(), ids=str)
def test_weekly_shift_hands_off_at_0800_local_on_both_sides_of_every_dst_change(tz, dst_day):
    zi = ZoneInfo(tz)
    ws = wall_instant(tz, dst_day - timedelta(days=15), 0)
    we = wall_instant(tz, dst_day + timedelta(days=15), 0)
    jump = wall_instant(tz, dst_day, 12 * 60) - wall_instant(tz, dst_day, 0) - timedelta(hours=12)
    for offset in range(7):  # the rotation starts on every weekday relative to the DST Sunday
        layer = make_layer(start=dst_day - timedelta(days=offset + 70), tz=tz)
        shifts = shifts_between(layer, ws, we)
        assert len(shifts) in (5, 6)
        for a, b in zip(shifts, shifts[1:], strict=False):
            assert a.person != b.person
        for s in shifts:
            local_start = s.start.astimezone(zi)
            assert local_start.time() == time(8, 0), s
            assert s.end.astimezone(zi).date() - local_start.date() == timedelta(days=7)
            crosses = utc(s.start) < wall_instant(tz, dst_day, 4 * 60) < utc(s.end)
            length = timedelta(days=7) + (jump if crosses else timedelta(0))
            assert utc(s.end) - utc(s.start) == length, s
            # brute force around the handoff: 07:59:59 is the old shift, 08:00 the new one
            day = local_start.date()
            before = on_call_at(layer, wall_instant(tz, day, 8 * 60) - SECOND)
            at_handoff = on_call_at(layer, wall_instant(tz, day, 8 * 60))
            assert utc(at_handoff.start) == utc(s.start) and at_handoff.person == s.person
            assert utc(before.end) == utc(s.start) and before.person != s.person


@pytest.mark.parametrize("tz", ROTA_TZS)
def test_daily_handoff_inside_the_dst_hour_moves_forward_in_spring_and_is_second_in_autumn(tz):
    layer = make_layer(start=date(2023, 12, 1), shift_days=1, handoff=150, tz=tz)
    zi = ZoneInfo(tz)
    for dst_day in DST_DAYS[tz]:
        shifts = shifts_between(
            layer, wall_instant(tz, dst_day, -1440), wall_instant(tz, dst_day, 2 * 1440)
        )
        by_day = {s.start.astimezone(zi).date(): s for s in shifts}
        s = by_day[dst_day]
        local_start = s.start.astimezone(zi)
        if dst_day.month == 3:  # 02:30 does not exist: the shift starts at 03:30 summer time
            assert (local_start.hour, local_start.minute) == (3, 30)
            assert local_start.utcoffset() == timedelta(hours=2)
            assert utc(s.end) - utc(s.start) == timedelta(hours=23)
        else:  # 02:30 happens twice: the handoff is the second one, in winter time
            assert (local_start.hour, local_start.minute) == (2, 30)
            assert local_start.utcoffset() == timedelta(hours=1)
            assert utc(s.start) - utc(by_day[dst_day - timedelta(days=1)].start) == timedelta(
                hours=25
            )


# -- 4. Easter-based holidays, 2024-2035 ----------------------------------------------------

YEARS = range(2024, 2036)


def _ten_am(tz: str, d: date) -> datetime:
    return wall_instant(tz, d, 10 * 60)


def _fixed_holidays(country: str, year: int) -> set[date]:
    if country == "NO":
        md = ((1, 1), (5, 1), (5, 17), (12, 25), (12, 26))
    else:
        md = ((1, 1), (1, 6), (5, 1), (6, 6), (12, 25), (12, 26))
    return {date(year, m, d) for m, d in md}


@pytest.mark.parametrize("year", YEARS)
def test_norwegian_easter_holidays_send_aidn_a_faults_to_duty(year):
    policy = vendor("aidn")
    e = easter(year)
    moving = {
        e - timedelta(days=3): ("Maundy Thursday",),
        e - timedelta(days=2): ("Good Friday",),
        e + timedelta(days=1): ("Easter Monday",),
        e + timedelta(days=39): ("Ascension Day",),
        e + timedelta(days=50): ("Whit Monday", "Pentecost Monday"),
    }
    for day, names in moving.items():
        assert day.weekday() < 5
        d = decide(policy, "a", _ten_am(policy.tz, day))
        assert (d.open, d.route) == (False, "oncall"), (day, d.reason)
        assert d.dial and d.covered
        assert any(n in d.reason for n in names), d.reason
        assert "public holiday in Norway" in d.reason
    fixed = _fixed_holidays("NO", year)
    for day in (e - timedelta(days=4), e + timedelta(days=2), e + timedelta(days=40)):
        if day in fixed:
            continue
        d = decide(policy, "a", _ten_am(policy.tz, day))
        assert (d.open, d.route) == (True, "desk"), (day, d.reason)


@pytest.mark.parametrize("year", YEARS)
def test_swedish_easter_maundy_thursday_is_a_working_day_good_friday_is_not(year):
    e = easter(year)
    itsl, amido = vendor("itsl"), vendor("amido")
    closed = {
        e - timedelta(days=2): "Good Friday",
        e + timedelta(days=1): "Easter Monday",
        e + timedelta(days=39): "Ascension Day",
    }
    working = [e - timedelta(days=4), e - timedelta(days=3), e + timedelta(days=2)]
    whit_monday = e + timedelta(days=50)  # not a Swedish holiday since 2005 ...
    if whit_monday == date(year, 6, 6):  # ... unless it is National Day (2033)
        closed[whit_monday] = "National Day"
    else:
        working.append(whit_monday)
    for day, name in closed.items():
        p1 = decide(itsl, "p1", _ten_am(itsl.tz, day))
        assert (p1.open, p1.route) == (False, "oncall"), (day, p1.reason)
        assert name in p1.reason and "public holiday in Sweden" in p1.reason
        assert p1.covered == (day >= date(2026, 1, 5))  # itsl's rota starts 2026-01-05
        low = decide(amido, "lag", _ten_am(amido.tz, day))
        assert (low.open, low.route) == (False, "written"), (day, low.reason)
        assert name in low.reason
    for day in working:
        if day in _fixed_holidays("SE", year):
            continue
        for policy, sev in ((itsl, "p1"), (itsl, "p4"), (amido, "bradskande")):
            d = decide(policy, sev, _ten_am(policy.tz, day))
            assert (d.open, d.route) == (True, "desk"), (policy.id, day, d.reason)


# -- 5. boundaries of the working day -------------------------------------------------------

# (vendor, severity, local time, open, route, words in the reason)
BOUNDARIES = [
    ("aidn", "a", time(7, 59, 59), False, "oncall", "before desk hours"),
    ("aidn", "a", time(7, 59, 59, 999999), False, "oncall", "before desk hours"),
    ("aidn", "a", time(8, 0), True, "desk", "until 16:00"),
    ("aidn", "a", time(15, 59, 59), True, "desk", "until 16:00"),
    ("aidn", "a", time(16, 0), False, "oncall", "after desk hours"),
    ("aidn", "c", time(12, 0), True, "written", ""),
    ("pindena", "kritisk", time(8, 59, 59), False, "written", "before desk hours"),
    ("pindena", "kritisk", time(9, 0), True, "desk", "until 11:30"),
    ("pindena", "kritisk", time(11, 29, 59), True, "desk", "until 11:30"),
    ("pindena", "kritisk", time(11, 30), False, "written", "lunch"),
    ("pindena", "alvorlig", time(11, 59, 59), False, "written", "lunch"),
    ("pindena", "kritisk", time(12, 0), True, "desk", "until 15:00"),
    ("pindena", "mindre", time(14, 59, 59), True, "desk", "until 15:00"),
    ("pindena", "kritisk", time(15, 0), False, "written", "after desk hours"),
    ("kommune-ikt", "kritisk", time(7, 59, 59), False, "oncall", "before desk hours"),
    ("kommune-ikt", "kritisk", time(8, 0), True, "desk", ""),
    ("kommune-ikt", "kritisk", time(15, 29, 59), True, "desk", ""),
    ("kommune-ikt", "kritisk", time(15, 30), True, "desk", ""),
    ("kommune-ikt", "kritisk", time(15, 45), True, "desk", ""),
    ("kommune-ikt", "kritisk", time(15, 59, 59), True, "desk", ""),
    ("kommune-ikt", "kritisk", time(16, 0), False, "oncall", "after desk hours"),
    ("kommune-ikt", "hog", time(15, 45), True, "desk", ""),
    ("kommune-ikt", "hog", time(16, 0), False, "written", ""),
    ("amido", "hog", time(8, 59, 59), False, "written", ""),
    ("amido", "hog", time(9, 0), True, "desk", ""),
    ("amido", "hog", time(16, 59, 59), True, "desk", ""),
    ("amido", "hog", time(17, 0), False, "written", ""),
    ("itsl", "p1", time(8, 0), True, "desk", ""),
    ("itsl", "p2", time(16, 59, 59), True, "desk", ""),
    ("itsl", "p2", time(17, 0), False, "written", ""),
]


@pytest.mark.parametrize(("vid", "sev", "clock", "is_open_", "route", "words"), BOUNDARIES)
@settings(max_examples=15, deadline=None)
@given(d=dates)
def test_desk_boundaries_on_working_days(vid, sev, clock, is_open_, route, words, d):
    assume(not ref_closed_day(vid, d))
    policy = vendor(vid)
    naive = datetime.combine(d, clock)
    decision = decide(policy, sev, naive.replace(tzinfo=ZoneInfo(TZ[vid])))
    assert (decision.open, decision.route) == (is_open_, route), decision.reason
    assert words in decision.reason
    if route == "oncall" and d >= date(2026, 1, 5):
        assert decision.dial[0] != policy.desk_phones[0]


@settings(max_examples=60, deadline=None)
@given(d=dates, clock=st.sampled_from((time(0, 0), time(10, 0), time(15, 45), time(23, 59))))
def test_kommune_ikt_kritisk_always_reaches_a_human(d, clock):
    """The duty window (weekdays 15:30-08:00, weekends, holidays) covers all closed time."""
    policy = vendor("kommune-ikt")
    decision = decide(policy, "kritisk", datetime.combine(d, clock, ZoneInfo(policy.tz)))
    assert decision.route in ("desk", "oncall") and decision.covered and decision.dial


# -- 6. timetables list every change -------------------------------------------------------


def _decision_key(d):
    return d.route, d.dial


@st.composite
def timetable_case(draw):
    vid, sev_id, start = draw(vendor_severity_instant())
    end = start + timedelta(minutes=draw(st.integers(60, 21 * 1440)))
    fractions = draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=5, max_size=20))
    return vid, sev_id, start, end, fractions


@settings(max_examples=40, deadline=None)
@given(timetable_case())
def test_timetable_change_points_are_complete_and_minimal(case):
    vid, sev_id, start, end, fractions = case
    policy = vendor(vid)
    table = timetable(policy, sev_id, start, end)

    assert table and utc(table[0].at) == start
    for a, b in zip(table, table[1:], strict=False):
        assert utc(a.at) < utc(b.at) < end
        assert _decision_key(a.decision) != _decision_key(b.decision)
        # the change is exact: just before it the previous routing still applies
        before = decide(policy, sev_id, utc(b.at) - US, with_deadline=False)
        assert _decision_key(before) == _decision_key(a.decision)
    for c in table:
        again = decide(policy, sev_id, c.at, with_deadline=False)
        assert _decision_key(again) == _decision_key(c.decision)

    starts = [utc(c.at) for c in table]
    samples = [start + (end - start) * f for f in fractions]
    # and every desk edge, kommune-ikt's 15:30 and midnight in the range, +-1 s
    zi = ZoneInfo(policy.tz)
    d = start.astimezone(zi).date()
    while d <= end.astimezone(zi).date():
        for m in (0, *(x for span in OPEN_SPANS[vid] for x in span), 930):
            edge = wall_instant(policy.tz, d, m)
            samples += [edge - SECOND, edge, edge + SECOND]
        d += timedelta(days=1)
    for t in samples:
        if not start <= t < end:
            continue
        entry = table[bisect_right(starts, t) - 1]
        got = decide(policy, sev_id, t, with_deadline=False)
        assert _decision_key(got) == _decision_key(entry.decision), (t, got.reason)


# A vendor whose duty window ends at 02:30 every night and whose primary hands off at 02:30:
# both edges fall in the DST hour (missing in March, repeated in October).
DST_EDGE_VENDOR = """
id: dst-edge
name: DST Edge
language: en
timezone: Europe/Oslo
holidays: NO
desk:
  phones: ["+47 21 00 00 22"]
  hours: {mon-fri: "08:00-16:00"}
duty:
  phones: ["+47 75 98 80 62"]
  hours: {daily: ["00:00-02:30", "16:00-24:00"]}
written: {email: support@example.com}
people:
  a: {name: A, phone: "+47 400 00 101"}
  b: {name: B, phone: "+47 400 00 102"}
  c: {name: C, phone: "+47 400 00 103"}
rota:
  - {layer: primary, members: [a, b, c], start: "2024-01-01", shift: 1 day, handoff: "02:30"}
severities:
  - {id: a, label: {en: A}, open: desk, closed: duty}
"""

DST_HANDOFF_VENDOR = DST_EDGE_VENDOR.replace(
    '{daily: ["00:00-02:30", "16:00-24:00"]}', "when-desk-closed"
)


def test_timetable_agrees_with_decide_for_a_duty_window_ending_inside_the_dst_hour():
    policy = make_policy(DST_EDGE_VENDOR)
    mismatches = []
    for dst_day in DST_DAYS[policy.tz]:
        start = wall_instant(policy.tz, dst_day, 0)
        end = start + timedelta(hours=5)
        table = timetable(policy, "a", start, end)
        starts = [utc(c.at) for c in table]
        for i in range(5 * 12):
            t = start + timedelta(minutes=5 * i)
            entry = table[bisect_right(starts, t) - 1]
            got = decide(policy, "a", t, with_deadline=False)
            if _decision_key(got) != _decision_key(entry.decision):
                mismatches.append((t.isoformat(), got.route, entry.decision.route))
    # e.g. 2024-03-31T01:00Z (03:00 CEST): decide says written, the timetable oncall until
    # 01:30Z; 2024-10-27T00:30Z (the first 02:30 CEST): decide says written, timetable oncall
    assert mismatches == []


def test_decide_rings_the_primary_on_duty_at_the_instant_in_the_repeated_hour():
    policy = make_policy(DST_HANDOFF_VENDOR)
    layer = policy.rota.layers[0]
    wrong = []
    for dst_day in DST_DAYS[policy.tz]:
        if dst_day.month != 10:
            continue
        # 02:45 summer time, the first 02:45 of the night: 15 minutes before the handoff
        t = datetime.combine(dst_day, time(2, 45), ZoneInfo(policy.tz)).astimezone(UTC)
        on_duty_now = on_call_at(layer, t).person  # asked in UTC: the shift before the handoff
        got = decide(policy, "a", t, with_deadline=False)
        if got.dial[0] != on_duty_now.phone:
            wrong.append((t.isoformat(), got.dial[0], on_duty_now.phone))
    # e.g. 2024-10-27T00:45Z: decide rings +4740000101 (A), but C is primary until 01:30Z
    assert wrong == []


# -- 7. working-time deadlines ------------------------------------------------------------


def _targets():
    return [
        (vid, s.id) for vid in VENDOR_IDS for s in vendor(vid).severities if s.respond is not None
    ]


deadline_cases = st.sampled_from(_targets()).flatmap(
    lambda vs: st.tuples(st.just(vs), instants(TZ[vs[0]]))
)


@settings(max_examples=150, deadline=None)
@given(deadline_cases)
def test_deadlines_are_counted_in_desk_open_time(case):
    (vid, sev_id), at = case
    policy = vendor(vid)
    zi = ZoneInfo(TZ[vid])
    target = policy.severity(sev_id).respond
    due = deadline(policy, at, target)

    assert due is not None and due.tzinfo is not None
    due = utc(due)
    assert due >= at
    # inside desk-open time, or exactly at the end of an opening
    assert policy.calendar.is_open(due) or policy.calendar.is_open(due - US)
    assert ref_is_open(vid, due) or ref_is_open(vid, due - US)
    if target.unit in ("hours", "immediately"):  # immediately without a paging rule: 0 hours
        assert due == ref_working_hours(vid, at, target.amount)
        if target.amount == 0:
            assert policy.calendar.is_open(due)
            assert due == at or not ref_is_open(vid, due - US)
    else:
        assert due == ref_end_of_working_day(vid, at, target.amount)
        day = due.astimezone(zi).date()
        assert day > at.astimezone(zi).date()
        assert not ref_closed_day(vid, day)
        assert not policy.calendar.is_open(due)  # the end of the day's last opening
    # the same for the instant written in other ways, and in the decision (vendor-local)
    for other in (pendulum.instance(at).in_timezone(TZ[vid]), at.astimezone(zi)):
        assert utc(deadline(policy, other, target)) == due
    decided = decide(policy, sev_id, at).respond_by
    sev = policy.severity(sev_id)
    rule = sev.open if policy.calendar.is_open(at) else sev.closed
    if target.unit == "immediately" and rule.page:  # before the plan's second step is due
        due = at + timedelta(minutes=first_response_minutes(rule))
    assert utc(decided) == due and decided.utcoffset() == due.astimezone(zi).utcoffset()


def test_deadline_of_a_pendulum_instant_with_a_stdlib_tzinfo_is_aware():
    policy = vendor("aidn")  # b: 1 working hour
    at = pendulum.datetime(2026, 3, 3, 9, 0, tz="UTC").astimezone(UTC)  # 10:00 Oslo, desk open
    due = deadline(policy, at, policy.severity("b").respond)
    assert due.tzinfo is not None
    assert utc(due) == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
