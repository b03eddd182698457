"""The users API (/me, /users: admins only) with a real Redis: who I am, list, add (a given
or a generated password, shown once), disable (their tokens stop), roles; never a hash; bad
input 422 in the error shape and nothing changed."""

from __future__ import annotations

import logging

import pytest

from oncall.services import users
from tests.helpers.api import bearer, error_of
from tests.helpers.api_users import stored, user_with_token

ADMIN, LEAD, ENGINEER = bearer("admin"), bearer("lead"), bearer("engineer")
KARI = "+4740000101"  # kari in aidn's people
NEW = {"username": "ny", "name": "Ny Bruker", "roles": {"aidn": "engineer"}}


def test_me_says_who_i_am_with_my_phone_in_full(api, app):
    assert api.get("/api/v1/me", headers=LEAD).json == {
        "username": "lead", "name": "Lead", "phone": None, "roles": {"aidn": "lead"},
        "disabled": False, "admin": False,
    }  # fmt: skip
    assert api.get("/api/v1/me", headers=ADMIN).json["admin"] is True
    kari = user_with_token(app, "kari", {"aidn": "engineer"}, phone="+47 400 00 101")
    assert api.get("/api/v1/me", headers=kari).json["phone"] == KARI
    listed = {u["username"]: u for u in api.get("/api/v1/users", headers=ADMIN).json}
    assert listed["kari"]["phone"] == "+*******101"  # others see it masked


def test_an_admin_lists_users_without_a_hash(api):
    response = api.get("/api/v1/users", headers=ADMIN)
    assert [u["username"] for u in response.json] == ["admin", "disabled", "engineer", "lead"]
    assert response.json[3] == {
        "username": "lead", "name": "Lead", "phone": None, "roles": {"aidn": "lead"},
        "disabled": False,
    }  # fmt: skip
    assert response.json[1]["disabled"] is True
    assert "argon2" not in response.get_data(as_text=True)
    assert api.get("/api/v1/users/lead", headers=ADMIN).json == response.json[3]
    error_of(api.get("/api/v1/users/nobody", headers=ADMIN), 404)


@pytest.mark.parametrize("who", [LEAD, ENGINEER], ids=["lead", "engineer"])
def test_only_an_admin_manages_users(api, redis_client, who):
    before = stored(redis_client)
    for method, path, body in [
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users", {**NEW, "password": "a-good-password"}),
        ("GET", "/api/v1/users/lead", None),
        ("POST", "/api/v1/users/engineer/disable", None),
        ("PUT", "/api/v1/users/lead/roles", {"roles": {"*": "admin"}}),
        ("GET", "/api/v1/users/admin/tokens", None),
        ("POST", "/api/v1/users/admin/tokens", {"name": "mine now"}),
        ("DELETE", "/api/v1/users/admin/tokens/" + "0" * 12, None),
    ]:
        error = error_of(api.open(path, method=method, headers=who, json=body), 403)
        assert error["message"] == "only an admin manages users", path
    assert stored(redis_client) == before
    assert api.get("/api/v1/me", headers=LEAD).json["roles"] == {"aidn": "lead"}


def test_an_admin_adds_a_user_with_a_password(api, redis_client):
    body = {**NEW, "phone": "+47 400 00 102", "password": "ny-password-123"}
    response = api.post("/api/v1/users", headers=ADMIN, json=body)
    assert response.status_code == 201
    assert response.json == {
        "username": "ny", "name": "Ny Bruker", "phone": "+*******102",
        "roles": {"aidn": "engineer"}, "disabled": False,
    }  # fmt: skip
    assert users.check_login(redis_client, "ny", "ny-password-123").phone == "+4740000102"
    again = api.post("/api/v1/users", headers=ADMIN, json={**body, "name": "Other"})
    assert error_of(again, 409)["message"] == "user 'ny' exists"
    assert users.get_user(redis_client, "ny").name == "Ny Bruker"


def test_a_generated_password_is_answered_once_and_logged_never(api, redis_client, caplog):
    caplog.set_level(logging.DEBUG)
    response = api.post("/api/v1/users", headers=ADMIN, json=NEW)
    assert response.status_code == 201
    password = response.json["password"]
    assert len(password) >= 20 and users.check_login(redis_client, "ny", password)
    for path in ("/api/v1/users", "/api/v1/users/ny"):
        text = api.get(path, headers=ADMIN).get_data(as_text=True)
        assert password not in text and "password" not in text
    assert password not in caplog.text and "api: admin added user ny" in caplog.text
    given = api.post("/api/v1/users", headers=ADMIN, json={**NEW, "username": "to", "password":
                     "given-password-1"})  # fmt: skip
    assert "password" not in given.json


@pytest.mark.parametrize(
    ("body", "path", "says"),
    [
        ({**NEW, "username": "Ny"}, "json.username", "String does not match"),
        ({**NEW, "username": ""}, "json.username", "String does not match"),
        ({**NEW, "name": ""}, "json.name", "Length must be between 1 and 100"),
        ({**NEW, "roles": {}}, "json.roles", "at least one role"),
        ({**NEW, "roles": {"*": "lead"}}, "json.roles", "admin (all vendors), lead or engineer"),
        ({**NEW, "roles": {"aidn": "boss"}}, "json.roles.aidn.value", "Must be one of"),
        ({**NEW, "roles": {"acme": "lead"}}, "json.roles", "unknown vendor acme (valid: aidn"),
        ({**NEW, "phone": "12"}, "json.phone", "not a valid number"),
        ({**NEW, "password": "short"}, "json.password", "Length must be between 10 and 1024"),
        ({**NEW, "admin": True}, "json.admin", "Unknown field"),
        ({"username": "ny", "roles": {"aidn": "lead"}}, "json.name", "Missing data"),
    ],
)
def test_bad_user_input_is_422_and_changes_nothing(api, redis_client, body, path, says):
    before = stored(redis_client)
    error = error_of(api.post("/api/v1/users", headers=ADMIN, json=body), 422)
    assert [d["path"] for d in error["details"]] == [path]
    assert says in error["details"][0]["message"]
    assert stored(redis_client) == before


def test_a_disabled_users_tokens_stop_at_once(api, redis_client):
    assert api.get("/api/v1/vendors", headers=ENGINEER).status_code == 200
    response = api.post("/api/v1/users/engineer/disable", headers=ADMIN)
    assert response.status_code == 200 and response.json["disabled"] is True
    error_of(api.get("/api/v1/vendors", headers=ENGINEER), 401)
    error_of(api.get("/api/v1/me", headers=ENGINEER), 401)
    assert users.check_login(redis_client, "engineer", "test-password-1234") is None
    error_of(api.post("/api/v1/users/nobody/disable", headers=ADMIN), 404)
    mine = error_of(api.post("/api/v1/users/admin/disable", headers=ADMIN), 409)
    assert mine["message"] == "you cannot disable yourself; ask another admin"
    assert api.get("/api/v1/me", headers=ADMIN).status_code == 200


def test_an_admin_sets_roles(api, redis_client):
    assert [v["id"] for v in api.get("/api/v1/vendors", headers=ENGINEER).json] == ["pindena"]
    roles = {"aidn": "lead", "pindena": "engineer"}
    response = api.put("/api/v1/users/engineer/roles", headers=ADMIN, json={"roles": roles})
    assert response.status_code == 200 and response.json["roles"] == roles
    assert [v["id"] for v in api.get("/api/v1/vendors", headers=ENGINEER).json] == [
        "aidn", "pindena",
    ]  # fmt: skip
    before = stored(redis_client)
    bad = api.put("/api/v1/users/engineer/roles", headers=ADMIN, json={"roles": {"x": "lead"}})
    assert error_of(bad, 422)["details"][0]["path"] == "json.roles"
    own = api.put("/api/v1/users/admin/roles", headers=ADMIN, json={"roles": {"aidn": "lead"}})
    assert error_of(own, 409)["message"].startswith("you cannot take away your own admin role")
    error_of(api.put("/api/v1/users/nobody/roles", headers=ADMIN, json={"roles": roles}), 404)
    assert stored(redis_client) == before


DOCUMENTED = {
    ("get", "/api/v1/users"): ["200", "403"],
    ("post", "/api/v1/users"): ["201", "403", "409", "422"],
    ("get", "/api/v1/users/{username}"): ["200", "403", "404"],
    ("post", "/api/v1/users/{username}/disable"): ["200", "403", "404", "409"],
    ("put", "/api/v1/users/{username}/roles"): ["200", "403", "404", "409", "422"],
    ("get", "/api/v1/users/{username}/tokens"): ["200", "403", "404"],
    ("post", "/api/v1/users/{username}/tokens"): ["201", "403", "404", "409", "422"],
    ("delete", "/api/v1/users/{username}/tokens/{token_id}"): ["204", "403", "404"],
    ("get", "/api/v1/me"): ["200"],
    ("get", "/api/v1/me/tokens"): ["200"],
    ("post", "/api/v1/me/tokens"): ["201", "409", "422"],
    ("delete", "/api/v1/me/tokens/{token_id}"): ["204", "404"],
    ("get", "/api/v1/feeds"): ["200"],
    ("post", "/api/v1/feeds"): ["201", "403", "409", "422"],
    ("post", "/api/v1/feeds/{feed_id}/renew"): ["200", "403", "404"],
    ("delete", "/api/v1/feeds/{feed_id}"): ["204", "403", "404"],
}


def test_each_operation_documents_its_refusals_in_the_error_shape(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    error = {"$ref": "#/components/schemas/Error"}
    for (method, path), statuses in DOCUMENTED.items():
        responses = paths[path][method]["responses"]
        assert sorted(responses) == [*statuses, "default"], (method, path)
        for status in statuses:
            if status.startswith("4"):
                assert responses[status]["content"]["application/json"]["schema"] == error
                assert responses[status]["description"]
