"""Who may do what (oncall.services.access.authorize over rotas.permissions), table-driven,
against the real aidn policy: its rota hands off Mondays 08:00 (Europe/Oslo) from 2026-01-05,
primary kari, ola, ingrid and secondary per, kari, ola, and per covers primary 24-27 December.
Week of 23 November: primary ola, secondary kari. Week of 21 December: primary ingrid."""

from __future__ import annotations

import pendulum
import pytest

from oncall.services.access import Denied, authorize
from oncall.services.users import User
from rotas.permissions import OverrideRequest
from rotas.rota import on_call_at
from tests.helpers.factories import vendor

KARI, PER, INGRID = "+4740000101", "+4740000104", "+4740000103"
ADMIN = User("root", "Root", None, {"*": "admin"})
LEAD = User("lena", "Lena", None, {"aidn": "lead"})
ENGINEER = User("kari", "Kari", KARI, {"aidn": "engineer"})
PINDENA_LEAD = User("pia", "Pia", None, {"pindena": "lead"})
DISABLED = User("old", "Old", None, {"*": "admin"}, disabled=True)
ACTIONS = ("view", "edit_policy", "edit_override", "manage_feeds", "manage_users")
NOW = pendulum.datetime(2026, 11, 24, 20, 0, tz="Europe/Oslo")


def at(day: int, hour: int = 8, month: int = 11):
    return pendulum.datetime(2026, month, day, hour, 0, tz="Europe/Oslo")


def allowed(user, action, vendor_id=None, **kw) -> bool:
    try:
        authorize(user, action, vendor_id, **kw)
    except Denied as exc:
        assert exc.message
        return False
    return True


# (user, vendor): the actions allowed; every other action is Denied.
TABLE = [
    (ADMIN, "aidn", set(ACTIONS)),
    (ADMIN, "pindena", set(ACTIONS)),
    (LEAD, "aidn", {"view", "edit_policy", "edit_override", "manage_feeds"}),
    (LEAD, "pindena", set()),  # a lead of aidn cannot do anything to pindena
    (PINDENA_LEAD, "aidn", set()),
    (ENGINEER, "aidn", {"view"}),  # overrides and feeds: only their own (below)
    (ENGINEER, "pindena", set()),
    (DISABLED, "aidn", set()),
    (None, "aidn", set()),
]


@pytest.mark.parametrize(("user", "vendor_id", "allowed_actions"), TABLE)
@pytest.mark.parametrize("action", ACTIONS)
def test_role_table(user, vendor_id, allowed_actions, action):
    assert allowed(user, action, vendor_id) == (action in allowed_actions)


def test_an_unknown_action_is_denied_even_for_an_admin():
    assert not allowed(ADMIN, "delete_everything", "aidn")


def test_the_rota_weeks_the_cases_below_rely_on():
    layers = {layer.name: layer for layer in vendor("aidn").rota.layers}
    assert on_call_at(layers["primary"], at(25)).person.id == "ola"
    assert on_call_at(layers["secondary"], at(25)).person.id == "kari"
    assert on_call_at(layers["primary"], at(25, month=12)).person.id == "per"  # the override


# (engineer's phone, override, allowed?) for edit_override on aidn
OVERRIDES = [
    # themselves on a shift, any layer
    (KARI, OverrideRequest("primary", "kari", at(25, 10), at(25, 12)), True),
    # their own shift (secondary, kari's week) handed to a colleague
    (KARI, OverrideRequest("secondary", "ola", at(25, 8), at(26, 8)), True),
    # someone else's shift (primary is ola's week) given to another colleague
    (KARI, OverrideRequest("primary", "ingrid", at(25, 8), at(26, 8)), False),
    # their own shift only for part of the interval (ola holds secondary from 30 Nov 08:00)
    (KARI, OverrideRequest("secondary", "ingrid", at(29), at(1, month=12)), False),
    # an override counts: per holds primary 24-27 Dec and may hand part of it on...
    (PER, OverrideRequest("primary", "kari", at(25, month=12), at(26, month=12)), True),
    # ...and ingrid, whose rotation week it is, may not
    (INGRID, OverrideRequest("primary", "kari", at(25, month=12), at(26, month=12)), False),
    # ingrid may hand a day of her week outside the override
    (INGRID, OverrideRequest("primary", "ola", at(22, month=12), at(23, month=12)), True),
    # not one of aidn's people (no phone, or a phone nobody in aidn has)
    (None, OverrideRequest("primary", "kari", at(25, 10), at(25, 12)), False),
    ("+4799999999", OverrideRequest("primary", "kari", at(25, 10), at(25, 12)), False),
    # unknown layer or person, or an empty interval
    (KARI, OverrideRequest("tertiary", "kari", at(25, 10), at(25, 12)), False),
    (KARI, OverrideRequest("primary", "nobody", at(25, 10), at(25, 12)), False),
    (KARI, OverrideRequest("primary", "kari", at(25, 12), at(25, 12)), False),
    # already over at NOW: not for an engineer
    (KARI, OverrideRequest("secondary", "ola", at(23, 9), at(23, 10)), False),
    # begun before NOW: past shifts are the weekly report's hours, not an engineer's to change
    # (themselves on the past weeks; their running week handed on, so removable neither)
    (KARI, OverrideRequest("primary", "kari", at(1), at(25, 12)), False),
    (KARI, OverrideRequest("secondary", "ola", at(23, 9), at(25, 8)), False),
    # a phone's "from now", to the minute, a few minutes back: fine
    (KARI, OverrideRequest("primary", "kari", NOW.subtract(minutes=5), at(25, 12)), True),
]


@pytest.mark.parametrize(("phone", "override", "ok"), OVERRIDES)
def test_engineer_overrides(phone, override, ok):
    user = User("eng", "Engineer", phone, {"aidn": "engineer"})
    kw = {"policy": vendor("aidn"), "override": override, "now": NOW}
    assert allowed(user, "edit_override", "aidn", **kw) == ok


def test_removing_an_override_is_judged_on_what_lies_under_it():
    """per's existing override (primary, 24-27 Dec): per (on it) and ingrid (whose week lies
    under it) may remove it; kari may not."""
    existing = OverrideRequest("primary", "per", at(24, month=12), at(27, month=12))
    kw = {"policy": vendor("aidn"), "override": existing, "now": NOW}
    for phone, ok in ((PER, True), (INGRID, True), (KARI, False)):
        user = User("eng", "Engineer", phone, {"aidn": "engineer"})
        assert allowed(user, "edit_override", "aidn", **kw) == ok, phone


def test_an_override_as_a_mapping_and_the_message_of_a_refusal():
    someone_else = {"layer": "primary", "person": "ingrid", "start": at(25), "end": at(26)}
    with pytest.raises(Denied, match="only take a shift themselves or hand their own shift"):
        authorize(ENGINEER, "edit_override", "aidn", policy=vendor("aidn"), override=someone_else)
    naive = {"layer": "primary", "person": "kari", "start": "2026-11-25", "end": "2026-11-26"}
    with pytest.raises(Denied, match="aware date-times"):
        authorize(ENGINEER, "edit_override", "aidn", policy=vendor("aidn"), override=naive)
    with pytest.raises(Denied, match="checked against the policy"):
        authorize(ENGINEER, "edit_override", "aidn")


def test_an_engineer_cannot_edit_the_policy():
    with pytest.raises(Denied, match="cannot edit its policy"):
        authorize(ENGINEER, "edit_policy", "aidn", policy=vendor("aidn"))


def test_feeds_an_engineer_manages_only_their_own():
    mine = {"owner": "kari", "kind": "person", "phone": KARI}
    by_phone = {"owner": "lena", "kind": "person", "phone": KARI}
    theirs = {"owner": "ola", "kind": "person", "phone": "+4740000102"}
    assert allowed(ENGINEER, "manage_feeds", "aidn", feed=mine)
    assert allowed(ENGINEER, "manage_feeds", None, feed=by_phone)
    assert not allowed(ENGINEER, "manage_feeds", "aidn", feed=theirs)
    assert not allowed(ENGINEER, "manage_feeds", "pindena", feed=mine)
    assert not allowed(LEAD, "manage_feeds", None, feed=theirs)


def test_without_a_vendor_only_viewing_and_admin_work():
    assert allowed(ENGINEER, "view")
    assert not allowed(LEAD, "edit_policy")
    assert allowed(ADMIN, "manage_users")
    assert not allowed(LEAD, "manage_users")
