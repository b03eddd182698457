"""The fallback URL and Redis outages: the caller always reaches the vendor's emergency
number (or a voicemail), and nothing is written. Signed webhooks.
"""

from __future__ import annotations

import contextlib
import logging
import xml.etree.ElementTree as ET

import pytest
import redis

from oncall.cli.simulator import signed_post as post_signed
from oncall.web import create_app
from tests.helpers import stored_keys
from tests.helpers.calls import (
    AIDN,
    BASE,
    ITSL,
    KOMMUNE,
    NO_RETRY,
    VENDORS,
    Vendor,
    new_sid,
    params,
    set_time,
    weekday_night,
    xml,
)


def _assert_dials_emergency(root: ET.Element, v: Vendor) -> None:
    dial = root.find("Dial")
    assert dial is not None, ET.tostring(root)
    assert [n.text for n in dial.findall("Number")] == [v.emergency]
    assert {s.get("language") for s in root.iter("Say")} == {v.language}
    assert root.find("Record") is not None  # nobody answers: still a message, never silence


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
def test_fallback_url_dials_the_emergency_number_without_redis(v, settings, no_redis_app):
    form = params(new_sid(), v, ErrorCode="11200", ErrorUrl=BASE + "/twilio/voice/incoming")
    response = post_signed(no_redis_app.test_client(), settings, "/twilio/voice/fallback", form)
    _assert_dials_emergency(xml(response), v)


def test_fallback_url_does_not_write_to_redis(signed_post, redis_client):
    form = params(new_sid(), KOMMUNE, ErrorCode="11205")
    _assert_dials_emergency(xml(signed_post("/twilio/voice/fallback", form)), KOMMUNE)
    assert stored_keys(redis_client) == []


@pytest.mark.parametrize("step", ["incoming", "menu?attempt=1", "dial_result?route=desk&i=0"])
def test_redis_unreachable_still_answers_with_the_emergency_number(step, settings, no_redis_app):
    form = params(new_sid(), AIDN, Digits="1", DialCallStatus="no-answer")
    response = post_signed(no_redis_app.test_client(), settings, f"/twilio/voice/{step}", form)
    _assert_dials_emergency(xml(response), AIDN)


def test_redis_stopped_mid_call_the_next_webhook_dials_the_emergency_number(
    tmp_path, settings, clock
):
    from oncall.store.redisconn import start_embedded

    set_time(clock, weekday_night(ITSL))
    own = start_embedded(tmp_path / "mid-call.rdb")  # a server of its own, to stop
    # the app talks to it without redis-py's retry backoff, to keep the test fast
    app_redis = redis.Redis(unix_socket_path=own.socket_file, socket_timeout=1, retry=NO_RETRY)
    app = create_app(settings, clock=clock, redis_client=app_redis)
    client = app.test_client()
    sid = new_sid()
    first = xml(post_signed(client, settings, "/twilio/voice/incoming", params(sid, ITSL)))
    assert first.find("Gather") is not None
    with contextlib.suppress(redis.exceptions.ConnectionError):  # gone before it answered
        app_redis.shutdown(nosave=True)
    press = params(sid, ITSL, Digits="1")
    response = post_signed(client, settings, "/twilio/voice/menu?attempt=1", press)
    _assert_dials_emergency(xml(response), ITSL)
    with pytest.raises(redis.exceptions.ConnectionError):  # it really was down
        app_redis.ping()


def test_unknown_to_number_gets_a_voicemail_and_a_masked_log_line(
    signed_post, caplog, redis_client
):
    # its vendor's file may be the broken one: with no ONCALL_FALLBACK_NUMBER set, a voicemail
    caplog.set_level(logging.INFO)
    form = params(new_sid(), AIDN, To="+4799999999")
    root = xml(signed_post("/twilio/voice/incoming", form))
    assert root.find("Say").get("language") == "en-GB"
    assert root.find("Record") is not None and root.find("Dial") is None
    lines = [r.getMessage() for r in caplog.records if "unknown number" in r.getMessage()]
    assert lines and "999" in lines[0]
    assert "+4799999999" not in lines[0] and "99999999" not in lines[0]
    assert stored_keys(redis_client) == []
