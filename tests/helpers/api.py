"""Test users of the JSON API, authenticated through the API's one access module
(oncall.web.api.access.install_user_loader) by a Bearer token of their own.

Phase 2 (users, roles and tokens on main) replaces this by real users and tokens made with
oncall.services.users; the tests keep using `bearer(name)` headers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import request

from oncall.web.api import access


@dataclass(frozen=True)
class ApiUser:
    username: str
    name: str
    roles: dict = field(default_factory=dict)
    phone: str | None = None
    disabled: bool = False


USERS = {
    "admin": ApiUser("admin", "Admin", {"*": "admin"}),
    "lead": ApiUser("lead", "Lena Lead", {"aidn": "lead"}),
    "engineer": ApiUser("engineer", "Erik Engineer", {"pindena": "engineer"}),
    "disabled": ApiUser("disabled", "Gone", {"*": "admin"}, disabled=True),
}
TOKENS = {f"test-token-{name}": user for name, user in USERS.items()}


def bearer(name: str) -> dict:
    return {"Authorization": f"Bearer test-token-{name}"}


def _user_of_request():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return TOKENS.get(token) if scheme.lower() == "bearer" else None


def authenticate(app) -> None:
    """The app's API knows the test users by their tokens (nobody else)."""
    access.install_user_loader(app, _user_of_request)
