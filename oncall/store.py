"""The call log in Redis: call records, events, references, screening flags and rate limits.

Few round trips per webhook: one pipeline to load, one script to start a call, one pipeline
to save. Every key name comes from keys.py.
"""

from __future__ import annotations

import json

import redis

from oncall import keys

# Allocate the call's reference once: a retried first webhook gets the same one, and counts
# once in the caller's sliding 10-minute window of calls (members are call sids).
_START = """
local ref = redis.call('HGET', KEYS[1], 'reference')
local now = tonumber(ARGV[3])
if not ref then
  local n = redis.call('INCR', KEYS[2])
  ref = ARGV[1] .. string.format('%06d', n)
  redis.call('HSET', KEYS[1], 'reference', ref)
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[3], now, ARGV[4])
  if ARGV[5] ~= '' then
    redis.call('ZADD', KEYS[4], now, ARGV[4])
    redis.call('EXPIRE', KEYS[4], 1200)
  end
end
local calls = 0
if ARGV[5] ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 600)
  calls = redis.call('ZCARD', KEYS[4])
end
local blocked = 0
if ARGV[5] ~= '' then blocked = redis.call('SISMEMBER', KEYS[5], ARGV[5]) end
return {ref, calls, blocked, redis.call('HGETALL', KEYS[1])}
"""

# Save a step's results in one round trip. An event with a once-key is appended only the
# first time (Twilio retries webhooks); fields are idempotent anyway.
_SAVE = """
local ttl, i = tonumber(ARGV[1]), 2
local nf = tonumber(ARGV[i]); i = i + 1
if nf > 0 then
  redis.call('HSET', KEYS[1], unpack(ARGV, i, i + nf - 1)); i = i + nf
  redis.call('EXPIRE', KEYS[1], ttl)
end
local ne = tonumber(ARGV[i]); i = i + 1
for _ = 1, ne do
  local once, event = ARGV[i], ARGV[i + 1]; i = i + 2
  if once == '' or redis.call('SET', once, 1, 'NX', 'EX', 604800) then
    redis.call('RPUSH', KEYS[2], event)
  end
end
if ne > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
local na = tonumber(ARGV[i]); i = i + 1
for _ = 1, na do
  redis.call('SET', ARGV[i], 1, 'NX', 'EX', 86400); i = i + 1
end
return 1
"""


class CallStore:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._start = client.register_script(_START)
        self._save = client.register_script(_SAVE)

    def load(self, sid: str, attempt: str | None, sms_for: tuple | None = None):
        """(call record, whether screened attempt `attempt` was accepted, follow-up SMS sent
        today to the caller and to everyone this hour). `sms_for`: (caller, local now)."""
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(keys.call(sid))
        pipe.exists(keys.screen(sid, attempt or "-"))
        if sms_for:
            pipe.get(keys.caller_sms(sms_for[0], sms_for[1].format("YYYYMMDD")))
            pipe.get(keys.sms_hour(sms_for[1].format("YYYYMMDDHH")))
        record, accepted, *counts = pipe.execute()
        return _text(record), bool(accepted), tuple(int(c or 0) for c in counts) or (0, 0)

    def start(self, sid: str, vendor: str, now, caller: str | None):
        """(reference, calls from this caller in the last 10 minutes, caller blocked, call
        record) in one round trip. `now` is vendor-local: the reference year is the local one."""
        prefix = f"{vendor.upper()}-{now.year}-"
        ref, calls, blocked, flat = self._start(
            keys=[
                keys.call(sid),
                keys.reference_counter(vendor, now.year),
                keys.calls_index(),
                keys.caller_calls(caller or "-"),
                keys.blocked(),
            ],
            args=[prefix, keys.CALL_TTL, int(now.timestamp()), sid, caller or ""],
        )
        record = _text(dict(zip(flat[::2], flat[1::2], strict=True)))
        return _str(ref), int(calls), bool(blocked), record

    def next_reference(self, vendor: str, now) -> str:
        """A fresh reference (`now` vendor-local) for an incident opened without a call."""
        n = self.redis.incr(keys.reference_counter(vendor, now.year))
        return f"{vendor.upper()}-{now.year}-{n:06d}"

    def save(
        self,
        sid: str,
        fields: dict,
        events: list[tuple[str | None, dict]],
        accepted: list[str] = (),
    ) -> None:
        """Fields, events (each with an optional once-key) and screening acceptances."""
        args: list = [keys.CALL_TTL, 2 * len(fields)]
        for k, v in fields.items():
            args += [k, str(v)]
        args.append(len(events))
        for once, event in events:
            args += [keys.once(sid, once) if once else "", json.dumps(event, ensure_ascii=False)]
        args.append(len(accepted))
        args += [keys.screen(sid, a) for a in accepted]
        self._save(keys=[keys.call(sid), keys.call_events(sid)], args=args)

    def events(self, sid: str) -> list[dict]:
        return [json.loads(e) for e in self.redis.lrange(keys.call_events(sid), 0, -1)]

    def record(self, sid: str) -> dict[str, str]:
        return _text(self.redis.hgetall(keys.call(sid)))

    def take_sms_allowance(self, caller: str, now, per_caller: int, per_hour: int) -> bool:
        """Count one follow-up SMS against the caller's daily and the global hourly cap
        (`now` vendor-local: the caller's day is the local day)."""
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
