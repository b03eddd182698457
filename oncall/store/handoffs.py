"""Shift handoffs in Redis: each (vendor, layer, person, shift start) is claimed once, so its
SMS is sent once whatever restarts; confirmations and the lead's notice are recorded on it.

A handoff hash (keys.handoff) holds what the send needs (the engineer's number included:
job ids and arguments carry only the key) and what happened: claimed_at, sent_at, sid,
confirmed_at, confirmed_by, lead_told_at (epoch seconds). `once` fields are written with
HSETNX: the first writer wins, a retry or a second worker changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pendulum
import redis

from oncall.store import keys
from oncall.store.redisconn import text, text_map
from rotas.handoff import Handoff
from rotas.rota import Person

KEEP_AFTER_END = 60 * keys.DAY  # a handoff record is kept this long after its shift ends


@dataclass(frozen=True)
class Record:
    key: str
    fields: dict[str, str]

    def __getitem__(self, name: str) -> str:
        return self.fields[name]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.fields.get(name, default)

    @property
    def end(self) -> float | None:
        return float(self.fields["end"]) if self.fields.get("end") else None

    def handoff(self) -> Handoff:
        """The handoff this record is of, as rotas/handoff.py describes it."""
        f = self.fields
        person = Person(f["person"], f["name"], f["phone"], f["language"])
        start = pendulum.from_timestamp(float(f["start"]))
        end = pendulum.from_timestamp(self.end) if self.end is not None else None
        return Handoff(f["vendor"], f["layer"], person, start, end, bool(f.get("override")))

    def to_json(self) -> dict:
        out = {k: v for k, v in self.fields.items() if k != "phone"}
        return {"key": self.key, **out}


class Handoffs:
    def __init__(self, client: redis.Redis):
        self.redis = client

    def checked(self) -> float | None:
        """Up to when shift starts were looked for (None: never, a fresh deployment)."""
        value = self.redis.get(keys.handoffs_checked())
        return float(value) if value is not None else None

    def mark_checked(self, until: float) -> None:
        self.redis.set(keys.handoffs_checked(), repr(until))

    def claim(self, handoff: Handoff, now: float) -> tuple[str, bool]:
        """(the handoff's key, whether this call claimed it first)."""
        p = handoff.person
        key = keys.handoff(handoff.vendor, handoff.layer, p.id, handoff.start_ts)
        end = handoff.end.timestamp() if handoff.end is not None else None
        fields = {
            "vendor": handoff.vendor,
            "layer": handoff.layer,
            "person": p.id,
            "name": p.name,
            "language": p.language,
            "phone": p.phone,
            "start": str(handoff.start_ts),
            "end": repr(end) if end is not None else "",
            "override": "1" if handoff.override else "",
        }
        ttl = int(max(end or now, now) - now) + KEEP_AFTER_END
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(key, "claimed_at", repr(now))
        pipe.hset(key, mapping=fields)  # the same values whoever writes them
        pipe.expire(key, ttl)
        pipe.zadd(keys.handoffs_of(handoff.vendor), {key: handoff.start_ts})
        pipe.zremrangebyscore(keys.handoffs_of(handoff.vendor), "-inf", now - KEEP_AFTER_END)
        return key, bool(pipe.execute()[0])

    def load(self, key: str) -> Record | None:
        fields = text_map(self.redis.hgetall(key))
        return Record(key, fields) if fields.get("claimed_at") else None

    def once(self, key: str, field: str, value) -> bool:
        """Set `field` unless it is set already: True for the first writer."""
        return bool(self.redis.hsetnx(key, field, str(value)))

    def awaiting_reply(self, record: Record) -> None:
        """The SMS is about to go out: a reply of 1 from that phone confirms from now on (a
        fast reply may arrive before the send is recorded)."""
        pending = keys.handoffs_pending(record["phone"])
        pipe = self.redis.pipeline(transaction=True)
        pipe.zadd(pending, {record.key: float(record["start"])})
        pipe.expire(pending, KEEP_AFTER_END)
        pipe.execute()

    def sent(self, record: Record, sid: str, now: float) -> None:
        """The SMS went out."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(record.key, "sent_at", repr(now))
        pipe.hsetnx(record.key, "sid", sid)
        pipe.execute()

    def pending(self, phone: str, now: float) -> list[Record]:
        """Handoffs sent to `phone`, not confirmed, whose shift has not ended; newest first."""
        out = []
        for raw in self.redis.zrevrange(keys.handoffs_pending(phone), 0, 20):
            record = self.load(text(raw))
            if record is None or record.get("confirmed_at"):
                self.redis.zrem(keys.handoffs_pending(phone), raw)
            elif record.end is None or record.end > now:
                out.append(record)
        return out

    def confirm(self, record: Record, who: str, now: float) -> bool:
        """Record the confirmation (the first one counts); True if this one was first."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hsetnx(record.key, "confirmed_at", repr(now))
        pipe.hsetnx(record.key, "confirmed_by", who)
        pipe.zrem(keys.handoffs_pending(record["phone"]), record.key)
        return bool(pipe.execute()[0])

    def of_vendor(self, vendor: str, limit: int = 50) -> list[Record]:
        """The vendor's newest handoffs, newest first."""
        raws = self.redis.zrevrange(keys.handoffs_of(vendor), 0, limit - 1)
        return [r for r in (self.load(text(x)) for x in raws) if r is not None]
