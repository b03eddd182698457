"""A calendar's memoised answers never change an answer, and never outlive the calendar they
were computed from."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from rotas.closed_days import Closure
from rotas.config import load_policy
from rotas.routing import decide
from tests.helpers.factories import VENDOR_DIR, VENDOR_IDS

WEDNESDAY_NOON = pendulum.datetime(2026, 11, 25, 12, 0, tz="Europe/Oslo")


def with_closures(policy, *closures):
    """`policy` with its calendar copied with other closures (dataclasses.replace)."""
    calendar = dataclasses.replace(policy.calendar, closures=closures)
    return dataclasses.replace(policy, calendar=calendar)


def test_replace_gives_a_calendar_its_own_memo_and_fresh_answers():
    policy = load_policy(VENDOR_DIR / "aidn.yaml")
    assert decide(policy, "b", WEDNESDAY_NOON).open
    assert policy.calendar._memo  # the day's answers are memoised (inside the calendar)

    closed = with_closures(
        policy, Closure("strike", first=date(2026, 11, 25), last=date(2026, 11, 25))
    )
    assert closed.calendar._memo == {} and closed.calendar._memo is not policy.calendar._memo
    decision = decide(closed, "b", WEDNESDAY_NOON)
    assert not decision.open
    assert "vendor closure strike" in decision.reason
    assert decide(policy, "b", WEDNESDAY_NOON).open  # the original keeps its own answers


START = datetime(2026, 1, 1, tzinfo=UTC)


@settings(max_examples=150, deadline=None)
@given(
    vendor_id=st.sampled_from(VENDOR_IDS),
    seconds=st.lists(st.integers(0, 3 * 366 * 86400), min_size=1, max_size=12),
)
def test_memoised_decisions_equal_decisions_computed_afresh(vendor_id, seconds):
    """Decisions in any order on one policy (its memo filling up) are the decisions a freshly
    loaded policy gives for each instant alone."""
    warm = load_policy(VENDOR_DIR / f"{vendor_id}.yaml")
    for s in seconds:
        at = START + timedelta(seconds=s)
        fresh = load_policy(VENDOR_DIR / f"{vendor_id}.yaml")
        for sev in warm.severity_ids:
            assert decide(warm, sev, at) == decide(fresh, sev, at), (vendor_id, sev, at)


def test_the_next_opening_is_found_on_the_last_day_of_the_horizon():
    """HORIZON_DAYS days after the call's day is still searched (the memoised walk must not
    stop a day short of the old open_intervals walk)."""
    from rotas.workingtime import HORIZON_DAYS, deadline

    policy = load_policy(VENDOR_DIR / "aidn.yaml")
    day = date(2026, 11, 25)
    while not policy.calendar.desk_day(day + timedelta(days=HORIZON_DAYS)):
        day += timedelta(days=1)
    last = day + timedelta(days=HORIZON_DAYS)
    shut = with_closures(
        policy, Closure("long", first=day + timedelta(days=1), last=last - timedelta(1))
    )
    evening = pendulum.datetime(day.year, day.month, day.day, 20, 0, tz="Europe/Oslo")
    due = deadline(shut, evening, shut.severity("a").respond)  # "immediately": next opening
    assert due is not None and due.date() == last
    beyond = with_closures(policy, Closure("longer", first=day + timedelta(days=1), last=last))
    assert deadline(beyond, evening, beyond.severity("a").respond) is None  # past it


def test_shift_end_labels_tell_the_two_repeated_autumn_hours_apart():
    """The label cache is keyed by the UTC instant: in one zone the two 02:30s of the autumn
    night compare equal, but they are an hour apart."""
    from zoneinfo import ZoneInfo

    from rotas.routing import _when

    oslo = ZoneInfo("Europe/Oslo")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=oslo, fold=0)  # 00:30 UTC
    second = datetime(2026, 10, 25, 2, 30, tzinfo=oslo, fold=1)  # 01:30 UTC
    asked = pendulum.datetime(2026, 10, 24, 18, 0, tz="America/New_York")
    assert (_when(first, asked), _when(second, asked)) == ("Sat 20:30", "Sat 21:30")
