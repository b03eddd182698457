"""The ONE place every write (and every read of a vendor) is authorised.

`authorize(user, action, vendor, ...)` returns None or raises Denied with a message fit to
show. The rules are pure (rotas.permissions); this applies them to a user:

| action         | admin | lead of V | engineer of V                                        |
|----------------|-------|-----------|------------------------------------------------------|
| view           | yes   | V         | V                                                    |
| edit_policy    | yes   | V         | no                                                   |
| edit_override  | yes   | V         | only themselves on a shift, or their own shift handed |
|                |       |           | to a colleague (rotas.permissions.override_refusal)  |
| manage_feeds   | yes   | V         | their own feed only                                  |
| manage_users   | yes   | no        | no                                                   |

A disabled user (or none) may do nothing; a user without a role for V nothing on V.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rotas.permissions import (
    ACTIONS,
    ADMIN,
    ENGINEER,
    LEAD,
    LEAD_ACTIONS,
    OverrideRequest,
    override_refusal,
    role_for,
)


class Denied(Exception):
    """Not allowed: `message` says why (shown to the user; HTTP 403)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def authorize(
    user, action: str, vendor: str | None = None, *, policy=None, override=None, now=None, feed=None
) -> None:
    """Raise Denied unless `user` may do `action` (on `vendor`).

    edit_override by an engineer needs `policy` (the vendor's VendorPolicy) and `override`
    (an OverrideRequest, or a mapping with layer, person, start, end); `now` refuses
    overrides already over. manage_feeds by an engineer needs `feed` (with `owner` and, for a
    person feed, `phone`: attributes or keys) that is theirs.
    """
    if user is None or getattr(user, "disabled", True):
        raise Denied("not signed in, or the account is disabled")
    if action not in ACTIONS:
        raise Denied(f"unknown action {action!r}")
    role = role_for(user.roles, vendor)
    if role == ADMIN:
        return
    if action == "manage_users":
        raise Denied("only an admin manages users")
    if vendor is None:
        _unscoped(user, action, feed)
        return
    if role is None:
        raise Denied(f"you have no role for {vendor}")
    if role == LEAD and action in LEAD_ACTIONS:
        return
    if role == ENGINEER:
        _engineer(user, action, vendor, policy, override, now, feed)
        return
    raise Denied(f"a {role} of {vendor} cannot {action.replace('_', ' ')}")


def _unscoped(user, action: str, feed) -> None:
    """No vendor named: viewing (what each vendor shows is checked per vendor) and a user's
    own feed; nothing else."""
    if action == "view":
        return
    if action == "manage_feeds" and _own_feed(user, feed):
        return
    raise Denied(f"{action.replace('_', ' ')} needs a vendor")


def _engineer(user, action, vendor, policy, override, now, feed) -> None:
    if action == "view":
        return
    if action == "edit_policy":
        raise Denied(f"an engineer of {vendor} cannot edit its policy; ask a lead")
    if action == "manage_feeds":
        if _own_feed(user, feed):
            return
        raise Denied("an engineer manages only their own feed")
    if action == "edit_override":
        if policy is None or override is None:
            raise Denied("an engineer's override is checked against the policy: none given")
        refusal = override_refusal(policy, user.phone, _request(override), now)
        if refusal:
            raise Denied(refusal)
        return
    raise Denied(f"an engineer of {vendor} cannot {action.replace('_', ' ')}")


def _own_feed(user, feed) -> bool:
    if feed is None:
        return False
    owner, phone = _field(feed, "owner"), _field(feed, "phone")
    return owner == user.username or (phone is not None and phone == user.phone)


def _field(value, name: str):
    return value.get(name) if isinstance(value, Mapping) else getattr(value, name, None)


def _request(override) -> OverrideRequest:
    """An OverrideRequest from one, or from a mapping/object with layer, person, start, end."""
    request = OverrideRequest(*(_field(override, f) for f in OverrideRequest._fields))
    if not all(isinstance(t, datetime) and t.tzinfo for t in (request.start, request.end)):
        raise Denied("an override's start and end must be aware date-times")
    return request
