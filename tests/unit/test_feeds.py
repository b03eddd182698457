"""iCal feeds (rotas/feeds.py), read back with an independent reader: icalendar's parser and
recurring-ical-events, each event checked against rotas.rota.shifts_between (what `rota show`
prints), over DST changes and overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import icalendar
import pendulum
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from rotas import feeds
from rotas.rota import Rota, shifts_between
from tests.helpers.factories import (
    VENDOR_DIR,
    make_layer,
    make_person,
    make_policy,
    vendor,
    wall_instant,
)

NOW = pendulum.datetime(2026, 12, 1, 12, tz="UTC")


def read(cal: icalendar.Calendar, start, end) -> list[dict]:
    """The feed's events between start and end, as an independent client reads them."""
    parsed = icalendar.Calendar.from_ical(cal.to_ical())
    out = []
    for ev in recurring_ical_events.of(parsed).between(start, end):
        out.append(
            {
                "start": ev.decoded("DTSTART").astimezone(UTC),
                "end": ev.decoded("DTEND").astimezone(UTC),
                "summary": str(ev["SUMMARY"]),
                "description": str(ev["DESCRIPTION"]),
                "uid": str(ev["UID"]),
                "tzid": ev["DTSTART"].params.get("TZID"),
            }
        )
    return sorted(out, key=lambda e: e["start"])


def expected(policy, layer, start, end) -> list[tuple]:
    return [
        (s.start.astimezone(UTC), s.end.astimezone(UTC), s.person.name, s.override)
        for s in shifts_between(layer, start, end)
        if s.person
    ]


def as_tuples(events) -> list[tuple]:
    return [
        (e["start"], e["end"], e["summary"].split(": ", 1)[1].removesuffix(" (override)"),
         e["description"].startswith("Override:"))
        for e in events
    ]  # fmt: skip


def with_layer(policy, layer):
    return replace(policy, rota=Rota((replace(layer, tz=policy.tz),)))


def test_every_layer_of_every_vendor_reads_back_as_its_shifts():
    for vid in ("aidn", "amido", "itsl", "kommune-ikt", "pindena"):
        policy = vendor(vid)
        start, end = feeds.window(NOW)
        for layer in policy.rota.layers:
            cal = feeds.layer_feed(policy, layer, NOW)
            events = read(cal, start, end)
            assert as_tuples(events) == expected(policy, layer, start, end), (vid, layer.name)
            assert {e["tzid"] for e in events} <= {policy.tz}
            assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == [policy.tz]
            assert cal["X-WR-CALNAME"] == f"{policy.name} {layer.name} on call"
            assert all(k in cal for k in ("PRODID", "VERSION"))
            assert all("DTSTAMP" in ev for ev in cal.walk("VEVENT"))


def test_the_window_is_a_month_back_and_six_months_ahead():
    start, end = feeds.window(NOW)
    assert (start, end) == (NOW.subtract(months=1), NOW.add(months=6))
    policy = vendor("aidn")
    events = read(feeds.layer_feed(policy, policy.rota.layers[0], NOW), NOW.subtract(years=2),
                  NOW.add(years=2))  # fmt: skip
    assert events[0]["start"] <= start < events[0]["end"]
    assert events[-1]["start"] < end <= events[-1]["end"]


def test_an_override_is_its_own_event_and_splits_the_rota_shift():
    policy = vendor("aidn")  # per covers primary 2026-12-24 08:00 .. 12-27 08:00 (ingrid's week)
    events = read(feeds.layer_feed(policy, policy.rota.layers[0], NOW), NOW, NOW.add(months=6))
    oslo = "Europe/Oslo"
    around = [
        (pendulum.instance(e["start"]).in_timezone(oslo).format("MM-DD HH:mm"), e["summary"])
        for e in events
        if date(2026, 12, 20) < e["start"].date() < date(2026, 12, 28)
    ]
    assert around == [
        ("12-21 08:00", "Aidn primary: Ingrid Berg (example)"),
        ("12-24 08:00", "Aidn primary: Per Hansen (example) (override)"),
        ("12-27 08:00", "Aidn primary: Ingrid Berg (example)"),
    ]
    override = next(e for e in events if "(override)" in e["summary"])
    assert override["description"].startswith("Override: Per Hansen (example)")


def test_a_weekly_0800_handoff_stays_0800_local_across_both_dst_changes():
    for vid, tz in (("aidn", "Europe/Oslo"), ("itsl", "Europe/Stockholm")):
        # Weekly from Sunday 2026-03-22: hands off on the spring (03-29) and autumn (10-25) nights
        policy = with_layer(vendor(vid), make_layer(start=date(2026, 3, 22)))
        layer = policy.rota.layers[0]
        for now in (pendulum.datetime(2026, 4, 15, tz=tz), pendulum.datetime(2026, 10, 15, tz=tz)):
            start, end = feeds.window(now)
            events = read(feeds.layer_feed(policy, layer, now), start, end)
            assert as_tuples(events) == expected(policy, layer, start, end)
            local = [pendulum.instance(e["start"]).in_timezone(tz) for e in events]
            assert {(t.hour, t.minute, t.weekday()) for t in local} == {(8, 0, 6)}
            for e in events:  # 167 h over the spring night, 169 h over the autumn one
                a, b = (pendulum.instance(e[k]).in_timezone(tz) for k in ("start", "end"))
                shift = (a.utcoffset() - b.utcoffset()) / timedelta(hours=1)
                assert (e["end"] - e["start"]) / timedelta(hours=1) == 168 + shift


def test_a_person_feed_has_their_shifts_in_every_vendor_by_phone():
    aidn = vendor("aidn")
    kari = aidn.people["kari"].phone
    itsl_text = (VENDOR_DIR / "itsl.yaml").read_text(encoding="utf-8")
    itsl = make_policy(itsl_text.replace('"+46 70 174 06 11"', f'"{kari}"'), "itsl.yaml")
    cal = feeds.person_feed([aidn, itsl, vendor("amido")], kari, NOW)
    start, end = feeds.window(NOW)
    events = read(cal, start, end)
    summaries = {e["summary"] for e in events}
    assert summaries == {
        "On call: Aidn primary",
        "On call: Aidn secondary",
        "On call: ITSL primary",
        "On call: ITSL secondary",
    }
    mine = sorted(
        (s.start.astimezone(UTC), s.end.astimezone(UTC))
        for p in (aidn, itsl)
        for layer in p.rota.layers
        for s in shifts_between(layer, start, end)
        if s.person and s.person.phone == kari
    )
    assert [(e["start"], e["end"]) for e in events] == mine
    assert {tz["TZID"] for tz in cal.walk("VTIMEZONE")} == {"Europe/Oslo", "Europe/Stockholm"}
    assert kari not in cal.to_ical().decode()
    assert cal["X-WR-CALNAME"] == "On call: Kari Nordmann (example)"


def test_uids_are_stable_and_unique():
    policy = vendor("aidn")
    layer = policy.rota.layers[0]
    a = read(feeds.layer_feed(policy, layer, NOW), NOW, NOW.add(months=5))
    b = read(feeds.layer_feed(policy, layer, NOW.add(days=9)), NOW, NOW.add(months=5))
    assert [e["uid"] for e in a] == [e["uid"] for e in b]
    assert len({e["uid"] for e in a}) == len(a)
    assert a[0]["uid"].startswith("aidn/primary/")


def test_a_feed_shows_no_phone_number():
    for vid in ("aidn", "itsl"):
        policy = vendor(vid)
        text = feeds.layer_feed(policy, policy.rota.layers[0], NOW).to_ical().decode()
        assert not any(p.phone in text or p.phone[1:] in text for p in policy.people.values())


ZONES = st.sampled_from(("aidn", "itsl"))  # Europe/Oslo, Europe/Stockholm


@settings(max_examples=40, deadline=None)
@given(
    vid=ZONES,
    first=st.dates(date(2025, 6, 1), date(2027, 6, 1)),
    shift_days=st.sampled_from((1, 2, 7, 14)),
    handoff=st.integers(0, 1439),
    now_days=st.integers(0, 700),
    override=st.one_of(st.none(), st.tuples(st.integers(0, 60 * 24 * 200), st.integers(30, 7200))),
)
def test_events_are_the_shifts_and_rota_handoffs_keep_their_wall_time(
    vid, first, shift_days, handoff, now_days, override
):
    base = vendor(vid)
    tz = base.tz
    now = pendulum.datetime(2025, 6, 1, 12, tz="UTC").add(days=now_days)
    start, end = feeds.window(now)
    overrides = ()
    if override:
        at = start.add(minutes=override[0])
        overrides = ((at, at.add(minutes=override[1]), make_person(9)),)
    policy = with_layer(
        base, make_layer(start=first, shift_days=shift_days, handoff=handoff, tz=tz,
                         overrides=overrides)
    )  # fmt: skip
    layer = policy.rota.layers[0]
    events = read(feeds.layer_feed(policy, layer, now), start, end)
    assert as_tuples(events) == expected(policy, layer, start, end)
    override_ends = {o[1].timestamp() for o in overrides}
    for e in events:
        if "(override)" in e["summary"]:
            continue
        local = pendulum.instance(e["start"]).in_timezone(tz)
        day = local.date()
        if e["start"] < wall_instant(tz, day, handoff):
            day -= timedelta(days=1)
        is_handoff = e["start"] == wall_instant(tz, day, handoff)
        assert is_handoff or e["start"].timestamp() in override_ends, (e, handoff)


def test_a_second_occurrence_of_a_repeated_hour_is_written_in_utc():
    # 02:30 on 2026-10-25 happens twice in Oslo; the rota hands off at the second one
    policy = with_layer(vendor("aidn"), make_layer(start=date(2026, 10, 18), handoff=150))
    layer = policy.rota.layers[0]
    now = pendulum.datetime(2026, 10, 20, tz="UTC")
    cal = feeds.layer_feed(policy, layer, now)
    start, end = feeds.window(now)
    assert as_tuples(read(cal, start, end)) == expected(policy, layer, start, end)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert f"DTEND:{second:%Y%m%dT%H%M%S}Z" in cal.to_ical().decode()
    assert f"DTSTART:{second:%Y%m%dT%H%M%S}Z" in cal.to_ical().decode()
