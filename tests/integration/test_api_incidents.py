"""The API's incidents (list, get, acknowledge, resolve) and calls, with a real Redis."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from oncall.services.simulator import Simulator
from oncall.store import keys
from tests.helpers.api import bearer, error_of

ADMIN, LEAD, ENGINEER = bearer("admin"), bearer("lead"), bearer("engineer")
AIDN_NUMBER = "+4721000011"
SIDS = itertools.count(1)


@pytest.fixture
def paged(paged_incident):
    return paged_incident("AIDN-2026-555001")


def test_incidents_are_listed_and_filtered(api, paged, paged_incident):
    store, first, _ = paged
    _, second, _ = paged_incident("AIDN-2026-555002")
    listed = api.get("/api/v1/incidents?vendor=aidn", headers=LEAD).json
    assert {i["id"] for i in listed} == {first, second}
    assert listed[0]["opened_at"].endswith("+01:00") and listed[0]["state"] == "triggered"
    assert api.get("/api/v1/incidents?limit=1", headers=ADMIN).json[0]["id"] in (first, second)
    assert len(api.get("/api/v1/incidents?limit=1", headers=ADMIN).json) == 1
    assert api.get("/api/v1/incidents", headers=ENGINEER).json == []  # pindena's only
    assert api.get("/api/v1/incidents?status=resolved", headers=LEAD).json == []
    error_of(api.get("/api/v1/incidents?vendor=pindena", headers=LEAD), 403)
    error_of(api.get("/api/v1/incidents?vendor=nope", headers=LEAD), 404)


@pytest.mark.parametrize(
    ("query", "path"),
    [("limit=0", "query.limit"), ("limit=201", "query.limit"), ("limit=x", "query.limit"),
     ("status=gone", "query.status"), ("vendor=../etc", "query.vendor")],
)  # fmt: skip
def test_incident_query_bounds(api, query, path):
    error = error_of(api.get(f"/api/v1/incidents?{query}", headers=ADMIN), 422)
    assert [d["path"] for d in error["details"]] == [path]


def test_an_incident_with_its_timeline(api, paged):
    store, incident_id, engineer = paged
    body = api.get(f"/api/v1/incidents/{incident_id}", headers=LEAD).json
    assert body["id"] == incident_id and body["vendor"] == "aidn"
    assert body["plan"]["steps"][0]["targets"][0]["phone"] == engineer
    assert [e["text"] for e in body["timeline"]] == [e["text"] for e in store.timeline(incident_id)]
    error_of(api.get("/api/v1/incidents/AIDN-2026-999999", headers=LEAD), 404)
    error_of(api.get(f"/api/v1/incidents/{incident_id}", headers=ENGINEER), 403)


def sms_reply(signed_post, sender: str, body: str) -> str:
    form = {"MessageSid": f"SM{next(SIDS):032x}", "From": sender, "To": AIDN_NUMBER, "Body": body}
    return ET.fromstring(signed_post("/twilio/sms", form).data).find("Message").text


def after(store, redis_client, incident_id: str) -> dict:
    """What acknowledging left on an incident, whoever did it and however."""
    inc = store.load(incident_id)
    return {
        "state": inc.state,
        "by": bool(inc.extra.get("acknowledged_by")),
        "at": bool(inc.extra.get("acknowledged_at")),
        "triggered": redis_client.zscore(keys.triggered(), incident_id) is not None,
        "open": redis_client.zscore(keys.open_incidents("aidn"), incident_id) is not None,
        "event": store.timeline(incident_id)[-1]["text"].split(" by ")[0],
    }


def test_acknowledge_changes_the_incident_as_an_sms_reply_does(
    api, paged_incident, signed_post, redis_client
):
    store, by_sms, engineer = paged_incident("AIDN-2026-555003")
    sms_reply(signed_post, engineer, f"ACK {by_sms}")
    by_reply = after(store, redis_client, by_sms)
    sms_reply(signed_post, engineer, f"RES {by_sms}")  # else the next one attaches to it
    _, by_api, _ = paged_incident("AIDN-2026-555004")
    assert by_api != by_sms
    response = api.post(f"/api/v1/incidents/{by_api}/acknowledge", headers=LEAD)
    assert response.status_code == 200 and response.json["changed"] is True
    assert after(store, redis_client, by_api) == by_reply
    assert by_reply == {"state": "acknowledged", "by": True, "at": True, "triggered": False,
                        "open": True, "event": "acknowledged"}  # fmt: skip
    assert store.load(by_api).extra["acknowledged_by"] == "lead"
    assert store.timeline(by_api)[-1]["text"] == "acknowledged by lead (API)"
    again = api.post(f"/api/v1/incidents/{by_api}/acknowledge", headers=LEAD).json
    assert again["changed"] is False and again["incident"]["state"] == "acknowledged"


def test_resolve_leaves_the_open_incidents(api, paged, redis_client):
    store, incident_id, _ = paged
    assert redis_client.zscore(keys.open_incidents("aidn"), incident_id) is not None
    body = api.post(f"/api/v1/incidents/{incident_id}/resolve", headers=LEAD).json
    assert body["changed"] is True and body["incident"]["resolved_by"] == "lead"
    assert redis_client.zscore(keys.open_incidents("aidn"), incident_id) is None
    assert store.load(incident_id).state == "resolved"
    assert body["incident"]["timeline"][-1]["text"] == "resolved by lead (API)"


def test_another_vendors_user_changes_nothing(api, paged):
    store, incident_id, _ = paged
    for action in ("acknowledge", "resolve"):
        error_of(api.post(f"/api/v1/incidents/{incident_id}/{action}", headers=ENGINEER), 403)
    assert store.load(incident_id).state == "triggered"
    error_of(api.post("/api/v1/incidents/AIDN-2026-999999/resolve", headers=LEAD), 404)


# -- calls --------------------------------------------------------------------------------


def test_calls_list_and_get(api, app):
    sim = Simulator(app, caller="+4790000123", to=AIDN_NUMBER, presses="1")
    sid = sim.run().call_sid
    listed = api.get("/api/v1/calls?vendor=aidn", headers=LEAD).json
    assert [c["sid"] for c in listed] == [sid]
    assert listed[0]["route"] == "oncall" and listed[0]["caller"] == "+4790000123"
    assert api.get("/api/v1/calls", headers=ENGINEER).json == []
    call = api.get(f"/api/v1/calls/{sid}", headers=LEAD).json
    assert call["events"][0]["text"] == "incoming call"
    assert call["incident"] == call["reference"]
    error_of(api.get(f"/api/v1/calls/{sid}", headers=ENGINEER), 403)
    error_of(api.get("/api/v1/calls/CA" + "f" * 32, headers=LEAD), 404)
    error_of(api.get("/api/v1/calls?limit=500", headers=LEAD), 422)
