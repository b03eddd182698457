"""iCal feed tokens in Redis. A feed is found by the sha256 of its token (keys.feed), so a
dump of Redis holds no usable feed URL; keys.feed_ids maps each feed's id to that hash, for
listing, revoking and renewing by id. Revoke and renew are atomic (WATCH on the id map):
after a renew the old token finds nothing."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import redis

from oncall.store import keys
from oncall.store.redisconn import text, text_map

KINDS = ("person", "layer")


@dataclass(frozen=True)
class FeedInfo:
    id: str
    kind: str  # "person" | "layer"
    owner: str  # the username that asked for it
    created: str  # ISO-8601, UTC
    phone: str | None = None  # kind "person": the engineer's E.164 number
    vendor: str | None = None  # kind "layer"
    layer: str | None = None

    def to_fields(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> FeedInfo:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in fields.items() if k in names})


def add(client: redis.Redis, token_hash: str, info: FeedInfo) -> bool:
    """Store a new feed; False (nothing written) when its id is taken."""
    if not client.hsetnx(keys.feed_ids(), info.id, token_hash):
        return False
    client.hset(keys.feed(token_hash), mapping=info.to_fields())
    return True


def find(client: redis.Redis, token_hash: str) -> FeedInfo | None:
    fields = text_map(client.hgetall(keys.feed(token_hash)))
    return FeedInfo.from_fields(fields) if fields.get("id") else None


def get(client: redis.Redis, feed_id: str) -> FeedInfo | None:
    token_hash = client.hget(keys.feed_ids(), feed_id)
    return find(client, text(token_hash)) if token_hash else None


def all_feeds(client: redis.Redis) -> list[FeedInfo]:
    hashes = [text(h) for h in client.hvals(keys.feed_ids())]
    pipe = client.pipeline(transaction=False)
    for h in hashes:
        pipe.hgetall(keys.feed(h))
    found = [text_map(f) for f in pipe.execute()]
    return sorted((FeedInfo.from_fields(f) for f in found if f.get("id")), key=_order)


def remove(client: redis.Redis, feed_id: str) -> bool:
    """Revoke: the feed's token finds nothing from now on. False: no such feed."""

    def revoke(pipe) -> bool:
        token_hash = pipe.hget(keys.feed_ids(), feed_id)
        if not token_hash:
            return False
        pipe.multi()
        pipe.delete(keys.feed(text(token_hash)))
        pipe.hdel(keys.feed_ids(), feed_id)
        return True

    return client.transaction(revoke, keys.feed_ids(), value_from_callable=True)


def move(client: redis.Redis, feed_id: str, new_hash: str) -> FeedInfo | None:
    """Renew: the feed answers to the new token's hash only. None: no such feed."""

    def renew(pipe) -> FeedInfo | None:
        old_hash = pipe.hget(keys.feed_ids(), feed_id)
        fields = text_map(pipe.hgetall(keys.feed(text(old_hash)))) if old_hash else {}
        if not fields.get("id"):
            return None
        pipe.multi()
        pipe.delete(keys.feed(text(old_hash)))
        pipe.hset(keys.feed(new_hash), mapping=fields)
        pipe.hset(keys.feed_ids(), feed_id, new_hash)
        return FeedInfo.from_fields(fields)

    return client.transaction(renew, keys.feed_ids(), value_from_callable=True)


def _order(info: FeedInfo) -> tuple:
    return (info.created, info.id)
