"""API tokens of a user (`Authorization: Bearer`): 32 random bytes, urlsafe, prefixed "oc_",
shown once and stored as their sha256 hex; revocable; they carry the user's roles and stop
when the user is disabled."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import pendulum
import redis

from oncall.services.users import User, UserError, check_name, get_user, require_user, utc_iso
from oncall.store import users as store

TOKEN_PREFIX = "oc_"


@dataclass(frozen=True)
class TokenInfo:
    id: str
    username: str
    name: str
    created: str  # ISO-8601 UTC
    expires: str | None
    last_used: str | None


def create_token(
    client: redis.Redis, username: str, *, name: str, expires=None, clock
) -> tuple[str, TokenInfo]:
    """(the token, shown once; its info). `expires`: an aware datetime or None."""
    require_user(client, username)
    now = clock.now()
    if expires is not None and (not isinstance(expires, datetime) or expires.tzinfo is None):
        raise UserError("expires must be an aware date-time")
    if expires is not None and expires <= now:
        raise UserError("the expiry is in the past")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    fields = {
        "id": secrets.token_hex(6),
        "username": username,
        "name": check_name(name, "token name"),
        "created": utc_iso(now),
        "expires": utc_iso(expires) if expires else "",
        "last_used": "",
    }
    store.save_token(client, token_digest(token), fields)
    return token, _token_info(fields)


def user_for_token(client: redis.Redis, token: str, *, clock) -> User | None:
    """The token's user; None when unknown, revoked, expired or the user is disabled."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    digest = token_digest(token)
    record = store.load_token(client, digest)
    if not record:
        return None
    now = clock.now()
    if record.get("expires") and pendulum.parse(record["expires"]) <= now:
        return None
    user = get_user(client, record["username"])
    if user is None or user.disabled:
        return None
    store.touch_token(client, digest, utc_iso(now))
    return user


def revoke_token(client: redis.Redis, username: str, token_id: str) -> bool:
    return store.delete_token(client, username, token_id)


def list_tokens(client: redis.Redis, username: str) -> list[TokenInfo]:
    """The user's tokens, oldest first (never the token itself)."""
    found = [_token_info(f) for f in store.user_tokens(client, username)]
    return sorted(found, key=lambda t: (t.created, t.id))


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_info(fields: dict[str, str]) -> TokenInfo:
    return TokenInfo(
        id=fields["id"],
        username=fields["username"],
        name=fields["name"],
        created=fields["created"],
        expires=fields.get("expires") or None,
        last_used=fields.get("last_used") or None,
    )
