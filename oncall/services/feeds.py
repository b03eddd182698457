"""iCal feeds behind token URLs: create, list, revoke, renew, and render one.

A token is 32 random bytes (secrets.token_urlsafe: 43 characters), shown once: Redis keeps
its sha256 only (oncall/store/feeds.py). A feed is rendered from the policies the process
has loaded (svc.vendors), so an edited rota shows in the next fetch.
"""

from __future__ import annotations

import hashlib
import re
import secrets

import pendulum
import redis

from oncall.clock import SystemClock
from oncall.services.users import get_user
from oncall.store import feeds as store
from oncall.store.feeds import KINDS, FeedInfo
from rotas import feeds
from rotas.phone import caller_number, mask

TOKEN_BYTES = 32
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) returns
MAX_TOKEN_CHARS = 64  # longer paths are refused before any lookup


class UnknownTarget(ValueError):
    """A feed for nothing: bad kind, unknown vendor, layer or person (the message names the
    valid ones); nothing was stored."""


def create_feed(
    client: redis.Redis,
    *,
    kind: str,
    phone: str | None = None,
    vendor: str | None = None,
    layer: str | None = None,
    owner: str,
    vendors: dict | None = None,
    clock=None,
) -> tuple[str, FeedInfo]:
    """A new feed and its token (shown once). With `vendors` (id -> policy) the target is
    checked against them: an unknown vendor, layer or person raises UnknownTarget."""
    target = _target(kind, phone, vendor, layer, vendors)
    if not owner or not owner.strip():
        raise UnknownTarget("a feed needs an owner (a username)")
    created = (clock or SystemClock()).now().in_timezone("UTC").isoformat()
    while True:
        info = FeedInfo(secrets.token_hex(4), kind, owner.strip(), created, **target)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if store.add(client, token_hash(token), info):
            return token, info


def revoke_feed(client: redis.Redis, feed_id: str) -> bool:
    """The feed's URL answers 404 from now on; False when there is no such feed."""
    return store.remove(client, feed_id)


def renew_feed(client: redis.Redis, feed_id: str) -> tuple[str, FeedInfo]:
    """A new token for the feed; the old URL is dead. LookupError: no such feed."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    info = store.move(client, feed_id, token_hash(token))
    if info is None:
        raise LookupError(f"no feed {feed_id!r}")
    return token, info


def list_feeds(client: redis.Redis, *, owner: str | None = None) -> list[FeedInfo]:
    """Every feed (oldest first), or `owner`'s; never a token."""
    return [f for f in store.all_feeds(client) if owner is None or f.owner == owner]


def get_feed(client: redis.Redis, feed_id: str) -> FeedInfo | None:
    return store.get(client, feed_id)


def feed_for_token(client: redis.Redis, token: str) -> FeedInfo | None:
    """The feed a token opens, or None (malformed, unknown, revoked or renewed, or its owner
    is a disabled user: their feeds stop with their sign-in and tokens)."""
    if len(token) > MAX_TOKEN_CHARS or not TOKEN.fullmatch(token):
        return None
    info = store.find(client, token_hash(token))
    if info is None:
        return None
    owner = get_user(client, info.owner)
    return None if owner is not None and owner.disabled else info


def render_feed(svc_or_vendors, info: FeedInfo, now) -> bytes:
    """The feed as text/calendar bytes, from the loaded policies (`svc.vendors` or a dict of
    id -> policy). A vendor or layer no longer loaded gives an empty calendar."""
    vendors = getattr(svc_or_vendors, "vendors", svc_or_vendors)
    now = pendulum.instance(now)
    if info.kind == "person":
        return feeds.person_feed(list(vendors.values()), info.phone, now).to_ical()
    policy = vendors.get(info.vendor)
    layer = feeds.find_layer(policy, info.layer) if policy is not None else None
    if layer is None:
        start, end = feeds.window(now)
        name = f"{info.vendor} {info.layer} (not in the rota)"
        return feeds.calendar(name, [], now, start, end, with_names=True).to_ical()
    return feeds.layer_feed(policy, layer, now).to_ical()


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/feeds/{token}.ics"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def target_text(info: FeedInfo) -> str:
    """What a feed shows, for lists and logs: the phone masked."""
    return f"person {mask(info.phone)}" if info.kind == "person" else f"{info.vendor}/{info.layer}"


def feed_json(info: FeedInfo) -> dict:
    """A feed as `feeds list --json` and the API show it: never its token, the phone masked."""
    return {
        "id": info.id,
        "kind": info.kind,
        "target": target_text(info),
        "vendor": info.vendor,
        "layer": info.layer,
        "owner": info.owner,
        "created": info.created,
    }


def _target(kind, phone, vendor, layer, vendors) -> dict:
    if kind not in KINDS:
        raise UnknownTarget(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if kind == "person":
        number = caller_number(phone) if phone else None
        if not number:
            raise UnknownTarget(f"{phone!r} is not an E.164 phone number")
        if vendors is not None and feeds.person_name(vendors.values(), number) is None:
            raise UnknownTarget(
                f"{mask(number)} is nobody in any vendor's people (valid: {_people(vendors)})"
            )
        return {"phone": number}
    if vendors is not None:
        if vendor not in vendors:
            raise UnknownTarget(f"unknown vendor {vendor!r} (valid: {', '.join(sorted(vendors))})")
        names = [x.name for x in vendors[vendor].rota.layers]
        if layer not in names:
            raise UnknownTarget(
                f"unknown layer {layer!r} of {vendor} (valid: {', '.join(names) or 'none'})"
            )
    elif not vendor or not layer:
        raise UnknownTarget("a layer feed needs a vendor and a layer")
    return {"vendor": vendor, "layer": layer}


def _people(vendors: dict) -> str:
    """Everyone a person feed can be for: name and masked number, once per number."""
    seen = {}
    for vendor_id in sorted(vendors):
        for p in vendors[vendor_id].people.values():
            seen.setdefault(p.phone, f"{p.name} {mask(p.phone)}")
    return ", ".join(seen.values()) or "none"
