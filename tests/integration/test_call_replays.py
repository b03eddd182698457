"""Twilio retries a webhook: a replayed step answers the same and pages, texts and counts
once. Signed webhooks, real Redis.
"""

from __future__ import annotations

import json

from oncall.services.jobs import SMS
from oncall.store import keys
from tests.helpers.calls import (
    AIDN,
    AMIDO,
    DUTY_NOV_24,
    PAGE_NIGHT,
    local,
    new_sid,
    pages,
    params,
    path_of,
    queued,
    spelled_reference,
    spoken,
    weekday_day,
    weekday_night,
    xml,
)


def test_replayed_menu_press_pages_texts_and_references_once(at, signed_post, redis_client):
    at(weekday_night(AIDN))
    sid = new_sid()
    first_in = signed_post("/twilio/voice/incoming", params(sid, AIDN))
    again_in = signed_post("/twilio/voice/incoming", params(sid, AIDN))
    assert first_in.data == again_in.data
    press = params(sid, AIDN, Digits="1")
    first = signed_post("/twilio/voice/menu?attempt=1", press)
    for _ in range(2):
        again = signed_post("/twilio/voice/menu?attempt=1", press)
        assert again.status_code == 200 and again.data == first.data
    record = redis_client.hgetall(keys.call(sid))
    assert record[b"reference"] == b"AIDN-2026-000001"
    assert redis_client.get(keys.reference_counter("aidn", 2026)) == b"1"
    assert pages(redis_client, sid) == (1, list(PAGE_NIGHT["aidn"]))
    assert len(queued(redis_client, SMS)) == 1
    texts = [json.loads(e)["text"] for e in redis_client.lrange(keys.call_events(sid), 0, -1)]
    assert texts.count("incoming call") == 1
    assert texts.count("follow-up SMS allowed by the caps") == 1


def test_replayed_desk_no_answer_pages_the_duty_engineer_once(at, signed_post, redis_client):
    at(weekday_day(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, Digits="1")))
    action = path_of(menu.find("Dial").get("action"))
    no_answer = params(sid, AIDN, DialCallStatus="no-answer")
    first = signed_post(action, no_answer)
    again = signed_post(action, no_answer)
    assert first.data == again.data
    assert pages(redis_client, sid) == (1, [DUTY_NOV_24["aidn"][0]])
    assert len(queued(redis_client, SMS)) == 1


def test_replayed_recording_keeps_one_recording(at, signed_post, redis_client):
    at(weekday_day(AMIDO))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AMIDO)))
    xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AMIDO, Digits="1")))
    url = "https://api.twilio.com/recordings/RE0123"
    for _ in range(2):
        root = xml(signed_post("/twilio/voice/recorded", params(sid, AMIDO, RecordingUrl=url)))
        assert spelled_reference(AMIDO, 1) in spoken(root)
    assert redis_client.hget(keys.call(sid), "recording") == url.encode()
    assert redis_client.get(keys.reference_counter("amido", 2026)) == b"1"


def test_a_retried_first_webhook_is_not_counted_as_another_call(at, signed_post):
    at(local(AIDN, 2026, 11, 24, 22, 0))
    for _ in range(7):
        xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
    eighth = params(new_sid(), AIDN)
    assert xml(signed_post("/twilio/voice/incoming", eighth)).find("Reject") is None
    retry = xml(signed_post("/twilio/voice/incoming", eighth))
    assert retry.find("Reject") is None
