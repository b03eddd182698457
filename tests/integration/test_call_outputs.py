"""Across real calls: no log line shows a full phone number, and every TwiML document
renders like twilio's str(). Signed webhooks, real Redis.
"""

from __future__ import annotations

import logging

from oncall.cli.simulator import signed_post as post_signed
from oncall.web import webhooks
from tests.helpers.calls import (
    AIDN,
    AMIDO,
    DUTY_NOV_24,
    ITSL,
    KOMMUNE,
    MOBILE_NO,
    MOBILE_SE,
    ScriptedCall,
    new_sid,
    params,
    run_call,
    weekday_day,
    weekday_night,
)

# -- logs -----------------------------------------------------------------------------------------


def test_logs_never_show_a_full_phone_number(
    at, app, caplog, clock, client, signed_post, settings, no_redis_app
):
    caplog.set_level(logging.DEBUG)
    at(weekday_day(AIDN))
    run_call(app, AIDN, "1", legs=["no-answer", "9", "voicemail", "no-answer"])
    for _ in range(4):  # the 4th is over the follow-up SMS cap
        run_call(app, AIDN, "3")
        clock.advance(minutes=20)
    signed_post("/twilio/voice/incoming", params(new_sid(), AIDN, To="+4799999999"))
    signed_post("/twilio/voice/fallback", params(new_sid(), AIDN))
    client.post("/twilio/voice/incoming", data=params(new_sid(), AIDN))  # unsigned: 403
    post_signed(no_redis_app.test_client(), settings, "/twilio/voice/menu?attempt=1",
                params(new_sid(), AIDN, Digits="1"))  # fmt: skip
    at(weekday_night(KOMMUNE))
    run_call(app, KOMMUNE, "", legs=["voicemail"], caller=MOBILE_SE)

    messages = [r.getMessage() for r in caplog.records]
    assert any("unknown number" in m for m in messages)  # the log lines were captured
    numbers = {MOBILE_NO, MOBILE_SE, "+4799999999", *AIDN.desk, *DUTY_NOV_24["aidn"],
               *DUTY_NOV_24["kommune-ikt"]}  # fmt: skip
    for message in messages:
        for number in numbers:
            assert number not in message and number[3:] not in message, message


# -- every TwiML document the app produces renders like str() -------------------------------------


def test_every_document_of_real_calls_renders_like_str(at, clock, app, monkeypatch, signed_post):
    rendered: list[tuple[object, str]] = []
    original = webhooks.render

    def spy(response):
        text = original(response)
        rendered.append((response, text))
        return text

    monkeypatch.setattr(webhooks, "render", spy)
    at(weekday_day(AIDN))
    run_call(app, AIDN, "1", legs=["no-answer", "9", "voicemail", "no-answer"])
    run_call(app, AIDN, "3")
    run_call(app, AMIDO, "1", legs=["no-answer"], caller=MOBILE_SE)
    at(weekday_night(ITSL))
    ScriptedCall(app, to=ITSL.inbound, presses="x1", legs=["1"]).run()
    signed_post("/twilio/voice/incoming", params(new_sid(), AIDN, To="+4799999999"))
    signed_post("/twilio/voice/fallback", params(new_sid(), AIDN))

    objects = [(r, t) for r, t in rendered if not isinstance(r, str)]
    for response, text in objects:
        assert text == str(response)
    tags = {el for r, _ in objects for el in ("Dial", "Number", "Gather", "Record", "Say")
            if f"<{el}" in str(r)}  # fmt: skip
    assert tags == {"Dial", "Number", "Gather", "Record", "Say"}
    assert any("å" in t or "ä" in t or "ø" in t for _, t in objects)
    assert len(objects) >= 15
    strings = [(r, t) for r, t in rendered if isinstance(r, str)]
    assert strings and all(t is r for r, t in strings)  # the cached greetings, unchanged
