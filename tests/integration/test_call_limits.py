"""Callers are never locked out (issue 9, item 12), with a real Redis and signed webhooks.

A caller over the call-rate limit is not rejected: the call goes straight to a short
recording with the reference read out; it costs no SMS, rings nobody and opens no incident.
Only accepted calls count towards the limit, so a switchboard or a caller redialling during
an outage is routed normally again once their accepted calls leave the 10-minute window.
Numbers on the block list are rejected.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import replace

from config.settings import Settings
from oncall.services.jobs import PAGES, SMS
from oncall.store import keys
from oncall.store.incidents import IncidentStore
from tests.helpers.calls import (
    AIDN,
    DUTY_NOV_24,
    MOBILE_NO,
    MOBILE_SE,
    ScriptedCall,
    local,
    new_sid,
    params,
    path_of,
    queued,
    set_time,
    spoken,
    weekday_night,
    xml,
)

SWITCHBOARD = "+4790000500"  # a mobile, so that the follow-up SMS is possible at all


def _call(app, presses: str = "1", legs=("1",)):
    sim = ScriptedCall(app, to=AIDN.inbound, presses=presses, caller=SWITCHBOARD, legs=legs)
    transcript = sim.run()
    return sim, transcript, app.extensions["oncall"].store.record(sim.sid)


def test_a_switchboard_calling_20_times_in_10_minutes_is_always_answered(app, clock, redis_client):
    set_time(clock, weekday_night(AIDN))
    runs = []
    for _ in range(20):  # every 30 s
        runs.append(_call(app))
        clock.advance(seconds=30)

    for _, transcript, _ in runs:
        first = xml_of(transcript.steps[0])
        assert first.find("Reject") is None  # every call is answered
        assert first.find("Gather") is not None or first.find("Record") is not None
    limited = [record.get("outcome") == "rate limited" for _, _, record in runs]
    assert limited == [False] * 8 + [True] * 12
    for _, transcript, record in runs[8:]:  # a recording, the reference read out, nobody rung
        first = xml_of(transcript.steps[0])
        assert path_of(first.find("Record").get("action")) == "/twilio/voice/recorded"
        assert "Vi har fått mange anrop" in spoken(first)
        assert "A I D N, 2 0 2 6" in spoken(first)
        assert transcript.dialled == [] and "incident" not in record and record.get("recording")
    # the engineer is rung by the first call only; one incident, paged once
    rung = [t.dialled for _, t, _ in runs if t.dialled]
    assert rung == [[DUTY_NOV_24["aidn"][0]]]
    escalations = [j for j in queued(redis_client, PAGES) if j.func_name.endswith(".escalate")]
    assert len(escalations) == 1
    assert len(queued(redis_client, SMS)) == 3  # the caller's daily follow-up SMS cap


def test_redialling_past_the_window_is_routed_normally_again(app, clock):
    """A caller who keeps calling every 30 s: limited calls do not extend the lockout."""
    set_time(clock, weekday_night(AIDN))
    first_seen = []
    for _ in range(40):  # 20 minutes of redialling
        _, _, record = _call(app, presses="3", legs=())
        first_seen.append(record.get("outcome") != "rate limited")
        clock.advance(seconds=30)
    # 8 accepted in the first 10 minutes; from 10:00 each accepted call that leaves the
    # window lets one more through
    assert first_seen[:20] == [True] * 8 + [False] * 12
    assert first_seen[20] is True  # 10:00 after the first accepted call
    assert sum(first_seen) == 16  # 8 per 10 minutes, never locked out


def test_a_rate_limited_recording_goes_on_the_vendors_open_incident(app, clock, redis_client):
    set_time(clock, weekday_night(AIDN))
    for _ in range(8):
        _call(app)
    _, _, record = _call(app)
    assert record["outcome"] == "rate limited"
    timeline = [e["text"] for e in IncidentStore(redis_client).timeline("AIDN-2026-000001")]
    assert any(t.startswith("recording from rate-limited call AIDN-2026-000009") for t in timeline)
    assert SWITCHBOARD not in " ".join(timeline)


def test_a_rate_limited_recording_without_an_incident_is_logged_masked(app, clock, caplog):
    caplog.set_level(logging.WARNING, logger="oncall.web.callflow")
    set_time(clock, weekday_night(AIDN))
    for _ in range(9):
        _call(app, presses="3", legs=())  # written: no incident
    warnings = [r.getMessage() for r in caplog.records if "rate-limited caller" in r.getMessage()]
    assert len(warnings) == 1 and "AIDN-2026-000009" in warnings[0]
    assert SWITCHBOARD not in warnings[0] and SWITCHBOARD[3:] not in warnings[0]


def test_the_call_limit_is_a_setting(app, clock, monkeypatch):
    svc = app.extensions["oncall"]
    monkeypatch.setattr(svc, "settings", replace(svc.settings, calls_per_caller_per_10_min=2))
    set_time(clock, weekday_night(AIDN))
    outcomes = [_call(app, presses="3", legs=())[2].get("outcome") for _ in range(3)]
    assert outcomes[2] == "rate limited" and "rate limited" not in outcomes[:2]


def test_limits_are_read_from_the_environment():
    s = Settings.from_env(
        {
            "ONCALL_CALLS_PER_CALLER_PER_10_MIN": "20",
            "ONCALL_SMS_PER_CALLER_PER_DAY": "5",
            "ONCALL_SMS_PER_HOUR": "50",
        }
    )
    assert (s.calls_per_caller_per_10_min, s.sms_per_caller_per_day, s.sms_per_hour) == (20, 5, 50)
    d = Settings.from_env({})
    assert (d.calls_per_caller_per_10_min, d.sms_per_caller_per_day, d.sms_per_hour) == (8, 3, 200)


def test_a_retried_first_webhook_of_a_limited_call_answers_the_same(app, clock, signed_post):
    set_time(clock, weekday_night(AIDN))
    for _ in range(8):
        _call(app, presses="3", legs=())
    form = params(new_sid(), AIDN, caller=SWITCHBOARD)
    first = xml(signed_post("/twilio/voice/incoming", form))
    again = xml(signed_post("/twilio/voice/incoming", form))
    assert first.find("Record") is not None and again.find("Record") is not None


def xml_of(step: dict) -> ET.Element:
    return ET.fromstring(step["twiml"])


# -- the call-rate limit and blocked numbers ----------------------------------------------------


def _limited(root: ET.Element) -> bool:
    """Over the call-rate limit: no menu, a recording with the reference read out."""
    record = root.find("Record")
    return (
        root.find("Gather") is None
        and record is not None
        and path_of(record.get("action")) == "/twilio/voice/recorded"
    )


def test_more_than_8_calls_in_10_minutes_go_straight_to_a_recording(
    at, signed_post, clock, redis_client
):
    at(local(AIDN, 2026, 11, 24, 22, 0))
    for n in range(8):
        root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
        assert root.find("Gather") is not None, n
        clock.advance(seconds=60)
    response = signed_post("/twilio/voice/incoming", params(new_sid(), AIDN))
    assert response.status_code == 200
    root = xml(response)
    assert _limited(root) and root.find("Reject") is None
    assert "A I D N, 2 0 2 6, 0 0 0 0 0 9" in spoken(root)
    other_caller = params(new_sid(), AIDN, caller=MOBILE_SE)
    assert xml(signed_post("/twilio/voice/incoming", other_caller)).find("Gather") is not None
    assert queued(redis_client, SMS) == [] and queued(redis_client, PAGES) == []
    clock.advance(minutes=20)  # the window has passed: the caller gets through again
    again = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
    assert again.find("Gather") is not None


def test_steady_callers_below_the_rate_are_never_rejected(at, signed_post, clock):
    at(local(AIDN, 2026, 11, 24, 22, 0))
    for n in range(15):  # one call every 2 minutes: at most 5 in any 10 minutes
        root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
        assert root.find("Reject") is None and root.find("Gather") is not None, n
        clock.advance(minutes=2)


def test_call_rate_limit_is_a_rolling_ten_minutes(at, signed_post, clock):
    at(local(AIDN, 2026, 11, 24, 22, 5))
    roots = []
    for _ in range(10):
        roots.append(xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN))))
        clock.advance(seconds=60)  # 10 calls in 9 minutes
    assert [_limited(r) for r in roots] == [False] * 8 + [True] * 2


def test_blocked_numbers_are_rejected(signed_post, redis_client):
    redis_client.sadd(keys.blocked(), MOBILE_NO)
    response = signed_post("/twilio/voice/incoming", params(new_sid(), AIDN))
    assert response.status_code == 200
    assert [c.tag for c in xml(response)] == ["Reject"]
    other = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN, caller=MOBILE_SE)))
    assert other.find("Gather") is not None
