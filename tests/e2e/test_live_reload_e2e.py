"""Live config end to end (issue 11): an override saved in the policy store while gunicorn
(as the Procfile runs it) and `python -m workers.run` are running reaches the next call and
the next page with no restart; an incident opened before the save keeps paging its frozen
plan.

The stack's vendor files shut aidn's desk around today (tests/helpers/stack.py), so its
closed-desk plans apply at any hour: A rings and pages the primary layer at once; B pages the
primary at once and the secondary 15 policy minutes (4.5 s) later. The override puts two
people who hold no layer now on the primary and secondary layers.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import requests
from twilio.request_validator import RequestValidator

from bench.processes import free_port
from oncall.services.incidents import open_incident
from oncall.store.calls import CallStore
from tests.helpers import AUTH_TOKEN
from tests.helpers.live import covering, on_call, others, save_overrides
from tests.helpers.paging import AIDN_INBOUND, pages
from tests.helpers.stack import wait_for
from tests.helpers.web import Gunicorn


def healthz(base: str) -> dict | None:
    try:
        response = requests.get(f"{base}/healthz", timeout=1)
    except requests.RequestException:
        return None
    return response.json() if response.ok else None


def signed(base: str, url: str, form: dict) -> ET.Element:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)


def call_and_press(base: str, digit: str) -> tuple[str, list[str]]:
    """A signed call to aidn's number: the menu, `digit`; (CallSid, numbers <Dial>led)."""
    form = {"CallSid": f"CA{os.urandom(16).hex()}", "From": "+4790000123", "To": AIDN_INBOUND}
    menu = signed(base, f"{base}/twilio/voice/incoming", form)
    action = menu.find("Gather").get("action")
    answer = signed(base, action, {**form, "Digits": digit})
    return form["CallSid"], [n.text for dial in answer.iter("Dial") for n in dial.iter("Number")]


def test_a_saved_override_reaches_the_next_call_and_page_without_a_restart(
    closed_desk_stack, tmp_path
):
    stack = closed_desk_stack
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = Gunicorn(
        {**os.environ, **stack.env(), "PUBLIC_BASE_URL": base}, tmp_path / "web.log", port
    )
    try:
        assert wait_for(lambda: healthz(base), timeout=60, what="gunicorn")["versions"]["aidn"] == 1
        policy = stack.app.extensions["oncall"].vendors["aidn"]
        at = stack.clock.now()
        was = {layer: policy.people[p].phone for layer, p in on_call(policy, at).items()}
        first, second = others(policy, at)
        new_primary, new_secondary = policy.people[first].phone, policy.people[second].phone

        # an aidn B incident opened before the save: the primary now, the secondary at +15m
        frozen_id, _ = open_incident(
            stack.redis, stack.settings, policy, "b", at, clock=stack.clock,
            reference="AIDN-2026-990101", desk="closed",
        )  # fmt: skip
        wait_for(lambda: pages(stack, was["primary"], frozen_id), what="the B page")

        saved = save_overrides(
            stack.redis, "aidn", stack.clock,
            covering("primary", first, at), covering("secondary", second, at),
        )  # fmt: skip
        assert saved.version.number == 2

        # the next call, answered by gunicorn (started before the save): the new primary
        sid, dialled = call_and_press(base, "1")  # A: rings the primary, pages at once
        assert new_primary in dialled and was["primary"] not in dialled, dialled
        incident_id = CallStore(stack.redis).record(sid)["incident"]
        assert incident_id != frozen_id
        wait_for(lambda: pages(stack, new_primary, incident_id), timeout=15, what="the A page")
        assert pages(stack, was["primary"], incident_id) == []

        # the B incident's second step goes to the secondary frozen at its opening
        wait_for(lambda: pages(stack, was["secondary"], frozen_id), timeout=30, what="B step 1")
        assert pages(stack, new_secondary, frozen_id) == []
        assert pages(stack, new_primary, frozen_id) == []

        # both processes serve version 2 (the worker logs when it follows the store)
        assert healthz(base)["versions"]["aidn"] == 2
        wait_for(
            lambda: "live policies: aidn version 2" in stack.log_text(),
            timeout=10,
            what="the worker following the store",
        )
        assert "live policies: aidn version 2" in web.output()
    finally:
        web.stop()
        print("--- gunicorn ---", web.output(), sep="\n")
