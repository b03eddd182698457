"""Delivery status callbacks, in-process: status only moves forward, and only a failure of the
current step's page escalates, once (the e2e suite has the early escalation end to end)."""

import pendulum
import pytest
from rq import Queue

from oncall.services.jobs import PAGES, job_id
from oncall.store import keys

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")


@pytest.fixture
def paged(paged_incident):
    return paged_incident("AIDN-2026-333001")


def sent(redis_client, incident_id: str, step: int, phone: str, sid: str) -> str:
    """The attempt record and SID index a sent page leaves (workers.paging._sent)."""
    key = keys.attempt(incident_id, step, phone)
    redis_client.hset(key, mapping={"state": "sent", "sid": sid, "status": "queued"})
    redis_client.set(keys.message_sid(sid), key)
    return key


def callback(signed_post, sid: str, status: str, error: str = ""):
    form = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    if error:
        form["ErrorCode"] = error
    response = signed_post("/twilio/status", form)
    assert response.status_code == 204
    return response


def ran(store, incident_id: str, *steps: int) -> None:
    """Escalation steps `steps` ran: the fencing token moved past each."""
    for step in steps:
        assert store.advance(incident_id, step, NIGHT.timestamp() + 600 * (step + 1))


def escalations(redis_client, store, incident_id):
    jobs = [j for j in Queue(PAGES, connection=redis_client).get_job_ids() if j.endswith("-now")]
    events = [e["text"] for e in store.timeline(incident_id) if "escalated now" in e["text"]]
    return jobs, events


def test_failed_or_sent_after_delivered_changes_nothing(paged, signed_post, redis_client):
    store, incident_id, engineer = paged
    ran(store, incident_id, 0)
    key = sent(redis_client, incident_id, 0, engineer, "SM0001")
    for status in ("sent", "delivered", "failed", "sent", "undelivered"):
        callback(signed_post, "SM0001", status, "30008" if status == "failed" else "")
    assert redis_client.hget(key, "status") == b"delivered"
    assert escalations(redis_client, store, incident_id) == ([], [])


def test_a_failure_of_an_earlier_step_or_after_the_ack_does_not_escalate(
    paged, signed_post, redis_client
):
    store, incident_id, engineer = paged
    ran(store, incident_id, 0, 1)  # steps 0 and 1 ran: step 1's pages are out
    sent(redis_client, incident_id, 0, engineer, "SM0002")
    callback(signed_post, "SM0002", "undelivered", "30003")  # late, for step 0
    assert escalations(redis_client, store, incident_id) == ([], [])
    assert any("step 0 is no longer current" in e["text"] for e in store.timeline(incident_id))

    inc = store.load(incident_id)
    assert store.set_state(inc, "acknowledged", "Kari", NIGHT.timestamp() + 700)
    secondary = inc.plan.step_at(1).targets[0].phone
    sent(redis_client, incident_id, 1, secondary, "SM0003")
    callback(signed_post, "SM0003", "failed", "30008")  # the current step, but answered
    assert escalations(redis_client, store, incident_id) == ([], [])


def test_a_failure_of_the_current_step_escalates_once(paged, signed_post, redis_client):
    store, incident_id, engineer = paged
    ran(store, incident_id, 0, 1)
    secondary = store.load(incident_id).plan.step_at(1).targets[0].phone
    sent(redis_client, incident_id, 1, secondary, "SM0004")
    sent(redis_client, incident_id, 1, "+4740000199", "SM0005")  # a second page of step 1
    callback(signed_post, "SM0004", "undelivered", "30003")
    callback(signed_post, "SM0005", "failed", "30008")
    jobs, events = escalations(redis_client, store, incident_id)
    assert jobs == [job_id("esc", incident_id, 2, "now")]
    assert events == ["escalated now: page SM0004 undelivered"]
    assert any("step 1 already escalated early" in e["text"] for e in store.timeline(incident_id))
