"""Duty: the rota is rung one person at a time with a screening whisper, on weekday nights,
holidays and weekends; nobody answering ends in a stored voicemail. Signed webhooks, real Redis.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from oncall.services.jobs import SMS
from tests.helpers.calls import (
    AIDN,
    DUTY_ASCENSION,
    DUTY_NOV_24,
    ITSL,
    KOMMUNE,
    PAGE_NIGHT,
    PINDENA,
    VENDORS,
    local,
    new_sid,
    pages,
    params,
    path_of,
    queued,
    run_call,
    says,
    spelled_reference,
    spoken,
    twiml_of,
    weekday_night,
    xml,
)

ONCALL = [AIDN, ITSL, KOMMUNE]


@pytest.mark.parametrize("v", ONCALL, ids=lambda v: v.id)
def test_after_hours_rings_the_rota_one_at_a_time_with_screening(v, at, app, redis_client):
    at(weekday_night(v))
    sim, transcript, record = run_call(app, v, "1", legs=["no-answer", "1"])

    assert record["route"] == "oncall"
    assert transcript.dialled == list(DUTY_NOV_24[v.id][:2])
    for i, dial in enumerate(sim.dials):
        numbers = dial.findall("Number")
        assert len(numbers) == 1  # one person at a time, in rota order
        assert numbers[0].text == DUTY_NOV_24[v.id][i]
        screen_url = path_of(numbers[0].get("url"))
        assert screen_url.startswith("/twilio/voice/screen?")
        assert f"call={sim.sid}" in screen_url
    assert record["outcome"] == "connected oncall"
    menu_text = spoken(twiml_of(transcript, "/twilio/voice/menu"))
    assert spelled_reference(v, 1) in menu_text
    assert v.report in menu_text
    assert pages(redis_client, sim.sid) == (1, sorted(PAGE_NIGHT[v.id]))
    assert len(queued(redis_client, SMS)) == 1


def test_screening_whisper_says_who_calls_and_gathers_one_digit(at, app):
    at(weekday_night(AIDN))
    sim, transcript, record = run_call(app, AIDN, "1", legs=["1"])
    whisper = sim.whispers[0]
    gather = whisper.find("Gather")
    assert gather.get("numDigits") == "1"
    assert path_of(gather.get("action")).startswith("/twilio/voice/screen_result?")
    text = spoken(gather)
    assert "Aidn" in text and "A-feil" in text and spelled_reference(AIDN, 1) in text
    assert "Trykk 1" in text
    assert [c.tag for c in whisper] == ["Gather", "Hangup"]  # no key: the leg hangs up
    accepted = next(s for s in transcript.steps if "screen_result" in s["path"])
    assert len(ET.fromstring(accepted["twiml"])) == 0  # empty TwiML: legs are bridged


def test_voicemail_or_declining_engineer_does_not_count_as_connected(at, app):
    at(weekday_night(AIDN))
    sim, transcript, record = run_call(app, AIDN, "1", legs=["voicemail", "9", "1"])
    assert transcript.dialled == list(DUTY_NOV_24["aidn"])
    assert record["outcome"] == "connected oncall"
    declined = next(s for s in transcript.steps if "screen_result" in s["path"])
    assert ET.fromstring(declined["twiml"]).find("Hangup") is not None


def test_completed_dial_without_pressing_1_moves_to_the_next_person(at, signed_post):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, Digits="1")))
    action = path_of(menu.find("Dial").get("action"))
    nxt = xml(signed_post(action, params(sid, AIDN, DialCallStatus="completed")))
    assert [n.text for n in nxt.find("Dial").findall("Number")] == [DUTY_NOV_24["aidn"][1]]


@pytest.mark.parametrize("v", ONCALL, ids=lambda v: v.id)
def test_nobody_on_the_rota_answers_then_voicemail_is_recorded_and_stored(v, at, app, redis_client):
    at(weekday_night(v))
    sim, transcript, record = run_call(app, v, "1", legs=["no-answer", "voicemail", "9"])

    assert transcript.dialled == list(DUTY_NOV_24[v.id])
    last = twiml_of(transcript, "/twilio/voice/dial_result", -1)
    assert last.find("Dial") is None and last.find("Record") is not None
    recorded = transcript.steps[-1]
    assert recorded["path"] == "/twilio/voice/recorded"
    assert record["recording"] == recorded["params"]["RecordingUrl"]
    assert record["outcome"] == "voicemail"
    closing = spoken(ET.fromstring(recorded["twiml"]))
    assert spelled_reference(v, 1) in closing
    assert pages(redis_client, sim.sid)[0] == 1  # one incident, paged once


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
@pytest.mark.parametrize(
    "when", [(2026, 5, 14, 10, 0), (2026, 11, 28, 12, 0)], ids=["ascension-day", "saturday"]
)
def test_closed_days_send_the_most_severe_to_duty_or_written(v, when, at, app, redis_client):
    at(local(v, *when))
    sim, transcript, record = run_call(app, v, "1", legs=["1"])
    greeting = twiml_of(transcript, "/twilio/voice/incoming")
    assert v.closed_word in says(greeting)[1]
    if v.id in DUTY_NOV_24:
        assert record["route"] == "oncall"
        rota = DUTY_ASCENSION if when[1] == 5 else DUTY_NOV_24  # Saturday: week of 23 Nov
        assert transcript.dialled == [rota[v.id][0]]
        assert record["outcome"] == "connected oncall"
    else:
        assert record["route"] == "written"
        assert transcript.dialled == []


@pytest.mark.parametrize(
    "when", [(2026, 7, 15, 10, 0), (2026, 12, 28, 10, 0)], ids=["july-week-29", "romjul"]
)
def test_pindena_vendor_closures_are_written(when, at, app):
    at(local(PINDENA, *when))
    sim, transcript, record = run_call(app, PINDENA, "1")
    assert record["route"] == "written"
    assert transcript.dialled == []
