"""The greeting and menu are rendered once per vendor policy and desk state, kept in ivr/
(the policy is a value: nothing is written into it), and a reloaded policy gets its own."""

from __future__ import annotations

import copy
import dataclasses

import pendulum

from ivr import steps
from rotas.config import load_policy
from tests.helpers.factories import VENDOR_DIR

WEDNESDAY_NOON = pendulum.datetime(2026, 11, 25, 12, 0, tz="Europe/Oslo")
SUNDAY_NOON = pendulum.datetime(2026, 11, 29, 12, 0, tz="Europe/Oslo")


def url(step: str, **query) -> str:
    args = "&".join(f"{k}={v}" for k, v in query.items())
    return f"https://oncall.example.com/twilio/voice/{step}?{args}"


def greet(policy, now) -> str:
    ctx = steps.Context(policy=policy, now=now, reference="ABC123", record={}, url=url)
    reply = steps.incoming(steps.Call("CA1", "+4791234567", "+4722222222"), ctx)
    return reply.response


def test_greetings_are_rendered_once_per_desk_state_without_writing_into_the_policy():
    policy = load_policy(VENDOR_DIR / "aidn.yaml")
    before = {name: copy.copy(value) for name, value in vars(policy).items()}
    open_xml, closed_xml = greet(policy, WEDNESDAY_NOON), greet(policy, SUNDAY_NOON)
    assert vars(policy) == before  # nothing cached in (or otherwise written into) the policy

    assert open_xml != closed_xml
    assert greet(policy, WEDNESDAY_NOON) is open_xml  # rendered once, kept
    assert greet(policy, SUNDAY_NOON) is closed_xml

    renamed = dataclasses.replace(policy, name="Aidn Renamed")  # as a reload would
    assert "Aidn Renamed" in greet(renamed, WEDNESDAY_NOON)
    assert "Aidn Renamed" not in greet(policy, WEDNESDAY_NOON)
