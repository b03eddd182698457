"""An engineer called by voice (SMS failed or STOP) acknowledges by pressing 1."""

import xml.etree.ElementTree as ET

import pendulum

from oncall.incidents import IncidentStore
from oncall.vendors import load_vendor
from workers.incidents import open_incident

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")


def _incident(app, redis_client):
    svc = app.extensions["oncall"]
    policy = load_vendor(svc.settings.config_dir, "aidn")
    incident_id, _ = open_incident(
        redis_client, svc.settings, policy, "a", NIGHT, reference="AIDN-2026-555001", desk="closed"
    )
    store = IncidentStore(redis_client)
    engineer = store.load(incident_id).plan.step_at(0).targets[0].phone
    store.mark_paged(incident_id, engineer, NIGHT.timestamp())
    return store, incident_id, engineer


def test_pressing_1_on_the_voice_page_acknowledges(app, redis_client, signed_post):
    store, incident_id, engineer = _incident(app, redis_client)
    response = signed_post(
        f"/twilio/page-ack?incident={incident_id}",
        {"CallSid": "CA1", "From": "+4721000011", "To": engineer, "Digits": "1"},
    )
    assert response.status_code == 200
    assert "acknowledged" in ET.fromstring(response.data).find("Say").text
    assert store.load(incident_id).state == "acknowledged"


def test_another_key_or_an_unpaged_phone_changes_nothing(app, redis_client, signed_post):
    store, incident_id, engineer = _incident(app, redis_client)
    signed_post(
        f"/twilio/page-ack?incident={incident_id}",
        {"CallSid": "CA2", "From": "+4721000011", "To": engineer, "Digits": "9"},
    )
    signed_post(
        f"/twilio/page-ack?incident={incident_id}",
        {"CallSid": "CA3", "From": "+4721000011", "To": "+4790000999", "Digits": "1"},
    )
    assert store.load(incident_id).state == "triggered"
