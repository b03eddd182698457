"""Each vendor file's last good version, kept in Redis by every process that loaded it.

Redis being down must never stop a start-up: the first Redis error is logged and the store
then answers "nothing kept" without trying again (each try would cost a connect timeout).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import pendulum
import redis

from oncall.store import keys
from oncall.store.redisconn import text_map

log = logging.getLogger("oncall.vendors")


@dataclass(frozen=True)
class Kept:
    text: str
    sha256: str
    loaded_at: str  # ISO 8601, UTC: when this version first loaded without errors
    source: str


class LastGood:
    def __init__(self, client: redis.Redis | None):
        self.client = client

    def get(self, vendor: str) -> Kept | None:
        fields = self._call(lambda c: text_map(c.hgetall(keys.vendor_last_good(vendor))))
        if not fields or "text" not in fields:
            return None
        return Kept(
            fields["text"],
            fields.get("sha256", ""),
            fields.get("loaded_at", ""),
            fields.get("source", ""),
        )

    def save(self, vendor: str, text: str, source: str) -> None:
        """Keep `text` as the vendor's last good version (unchanged text: nothing written)."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        key = keys.vendor_last_good(vendor)
        if self._call(lambda c: c.hget(key, "sha256")) in (digest, digest.encode()):
            return
        now = pendulum.now("UTC").to_iso8601_string()
        mapping = {"text": text, "sha256": digest, "loaded_at": now, "source": source}
        self._call(lambda c: c.hset(key, mapping=mapping))

    def owners(self) -> dict[str, str]:
        """inbound number -> the vendor that answered it at the last start-up."""
        return self._call(lambda c: text_map(c.hgetall(keys.inbound_owners()))) or {}

    def save_owners(self, owners: dict[str, str]) -> None:
        if owners:
            self._call(lambda c: c.hset(keys.inbound_owners(), mapping=owners))

    def _call(self, action):
        if self.client is None:
            return None
        try:
            return action(self.client)
        except (redis.RedisError, OSError) as exc:
            log.error(
                "Redis unavailable for last good vendor versions (%s): none kept or read",
                type(exc).__name__,
            )
            self.client = None
            return None
