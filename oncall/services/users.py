"""Users, their roles and passwords (argon2); the login audit. API tokens: tokens.py.

Passwords are argon2id hashes (argon2-cffi's PasswordHasher; rehashed at the next login when
its parameters change). A login with an unknown username still verifies a password (against
a dummy hash) so the answer takes as long as for a wrong password.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from functools import cache

import pendulum
import redis
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from oncall.clock import SystemClock
from oncall.store import users as store
from rotas.permissions import ADMIN, ANY_VENDOR, ROLES
from rotas.phone import InvalidNumber, mask, to_e164

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
VENDOR_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
MIN_PASSWORD, MAX_PASSWORD = 10, 1024
MAX_NAME = 100
HASHER = PasswordHasher()


class UserError(ValueError):
    """Bad input (a clear message; nothing was changed)."""


@dataclass(frozen=True)
class User:
    username: str
    name: str
    phone: str | None  # E.164: who "themselves" is in each vendor's `people`
    roles: dict[str, str]  # vendor id -> "lead" | "engineer"; {"*": "admin"} for admins
    disabled: bool = False
    epoch: int = field(default=0, compare=False)  # bumped by disable/passwd: sessions end

    # Flask-Login's user protocol
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return not self.disabled

    def get_id(self) -> str:
        return f"{self.username}:{self.epoch}"

    @property
    def is_admin(self) -> bool:
        return self.roles.get(ANY_VENDOR) == ADMIN


def add_user(
    client: redis.Redis,
    username: str,
    *,
    name: str,
    password: str,
    phone: str | None = None,
    roles: dict[str, str],
    clock=None,
) -> User:
    username = check_username(username)
    fields = {
        "name": check_name(name),
        "phone": _phone(phone) or "",
        "roles": json.dumps(check_roles(roles), sort_keys=True),
        "disabled": "0",
        "password": HASHER.hash(check_password(password)),
        "created": utc_iso((clock or SystemClock()).now()),
        "epoch": "0",
    }
    if not store.create_user(client, username, fields):
        raise UserError(f"user {username!r} exists")
    return get_user(client, username)


def get_user(client: redis.Redis, username: str) -> User | None:
    if not isinstance(username, str) or not USERNAME.match(username):
        return None
    record = store.load_user(client, username)
    return _user(username, record) if record else None


def list_users(client: redis.Redis) -> list[User]:
    return [u for u in (get_user(client, name) for name in store.usernames(client)) if u]


def disable_user(client: redis.Redis, username: str) -> User:
    """Disabled: no login, sessions and tokens stop working at once."""
    require_user(client, username)
    store.update_user(client, username, {"disabled": "1"}, bump_epoch=True)
    return get_user(client, username)


def set_roles(client: redis.Redis, username: str, roles: dict[str, str]) -> User:
    """The user's roles replaced (checked like add_user's); effective at their next request."""
    require_user(client, username)
    store.update_user(client, username, {"roles": json.dumps(check_roles(roles), sort_keys=True)})
    return get_user(client, username)


def set_password(client: redis.Redis, username: str, password: str) -> None:
    """A new password; the user's existing sessions end."""
    require_user(client, username)
    digest = HASHER.hash(check_password(password))
    store.update_user(client, username, {"password": digest}, bump_epoch=True)


def check_login(
    client: redis.Redis, username: str, password: str, *, address: str = "", clock=None
) -> User | None:
    """The user when the password is theirs and they are not disabled, else None (the reason
    goes only to the audit). Every attempt is audited."""
    name = (username or "").strip().lower()[:64]
    record = store.load_user(client, name) if USERNAME.match(name) else None
    digest = record["password"] if record else _dummy_hash()
    matches = _verify(digest, password or "")
    if record is None:
        outcome = "unknown-user"
    elif not matches:
        outcome = "bad-password"
    elif record.get("disabled") == "1":
        outcome = "disabled"
    else:
        outcome = "ok"
        if HASHER.check_needs_rehash(digest):
            store.update_user(client, name, {"password": HASHER.hash(password)})
    record_login(client, name, address, outcome, clock=clock)
    return _user(name, record) if outcome == "ok" else None


def record_login(
    client: redis.Redis, username: str, address: str, outcome: str, *, clock=None
) -> None:
    """One audit entry (never the password)."""
    at = utc_iso((clock or SystemClock()).now())
    entry = {"at": at, "username": username[:64], "address": address[:64], "outcome": outcome}
    store.push_audit(client, entry)


def audit(client: redis.Redis, *, limit: int = 50) -> list[dict]:
    """The latest login attempts, newest first: {at, username, address, outcome}."""
    return store.audit_entries(client, limit)


def user_json(user: User, *, full_phone: bool = False) -> dict:
    """A user as `users list --json` and the API show them: the phone masked unless
    `full_phone` (the user's own /me); never the password hash."""
    phone = user.phone if full_phone or not user.phone else mask(user.phone)
    return {
        "username": user.username,
        "name": user.name,
        "phone": phone,
        "roles": dict(user.roles),
        "disabled": user.disabled,
    }


def check_username(username: str) -> str:
    if not isinstance(username, str) or not USERNAME.match(username):
        raise UserError(
            f"username {username!r}: 1-64 of a-z 0-9 . _ - (lower case), starting with a "
            "letter or digit"
        )
    return username


def generated_password() -> str:
    """A password made for a user (20 URL-safe characters), shown to them once."""
    return secrets.token_urlsafe(15)


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def check_roles(roles: dict[str, str]) -> dict[str, str]:
    if not roles:
        raise UserError("a user needs at least one role (admin, lead:VENDOR, engineer:VENDOR)")
    for vendor, role in roles.items():
        if role not in ROLES or (role == ADMIN) != (vendor == ANY_VENDOR):
            raise UserError(f"role {role!r} for {vendor!r}: admin (all vendors), lead or engineer")
        if vendor != ANY_VENDOR and not VENDOR_ID.match(vendor):
            raise UserError(f"{vendor!r} is not a vendor id")
    return dict(roles)


def require_user(client: redis.Redis, username: str) -> User:
    """The user, or UserError naming the unknown username."""
    user = get_user(client, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def _user(username: str, record: dict[str, str]) -> User:
    return User(
        username=username,
        name=record.get("name", ""),
        phone=record.get("phone") or None,
        roles=json.loads(record.get("roles") or "{}"),
        disabled=record.get("disabled") == "1",
        epoch=int(record.get("epoch") or 0),
    )


def check_name(name: str, what: str = "name") -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise UserError(f"a {what} has 1 to {MAX_NAME} characters")
    return name.strip()


def _phone(phone: str | None) -> str | None:
    if phone is None or not str(phone).strip():
        return None
    try:
        return to_e164(phone, "NO")
    except InvalidNumber:
        raise UserError("phone: not a valid number (E.164, like +4791234567)") from None


def _verify(digest: str, password: str) -> bool:
    try:
        return HASHER.verify(digest, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def utc_iso(at) -> str:
    """An instant as ISO-8601 UTC, as the user store keeps times."""
    return pendulum.instance(at).in_timezone("UTC").isoformat()
