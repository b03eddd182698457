"""Desk hours: the desk is dialled without screening; a desk that does not answer sends
duty severities to the rota and takes a voicemail for written ones. Signed webhooks, real Redis.
"""

from __future__ import annotations

import pytest

from oncall.services.jobs import PAGES, SMS
from tests.helpers.calls import (
    AIDN,
    AMIDO,
    DUTY_NOV_24,
    ITSL,
    ITSL_OPEN_P1_PAGES,
    KOMMUNE,
    PINDENA,
    VENDORS,
    local,
    new_sid,
    pages,
    params,
    path_of,
    queued,
    run_call,
    spelled_reference,
    spoken,
    twiml_of,
    weekday_day,
    xml,
)


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
def test_desk_hours_dial_the_desk_and_say_reference_and_written_report(v, at, app, redis_client):
    at(weekday_day(v))
    sim, transcript, record = run_call(app, v, "1", legs=["answer"])

    assert record["route"] == "desk"
    assert transcript.dialled == list(v.desk)
    assert record["outcome"] == "connected desk"
    assert record["reference"] == f"{v.id.upper()}-2026-000001"
    menu = twiml_of(transcript, "/twilio/voice/menu")
    text = spoken(menu)
    assert spelled_reference(v, 1) in text
    assert v.report in text and all(c in text for c in v.channels)
    dial = menu.find("Dial")
    assert [n.text for n in dial.findall("Number")] == list(v.desk)
    assert all(n.get("url") is None for n in dial.findall("Number"))  # no screening at desk
    assert path_of(dial.get("action")).startswith("/twilio/voice/dial_result?")
    assert len(queued(redis_client, SMS)) == 1
    expected = sorted(ITSL_OPEN_P1_PAGES) if v is ITSL else []
    assert pages(redis_client, sim.sid) == (1 if expected else 0, expected)


def test_desk_closes_at_a_pindena_lunch_break_and_is_open_until_16_at_kommune_ikt(at, app):
    at(local(PINDENA, 2026, 11, 24, 11, 45))  # lunch 11:30-12:00
    assert run_call(app, PINDENA, "1")[2]["route"] == "written"
    at(local(KOMMUNE, 2026, 11, 24, 15, 45))  # duty starts 15:30, desk still open to 16:00
    assert run_call(app, KOMMUNE, "1", legs=["answer"])[2]["route"] == "desk"
    at(local(KOMMUNE, 2026, 11, 24, 16, 0))
    assert run_call(app, KOMMUNE, "1", legs=["1"])[2]["route"] == "oncall"


@pytest.mark.parametrize(
    "v, digit, status",
    [(AIDN, "1", "no-answer"), (AIDN, "2", "busy"), (ITSL, "1", "no-answer"),
     (KOMMUNE, "1", "busy")],
    ids=lambda x: getattr(x, "id", x),
)  # fmt: skip
def test_desk_not_answering_sends_duty_severities_to_the_rota_and_pages(
    v, digit, status, at, app, redis_client
):
    at(weekday_day(v))
    sim, transcript, record = run_call(app, v, digit, legs=[status, "1"])

    # the desk first, then the first duty phone (the same rota week as tonight), screened
    primary = DUTY_NOV_24[v.id][0]
    assert transcript.dialled == [*v.desk, primary]
    numbers = sim.dials[1].findall("Number")
    assert [n.text for n in numbers] == [primary]
    assert path_of(numbers[0].get("url")).startswith("/twilio/voice/screen?")
    assert record["outcome"] == "connected oncall"
    # one incident per call: itsl p1 already paged development and the service owner when
    # the call was routed to the desk; the others page the duty engineer now
    expected = sorted(ITSL_OPEN_P1_PAGES) if v is ITSL else [primary]
    assert pages(redis_client, sim.sid) == (1, expected)


@pytest.mark.parametrize(
    "v, digit",
    [(AMIDO, "1"), (PINDENA, "1"), (ITSL, "2"), (KOMMUNE, "2")],
    ids=lambda x: getattr(x, "id", x),
)
def test_desk_not_answering_takes_a_voicemail_for_written_severities(
    v, digit, at, app, redis_client
):
    at(weekday_day(v))
    sim, transcript, record = run_call(app, v, digit, legs=["no-answer"])

    assert transcript.dialled == list(v.desk)
    after_desk = twiml_of(transcript, "/twilio/voice/dial_result")
    assert [c.tag for c in after_desk][-3:] == ["Record", "Say", "Hangup"]
    assert path_of(after_desk.find("Record").get("action")) == "/twilio/voice/recorded"
    assert queued(redis_client, PAGES) == []
    assert record["outcome"] == "voicemail"
    assert record["recording"].startswith("https://api.twilio.com/recordings/RE")
    closing = spoken(twiml_of(transcript, "/twilio/voice/recorded"))
    assert spelled_reference(v, 1) in closing
    assert all(c in closing for c in v.channels)


def test_busy_desk_is_handled_like_no_answer_step_by_step(at, signed_post, redis_client):
    at(weekday_day(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, Digits="1")))
    action = path_of(menu.find("Dial").get("action"))
    result = xml(signed_post(action, params(sid, AIDN, DialCallStatus="busy")))
    numbers = result.find("Dial").findall("Number")
    assert [n.text for n in numbers] == [DUTY_NOV_24["aidn"][0]]
    assert pages(redis_client, sid) == (1, [DUTY_NOV_24["aidn"][0]])
