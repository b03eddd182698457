"""`oncall call` and `oncall reply`: the simulator (oncall.services.simulator) over this
process's web app, and an engineer's SMS reply signed as Twilio signs it."""

from __future__ import annotations

import tempfile
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from oncall.clock import clock_for
from oncall.services import simulator
from oncall.services.simulator import signed_post
from oncall.store import keys
from oncall.store.redisconn import connect, start_embedded
from oncall.web import create_app

__all__ = ["send_reply", "signed_post", "simulate"]


def simulate(
    settings, policy, at, caller: str, presses: str, answer: bool, live: bool = False
) -> dict:
    """One simulated call at frozen time `at` through this web app (see
    oncall.services.simulator.simulate)."""
    return simulator.simulate(
        settings, policy, at, caller, presses, answer, live, make_app=create_app
    )


def send_reply(
    settings, sender: str, to: str, body: str, *, live: bool = False, sid: str | None = None
) -> dict:
    """An engineer's SMS reply, POSTed to /twilio/sms through the app and signed as Twilio
    signs it; returns {sid, status, answer} (answer None: the app answers nothing).

    A reply acts on incidents, which live in the configured Redis. `live=True` applies it
    there (a running worker carries out an escalation). By default it is a dry run, as
    `call` is: the sender's paged incidents are copied into a throw-away embedded Redis and
    the reply acts on the copy, so it shows the answer and changes nothing."""

    if not settings.twilio_auth_token:
        settings = replace(settings, twilio_auth_token="simulator-token")
    sid = sid or "SM" + uuid.uuid4().hex
    configured = connect(settings)
    with tempfile.TemporaryDirectory(prefix="oncall-reply-") as tmp:
        client = configured if live else start_embedded(Path(tmp) / "reply.rdb")
        try:
            if not live:
                _copy_paged(configured, client, sender)
            clock = clock_for(settings, configured)  # the configured time, also in a dry run
            app = create_app(settings, clock=clock, redis_client=client)
            params = {
                "MessageSid": sid,
                "SmsSid": sid,
                "AccountSid": settings.twilio_account_sid,
                "From": sender,
                "To": to,
                "Body": body,
                "NumMedia": "0",
                "SmsStatus": "received",
            }
            response = signed_post(app.test_client(), settings, "/twilio/sms", params)
        finally:
            if not live:
                client.shutdown(nosave=True)
    message = None
    if response.status_code == 200:
        message = ET.fromstring(response.get_data(as_text=True)).find("Message")
    return {
        "sid": sid,
        "status": response.status_code,
        "answer": message.text if message is not None else None,
    }


def _copy_paged(source, target, phone: str) -> None:
    """The incidents paged to `phone` (and that index), from `source` into `target`. Copied
    field by field: DUMP payloads do not restore across Redis versions."""

    paged = source.zrange(keys.paged(phone), 0, -1, withscores=True)
    if paged:
        target.zadd(keys.paged(phone), dict(paged))
    for incident_id, _ in paged:
        fields = source.hgetall(keys.incident(incident_id.decode()))
        if fields:
            target.hset(keys.incident(incident_id.decode()), mapping=fields)
