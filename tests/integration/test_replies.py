"""SMS replies to pages, in-process (the e2e suite covers them through real workers)."""

import xml.etree.ElementTree as ET

import pendulum
import pytest
from rq import Queue

from workers.queues import PAGES

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")


@pytest.fixture
def paged(paged_incident):
    return paged_incident("AIDN-2026-444001")


def _reply(signed_post, sender, body):
    response = signed_post(
        "/twilio/sms", {"MessageSid": "SM1", "From": sender, "To": "+4721000011", "Body": body}
    )
    assert response.status_code == 200
    message = ET.fromstring(response.data).find("Message")
    return message.text if message is not None else None


@pytest.mark.parametrize("body", ["STOP", "stop", " End "])
def test_stop_tells_the_lead_and_is_not_a_command(paged, signed_post, redis_client, body):
    store, incident_id, engineer = paged
    assert _reply(signed_post, engineer, body) is None
    assert store.load(incident_id).state == "triggered"
    jobs = Queue(PAGES, connection=redis_client).get_job_ids()
    assert any(j.startswith("lead-AIDN_2026_444001-stop") for j in jobs)
    assert any("replied STOP" in e["text"] for e in store.timeline(incident_id))


def test_ack_with_reference_then_resolve(paged, signed_post):
    store, incident_id, engineer = paged
    assert "acknowledged" in _reply(signed_post, engineer, f"ack {incident_id}")
    assert store.load(incident_id).state == "acknowledged"
    assert "already" in _reply(signed_post, engineer, "1")
    assert "resolved" in _reply(signed_post, engineer, "3")
    assert store.load(incident_id).state == "resolved"


def test_a_reference_the_sender_was_not_paged_for_is_refused(paged, signed_post):
    store, incident_id, engineer = paged
    assert "not paged" in _reply(signed_post, engineer, "ACK ITSL-2026-000001")
    assert store.load(incident_id).state == "triggered"
