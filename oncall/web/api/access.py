"""Who is calling the API, and may they: the ONE place the API authenticates and authorises.

Every API blueprint runs `require_user` before each view (made by `blueprint()` in
oncall.web.api.common): no user -> 401, with `WWW-Authenticate: Bearer`. Views call
`allow(action, vendor)` (Denied -> 403) and list only `visible(vendors)`.

PHASE 2 WIRES THIS MODULE (and only this one) to helper B's work, once it is merged:
    _load_user  -> oncall.web.auth.current()          (session or `Authorization: Bearer`)
    _authorize  -> oncall.services.access.authorize   (raises access.Denied)
Until then no user exists in production, so every request is refused with 401 (fail
closed); tests install a user loader with `install_user_loader` (a Bearer token of their own).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g
from flask_smorest import abort

USER_LOADER = "oncall.api.user_loader"  # app.extensions key: set only by tests until phase 2


class Denied(Exception):
    """The user may not do this (phase 2: oncall.services.access.Denied)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def install_user_loader(app, loader: Callable[[], object | None]) -> None:
    """Tests (until phase 2): `loader()` returns the request's user, or None."""
    app.extensions[USER_LOADER] = loader


def _load_user():
    """The authenticated user of this request, or None (phase 2: oncall.web.auth.current)."""
    loader = current_app.extensions.get(USER_LOADER)
    return loader() if loader else None


def _authorize(user, action: str, vendor: str | None = None) -> None:
    """The contract's rule for reading (phase 2: oncall.services.access.authorize): an admin
    may do everything; a lead or engineer of `vendor` may view it; anything else is Denied."""
    roles = getattr(user, "roles", None) or {}
    if roles.get("*") == "admin":
        return
    if action == "view" and vendor is not None and roles.get(vendor) in ("lead", "engineer"):
        return
    raise Denied(f"{action} {vendor or 'everything'}: not allowed for {user.username}")


def require_user() -> None:
    """Before every API view: the request's user in g.api_user, else 401."""
    user = _load_user()
    if user is None or getattr(user, "disabled", False):
        abort(401, message="authentication required: Authorization: Bearer <token>")
    g.api_user = user


def user():
    return g.api_user


def allow(action: str, vendor: str | None = None) -> None:
    """403 unless the request's user may do `action` on `vendor`."""
    try:
        _authorize(g.api_user, action, vendor)
    except Denied as exc:
        abort(403, message=exc.message)


def may_view(vendor: str) -> bool:
    try:
        _authorize(g.api_user, "view", vendor)
    except Denied:
        return False
    return True


def visible(vendors) -> list[str]:
    """The vendor ids among `vendors` the request's user may view, sorted."""
    return sorted(v for v in vendors if may_view(v))
