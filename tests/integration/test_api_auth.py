"""The API's authentication through the sign-in of oncall.web.auth: real users and tokens
(oncall.services.users), a browser session (CSRF on its writes), a revoked token."""

from __future__ import annotations

from dataclasses import replace

from oncall.services.tokens import list_tokens, revoke_token
from oncall.web import create_app
from tests.helpers.api import PASSWORD, authenticate, bearer, error_of
from tests.helpers.browser import Browser


def test_a_revoked_token_is_401_at_once(api, redis_client):
    assert api.get("/api/v1/vendors", headers=bearer("lead")).status_code == 200
    (token,) = list_tokens(redis_client, "lead")
    assert revoke_token(redis_client, "lead", token.id)
    error_of(api.get("/api/v1/vendors", headers=bearer("lead")), 401)


def test_a_signed_in_browser_reads_and_its_writes_need_the_csrf_token(app, paged_incident):
    authenticate(app)
    _, incident_id, _ = paged_incident("AIDN-2026-556001")
    browser = Browser(app)
    assert browser.login("lead", PASSWORD).status_code == 302
    assert [v["id"] for v in browser.get("/api/v1/vendors").json] == ["aidn"]
    path = f"/api/v1/incidents/{incident_id}/acknowledge"
    refused = browser.post(path)
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]["message"]
    token = browser.csrf()
    done = browser.post(path, headers={"X-CSRFToken": token})
    assert done.status_code == 200 and done.json["incident"]["acknowledged_by"] == "lead"


def test_without_a_session_or_token_a_write_is_401_not_a_csrf_error(api, paged_incident):
    _, incident_id, _ = paged_incident("AIDN-2026-556002")
    error_of(api.post(f"/api/v1/incidents/{incident_id}/acknowledge"), 401)
    error_of(api.post("/api/v1/simulate", json={}), 401)


def test_a_signed_in_browser_gets_503_not_401_when_redis_is_down(app, no_redis_app):
    """Its session could not be checked: sending it back to sign in would be wrong."""
    authenticate(app)
    browser = Browser(app)
    assert browser.login("lead", PASSWORD).status_code == 302
    session = browser.client.get_cookie("session", domain="oncall.example.com")
    down = Browser(no_redis_app)
    down.client.set_cookie("session", session.value, domain="oncall.example.com")
    response = down.get("/api/v1/vendors")
    error_of(response, 503)
    assert response.headers["Retry-After"]
    error_of(Browser(no_redis_app).get("/api/v1/vendors"), 401)  # no session at all: 401


def test_writes_are_limited_per_user_and_reads_are_not(settings, clock, redis_client):
    """Every policy save keeps a whole version: a looping client is stopped (429 in the error
    shape) before it fills the Redis that pages depend on; another user is not affected."""
    app = create_app(
        replace(settings, api_writes_per_user="3/minute"), clock=clock, redis_client=redis_client
    )
    authenticate(app)
    client = app.test_client()
    for n in range(3):
        made = client.post("/api/v1/me/tokens", json={"name": f"t{n}"}, headers=bearer("lead"))
        assert made.status_code == 201, made.json
    error_of(client.post("/api/v1/me/tokens", json={"name": "t3"}, headers=bearer("lead")), 429)
    assert len(list_tokens(redis_client, "lead")) == 4  # the 3 made and the test's own
    assert client.get("/api/v1/vendors", headers=bearer("lead")).status_code == 200
    made = client.post("/api/v1/me/tokens", json={"name": "x"}, headers=bearer("admin"))
    assert made.status_code == 201  # another user has their own allowance
