"""Live config end to end (issue 11): an override saved in the policy store while gunicorn
(as the Procfile runs it) and `python -m workers.run` are running reaches the next call and
the next page with no restart; an incident opened before the save keeps paging its frozen
plan. The same through the API: an override POSTed to the running gunicorn's /api/v1 with a
token made by `python -m oncall tokens add`.

The stack's vendor files shut aidn's desk around today (tests/helpers/stack.py), so its
closed-desk plans apply at any hour: A rings and pages the primary layer at once; B pages the
primary at once and the secondary 15 policy minutes (4.5 s) later. The override puts two
people who hold no layer now on the primary and secondary layers.
"""

from __future__ import annotations

import os
import subprocess
import sys
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


def oncall_cli(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "oncall", *args], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def api_token(env: dict) -> str:
    """A lead of aidn and an API token of theirs, made by the real CLI in the stack's Redis."""
    oncall_cli(env, "users", "add", "lena", "--name", "Lena Lead", "--role", "lead:aidn",
               "--generate-password")  # fmt: skip
    printed = oncall_cli(env, "tokens", "add", "--user", "lena", "--name", "e2e")
    return printed.strip().splitlines()[-1]


def test_an_override_posted_to_the_api_reaches_the_next_call_and_page(closed_desk_stack, tmp_path):
    stack = closed_desk_stack
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **stack.env(), "PUBLIC_BASE_URL": base}
    web = Gunicorn(env, tmp_path / "web.log", port)
    try:
        assert wait_for(lambda: healthz(base), timeout=60, what="gunicorn")["versions"]["aidn"] == 1
        token = api_token(env)
        policy = stack.app.extensions["oncall"].vendors["aidn"]
        at = stack.clock.now()
        was = on_call(policy, at)["primary"]
        (first,) = others(policy, at, count=1)
        new_primary = policy.people[first].phone

        response = requests.post(
            f"{base}/api/v1/vendors/aidn/overrides",
            json=covering("primary", first, at),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        assert (response.json()["version"], response.headers["ETag"]) == (2, '"2"')
        assert response.json()["author"] == "lena"

        # the next call, answered by the same gunicorn, no restart: the new primary
        sid, dialled = call_and_press(base, "1")  # A: rings the primary, pages at once
        assert new_primary in dialled and policy.people[was].phone not in dialled, dialled
        incident_id = CallStore(stack.redis).record(sid)["incident"]
        wait_for(lambda: pages(stack, new_primary, incident_id), timeout=15, what="the A page")
        assert pages(stack, policy.people[was].phone, incident_id) == []
        listed = requests.get(f"{base}/api/v1/vendors/aidn/overrides", timeout=10,
                              headers={"Authorization": f"Bearer {token}"}).json()  # fmt: skip
        assert response.json()["override"]["id"] in [o["id"] for o in listed["overrides"]]
        wait_for(
            lambda: "live policies: aidn version 2" in stack.log_text(),
            timeout=10,
            what="the worker following the store",
        )
    finally:
        web.stop()
        print("--- gunicorn ---", web.output(), sep="\n")
