"""Users, passwords and API tokens against a real Redis (oncall.services.users)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from oncall.services import tokens, users
from oncall.store import keys

PASSWORD = "correct horse battery"


def add(client, username="ann", **kw):
    kw = {"name": "Ann", "password": PASSWORD, "roles": {"aidn": "lead"}} | kw
    return users.add_user(client, username, **kw)


def every_value(redis_client) -> bytes:
    """Every key and value in Redis, as one blob to search."""
    out = []
    for key in redis_client.scan_iter():
        kind = redis_client.type(key)
        out.append(key)
        if kind == b"hash":
            out += [x for kv in redis_client.hgetall(key).items() for x in kv]
        elif kind == b"list":
            out += redis_client.lrange(key, 0, -1)
        elif kind == b"set":
            out += list(redis_client.smembers(key))
        elif kind == b"string":
            out.append(redis_client.get(key))
    return b"\n".join(out)


def test_the_password_is_stored_as_an_argon2_hash_only(redis_client):
    user = add(redis_client, phone="+47 400 00 101")
    assert user.phone == "+4740000101"
    stored = redis_client.hget(keys.user("ann"), "password").decode()
    assert stored.startswith("$argon2id$")
    assert PASSWORD.encode() not in every_value(redis_client)
    assert users.check_login(redis_client, "ann", PASSWORD) == user
    assert users.check_login(redis_client, " ANN ", PASSWORD) == user  # as typed


def test_a_hash_made_with_older_parameters_is_replaced_at_the_next_login(redis_client):
    add(redis_client)
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    redis_client.hset(keys.user("ann"), "password", weak)
    assert users.check_login(redis_client, "ann", PASSWORD) is not None
    stored = redis_client.hget(keys.user("ann"), "password").decode()
    assert stored != weak and not users.HASHER.check_needs_rehash(stored)


def test_failed_logins_say_nothing_and_every_attempt_is_audited(redis_client, clock):
    add(redis_client)
    add(redis_client, "bob", name="Bob")
    users.disable_user(redis_client, "bob")
    assert users.check_login(redis_client, "ann", "wrong password", address="10.0.0.1") is None
    assert users.check_login(redis_client, "nobody", PASSWORD, address="10.0.0.2") is None
    assert users.check_login(redis_client, "bob", PASSWORD, clock=clock) is None
    assert users.check_login(redis_client, "ann", PASSWORD, address="10.0.0.1") is not None
    entries = users.audit(redis_client)
    assert [(e["username"], e["address"], e["outcome"]) for e in entries] == [
        ("ann", "10.0.0.1", "ok"),
        ("bob", "", "disabled"),
        ("nobody", "10.0.0.2", "unknown-user"),
        ("ann", "10.0.0.1", "bad-password"),
    ]
    assert entries[1]["at"] == clock.now().isoformat()
    blob = every_value(redis_client)
    assert PASSWORD.encode() not in blob and b"wrong password" not in blob


def test_the_audit_is_capped(redis_client):
    for i in range(users.store.AUDIT_CAP + 5):
        users.record_login(redis_client, f"u{i}", "", "bad-password")
    assert redis_client.llen(keys.login_audit()) == users.store.AUDIT_CAP
    assert users.audit(redis_client, limit=1)[0]["username"] == f"u{users.store.AUDIT_CAP + 4}"


def test_a_token_is_shown_once_and_stored_hashed(redis_client, clock):
    add(redis_client)
    token, info = tokens.create_token(redis_client, "ann", name="ci", clock=clock)
    assert token.startswith("oc_") and len(token) >= 43
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert redis_client.hget(keys.token(digest), "username") == b"ann"
    assert token.encode() not in every_value(redis_client)
    assert tokens.list_tokens(redis_client, "ann") == [info]
    assert token not in repr(tokens.list_tokens(redis_client, "ann"))
    assert tokens.user_for_token(redis_client, token, clock=clock).username == "ann"
    assert tokens.list_tokens(redis_client, "ann")[0].last_used == clock.now().isoformat()


def test_a_revoked_token_stops_working(redis_client, clock):
    add(redis_client)
    token, info = tokens.create_token(redis_client, "ann", name="ci", clock=clock)
    other, _ = tokens.create_token(redis_client, "ann", name="laptop", clock=clock)
    assert tokens.revoke_token(redis_client, "ann", info.id)
    assert not tokens.revoke_token(redis_client, "ann", info.id)
    assert tokens.user_for_token(redis_client, token, clock=clock) is None
    assert tokens.user_for_token(redis_client, other, clock=clock) is not None
    assert [t.name for t in tokens.list_tokens(redis_client, "ann")] == ["laptop"]


def test_a_token_expires(redis_client, clock):
    add(redis_client)
    expires = clock.now() + timedelta(hours=1)
    token, info = tokens.create_token(redis_client, "ann", name="ci", expires=expires, clock=clock)
    assert info.expires == expires.isoformat()
    clock.advance(minutes=59)
    assert tokens.user_for_token(redis_client, token, clock=clock) is not None
    clock.advance(minutes=1)
    assert tokens.user_for_token(redis_client, token, clock=clock) is None


def test_a_disabled_users_tokens_stop_working(redis_client, clock):
    add(redis_client)
    token, _ = tokens.create_token(redis_client, "ann", name="ci", clock=clock)
    users.disable_user(redis_client, "ann")
    assert tokens.user_for_token(redis_client, token, clock=clock) is None
    assert users.check_login(redis_client, "ann", PASSWORD) is None


@pytest.mark.parametrize("token", ["", "oc_", "oc_" + "x" * 43, "Bearer", "x" * 500, None])
def test_an_unknown_token_is_nobody(redis_client, clock, token):
    add(redis_client)
    assert tokens.user_for_token(redis_client, token, clock=clock) is None


def test_a_new_password_ends_the_users_sessions(redis_client):
    before = add(redis_client)
    users.set_password(redis_client, "ann", "another long one")
    after = users.get_user(redis_client, "ann")
    assert after.get_id() != before.get_id()
    assert users.check_login(redis_client, "ann", PASSWORD) is None
    assert users.check_login(redis_client, "ann", "another long one") == after


@pytest.mark.parametrize(
    ("username", "kw", "says"),
    [
        ("Ann", {}, "lower case"),
        ("a b", {}, "username"),
        ("ann", {"password": "short"}, "10 to 1024 characters"),
        ("ann", {"name": " "}, "name has 1 to"),
        ("ann", {"roles": {}}, "at least one role"),
        ("ann", {"roles": {"aidn": "admin"}}, r"admin \(all vendors\)"),
        ("ann", {"roles": {"*": "lead"}}, r"admin \(all vendors\)"),
        ("ann", {"roles": {"aidn": "boss"}}, "lead or engineer"),
        ("ann", {"roles": {"Aidn!": "lead"}}, "not a vendor id"),
        ("ann", {"phone": "12"}, "phone: not a valid number"),
    ],
)
def test_bad_input_changes_nothing(redis_client, username, kw, says):
    with pytest.raises(users.UserError, match=says):
        add(redis_client, username, **kw)
    assert redis_client.dbsize() == 0


def test_a_username_is_taken_once(redis_client):
    add(redis_client)
    with pytest.raises(users.UserError, match="exists"):
        add(redis_client, name="Another Ann")
    assert users.get_user(redis_client, "ann").name == "Ann"
    assert [u.username for u in users.list_users(redis_client)] == ["ann"]


def test_token_input_is_checked(redis_client, clock):
    add(redis_client)
    with pytest.raises(users.UserError, match="no user"):
        tokens.create_token(redis_client, "nobody", name="ci", clock=clock)
    with pytest.raises(users.UserError, match="in the past"):
        tokens.create_token(redis_client, "ann", name="ci", expires=clock.now(), clock=clock)
    assert tokens.list_tokens(redis_client, "ann") == []
