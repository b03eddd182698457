"""API tokens through the API, with a real Redis: my own (/me/tokens) and, for an admin,
any user's (/users/{username}/tokens). The token is answered once (201) and works as Bearer
until it is revoked (then 401) or expires; lists never show it, nor do the logs."""

from __future__ import annotations

import logging

import pytest

from oncall.services.tokens import token_digest
from tests.helpers.api import PASSWORD, bearer, error_of
from tests.helpers.api_users import stored, token_header
from tests.helpers.browser import Browser

ADMIN, LEAD, ENGINEER = bearer("admin"), bearer("lead"), bearer("engineer")
TOKEN_FIELDS = {"id", "username", "name", "created", "expires", "last_used"}


def make(api, path: str, headers, **body) -> dict:
    response = api.post(path, headers=headers, json={"name": "laptop", **body})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert set(response.json) == TOKEN_FIELDS | {"token"}
    return response.json


def test_my_token_works_until_i_delete_it(api, caplog):
    caplog.set_level(logging.DEBUG)
    made = make(api, "/api/v1/me/tokens", LEAD)
    assert made["username"] == "lead" and made["name"] == "laptop"
    assert made["created"] == "2026-11-24T19:00:00+00:00"
    assert made["expires"] == "2027-02-22T19:00:00+00:00"  # 90 days by default
    mine = token_header(made["token"])
    assert api.get("/api/v1/me", headers=mine).json["username"] == "lead"
    listed = api.get("/api/v1/me/tokens", headers=mine)
    by_name = {t["name"]: t for t in listed.json}  # made at the same frozen time: any order
    assert sorted(by_name) == ["laptop", "tests"]
    assert all(set(t) == TOKEN_FIELDS for t in listed.json)
    assert by_name["laptop"]["last_used"] == "2026-11-24T19:00:00+00:00"
    text = listed.get_data(as_text=True)
    assert made["token"] not in text and token_digest(made["token"]) not in text
    deleted = api.delete(f"/api/v1/me/tokens/{made['id']}", headers=LEAD)
    assert deleted.status_code == 204 and deleted.data == b""
    error_of(api.get("/api/v1/me", headers=mine), 401)
    error_of(api.delete(f"/api/v1/me/tokens/{made['id']}", headers=LEAD), 404)
    assert made["token"] not in caplog.text and token_digest(made["token"]) not in caplog.text
    assert f"api: lead made token {made['id']} of lead" in caplog.text


def test_every_user_manages_only_their_own_tokens(api):
    made = make(api, "/api/v1/me/tokens", ENGINEER, name="phone")
    assert api.get("/api/v1/me", headers=token_header(made["token"])).json["username"] == (
        "engineer"
    )
    error_of(api.delete(f"/api/v1/me/tokens/{made['id']}", headers=LEAD), 404)  # not lead's
    assert api.get("/api/v1/me", headers=token_header(made["token"])).status_code == 200
    assert [t["name"] for t in api.get("/api/v1/me/tokens", headers=LEAD).json] == ["tests"]


def test_an_admin_manages_any_users_tokens(api):
    made = make(api, "/api/v1/users/lead/tokens", ADMIN, name="for lead")
    as_lead = token_header(made["token"])
    assert api.get("/api/v1/me", headers=as_lead).json["username"] == "lead"
    listed = api.get("/api/v1/users/lead/tokens", headers=ADMIN).json
    assert sorted(t["name"] for t in listed) == ["for lead", "tests"]
    assert all("token" not in t for t in listed)
    gone = api.delete(f"/api/v1/users/lead/tokens/{made['id']}", headers=ADMIN)
    assert gone.status_code == 204
    error_of(api.get("/api/v1/me", headers=as_lead), 401)
    error_of(api.post("/api/v1/users/nobody/tokens", headers=ADMIN, json={"name": "x"}), 404)
    error_of(api.delete(f"/api/v1/users/lead/tokens/{made['id']}", headers=ADMIN), 404)


def test_a_token_stops_when_it_expires(api, clock):
    made = make(api, "/api/v1/me/tokens", LEAD, expires="2026-11-25")
    assert made["expires"] == "2026-11-26T00:00:00+00:00"  # through the end of that UTC day
    mine = token_header(made["token"])
    clock.advance(days=1, hours=4, minutes=59)  # 23:59 UTC on the 25th
    assert api.get("/api/v1/me", headers=mine).status_code == 200
    clock.advance(minutes=1)
    error_of(api.get("/api/v1/me", headers=mine), 401)


@pytest.mark.parametrize(
    ("expires", "answer"),
    [
        ("2027-11-24T19:00:00Z", "2027-11-24T19:00:00+00:00"),  # a year: the longest
        ("2026-12-01T08:00", "2026-12-01T08:00:00+00:00"),  # no offset: UTC
        ("2026-12-01T08:00+01:00", "2026-12-01T07:00:00+00:00"),
    ],
)
def test_an_expiry_is_a_date_time_within_a_year(api, expires, answer):
    assert make(api, "/api/v1/me/tokens", LEAD, expires=expires)["expires"] == answer


@pytest.mark.parametrize(
    ("body", "path", "says"),
    [
        ({"name": ""}, "json.name", "Length must be between 1 and 100"),
        ({"name": "   "}, "json.name", "a name is not blank"),
        ({"name": "x" * 101}, "json.name", "Length must be between 1 and 100"),
        ({}, "json.name", "Missing data"),
        ({"name": "ci", "expires": "2026-11-24T18:59Z"}, "json.expires", "is in the past"),
        ({"name": "ci", "expires": "2027-11-24T19:00:01Z"}, "json.expires", "at most 365 days"),
        ({"name": "ci", "expires": "2028-01-01"}, "json.expires", "at most 365 days"),
        ({"name": "ci", "expires": "2027-02-30"}, "json.expires", "not an ISO-8601 date"),
        ({"name": "ci", "expires": "P1D"}, "json.expires", "not an ISO-8601 date"),
        ({"name": "ci", "expires": "10:00"}, "json.expires", "not an ISO-8601 date"),
        ({"name": "ci", "expires": None}, "json.expires", "Field may not be null"),
        ({"name": "ci", "token": "oc_mine"}, "json.token", "Unknown field"),
    ],
)
def test_bad_token_input_is_422_and_changes_nothing(api, redis_client, body, path, says):
    before = stored(redis_client)
    for where, who in (("/api/v1/me/tokens", LEAD), ("/api/v1/users/lead/tokens", ADMIN)):
        error = error_of(api.post(where, headers=who, json=body), 422)
        assert [d["path"] for d in error["details"]] == [path]
        assert says in error["details"][0]["message"]
    assert stored(redis_client) == before


def test_a_signed_in_browser_makes_a_token_with_its_csrf_token(app, api):
    browser = Browser(app)
    assert browser.login("lead", PASSWORD).status_code == 302
    assert browser.get("/api/v1/me").json["username"] == "lead"
    refused = browser.post("/api/v1/me/tokens", json={"name": "console"})
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]["message"]
    made = browser.post(
        "/api/v1/me/tokens", json={"name": "console"}, headers={"X-CSRFToken": browser.csrf()}
    )
    assert made.status_code == 201
    assert api.get("/api/v1/me", headers=token_header(made.json["token"])).json["username"] == (
        "lead"
    )
