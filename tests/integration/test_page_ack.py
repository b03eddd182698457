"""An engineer called by voice (SMS failed or STOP) acknowledges by pressing 1."""

import xml.etree.ElementTree as ET

import pendulum

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")


def test_pressing_1_on_the_voice_page_acknowledges(paged_incident, signed_post):
    store, incident_id, engineer = paged_incident("AIDN-2026-555001")
    response = signed_post(
        f"/twilio/page-ack?incident={incident_id}",
        {"CallSid": "CA1", "From": "+4721000011", "To": engineer, "Digits": "1"},
    )
    assert response.status_code == 200
    say = ET.fromstring(response.data).find("Say")
    assert f"{incident_id} er kvittert" in say.text  # in the engineer's language (nb)
    assert say.get("language") == "nb-NO"
    assert store.load(incident_id).state == "acknowledged"


def test_another_key_or_an_unpaged_phone_changes_nothing(paged_incident, signed_post):
    store, incident_id, engineer = paged_incident("AIDN-2026-555001")
    signed_post(
        f"/twilio/page-ack?incident={incident_id}",
        {"CallSid": "CA2", "From": "+4721000011", "To": engineer, "Digits": "9"},
    )
    signed_post(
        f"/twilio/page-ack?incident={incident_id}",
        {"CallSid": "CA3", "From": "+4721000011", "To": "+4790000999", "Digits": "1"},
    )
    assert store.load(incident_id).state == "triggered"
