"""Users, API tokens and the login audit in Redis (key names in oncall/store/keys.py).

Records are plain dicts of text; oncall/services/users.py gives them meaning (hashing,
roles, expiry). A token is stored only as the sha256 hex of its text.
"""

from __future__ import annotations

import json

import redis

from oncall.store import keys
from oncall.store.redisconn import text, text_map

AUDIT_CAP = 1000  # login attempts kept (newest)


def create_user(client: redis.Redis, username: str, fields: dict[str, str]) -> bool:
    """Store a new user; False (nothing written) when the username is taken."""
    if not client.sadd(keys.users(), username):
        return False
    client.hset(keys.user(username), mapping=fields)
    return True


def load_user(client: redis.Redis, username: str) -> dict[str, str] | None:
    fields = text_map(client.hgetall(keys.user(username)))
    return fields if fields.get("password") else None


def update_user(
    client: redis.Redis, username: str, fields: dict[str, str], *, bump_epoch: bool = False
) -> None:
    pipe = client.pipeline()
    pipe.hset(keys.user(username), mapping=fields)
    if bump_epoch:
        pipe.hincrby(keys.user(username), "epoch", 1)
    pipe.execute()


def usernames(client: redis.Redis) -> list[str]:
    return sorted(text(u) for u in client.smembers(keys.users()))


def save_token(client: redis.Redis, digest: str, fields: dict[str, str]) -> None:
    pipe = client.pipeline()
    pipe.hset(keys.token(digest), mapping=fields)
    pipe.hset(keys.user_tokens(fields["username"]), fields["id"], digest)
    pipe.execute()


def load_token(client: redis.Redis, digest: str) -> dict[str, str] | None:
    return text_map(client.hgetall(keys.token(digest))) or None


def touch_token(client: redis.Redis, digest: str, at: str) -> None:
    """Record when the token was last used (only on a token that still exists)."""
    if client.exists(keys.token(digest)):
        client.hset(keys.token(digest), "last_used", at)


def user_tokens(client: redis.Redis, username: str) -> list[dict[str, str]]:
    digests = [text(d) for d in client.hvals(keys.user_tokens(username))]
    pipe = client.pipeline()
    for digest in digests:
        pipe.hgetall(keys.token(digest))
    return [text_map(found) for found in pipe.execute() if found]


def delete_token(client: redis.Redis, username: str, token_id: str) -> bool:
    digest = client.hget(keys.user_tokens(username), token_id)
    if digest is None:
        return False
    pipe = client.pipeline()
    pipe.delete(keys.token(text(digest)))
    pipe.hdel(keys.user_tokens(username), token_id)
    pipe.execute()
    return True


def push_audit(client: redis.Redis, entry: dict) -> None:
    pipe = client.pipeline()
    pipe.lpush(keys.login_audit(), json.dumps(entry, ensure_ascii=False))
    pipe.ltrim(keys.login_audit(), 0, AUDIT_CAP - 1)
    pipe.execute()


def audit_entries(client: redis.Redis, limit: int) -> list[dict]:
    return [json.loads(e) for e in client.lrange(keys.login_audit(), 0, max(limit, 1) - 1)]
