"""Who is calling the API, and may they: the ONE place the API authenticates and authorises.

Every API blueprint runs `require_user` before each view (made by `blueprint()` in
oncall.web.api.common): the user of the request's session or `Authorization: Bearer` token
(oncall.web.auth.current), else 401 with `WWW-Authenticate: Bearer`. Views call
`allow(action, vendor)` (oncall.services.access.authorize; Denied -> 403) and list only
`visible(vendors)`.
"""

from __future__ import annotations

from flask import g, request, session
from flask_smorest import abort

from oncall.services.access import Denied, authorize
from oncall.web import auth
from oncall.web.context import services


def require_user() -> None:
    """Before every API view: the request's user in g.api_user, else 401."""
    user = auth.current()
    if user is None and (request.headers.get("Authorization") or session.get("_user_id")):
        services().redis.ping()  # token or session not checked: Redis down is 503, not 401
    if user is None or getattr(user, "disabled", False):
        abort(401, message="authentication required: Authorization: Bearer <token>")
    g.api_user = user


def user():
    return g.api_user


def allow(action: str, vendor: str | None = None, **context) -> None:
    """403 unless the request's user may do `action` on `vendor` (`context`: authorize's
    policy, override, now, feed)."""
    try:
        authorize(g.api_user, action, vendor, **context)
    except Denied as exc:
        abort(403, message=exc.message)


def visible(vendors) -> list[str]:
    """The vendor ids among `vendors` the request's user may view, sorted."""
    return sorted(v for v in vendors if may("view", v))


def may(action: str, vendor: str | None = None, **context) -> bool:
    """Whether `allow(action, vendor, **context)` would pass (for filtering lists)."""
    try:
        authorize(g.api_user, action, vendor, **context)
    except Denied:
        return False
    return True
