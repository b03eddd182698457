"""Call storms: a caller during an open incident of the same vendor and severity hears the
fault is known and is attached to it, not paged again. Signed webhooks, real Redis.
"""

from __future__ import annotations

import pytest

from oncall.store.incidents import IncidentStore
from tests.helpers.calls import (
    AIDN,
    ITSL,
    MOBILE_SE,
    NIGHT,
    new_sid,
    pages,
    params,
    run_call,
    spoken,
    weekday_night,
    xml,
)


def test_a_second_caller_during_an_open_incident_hears_it_is_known(at, clock, app, redis_client):
    at(weekday_night(AIDN))
    first, _, first_record = run_call(app, AIDN, "1", legs=["1"])
    assert first_record["incident"] == "AIDN-2026-000001"
    clock.advance(minutes=5)
    sim, transcript, record = run_call(app, AIDN, "1", caller=MOBILE_SE)

    assert transcript.dialled == []
    assert record["outcome"] == "known fault"
    assert record["incident"] == "AIDN-2026-000001"  # attached, not a second page
    menu = [s for s in transcript.steps if s["path"].startswith("/twilio/voice/menu")][0]
    assert "Feilen er allerede kjent" in menu["twiml"]
    assert pages(redis_client, first.sid)[0] == 1


def test_a_more_severe_call_is_not_told_a_less_severe_fault_is_known(at, clock, app):
    at(weekday_night(AIDN))
    _, _, first = run_call(app, AIDN, "2", legs=["1"])
    assert first["route"] == "oncall"
    clock.advance(minutes=5)
    _, transcript, record = run_call(app, AIDN, "1", caller=MOBILE_SE, legs=["1"])
    assert record["outcome"] == "connected oncall"
    assert transcript.dialled  # rung, not told "known"


@pytest.mark.parametrize("how", ["window-passed", "resolved", "other-vendor"])
def test_a_call_is_not_told_known_without_an_open_incident_of_its_vendor(
    how, at, clock, app, redis_client
):
    at(weekday_night(ITSL if how == "other-vendor" else AIDN))
    _, _, first = run_call(app, ITSL if how == "other-vendor" else AIDN, "1", legs=["1"])
    if how == "window-passed":
        clock.advance(minutes=31)  # the storm window is 30 minutes
    elif how == "resolved":
        incidents = IncidentStore(redis_client)
        inc = incidents.load(first["incident"])
        assert incidents.set_state(inc, "resolved", "+4740000102", NIGHT.timestamp() + 60)
        clock.advance(minutes=5)
    else:
        at(weekday_night(AIDN))
    _, transcript, record = run_call(app, AIDN, "1", caller=MOBILE_SE, legs=["1"])
    assert record["outcome"] == "connected oncall"
    assert "Feilen er allerede kjent" not in transcript.steps[1]["twiml"]


def test_a_replayed_menu_press_is_not_told_its_own_incident_is_known(at, signed_post):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    press = params(sid, AIDN, Digits="1")
    first = xml(signed_post("/twilio/voice/menu?attempt=1", press))
    again = xml(signed_post("/twilio/voice/menu?attempt=1", press))
    assert first.find("Dial") is not None and again.find("Dial") is not None
    assert "kjent" not in spoken(again)


def test_a_call_whose_number_left_the_config_still_hears_its_fault_is_known(
    at, clock, app, signed_post
):
    """The call's vendor decides the call-storm lookup, not the number in this webhook's
    `To` (a number removed from the config while the call is in the menu)."""
    at(weekday_night(AIDN))
    run_call(app, AIDN, "1", legs=["1"])  # opens and pages AIDN-2026-000001
    clock.advance(minutes=5)
    sid = new_sid()
    signed_post("/twilio/voice/incoming", params(sid, AIDN, caller=MOBILE_SE))
    press = params(sid, AIDN, caller=MOBILE_SE, Digits="1", To="+4799999999")
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", press))
    assert "Feilen er allerede kjent" in spoken(menu)
    assert "<Dial" not in menu
