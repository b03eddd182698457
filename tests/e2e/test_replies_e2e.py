"""SMS replies end to end: the fake Twilio's inbound-SMS endpoint signs the webhook and posts
it to the app over HTTP, a real worker escalates, and the answer is recorded as an SMS.

Twilio retries a webhook it got no answer to: the same MessageSid arrives twice. A replayed
`2` must escalate one step, not two, and must not end in the lead's "nobody acknowledged".
"""

from __future__ import annotations

import time

import pendulum
import requests

from oncall.services.incidents import open_incident
from oncall.services.jobs import job_id
from oncall.services.vendors import load_vendor
from oncall.store.incidents import IncidentStore
from rotas.incident import reply_text
from tests.helpers.stack import MINUTE, wait_for

TOLERANCE = 1.2  # seconds: RQ's whole-second scheduler, polling and HTTP (see test_paging)


def text_in(stack, sender: str, to: str, body: str, sid: str | None = None) -> dict:
    """A phone texts `to`: POST the fake's /_fake/sms, which delivers it to the app."""
    form = {"From": sender, "To": to, "Body": body, "Url": stack.base_url + "/twilio/sms"}
    if sid:
        form["MessageSid"] = sid
    response = requests.post(f"{stack.fake.base_url}/_fake/sms", data=form, timeout=10)
    response.raise_for_status()
    return response.json()


def pages(stack, number: str, incident_id: str) -> list[dict]:
    return [m for m in stack.sms_to(number) if f"{incident_id}/" in m["body"]]


def test_a_replayed_escalate_escalates_one_step_and_the_lead_hears_nothing(closed_desk_stack):
    stack = closed_desk_stack
    policy = load_vendor(stack.settings.config_dir, "aidn")
    opened = time.time()
    incident_id, _ = open_incident(
        stack.redis,
        stack.settings,
        policy,
        "a",
        pendulum.now("UTC"),
        clock=stack.clock,
        reference="AIDN-2026-909001",
        desk="closed",
    )
    store = IncidentStore(stack.redis)
    plan = store.load(incident_id).plan
    primary, secondary, drift = (plan.step_at(n).targets[0].phone for n in range(3))
    ours = policy.inbound[0]
    wait_for(lambda: pages(stack, primary, incident_id), what="the first page")

    sid = "SM" + "9" * 32
    first = text_in(stack, primary, ours, "2", sid)
    assert first["status_code"] == 200
    assert first["replies"] == [reply_text("escalated", "nb", id=incident_id)]
    wait_for(lambda: pages(stack, secondary, incident_id), what="the secondary's page")
    wait_for(lambda: store.load(incident_id).step == 2, what="the escalation to finish")

    again = text_in(stack, primary, ours, "2", sid)  # Twilio's retry of the same webhook
    assert again["replies"] == first["replies"]
    assert stack.redis.exists(f"rq:job:{job_id('esc', incident_id, 2, 'now')}") == 0
    assert store.load(incident_id).step == 2

    ack = text_in(stack, secondary, ours, "1")
    assert ack["replies"] == [reply_text("acknowledged", "nb", id=incident_id)]
    # past step 2 (+20 policy minutes) and the lead's notice 5 minutes after it
    time.sleep(max(0.0, opened + 25 * MINUTE + TOLERANCE - time.time()))
    assert stack.sms_to(drift) == []  # neither step 2's page nor the lead's notice
    assert not [m for m in stack.fake.messages if "nobody acknowledged" in m["body"]]
    answers = [m["body"] for m in stack.sms_to(primary) if m["direction"] == "outbound-reply"]
    assert answers == first["replies"] * 2  # each webhook's answer went out as an SMS
