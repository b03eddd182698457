"""A coverage gap never ends a duty call in silence (issue 9, item 10): a duty severity with
nobody on duty rings the duty phones, else the emergency number, else takes a voicemail, and
its plan pages the lead at once. Pure: decide() and freeze_plan() on small config variants.

The variants are aidn.yaml with the seed's literal duty window (all days 16:00-08:00), which
leaves weekend days 08:00-16:00 uncovered; Saturday 2026-11-28 12:00 Oslo is in that gap.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from rotas.escalation import freeze_plan
from rotas.routing import decide
from rotas.timetable import coverage_gaps
from tests.helpers.factories import VENDOR_DIR, make_policy

GAP = datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo("Europe/Oslo"))  # Saturday noon
NIGHT = datetime(2026, 11, 28, 22, 0, tzinfo=ZoneInfo("Europe/Oslo"))  # in the duty window
DUTY_PHONE, DRIFT, OLA = "+4775988062", "+4740000109", "+4740000102"
OTHER_EMERGENCY = "+4775988099"


def aidn(*, duty_phones: bool = True, emergency: str | None = "+47 75 98 80 62"):
    text = (VENDOR_DIR / "aidn.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "  hours: when-desk-closed", '  hours: {daily: ["00:00-08:00", "16:00-24:00"]}'
    )
    if not duty_phones:
        text = text.replace('  phones: ["+47 75 98 80 62"]', "  phones: []")
    old = 'emergency: "+47 75 98 80 62"'
    text = text.replace(old, f'emergency: "{emergency}"' if emergency else "")
    return make_policy(text, "aidn.yaml")


def test_a_gap_rings_the_duty_phone_and_pages_the_lead():
    d = decide(aidn(), "a", GAP)
    assert (d.open, d.route, d.dial, d.page, d.covered) == (
        False, "oncall", (DUTY_PHONE,), (DRIFT,), False
    )  # fmt: skip
    assert "duty window does not cover this time" in d.reason
    assert "the duty phone is rung, and the lead is paged" in d.reason
    # the gap is still a gap for `check`; the duty window and written severities as before
    gaps = [g for g in coverage_gaps(aidn(), GAP.replace(hour=0), NIGHT) if g.severity == "a"]
    assert [(g.start.hour, g.end.hour) for g in gaps] == [(8, 16)]
    night = decide(aidn(), "a", NIGHT)
    assert night.covered and night.dial[0] == OLA and night.page == (OLA,)
    written = decide(aidn(), "c", GAP)
    assert (written.route, written.dial, written.page, written.covered) == ("written", (), (), True)


def test_a_gap_without_duty_phones_rings_the_emergency_number():
    d = decide(aidn(duty_phones=False, emergency="+47 75 98 80 99"), "a", GAP)
    assert (d.route, d.dial, d.page, d.covered) == ("oncall", (OTHER_EMERGENCY,), (DRIFT,), False)
    assert "the emergency number is rung" in d.reason


def test_a_gap_with_no_number_at_all_is_a_voicemail_and_still_pages_the_lead():
    d = decide(aidn(duty_phones=False, emergency=None), "b", GAP)
    assert (d.route, d.dial, d.page, d.covered) == ("oncall", (), (DRIFT,), False)
    assert "the caller can leave a voicemail, and the lead is paged" in d.reason


@pytest.mark.parametrize("severity", ["a", "b"])
def test_an_uncovered_plan_pages_the_lead_at_once(severity):
    policy = aidn()
    rule = policy.severity(severity).closed
    plan = freeze_plan(policy, rule, GAP, covered=False)
    assert [(s.after, [t.phone for t in s.targets]) for s in plan.steps] == [(0, [DRIFT])]
    assert plan.lead.phone == DRIFT
    covered = freeze_plan(policy, rule, NIGHT)
    assert covered.steps[0].targets[0].phone == OLA and len(covered.steps) == 3


def test_nobody_on_the_rota_and_no_duty_phone_in_the_window_is_a_gap_too():
    """A rota that has not started yet, no duty phone: the emergency number, the lead paged."""
    text = (VENDOR_DIR / "aidn.yaml").read_text(encoding="utf-8")
    text = text.replace('start: "2026-01-05"', 'start: "2027-01-04"')
    text = text.replace('  phones: ["+47 75 98 80 62"]', "  phones: []")
    d = decide(make_policy(text, "aidn.yaml"), "a", NIGHT)
    assert (d.route, d.dial, d.page, d.covered) == ("oncall", (DUTY_PHONE,), (DRIFT,), False)
    assert "nobody is on the rota; the emergency number is rung" in d.reason
