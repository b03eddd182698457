"""A reply of 1 confirms a shift handoff, unless an incident paged to that engineer is
open: then it acknowledges the incident, as it always did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET

from oncall.services.vendors import load_vendor
from oncall.store.handoffs import Handoffs
from oncall.store.redisconn import url_of
from rotas.handoff import confirmed_text, handoffs_between
from rotas.incident import reply_text
from tests.helpers.stack import ROOT

AIDN_NUMBER = "+4721000011"


def _reply(signed_post, sender: str, body: str) -> str | None:
    """The app's answer to an SMS from `sender` to aidn's number (None: no answer)."""
    form = {"MessageSid": f"SM{uuid.uuid4().hex}", "From": sender, "To": AIDN_NUMBER, "Body": body}
    response = signed_post("/twilio/sms", form)
    assert response.status_code == 200
    message = ET.fromstring(response.data).find("Message")
    return message.text if message is not None else None


def _sent_handoff(app, phone: str):
    """The aidn handoff of the shift the app's clock is in, for the person with `phone`,
    claimed and sent (as the worker would have)."""
    svc = app.extensions["oncall"]
    policy = load_vendor(svc.settings.config_dir, "aidn")
    now = svc.clock.now()
    found = [
        h for h in handoffs_between(policy, now.subtract(days=7), now) if h.person.phone == phone
    ]
    store = Handoffs(svc.redis)
    key, first = store.claim(found[0], now.timestamp())
    assert first
    store.awaiting_reply(store.load(key))
    store.sent(store.load(key), "SM" + "0" * 32, now.timestamp())
    return store, key


def test_1_acknowledges_an_open_incident_first_then_confirms_the_handoff(
    app, paged_incident, signed_post
):
    store, incident_id, engineer = paged_incident("AIDN-2026-444101")
    handoffs, key = _sent_handoff(app, engineer)

    assert _reply(signed_post, engineer, "1") == reply_text("acknowledged", "nb", id=incident_id)
    assert not handoffs.load(key).get("confirmed_at")
    assert _reply(signed_post, engineer, "3") == reply_text("resolved", "nb", id=incident_id)

    assert _reply(signed_post, engineer, "1") == confirmed_text("Aidn", "nb")
    record = handoffs.load(key)
    assert record.get("confirmed_at") and record["confirmed_by"] == record["name"]
    assert handoffs.pending(engineer, float(record["confirmed_at"])) == []


def test_1_from_an_engineer_never_paged_confirms_their_handoff(app, signed_post):
    svc = app.extensions["oncall"]
    policy = load_vendor(svc.settings.config_dir, "aidn")
    now = svc.clock.now()
    engineer = handoffs_between(policy, now.subtract(days=7), now)[0].person.phone
    handoffs, key = _sent_handoff(app, engineer)
    assert _reply(signed_post, engineer, "ACK") == confirmed_text("Aidn", "nb")
    assert handoffs.load(key).get("confirmed_at")
    assert _reply(signed_post, engineer, "1") is None  # nothing pending, never paged: ignored


def test_the_handoffs_command_shows_who_confirmed_and_when(app, redis_client, signed_post):
    svc = app.extensions["oncall"]
    policy = load_vendor(svc.settings.config_dir, "aidn")
    now = svc.clock.now()
    engineer = handoffs_between(policy, now.subtract(days=7), now)[0].person.phone
    _sent_handoff(app, engineer)
    _reply(signed_post, engineer, "1")
    env = {k: v for k, v in os.environ.items() if k != "ONCALL_CONFIG_DIR"}
    env["REDIS_URL"] = url_of(redis_client)
    run = [sys.executable, "-m", "oncall", "handoffs", "--vendor", "aidn"]
    shown = subprocess.run(
        run + ["--json"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    (record,) = json.loads(shown.stdout)
    assert record["confirmed_at"] and record["layer"] == "primary"
    assert engineer not in shown.stdout  # numbers are not shown
    text = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert "confirmed by" in text.stdout
