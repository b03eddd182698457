"""The call log in Redis: call records, events, references, screening flags and rate limits.

Few round trips per webhook: one pipeline to load, one script to start a call, one pipeline
to save. Every key name comes from keys.py.
"""

from __future__ import annotations

import json

import redis

from oncall import keys

# Allocate the call's reference once: a retried first webhook gets the same one.
_START = """
local ref = redis.call('HGET', KEYS[1], 'reference')
if not ref then
  local n = redis.call('INCR', KEYS[2])
  ref = ARGV[1] .. string.format('%06d', n)
  redis.call('HSET', KEYS[1], 'reference', ref)
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
end
local calls = 0
if ARGV[5] ~= '' then
  calls = redis.call('INCR', KEYS[4])
  redis.call('EXPIRE', KEYS[4], 1200)
end
local blocked = 0
if ARGV[5] ~= '' then blocked = redis.call('SISMEMBER', KEYS[5], ARGV[5]) end
return {ref, calls, blocked}
"""


class CallStore:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._start = client.register_script(_START)

    def load(self, sid: str, attempt: str | None) -> tuple[dict[str, str], bool]:
        """(call record, whether screened attempt `attempt` was accepted)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(keys.call(sid))
        pipe.exists(keys.screen(sid, attempt or "-"))
        record, accepted = pipe.execute()
        return _text(record), bool(accepted)

    def start(self, sid: str, vendor: str, now, caller: str | None) -> tuple[str, int, bool]:
        """(reference, calls from this caller in the last 10-20 minutes, caller blocked)."""
        prefix = f"{vendor.upper()}-{now.year}-"
        bucket = int(now.timestamp()) // 600
        ref, calls, blocked = self._start(
            keys=[
                keys.call(sid),
                keys.reference_counter(vendor, now.year),
                keys.calls_index(),
                keys.caller_calls(caller or "-", bucket),
                keys.blocked(),
            ],
            args=[prefix, keys.CALL_TTL, int(now.timestamp()), sid, caller or ""],
        )
        return _str(ref), int(calls), bool(blocked)

    def done(self, sid: str, once_keys: list[str]) -> set[str]:
        """Which of the effects named by `once_keys` were already carried out."""
        if not once_keys:
            return set()
        pipe = self.redis.pipeline(transaction=False)
        for key in once_keys:
            pipe.exists(keys.once(sid, key))
        return {k for k, hit in zip(once_keys, pipe.execute(), strict=True) if hit}

    def save(
        self, sid: str, fields: dict, events: list[dict], once_keys: list[str], accepted: list[str]
    ) -> None:
        """Record fields, events, finished effects and screening acceptances in one go."""
        pipe = self.redis.pipeline(transaction=True)
        if fields:
            pipe.hset(keys.call(sid), mapping={k: str(v) for k, v in fields.items()})
            pipe.expire(keys.call(sid), keys.CALL_TTL)
        if events:
            pipe.rpush(keys.call_events(sid), *[json.dumps(e, ensure_ascii=False) for e in events])
            pipe.expire(keys.call_events(sid), keys.CALL_TTL)
        for key in once_keys:
            pipe.set(keys.once(sid, key), 1, ex=7 * keys.DAY)
        for attempt in accepted:
            pipe.set(keys.screen(sid, attempt), 1, nx=True, ex=keys.DAY)
        pipe.execute()

    def events(self, sid: str) -> list[dict]:
        return [json.loads(e) for e in self.redis.lrange(keys.call_events(sid), 0, -1)]

    def record(self, sid: str) -> dict[str, str]:
        return _text(self.redis.hgetall(keys.call(sid)))

    def take_sms_allowance(self, caller: str, now, per_caller: int, per_hour: int) -> bool:
        """Count one follow-up SMS against the caller's daily and the global hourly cap."""
        day, hour = now.format("YYYYMMDD"), now.format("YYYYMMDDHH")
        pipe = self.redis.pipeline(transaction=True)
        pipe.incr(keys.caller_sms(caller, day))
        pipe.expire(keys.caller_sms(caller, day), 2 * keys.DAY)
        pipe.incr(keys.sms_hour(hour))
        pipe.expire(keys.sms_hour(hour), 2 * 3600)
        mine, _, everyone, _ = pipe.execute()
        return mine <= per_caller and everyone <= per_hour


def _str(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _text(record: dict) -> dict[str, str]:
    return {_str(k): _str(v) for k, v in record.items()}
