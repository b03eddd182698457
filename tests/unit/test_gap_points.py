"""Coverage gaps from `gap_points` (the rule "who, not whether" in rotas/timetable.py) are
exactly the gaps found by deciding at every change point, over generated calendars, rotas
(empty layers, layers that start inside the window), overrides, duty phones and DST nights.

The reference below is the scan as it was before the rule: every severity on its own, over
every change point, consecutive uncovered stretches joined, each explained by the decision at
its first instant.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rotas.rota import Rota, rotation_start
from rotas.routing import decide, is_covered
from rotas.timetable import change_points, coverage_gaps, gap_points, timetable
from tests.helpers.factories import (
    dst_days,
    make_layer,
    make_person,
    make_policy,
    vendor,
    wall_instant,
)
from tests.helpers.strategies import utc, vendor_severity_instant

TZS = ("Europe/Oslo", "Europe/Stockholm")
DST_DAYS = {tz: dst_days(tz, 2025, 2028) for tz in TZS}
DUTY_HOURS = (
    "when-desk-closed",
    '{daily: ["00:00-02:30", "16:00-24:00"]}',  # ends inside the DST hour
    '{mon-fri: "18:00-23:00", sat-sun: "02:00-03:00"}',
)
ROUTES = (("desk", "duty"), ("written", "duty"), ("desk", "written"), ("desk", "duty"))
HANDOFFS = (0, 8 * 60, 120, 150, 180, 23 * 60 + 30)

VENDOR = """
id: gaps
name: Gaps
language: en
timezone: {tz}
holidays: {country}
desk:
  phones: ["+47 21 00 00 22"]
  hours: {{mon-fri: "08:00-16:00"}}
duty:
  phones: ["+47 75 98 80 62"]
  hours: {duty}
written: {{email: support@example.com}}
severities:
{severities}
"""


def policy_text(tz: str, duty: str, routes) -> str:
    severities = "".join(
        f"  - {{id: s{i}, label: {{en: S{i}}}, open: {o}, closed: {c}}}\n"
        for i, (o, c) in enumerate(routes)
    )
    country = "NO" if tz == "Europe/Oslo" else "SE"
    return VENDOR.format(tz=tz, country=country, duty=duty, severities=severities)


@st.composite
def window(draw, tz: str):
    if draw(st.booleans()):  # around a DST night
        day = draw(st.sampled_from(DST_DAYS[tz]))
        start = wall_instant(tz, day, 0) + timedelta(minutes=draw(st.integers(-5 * 1440, 1440)))
    else:
        day = draw(st.dates(date(2025, 1, 1), date(2028, 12, 31)))
        start = wall_instant(tz, day, draw(st.integers(0, 1439)))
    return start, start + timedelta(minutes=draw(st.integers(60, 30 * 1440)))


@st.composite
def layer(draw, name: str, tz: str, start):
    """Members 0-3 (0: an empty layer), a rotation starting before or inside the window,
    and up to 6 overrides in order from a little before the window (some before the start)."""
    overrides, at = [], start - timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    for pause, length in draw(
        st.lists(st.tuples(st.integers(0, 5 * 1440), st.integers(1, 3 * 1440)), max_size=6)
    ):
        a = at + timedelta(minutes=pause)
        at = a + timedelta(minutes=length)
        overrides.append((a, at, make_person(10 + len(overrides))))
    return make_layer(
        name=name,
        members=draw(st.integers(0, 3)),
        start=start.date() + timedelta(days=draw(st.integers(-10, 20))),
        shift_days=draw(st.sampled_from((1, 2, 7))),
        handoff=draw(st.sampled_from(HANDOFFS)),
        tz=tz,
        overrides=tuple(overrides),
    )


@st.composite
def cases(draw):
    tz = draw(st.sampled_from(TZS))
    routes = draw(st.lists(st.sampled_from(ROUTES), min_size=1, max_size=4))
    policy = make_policy(policy_text(tz, draw(st.sampled_from(DUTY_HOURS)), routes))
    start, end = draw(window(tz))
    names = ("primary", "secondary", "tertiary")[: draw(st.integers(0, 3))]
    layers = tuple(draw(layer(name, tz, start)) for name in names)
    duty_phones = policy.duty_phones if draw(st.booleans()) else ()
    # a desk without a phone is refused by `check`, and still routed (uncovered) by decide
    desk_phones = policy.desk_phones if draw(st.integers(0, 4)) else ()
    policy = dataclasses.replace(
        policy, rota=Rota(layers), duty_phones=duty_phones, desk_phones=desk_phones
    )
    return policy, start, end


def reference_gaps(policy, start, end) -> list[tuple]:
    """Every severity on its own, decided at every change point."""
    out = []
    points = change_points(policy, start, end)
    for sev in policy.severities:
        if (sev.open.route, sev.closed.route) == ("written", "written"):
            continue
        table = timetable(policy, sev.id, start, end, points)
        for change, nxt in zip(table, [*table[1:], None], strict=True):
            until = utc(nxt.at if nxt else end)
            if change.decision.covered:
                continue
            if out and out[-1][0] == sev.id and out[-1][2] == utc(change.at):
                out[-1] = (*out[-1][:2], until, out[-1][3])
            else:
                out.append((sev.id, utc(change.at), until, change.decision.reason))
    return out


def as_tuples(gaps) -> list[tuple]:
    return [(g.severity, utc(g.start), utc(g.end), g.reason) for g in gaps]


@settings(max_examples=300, deadline=None)
@given(cases())
def test_gaps_from_gap_points_are_the_gaps_from_every_change_point(case):
    policy, start, end = case
    assert as_tuples(coverage_gaps(policy, start, end)) == reference_gaps(policy, start, end)


@settings(max_examples=300, deadline=None)
@given(vendor_severity_instant())
def test_is_covered_is_the_decisions_coverage_for_every_vendor(case):
    vid, sev_id, at = case
    policy = vendor(vid)
    assert is_covered(policy, sev_id, at) == decide(policy, sev_id, at).covered


@settings(max_examples=100, deadline=None)
@given(cases(), st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=10))
def test_is_covered_is_the_decisions_coverage_for_generated_policies(case, fractions):
    policy, start, end = case
    for sev in policy.severities:
        for at in (start + (end - start) * f for f in fractions):
            assert is_covered(policy, sev.id, at) == decide(policy, sev.id, at).covered


# -- the rule on one night: a layer whose rotation starts inside the window ------------------

TZ = "Europe/Oslo"
NIGHT = date(2027, 3, 28)  # clocks go forward at 02:00 (Oslo)


def night_policy(*, duty_phones: bool, members: int = 2):
    """Duty all night; the primary's rotation starts at 08:00 on NIGHT (a Sunday), and one
    override covers 20:00-22:00 the evening before, and one 10:00-12:00 after the start."""
    overrides = (
        (wall_instant(TZ, NIGHT, -240), wall_instant(TZ, NIGHT, -120), make_person(9)),
        (wall_instant(TZ, NIGHT, 600), wall_instant(TZ, NIGHT, 720), make_person(9)),
    )
    primary = make_layer(members=members, start=NIGHT, tz=TZ, overrides=overrides)
    policy = make_policy(policy_text(TZ, '{daily: "00:00-24:00"}', [("desk", "duty")]))
    phones = policy.duty_phones if duty_phones else ()
    return dataclasses.replace(policy, rota=Rota((primary,)), duty_phones=phones)


def test_an_override_before_the_rotation_starts_is_the_only_cover_and_counts():
    policy = night_policy(duty_phones=False)
    start, end = wall_instant(TZ, NIGHT, -480), wall_instant(TZ, NIGHT, 1440)
    gaps = as_tuples(coverage_gaps(policy, start, end))
    assert [(g[1], g[2]) for g in gaps] == [
        (start, wall_instant(TZ, NIGHT, -240)),  # 16:00 to 20:00: nobody
        (wall_instant(TZ, NIGHT, -120), wall_instant(TZ, NIGHT, 480)),  # 22:00 to 08:00 (DST)
    ]
    assert gaps == reference_gaps(policy, start, end)


def test_override_edges_after_the_rotation_starts_are_not_gap_points():
    start, end = wall_instant(TZ, NIGHT, -480), wall_instant(TZ, NIGHT, 1440)
    before, after = wall_instant(TZ, NIGHT, -240), wall_instant(TZ, NIGHT, 600)
    policy = night_policy(duty_phones=False)
    assert rotation_start(policy.rota.layers[0]) == wall_instant(TZ, NIGHT, 480)
    points = set(gap_points(policy, start, end))
    assert before in points and after not in points
    assert after in set(change_points(policy, start, end))
    # with a duty phone the dial list is never empty: no override edge matters
    assert before not in set(gap_points(night_policy(duty_phones=True), start, end))


def test_an_empty_layer_has_no_rotation_start_and_keeps_every_override_edge():
    policy = night_policy(duty_phones=False, members=0)
    assert rotation_start(policy.rota.layers[0]) is None
    start, end = wall_instant(TZ, NIGHT, -480), wall_instant(TZ, NIGHT, 1440)
    assert wall_instant(TZ, NIGHT, 600) in set(gap_points(policy, start, end))
    gaps = as_tuples(coverage_gaps(policy, start, end))
    assert [(g[1], g[2]) for g in gaps][-1] == (wall_instant(TZ, NIGHT, 720), end)
    assert gaps == reference_gaps(policy, start, end)
