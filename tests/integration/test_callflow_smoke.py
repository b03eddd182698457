"""A first signed end-to-end call: menu -> duty -> screened answer."""

import xml.etree.ElementTree as ET

from oncall.services.simulator import Simulator
from tests.helpers import stored_keys


def test_a_fault_after_hours_reaches_the_duty_engineer(app):
    sim = Simulator(app, caller="+4790000123", to="+4721000011", presses="1")
    result = sim.run().to_json(app.extensions["oncall"])
    assert result["route"] == "oncall"
    assert result["dialled"] == ["+4740000102"]
    assert result["outcome"] == "connected oncall"
    assert [p["to"] for p in result["pages"]] == ["+4740000102"]
    functions = sorted(j["function"] for j in result["pages"][0]["jobs"])
    assert functions == ["workers.escalation.escalate", "workers.paging.send_page"]
    assert len(result["sms"]) == 1


def test_missing_signature_is_refused_and_stores_nothing(client, redis_client):
    response = client.post("/twilio/voice/incoming", data={"CallSid": "CA1", "To": "+4721000011"})
    assert response.status_code == 403
    assert stored_keys(redis_client) == []


def test_unknown_number_gets_an_apology_not_an_error(signed_post):
    response = signed_post(
        "/twilio/voice/incoming", {"CallSid": "CA2", "From": "+4790000123", "To": "+4799999999"}
    )
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.find("Say") is not None and root.find("Hangup") is not None
