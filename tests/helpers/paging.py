"""Observers of the end-to-end paging stack (tests/helpers/stack.py): when each message first
shows up in the fake Twilio, an aidn A incident opened directly, its pages, timeline, attempts
and RQ jobs, and inbound SMS replies signed by the fake Twilio.
"""

from __future__ import annotations

import threading
import time

from rq.exceptions import NoSuchJobError
from rq.job import Job

from oncall.services.incidents import open_incident
from oncall.services.vendors import load_vendor
from oncall.store import keys
from oncall.store.incidents import IncidentStore
from tests.helpers.stack import wait_for

TOLERANCE = 1.2  # seconds: RQ's whole-second scheduler (~1 s early) + polling and HTTP
AIDN_INBOUND = "+4721000011"


class Arrivals:
    """Notes when each message and call first shows up in the fake Twilio (epoch seconds,
    polled every 20 ms: the fake's own dates are RFC 2822, whole seconds)."""

    def __init__(self, fake, every: float = 0.02):
        self.fake, self.every = fake, every
        self.seen: dict[str, float] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True, name="arrivals")
        self.thread.start()

    def _poll(self) -> None:
        while not self.stopping.is_set():
            now = time.time()
            for record in self.fake.messages + self.fake.calls:
                if record["sid"] not in self.seen:
                    self.seen[record["sid"]] = now
            self.stopping.wait(self.every)

    def at(self, record: dict) -> float:
        wait_for(lambda: record["sid"] in self.seen, timeout=2, what="the arrival poller")
        return self.seen[record["sid"]]

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


def open_aidn_a(stack, reference: str, settings=None, caller: str = "+4790000123"):
    """An aidn A incident with the closed-desk plan (primary, +10m secondary, +20m drift),
    opened now; returns (incident, opened_at epoch)."""
    policy = load_vendor(stack.settings.config_dir, "aidn")
    at = stack.clock.now()
    incident_id, attached = open_incident(
        stack.redis,
        settings or stack.settings,
        policy,
        "a",
        at,
        clock=stack.clock,
        reference=reference,
        caller=caller,
        desk="closed",
    )
    assert incident_id == reference and not attached
    return IncidentStore(stack.redis).load(incident_id), at.timestamp()


def phones(inc) -> tuple[str, str, str]:
    """(primary, secondary, drift) of an aidn A plan, checked to be three different people."""
    steps = [inc.plan.step_at(i) for i in range(3)]
    assert [s.after for s in steps] == [0, 10, 20]
    assert inc.plan.step_at(3) is None, "aidn A has three steps and no repeat"
    numbers = tuple(s.targets[0].phone for s in steps)
    assert all(len(s.targets) == 1 for s in steps) and len(set(numbers)) == 3
    assert inc.plan.lead is not None and inc.plan.lead.phone == numbers[2]  # drift
    return numbers


def pages(stack, number: str, incident_id: str) -> list[dict]:
    return [m for m in stack.sms_to(number) if f"{incident_id}/" in m["body"]]


def timeline(stack, incident_id: str) -> list[str]:
    return [e["text"] for e in IncidentStore(stack.redis).timeline(incident_id)]


def job_result(stack, jid: str, timeout: float = 15.0):
    """Wait for RQ job `jid` to finish; its return value."""

    def finished():
        try:
            job = Job.fetch(jid, connection=stack.redis)
        except NoSuchJobError:
            return None
        return job if job.get_status() == "finished" else None

    return wait_for(finished, timeout=timeout, what=f"job {jid} to finish").return_value()


def job_or_none(stack, jid: str):
    """RQ job `jid` once it finished, None if it does not exist; fails if it is still
    queued, scheduled or running."""
    try:
        job = Job.fetch(jid, connection=stack.redis)
    except NoSuchJobError:
        return None
    assert job.get_status() == "finished", (jid, job.get_status())
    return job


def attempt(stack, incident_id: str, step: int, phone: str) -> dict:
    raw = stack.redis.hgetall(keys.attempt(incident_id, step, phone))
    return {k.decode(): v.decode() for k, v in raw.items()}


def reply(stack, sender: str, body: str, to: str = AIDN_INBOUND):
    """An inbound SMS, signed by the fake Twilio, to the app over HTTP."""
    response = stack.fake.send_inbound_sms(stack.base_url + "/twilio/sms", sender, to, body)
    assert response.status_code == 200, response.text
    return response.text
