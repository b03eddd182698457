"""Webhooks Twilio is configured to call with GET (the signature covers the URL alone, the
parameters are in the query), and bodies larger than any Twilio request (refused with 413
before they are read)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from oncall.web import MAX_REQUEST_BYTES
from tests.helpers import stored_keys

AIDN_INBOUND = "+4721000011"


def _call(**extra) -> dict:
    return {
        "CallSid": "CA" + uuid.uuid4().hex,
        "AccountSid": "AC00000000000000000000000000000000",
        "From": "+4790000123",
        "To": AIDN_INBOUND,
        "CallStatus": "ringing",
        **extra,
    }


@pytest.fixture
def signed_get(client, settings):
    """signed_get(path, params) -> response: a GET as Twilio sends it, the parameters in the
    query and the signature over the full URL."""

    def get(path: str, params: dict, *, tamper: dict | None = None):
        url = f"{path}?{urlencode(params)}"
        signature = RequestValidator(settings.twilio_auth_token).compute_signature(
            settings.public_base_url + url, {}
        )
        if tamper:
            url = f"{path}?{urlencode({**params, **tamper})}"
        return client.get(url, headers={"X-Twilio-Signature": signature})

    return get


def test_a_signed_get_voice_webhook_is_answered_like_a_post(
    signed_get, client, settings, redis_client
):
    response = signed_get("/twilio/voice/incoming", _call())
    assert response.status_code == 200
    root = ET.fromstring(response.data)
    assert root.find("Gather") is not None  # the vendor's menu: To was read from the query
    assert stored_keys(redis_client)  # the call was started

    # the GET rule (the URL alone is signed) never applies to a POST: its form is signed too
    for key in stored_keys(redis_client):
        redis_client.delete(key)
    path = "/twilio/voice/incoming"
    url_only = RequestValidator(settings.twilio_auth_token).compute_signature(
        settings.public_base_url + path, {}
    )
    response = client.post(path, data=_call(), headers={"X-Twilio-Signature": url_only})
    assert response.status_code == 403
    assert stored_keys(redis_client) == []


def test_a_signed_get_sms_reply_acknowledges(paged_incident, signed_get):
    store, incident_id, engineer = paged_incident("AIDN-2026-555001")
    sms = {"MessageSid": "SM1", "From": engineer, "To": AIDN_INBOUND, "Body": "1"}
    response = signed_get("/twilio/sms", sms)
    assert response.status_code == 200 and b"AIDN-2026-555001" in response.data
    assert store.load(incident_id).state == "acknowledged"


@pytest.mark.parametrize(
    "path", ["/twilio/voice/incoming", "/twilio/sms", "/twilio/status", "/twilio/voice/menu"]
)
def test_an_unsigned_or_altered_get_is_refused_and_stores_nothing(
    path, client, signed_get, redis_client
):
    params = _call(MessageSid="SM1", MessageStatus="failed", Body="1")
    assert client.get(f"{path}?{urlencode(params)}").status_code == 403
    assert signed_get(path, params, tamper={"From": "+4790000999"}).status_code == 403
    assert stored_keys(redis_client) == []
    # /page-ack is our own <Gather> action, which Twilio always POSTs
    assert client.get("/twilio/page-ack?Digits=1").status_code == 405


def test_a_body_larger_than_any_twilio_request_is_refused_before_it_is_read(
    signed_post, paged_incident, redis_client
):
    body = _call(Padding="x" * MAX_REQUEST_BYTES)  # a valid signature, too large
    response = signed_post("/twilio/voice/incoming", body)
    assert response.status_code == 413
    assert stored_keys(redis_client) == []

    # the largest SMS Twilio sends fits: 1,600 characters of three UTF-8 bytes each
    store, incident_id, engineer = paged_incident("AIDN-2026-555002")
    sms = {"MessageSid": "SM2", "From": engineer, "To": AIDN_INBOUND, "Body": "€" * 1600}
    assert signed_post("/twilio/sms", sms).status_code == 200
