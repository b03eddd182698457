"""Incidents in Redis: open-or-attach (call storms), the fencing step, states, timelines,
page attempts and the indexes that sweeps and SMS replies use. Every key is in keys.py."""

from __future__ import annotations

import json

import redis

from oncall.store import keys
from oncall.store.redisconn import text, text_map
from oncall.store.scripts import Script
from rotas.escalation import Plan
from rotas.incident import Incident

DECLARE_TRIES = 8  # runs of a script that declares open incidents (lua/open_incidents.lua)


class IncidentStore:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._open = Script(client, "incident_open_or_attach")
        self._advance = Script(client, "incident_advance")
        self._state = Script(client, "incident_set_state")
        self._newest = Script(client, "incident_newest_open")
        # vendor -> the open incident ids last seen in its storm window, declared up front
        # (lua/open_incidents.lua): kept for the life of the store, so only the first call
        # after a new incident entered the window runs a script twice
        self._open_seen: dict[str, list[str]] = {}

    def open_or_attach(self, inc: Incident, window_s: float, call: str):
        """(incident id, attached to an existing one, new: False when this call was already
        counted). `call` (a CallSid) counts once, so a retried webhook neither opens a second
        incident nor inflates the call count."""
        fields = {
            "vendor": inc.vendor,
            "severity": inc.severity,
            "rank": inc.rank,
            "message": inc.message,
            "caller": inc.caller,
            "state": inc.state,
            "opened_at": inc.opened_at,
            "respond_by": inc.respond_by or "",
            "plan": json.dumps(inc.plan.to_json()),
            "step": inc.step,
            "next_step_at": inc.next_step_at or "",
            "calls": 1,
            "unsummarised": 0,
        }
        for _ in range(DECLARE_TRIES):
            ids = self._open_seen.get(inc.vendor, [])
            found, attached, new, need = self._open(
                open=keys.open_incidents(inc.vendor),
                triggered=keys.triggered(),
                incident=keys.incident(inc.id),
                calls=keys.incident_calls(inc.id),
                opened=keys.incidents_opened(inc.vendor),
                candidates=[k for i in ids for k in (keys.incident(i), keys.incident_calls(i))],
                now=inc.opened_at,
                window=window_s,
                rank=inc.rank,
                id=inc.id,
                call=call,
                fields=json.dumps({k: str(v) for k, v in fields.items()}, ensure_ascii=False),
                ids=ids,
            )
            if not need:
                return text(found), bool(attached), bool(new)
            self._open_seen[inc.vendor] = [text(i) for i in need]
        raise RuntimeError(f"incident {inc.id}: open incidents kept changing")

    def load(self, incident_id: str) -> Incident | None:
        raw = text_map(self.redis.hgetall(keys.incident(incident_id)))
        if not raw:
            return None
        core = {
            "vendor",
            "severity",
            "rank",
            "message",
            "caller",
            "state",
            "opened_at",
            "respond_by",
            "plan",
            "step",
            "next_step_at",
            "calls",
        }
        return Incident(
            id=incident_id,
            vendor=raw["vendor"],
            severity=raw["severity"],
            rank=int(raw["rank"]),
            message=raw["message"],
            caller=raw["caller"],
            state=raw["state"],
            opened_at=float(raw["opened_at"]),
            respond_by=float(raw["respond_by"]) if raw.get("respond_by") else None,
            plan=Plan.from_json(json.loads(raw["plan"])),
            step=int(raw["step"]),
            next_step_at=float(raw["next_step_at"]) if raw.get("next_step_at") else None,
            calls=int(raw.get("calls", 1)),
            extra={k: v for k, v in raw.items() if k not in core},
        )

    def advance(self, incident_id: str, step: int, next_at: float | None) -> bool:
        """Step `step` ran: the token moves to step + 1, due at `next_at` (None: exhausted)."""
        return bool(
            self._advance(
                incident=keys.incident(incident_id),
                triggered=keys.triggered(),
                step=step,
                next_at="" if next_at is None else next_at,
                id=incident_id,
            )
        )

    def set_state(self, inc: Incident, state: str, by: str, now: float) -> bool:
        return bool(
            self._state(
                incident=keys.incident(inc.id),
                triggered=keys.triggered(),
                open=keys.open_incidents(inc.vendor),
                state=state,
                by=by,
                now=now,
                id=inc.id,
            )
        )

    def set_fields(self, incident_id: str, **fields) -> None:
        self.redis.hset(keys.incident(incident_id), mapping={k: str(v) for k, v in fields.items()})

    def field(self, incident_id: str, name: str) -> str | None:
        value = self.redis.hget(keys.incident(incident_id), name)
        return text(value) if value is not None else None

    def take_unsummarised(self, incident_id: str) -> int:
        """Calls attached since the last summary, reset to 0."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hget(keys.incident(incident_id), "unsummarised")
        pipe.hset(keys.incident(incident_id), "unsummarised", 0)
        count, _ = pipe.execute()
        return int(count or 0)

    def event(self, incident_id: str, now: float, text: str) -> None:
        self.redis.rpush(
            keys.incident_timeline(incident_id),
            json.dumps({"at": now, "text": text}, ensure_ascii=False),
        )

    def timeline(self, incident_id: str) -> list[dict]:
        raw = self.redis.lrange(keys.incident_timeline(incident_id), 0, -1)
        return [json.loads(e) for e in raw]

    def once(self, incident_id: str, key: str) -> bool:
        """True the first time `key` is claimed for this incident."""
        return bool(
            self.redis.set(keys.once_incident(incident_id, key), 1, nx=True, ex=30 * keys.DAY)
        )

    def mark_paged(self, incident_id: str, phone: str, now: float) -> None:
        self.redis.zadd(keys.paged(phone), {incident_id: now})

    def paged_to(self, phone: str) -> list[str]:
        """Incident ids paged to `phone`, newest first."""
        return [text(x) for x in self.redis.zrevrange(keys.paged(phone), 0, 50)]

    def newest_open(self, vendor: str, since: float) -> tuple[str, int] | None:
        """(id, rank) of the vendor's newest open incident with a call since `since`."""
        for _ in range(DECLARE_TRIES):
            ids = self._open_seen.get(vendor, [])
            found, need = self._newest(
                open=keys.open_incidents(vendor),
                incidents=[keys.incident(i) for i in ids],
                since=since,
                ids=ids,
            )
            if not need:
                return parse_newest(found)
            self._open_seen[vendor] = [text(i) for i in need]
        raise RuntimeError(f"vendor {vendor}: open incidents kept changing")

    def opened_ids(self, vendor: str, count: int) -> list[str]:
        """The vendor's newest `count` incident ids by when they opened, newest first."""
        return [text(x) for x in self.redis.zrevrange(keys.incidents_opened(vendor), 0, count - 1)]

    def triggered_ids(self) -> list[str]:
        return [text(x) for x in self.redis.zrange(keys.triggered(), 0, -1)]


def parse_newest(found) -> tuple[str, int] | None:
    """A script's newest open incident ({id, rank} or {}) as (id, rank), or None."""
    return (text(found[0]), int(found[1])) if found else None
