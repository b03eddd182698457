"""Every webhook is signed the way Twilio signs it; anything else is refused and changes
nothing. Signatures computed with twilio's RequestValidator.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from twilio.request_validator import RequestValidator

from oncall.services.jobs import PAGES, SMS
from oncall.web import create_app
from tests.helpers import stored_keys
from tests.helpers.calls import (
    AIDN,
    BASE,
    new_sid,
    params,
    queued,
    weekday_night,
    xml,
)


def _state(redis_client) -> dict:
    """Every key and its serialized value: any write shows up as a difference."""
    return {k: redis_client.dump(k) for k in sorted(redis_client.keys("*"))}


def _signature(url: str, form: dict, token: str = "test-auth-token-0123456789abcdef") -> str:
    return RequestValidator(token).compute_signature(url, form)


@pytest.mark.parametrize(
    "how",
    ["missing", "empty", "wrong-token", "http-url", "other-path", "changed-param",
     "dropped-param", "extra-param", "changed-query"],
)  # fmt: skip
def test_a_bad_signature_is_refused_and_changes_nothing(how, at, client, signed_post, redis_client):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    before = _state(redis_client)

    path = "/twilio/voice/menu?attempt=1"
    form = params(sid, AIDN, Digits="1")
    signed_form, signed_url = dict(form), BASE + path
    if how == "wrong-token":
        headers = {"X-Twilio-Signature": _signature(signed_url, form, token="another-token")}
    elif how == "http-url":
        headers = {"X-Twilio-Signature": _signature("http://oncall.example.com" + path, form)}
    elif how == "other-path":
        headers = {"X-Twilio-Signature": _signature(BASE + "/twilio/voice/incoming", form)}
    elif how == "changed-query":
        headers = {"X-Twilio-Signature": _signature(BASE + "/twilio/voice/menu?attempt=2", form)}
    else:
        if how == "changed-param":
            signed_form["Digits"] = "3"
        elif how == "dropped-param":
            del form["From"]
        elif how == "extra-param":
            form["Foo"] = "bar"
        headers = {"X-Twilio-Signature": _signature(signed_url, signed_form)}
        if how == "missing":
            headers = {}
        elif how == "empty":
            headers = {"X-Twilio-Signature": ""}
    response = client.post(path, data=form, headers=headers)

    assert response.status_code == 403
    assert _state(redis_client) == before
    assert queued(redis_client, PAGES) == [] and queued(redis_client, SMS) == []


@pytest.mark.parametrize("path", ["/twilio/voice/incoming", "/twilio/voice/fallback"])
def test_unsigned_first_webhook_stores_and_enqueues_nothing(path, client, redis_client):
    response = client.post(path, data=params(new_sid(), AIDN))
    assert response.status_code == 403
    assert stored_keys(redis_client) == []


def test_no_auth_token_configured_refuses_every_request(settings, clock, redis_client):
    app = create_app(
        replace(settings, twilio_auth_token=""), clock=clock, redis_client=redis_client
    )
    form = params(new_sid(), AIDN)
    signature = _signature(BASE + "/twilio/voice/incoming", form, token="")
    response = app.test_client().post(
        "/twilio/voice/incoming", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert stored_keys(redis_client) == []


@pytest.mark.parametrize(
    "query", ["attempt=1&note=a+b%20c%2F", "z=1&attempt=1", "attempt=1&x=%C3%B8&y=@:"]
)
def test_urls_with_query_strings_validate_on_the_raw_query(query, at, signed_post):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    root = xml(signed_post(f"/twilio/voice/menu?{query}", params(sid, AIDN, Digits="3")))
    assert root.find("Hangup") is not None


def test_port_443_in_public_base_url_still_validates(settings, clock, redis_client):
    app = create_app(
        replace(settings, public_base_url="https://oncall.example.com:443"),
        clock=clock, redis_client=redis_client,
    )  # fmt: skip
    form = params(new_sid(), AIDN)
    signature = _signature(BASE + "/twilio/voice/incoming", form)  # Twilio's URL, no port
    response = app.test_client().post(
        "/twilio/voice/incoming", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert xml(response).find("Gather") is not None


@pytest.mark.parametrize(
    "signed_url, status",
    [
        ("https://oncall.example.com/twilio/voice/incoming", 200),
        ("https://oncall.example.com:443/twilio/voice/incoming", 200),  # twilio's fallback rule
        ("https://oncall.example.com:8443/twilio/voice/incoming", 403),
        ("http://oncall.example.com:80/twilio/voice/incoming", 403),
    ],
)
def test_the_webhook_accepts_twilios_url_with_or_without_the_default_port(
    signed_url, status, at, client, settings, store
):
    at(weekday_night(AIDN))
    sid = new_sid()
    form = params(sid, AIDN)
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(signed_url, form)
    response = client.post(
        "/twilio/voice/incoming", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == status
    if status == 200:
        assert xml(response).find("Gather") is not None
        assert store.record(sid)["reference"] == "AIDN-2026-000001"
    else:
        assert store.record(sid) == {}
