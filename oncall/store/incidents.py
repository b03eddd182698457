"""Incidents in Redis: open-or-attach (call storms), the fencing step, states, timelines,
page attempts and the indexes that sweeps and SMS replies use. Every key is in keys.py."""

from __future__ import annotations

import json

import redis

from oncall.store import keys
from oncall.store.redisconn import text, text_map
from rotas.escalation import Plan
from rotas.incident import Incident

# Attach to the newest open incident of the vendor with the same or a more severe severity
# whose last call is within the window; else create the new one, in the vendor's index by
# opening time too (KEYS[4], the weekly report). Atomic: a storm of simultaneous calls opens
# one incident.
_OPEN_OR_ATTACH = """
local now, window, rank = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[3]) == 1 then return {ARGV[5], 0, 0} end
for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', now - window)) do
  local key = ARGV[4] .. id
  local f = redis.call('HMGET', key, 'state', 'rank')
  if f[1] and f[1] ~= 'resolved' and tonumber(f[2]) <= rank then
    if redis.call('SADD', key .. ':calls', ARGV[6]) == 1 then
      redis.call('HINCRBY', key, 'calls', 1)
      redis.call('HINCRBY', key, 'unsummarised', 1)
      redis.call('ZADD', KEYS[1], now, id)
      return {id, 1, 1}
    end
    return {id, 1, 0}
  end
end
redis.call('HSET', KEYS[3], unpack(ARGV, 7))
redis.call('SADD', KEYS[3] .. ':calls', ARGV[6])
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('ZADD', KEYS[4], now, ARGV[5])
return {ARGV[5], 0, 1}
"""

# The vendor's newest open incident with a call since `since`: {id, rank} or {}. A Lua
# function, so that the call store's load script can look it up in the same round trip.
NEWEST_OPEN_LUA = """
local function newest_open(index, since, prefix)
  for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', index, '+inf', since)) do
    local f = redis.call('HMGET', prefix .. id, 'state', 'rank')
    if f[1] and f[1] ~= 'resolved' then return {id, f[2]} end
  end
  return {}
end
"""
_NEWEST_OPEN = NEWEST_OPEN_LUA + "return newest_open(KEYS[1], ARGV[1], ARGV[2])"

# Move the fencing token from step n to n+1 (only if it is still n and still triggered).
_ADVANCE = """
local f = redis.call('HMGET', KEYS[1], 'state', 'step')
if f[1] ~= 'triggered' or tonumber(f[2]) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'step', tonumber(ARGV[1]) + 1, 'next_step_at', ARGV[2])
-- an exhausted plan stays in the index (at +inf) so respond_by is still watched
redis.call('ZADD', KEYS[2], ARGV[2] == '' and '+inf' or ARGV[2], ARGV[3])
return 1
"""

# triggered -> acknowledged -> resolved, never backwards.
_SET_STATE = """
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return 0 end
local order = {triggered = 1, acknowledged = 2, resolved = 3}
if order[ARGV[1]] <= order[state] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], ARGV[1] .. '_by', ARGV[2], ARGV[1] .. '_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
if ARGV[1] == 'resolved' then redis.call('ZREM', KEYS[3], ARGV[4]) end
return 1
"""


class IncidentStore:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._open = client.register_script(_OPEN_OR_ATTACH)
        self._advance = client.register_script(_ADVANCE)
        self._state = client.register_script(_SET_STATE)
        self._newest = client.register_script(_NEWEST_OPEN)

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
        flat = [str(x) for kv in fields.items() for x in kv]
        found, attached, new = self._open(
            keys=[
                keys.open_incidents(inc.vendor),
                keys.triggered(),
                keys.incident(inc.id),
                keys.incidents_opened(inc.vendor),
            ],
            args=[inc.opened_at, window_s, inc.rank, keys.incident_prefix(), inc.id, call, *flat],
        )
        return text(found), bool(attached), bool(new)

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
                keys=[keys.incident(incident_id), keys.triggered()],
                args=[step, "" if next_at is None else next_at, incident_id],
            )
        )

    def set_state(self, inc: Incident, state: str, by: str, now: float) -> bool:
        return bool(
            self._state(
                keys=[keys.incident(inc.id), keys.triggered(), keys.open_incidents(inc.vendor)],
                args=[state, by, now, inc.id],
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
        found = self._newest(
            keys=[keys.open_incidents(vendor)], args=[since, keys.incident_prefix()]
        )
        return parse_newest(found)

    def triggered_ids(self) -> list[str]:
        return [text(x) for x in self.redis.zrange(keys.triggered(), 0, -1)]


def parse_newest(found) -> tuple[str, int] | None:
    """NEWEST_OPEN_LUA's answer as (id, rank), or None."""
    return (text(found[0]), int(found[1])) if found else None
