"""Test users of the JSON API: real users and API tokens (oncall.services.users) in the
test's Redis, made by `authenticate(app)`; `bearer(name)` is their Authorization header
(read when a request is sent, so it can be made at import)."""

from __future__ import annotations

from collections.abc import Mapping

from oncall.services.tokens import create_token
from oncall.services.users import add_user, disable_user, get_user
from oncall.store import users as user_store
from oncall.web.api.errors import CODES

ROLES = {
    "admin": {"*": "admin"},
    "lead": {"aidn": "lead"},
    "engineer": {"pindena": "engineer"},
    "disabled": {"*": "admin"},
}
PASSWORD = "test-password-1234"
TOKENS: dict[str, str] = {}  # name -> the plain token of the running test


_RECORDS: dict[str, dict] = {}  # name -> the user record add_user wrote (argon2 costs ~0.2 s)


def authenticate(app) -> None:
    """The test users and one token each, in the app's Redis (the `disabled` one disabled).
    Each user is made by add_user once per test process; later tests copy its record."""
    svc = app.extensions["oncall"]
    if get_user(svc.redis, "admin") is not None:
        return  # this test's users exist (schemathesis calls this per example)
    for name, roles in ROLES.items():
        if name in _RECORDS:
            user_store.create_user(svc.redis, name, _RECORDS[name])
        else:
            add_user(svc.redis, name, name=name.title(), password=PASSWORD, roles=roles)
            _RECORDS[name] = user_store.load_user(svc.redis, name)
        TOKENS[name], _ = create_token(svc.redis, name, name="tests", clock=svc.clock)
    disable_user(svc.redis, "disabled")


class _Bearer(Mapping):
    def __init__(self, name: str):
        self.name = name

    def __getitem__(self, key):
        if key != "Authorization":
            raise KeyError(key)
        return f"Bearer {TOKENS.get(self.name, 'no-token-yet')}"

    def __iter__(self):
        return iter(["Authorization"])

    def __len__(self):
        return 1


def bearer(name: str) -> Mapping:
    return _Bearer(name)


def error_of(response, status: int) -> dict:
    """The error body, checked to be in the one shape."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.json["error"]
    assert set(error) == {"status", "code", "message", "details"}
    assert (error["status"], error["code"]) == (status, CODES[status])
    assert error["message"]
    return error
