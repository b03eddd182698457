"""Who may do what: the role rules, as pure functions (oncall.services.access applies them).

Roles are per vendor: "admin" (under the vendor id "*": everything, every vendor), "lead"
(a vendor's policy, rota, overrides and feeds) and "engineer" (views the vendor; adds or
removes an override only when it puts THEMSELVES on a shift, or hands a shift that is
theirs, for the whole interval and in that layer, to a colleague). Who "themselves" is: the
vendor's `people` entries with the user's phone.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import NamedTuple

from rotas.policy import VendorPolicy
from rotas.rota import Layer, layer_named, shifts_between

ADMIN, LEAD, ENGINEER = "admin", "lead", "engineer"
ROLES = (ADMIN, LEAD, ENGINEER)
ANY_VENDOR = "*"
ACTIONS = ("view", "edit_policy", "edit_override", "manage_users", "manage_feeds")
LEAD_ACTIONS = frozenset({"view", "edit_policy", "edit_override", "manage_feeds"})
# how far before now an engineer's override may start: a phone sends "from" to the minute
PAST_SLACK = timedelta(minutes=15)


class OverrideRequest(NamedTuple):
    """An override being added or removed: `person` (a people id) covers `layer` in
    [start, end); start and end are aware datetimes."""

    layer: str
    person: str
    start: object
    end: object


def role_for(roles: dict[str, str], vendor: str | None) -> str | None:
    """The user's role for `vendor` ("admin" for admins, whatever the vendor)."""
    if roles.get(ANY_VENDOR) == ADMIN:
        return ADMIN
    return roles.get(vendor) if vendor else None


def own_people(policy: VendorPolicy, phone: str | None) -> set[str]:
    """The ids of the vendor's people who are this user (same phone)."""
    if not phone:
        return set()
    return {pid for pid, person in policy.people.items() if person.phone == phone}


def override_refusal(
    policy: VendorPolicy, phone: str | None, override: OverrideRequest, now=None
) -> str | None:
    """None when an engineer with `phone` may add (or remove) `override` in `policy`, else why
    not. Allowed: an override that puts the engineer themselves on a shift, or one that hands
    a shift the engineer holds in that layer for the whole interval (existing overrides
    included, this one left out) to a colleague. Never one that starts before `now` (less
    PAST_SLACK): past shifts are what the weekly report counts as each person's hours."""
    mine = own_people(policy, phone)
    if not mine:
        return f"you are not one of {policy.id}'s people (no entry with your phone)"
    layer = layer_named(policy.rota, override.layer)
    if layer is None:
        return f"{policy.id} has no rota layer {override.layer!r}"
    if override.person not in policy.people:
        return f"{policy.id} has no person {override.person!r}"
    if not override.start < override.end:
        return "the override must end after it starts"
    if now is not None and override.end <= now:
        return "the override is over: an engineer cannot change past shifts"
    if now is not None and override.start < now - PAST_SLACK:
        return (
            f"the override starts before now ({override.start.isoformat()}): an engineer "
            "cannot change past shifts; start it now or later, or ask a lead"
        )
    if override.person in mine:
        return None
    if _holds_whole(_without(layer, override), mine, override.start, override.end):
        return None
    return (
        f"an engineer may only take a shift themselves or hand their own shift to a colleague: "
        f"you are not on call in {override.layer!r} for the whole of "
        f"{override.start.isoformat()} - {override.end.isoformat()}"
    )


def _without(layer: Layer, override: OverrideRequest) -> Layer:
    """The layer without an existing override identical to `override` (removing one is
    judged on what lies under it)."""
    kept = tuple(
        o
        for o in layer.overrides
        if not (
            o.person.id == override.person and o.start == override.start and o.end == override.end
        )
    )
    return layer if len(kept) == len(layer.overrides) else replace(layer, overrides=kept)


def _holds_whole(layer: Layer, mine: set[str], start, end) -> bool:
    shifts = shifts_between(layer, start, end)
    return bool(shifts) and all(s.person is not None and s.person.id in mine for s in shifts)
