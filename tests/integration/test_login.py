"""Sign-in through the web app (oncall/web/auth.py) with the Flask test client and a real Redis:
CSRF, the generic failure, the rate limit per account and per address, secure cookies,
sessions that end when the user is disabled, Bearer tokens, and the login audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from flask import jsonify

from oncall.services import tokens, users
from oncall.web import auth, create_app
from tests.helpers.browser import TOKEN_FIELD, Browser

PASSWORD = "correct horse battery"


@pytest.fixture
def app(settings, clock, redis_client):
    """The app, plus a test-only route that says who the request's user is."""
    app = create_app(settings, clock=clock, redis_client=redis_client)

    @app.route("/test-whoami", methods=["GET", "POST"])
    def whoami():
        user = auth.current()
        return (jsonify(user=user.username), 200) if user else (jsonify(user=None), 401)

    return app


@pytest.fixture
def ann(redis_client):
    return users.add_user(redis_client, "ann", name="Ann", password=PASSWORD, roles={"*": "admin"})


def body(response) -> str:
    return TOKEN_FIELD.sub("TOKEN", response.get_data(as_text=True))


def test_a_login_post_without_the_csrf_token_is_refused(app, ann):
    browser = Browser(app)
    response = browser.login("ann", PASSWORD, token=False)
    assert response.status_code == 400
    assert browser.whoami() is None
    response = browser.login("ann", PASSWORD)
    assert response.status_code == 302
    assert browser.whoami() == "ann"
    assert "Signed in as Ann" in browser.get("/login").get_data(as_text=True)


def test_the_session_cookie_is_secure_httponly_and_lax(app, ann):
    cookie = Browser(app).get("/login").headers["Set-Cookie"]
    assert "; Secure" in cookie and "; HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_over_plain_http_the_cookie_is_not_marked_secure(settings, clock, redis_client):
    app = create_app(
        replace(settings, public_base_url="http://localhost:5000"),
        clock=clock,
        redis_client=redis_client,
    )
    cookie = app.test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" not in cookie and "HttpOnly" in cookie


def test_every_failure_gets_the_same_answer(app, ann, redis_client):
    users.add_user(redis_client, "bob", name="Bob", password=PASSWORD, roles={"aidn": "lead"})
    users.disable_user(redis_client, "bob")
    browser = Browser(app)
    answers = [
        browser.login("ann", "wrong password"),
        browser.login("nobody", PASSWORD),
        browser.login("bob", PASSWORD),
    ]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert len({body(a) for a in answers}) == 1
    assert "Wrong user or password." in body(answers[0])
    assert browser.whoami() is None


def test_every_login_attempt_is_audited(app, ann, redis_client):
    Browser(app, "10.0.0.7").login("ann", "wrong password")
    Browser(app, "10.0.0.8").login("ann", PASSWORD)
    entries = [(e["username"], e["address"], e["outcome"]) for e in users.audit(redis_client)]
    assert entries == [("ann", "10.0.0.8", "ok"), ("ann", "10.0.0.7", "bad-password")]


def test_the_sixth_attempt_in_a_minute_on_one_account_is_refused(app, ann, redis_client):
    browser = Browser(app)
    for _ in range(5):
        assert browser.login("ann", "wrong password").status_code == 401
    refused = browser.login("ann", PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert browser.whoami() is None
    assert users.audit(redis_client, limit=1)[0]["outcome"] == "rate-limited"
    # from another address too: the limit is the account's
    assert Browser(app, "10.0.0.2").login("ann", PASSWORD).status_code == 429
    # another account is not limited by it
    users.add_user(redis_client, "bob", name="Bob", password=PASSWORD, roles={"aidn": "lead"})
    assert browser.login("bob", PASSWORD).status_code == 302


def test_one_address_is_limited_across_accounts(app, ann):
    browser = Browser(app, "10.0.0.9")
    for i in range(20):
        assert browser.login(f"guess{i}", "wrong password").status_code == 401
    assert browser.login("ann", PASSWORD).status_code == 429
    assert Browser(app, "10.0.0.10").login("ann", PASSWORD).status_code == 302


def test_logout_needs_the_csrf_token(app, ann):
    browser = Browser(app)
    browser.login("ann", PASSWORD)
    assert browser.post("/logout").status_code == 400
    assert browser.whoami() == "ann"
    assert browser.post("/logout", {"csrf_token": browser.csrf()}).status_code == 302
    assert browser.whoami() is None


def test_a_disabled_users_session_ends(app, ann, redis_client):
    browser = Browser(app)
    browser.login("ann", PASSWORD)
    users.disable_user(redis_client, "ann")
    assert browser.whoami() is None


def test_a_new_password_ends_the_session(app, ann, redis_client):
    browser = Browser(app)
    browser.login("ann", PASSWORD)
    users.set_password(redis_client, "ann", "a brand new password")
    assert browser.whoami() is None


def test_next_goes_only_to_a_path_on_this_site(app, ann):
    browser = Browser(app)
    data = {"username": "ann", "password": PASSWORD, "csrf_token": browser.csrf()}
    response = browser.post("/login?next=//evil.example.com/x", data)
    assert response.headers["Location"] == "/login"
    browser.post("/logout", {"csrf_token": browser.csrf()})
    data["csrf_token"] = browser.csrf()
    assert browser.post("/login?next=/api/v1/me", data).headers["Location"] == "/api/v1/me"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_bearer_token_authenticates_and_needs_no_csrf_token(app, ann, redis_client, clock):
    token, info = tokens.create_token(redis_client, "ann", name="ci", clock=clock)
    client = app.test_client()
    assert client.get("/test-whoami", headers=bearer(token)).get_json() == {"user": "ann"}
    assert client.post("/test-whoami", headers=bearer(token)).status_code == 200
    assert "Set-Cookie" not in client.get("/test-whoami", headers=bearer(token)).headers
    tokens.revoke_token(redis_client, "ann", info.id)
    assert client.get("/test-whoami", headers=bearer(token)).status_code == 401


def test_an_expired_or_disabled_users_token_is_refused(app, ann, redis_client, clock):
    soon = clock.now() + timedelta(minutes=10)
    expiring, _ = tokens.create_token(redis_client, "ann", name="ci", expires=soon, clock=clock)
    lasting, _ = tokens.create_token(redis_client, "ann", name="laptop", clock=clock)
    client = app.test_client()
    clock.advance(minutes=10)
    assert client.get("/test-whoami", headers=bearer(expiring)).status_code == 401
    assert client.get("/test-whoami", headers=bearer(lasting)).status_code == 200
    users.disable_user(redis_client, "ann")
    assert client.get("/test-whoami", headers=bearer(lasting)).status_code == 401


def test_a_session_post_needs_csrf_and_a_bad_token_does_not_fall_back_to_it(app, ann):
    browser = Browser(app)
    browser.login("ann", PASSWORD)
    assert browser.post("/test-whoami").status_code == 400  # the cookie alone: CSRF applies
    assert browser.post("/test-whoami", {"csrf_token": browser.csrf()}).status_code == 200
    # an Authorization header: the session cookie is ignored, only the token counts
    assert browser.get("/test-whoami", headers=bearer("oc_forged")).status_code == 401
    assert browser.post("/test-whoami", headers=bearer("oc_forged")).status_code == 401


def test_signed_twilio_webhooks_need_no_csrf_token(signed_post):
    response = signed_post(
        "/twilio/voice/incoming", {"CallSid": "CA9", "From": "+4790000123", "To": "+4721000011"}
    )
    assert response.status_code == 200


def test_a_wrong_method_is_still_405_not_a_csrf_error(client):
    assert client.post("/healthz").status_code == 405


def login_from(app, forwarded_for, username="ann"):
    browser = Browser(app, "10.9.9.9")  # the proxy
    data = {"username": username, "password": "wrong password", "csrf_token": browser.csrf()}
    return browser.post("/login", data, headers={"X-Forwarded-For": forwarded_for})


def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings, clock, redis_client, ann):
    proxied = create_app(replace(settings, trusted_proxy_hops=1), clock=clock,
                         redis_client=redis_client)  # fmt: skip
    assert login_from(proxied, "203.0.113.5").status_code == 401
    assert users.audit(redis_client, limit=1)[0]["address"] == "203.0.113.5"
    # a forged leftmost entry is not the client: the proxy appended the real one
    login_from(proxied, "198.51.100.1, 203.0.113.6")
    assert users.audit(redis_client, limit=1)[0]["address"] == "203.0.113.6"


def test_without_trusted_proxies_x_forwarded_for_is_ignored(app, ann, redis_client):
    login_from(app, "203.0.113.5")
    assert users.audit(redis_client, limit=1)[0]["address"] == "10.9.9.9"
