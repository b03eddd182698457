"""Shift handoffs (rotas/handoff.py): which duty shifts start in a window, and their SMS."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from rotas.handoff import (
    announcement,
    duty_layers,
    handoff_lead,
    handoffs_between,
    lead_text,
    local_label,
)
from rotas.incident import septets, to_gsm7
from rotas.rota import Rota, on_call_at
from tests.helpers.factories import dst_days, make_layer, make_person, vendor

OSLO = "Europe/Oslo"


def at(*parts, tz="UTC"):
    return pendulum.datetime(*parts, tz=tz).in_timezone("UTC")


def test_a_weekly_handoff_is_announced_once_with_its_local_end_in_the_engineers_language():
    aidn = vendor("aidn")
    monday = at(2026, 1, 12, 8, 0, tz=OSLO)
    found = handoffs_between(aidn, monday.subtract(seconds=5), monday.add(seconds=5))
    assert [(h.layer, h.start) for h in found] == [("primary", monday), ("secondary", monday)]
    assert announcement(aidn, found[0]) == (
        "Du har vakt for Aidn til man. 19 jan. 08:00. Svar 1 for å bekrefte."
    )
    assert handoffs_between(aidn, monday.add(seconds=5), monday.add(hours=1)) == []


def test_an_override_is_a_shift_and_the_rotation_resumes_after_it():
    aidn = vendor("aidn")  # per covers primary 24.12 08:00 - 27.12 08:00
    start, end = at(2026, 12, 24, 8, tz=OSLO), at(2026, 12, 27, 8, tz=OSLO)
    found = handoffs_between(aidn, start.subtract(minutes=1), start.add(minutes=1))
    assert [(h.layer, h.person.id, h.override, h.end) for h in found] == [
        ("primary", "per", True, end)
    ]
    after = handoffs_between(aidn, end.subtract(minutes=1), end.add(minutes=1))
    assert [(h.layer, h.override) for h in after] == [("primary", False)]


def test_a_shift_that_started_while_nobody_looked_is_found_until_it_ends():
    aidn = vendor("aidn")
    monday = at(2026, 1, 12, 8, 0, tz=OSLO)
    later = monday.add(days=3)
    assert {h.start for h in handoffs_between(aidn, monday.subtract(days=1), later)} == {monday}
    ended = handoffs_between(aidn, monday.subtract(days=1), monday.add(days=8))
    assert {h.start for h in ended} == {monday.add(days=7)}  # the first one is over


def test_only_layers_a_page_plan_names_are_duty_layers():
    aidn = vendor("aidn")
    idle = make_layer(name="standby", members=(make_person(1),))
    policy = replace(aidn, rota=Rota(aidn.rota.layers + (idle,)))
    assert duty_layers(policy) == ("primary", "secondary")
    monday = at(2026, 1, 12, 8, 0, tz=OSLO)
    found = handoffs_between(policy, monday.subtract(seconds=1), monday.add(seconds=1))
    assert "standby" not in {h.layer for h in found}


def test_the_lead_is_the_duty_plans_named_person_and_is_told_in_their_language():
    aidn = vendor("aidn")
    lead = handoff_lead(aidn, at(2026, 1, 12, 9))
    assert lead.name.startswith("Driftsansvarlig")
    text = lead_text(aidn, "Kari", "primary", at(2026, 1, 12, 8, tz=OSLO), lead.language)
    assert text.startswith("Kari har ikke bekreftet vakten for Aidn (primary) som startet man.")


def test_every_language_fits_one_gsm7_segment():
    aidn = vendor("aidn")
    monday = at(2026, 1, 12, 8, 0, tz=OSLO)
    h = handoffs_between(aidn, monday.subtract(seconds=1), monday.add(seconds=1))[0]
    for lang in ("nb", "nn", "sv", "en"):
        text = announcement(aidn, replace(h, person=replace(h.person, language=lang)))
        assert text == to_gsm7(text) and septets(text) <= 160, text
    english = replace(h, person=replace(h.person, language="en"))
    assert announcement(aidn, english) == (
        "You are on duty for Aidn until Mon 19 Jan 08:00. Reply 1 to confirm"
    )


DST_NIGHTS = dst_days(OSLO, 2026, 2030)


@settings(max_examples=150, deadline=None)
@given(
    night=st.sampled_from(DST_NIGHTS),
    handoff=st.integers(0, 24 * 60 - 1),
    shift_days=st.integers(1, 8),
    cut=st.floats(0.0, 1.0),
    offset_h=st.integers(-60, 12),
)
def test_across_dst_nights_each_start_is_found_once_and_ends_at_the_local_handoff(
    night, handoff, shift_days, cut, offset_h
):
    layer = make_layer(start=night - timedelta(days=21), shift_days=shift_days, handoff=handoff)
    policy = replace(vendor("aidn"), rota=Rota((layer,)))
    midnight = datetime(night.year, night.month, night.day, tzinfo=UTC)
    a = pendulum.instance(midnight + timedelta(hours=offset_h))
    c = a.add(hours=60)
    b = a.add(seconds=int((c - a).total_seconds() * cut))

    whole = handoffs_between(policy, a, c)
    split = handoffs_between(policy, a, b) + handoffs_between(policy, b, c)
    assert [h.start for h in whole] == sorted({h.start for h in split if h.end > c})
    assert len({h.start for h in split}) == len(split)  # never twice
    for h in whole:
        assert a <= h.start < c < h.end
        assert on_call_at(layer, h.start).start == h.start  # a real shift start
        # the end is the next handoff: the layer's wall-clock time (or the first minute
        # after a spring-forward gap), whatever DST did in between
        local_end = h.end.in_timezone(OSLO)
        assert local_label(h.end, OSLO, "en").endswith(local_end.format("HH:mm"))
        assert local_end.hour * 60 + local_end.minute in (handoff, handoff + 60)
        if local_end.hour * 60 + local_end.minute != handoff:
            assert local_end.in_timezone(OSLO).dst() != local_end.subtract(hours=2).dst()
