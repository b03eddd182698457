"""Every layer feed of every vendor against what `python -m oncall rota show` prints, over
both DST changes of 2026 and aidn's Christmas override: at each local midnight the event
covering it is the holder the table names, and each "> HH:MM Name" handoff in the table is
an event starting at that local time. The feed is read back by recurring-ical-events."""

from __future__ import annotations

import re

import icalendar
import pendulum
import pytest
import recurring_ical_events

from oncall.cli import main
from rotas import feeds
from tests.helpers.factories import vendor

DATE_COLUMN = 32  # where the first layer's cell starts in a `rota show` row
HANDOFF = re.compile(r" > (\d\d:\d\d) (.+?)(\*?)$")


def rota_show(capsys, vendor_id: str, start, weeks: int) -> list[tuple[str, list[str]]]:
    """(date, cells) per row of `rota show`, one cell per layer."""
    assert (
        main(["rota", "show", "--vendor", vendor_id, "--from", str(start), "--weeks", str(weeks)])
        == 0
    )
    rows = []
    for line in capsys.readouterr().out.splitlines():
        if re.match(r"\d{4}-\d\d-\d\d  ", line):
            rows.append((line[:10], re.split(r" {2,}", line[DATE_COLUMN:].strip())))
    return rows


def cell_parts(cell: str) -> tuple[str, list[tuple[str, str]]]:
    """(holder at midnight, [(HH:MM, name + '*' if an override)]) of one cell."""
    first, *rest = cell.split(" > ")
    return first, [(r[:5], r[6:]) for r in rest]


def name_of(event) -> str:
    summary = str(event["SUMMARY"]).split(": ", 1)[1]
    return summary.removesuffix(" (override)") + ("*" if summary.endswith("(override)") else "")


@pytest.mark.parametrize("now", ["2026-03-10T12:00", "2026-09-15T12:00", "2026-12-01T12:00"])
@pytest.mark.parametrize("vendor_id", ["aidn", "amido", "itsl", "kommune-ikt", "pindena"])
def test_layer_feeds_match_rota_show(capsys, vendor_id, now):
    policy = vendor(vendor_id)
    at = pendulum.parse(now, tz=policy.tz)
    start, end = feeds.window(at)
    first_day = start.in_timezone(policy.tz).date().add(days=1)
    weeks = (end - start).days // 7 - 1
    rows = rota_show(capsys, vendor_id, first_day, weeks)
    for n, layer in enumerate(policy.rota.layers):
        cal = icalendar.Calendar.from_ical(feeds.layer_feed(policy, layer, at).to_ical())
        events = recurring_ical_events.of(cal).between(start, end)
        for day, cells in rows:
            holder, handoffs = cell_parts(cells[n])
            midnight = pendulum.parse(day, tz=policy.tz)
            covering = [e for e in events if e.decoded("DTSTART") <= midnight < e.decoded("DTEND")]
            assert [name_of(e) for e in covering] == [holder], (layer.name, day)
            for hhmm, name in handoffs:
                when = pendulum.parse(f"{day}T{hhmm}", tz=policy.tz)
                starting = [name_of(e) for e in events if e.decoded("DTSTART") == when]
                assert starting == [name], (layer.name, day, hhmm)
