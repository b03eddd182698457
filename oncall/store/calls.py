"""The call log in Redis: call records, events, references, screening flags and rate limits.

Few round trips per webhook: the first webhook of a call is one script (start); later ones
are one script to load and one to save. Every key name comes from keys.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import redis

from oncall.store import keys
from oncall.store.incidents import NEWEST_OPEN_LUA, parse_newest
from oncall.store.redisconn import text, text_map

# Load what a webhook after the first needs, in one round trip: the call record, whether
# the screened attempt was accepted, follow-up SMS counts (caller today, everyone this hour),
# whether this call already took its SMS (-1: not yet; 0: refused; 1: allowed) and the newest
# open incident of the call's vendor (call storms): the vendor on its record, else the one
# the caller dialled (ARGV[4]); none when ARGV[1] is ''. Empty key names are skipped.
_LOAD = (
    NEWEST_OPEN_LUA
    + """
local function count(key, none)
  if key == '' then return none end
  return tonumber(redis.call('GET', key) or none)
end
local newest = {}
local vendor = redis.call('HGET', KEYS[1], 'vendor') or ARGV[4]
if ARGV[1] ~= '' and vendor ~= '' then
  newest = newest_open(ARGV[3] .. vendor, ARGV[1], ARGV[2])
end
return {redis.call('HGETALL', KEYS[1]), redis.call('EXISTS', KEYS[2]),
        count(KEYS[3], 0), count(KEYS[4], 0), newest, count(KEYS[5], -1)}
"""
)

# Start a call: allocate its reference once (a retried first webhook gets the same one),
# record who called which number when, with the "incoming call" event, and decide once
# whether the caller is over the call-rate limit (ARGV[10] accepted calls in a sliding
# 10-minute window; members are call sids). Only accepted calls enter the window, so a
# caller who keeps redialling is limited for at most 10 minutes after their last accepted
# call, never locked out. The decision is kept on the record ('limited'). One round trip.
_START = """
local ref = redis.call('HGET', KEYS[1], 'reference')
local now = tonumber(ARGV[3])
if not ref then
  local n = redis.call('INCR', KEYS[2])
  ref = ARGV[1] .. string.format('%06d', n)
  redis.call('HSET', KEYS[1], 'reference', ref, 'vendor', ARGV[6], 'caller', ARGV[5],
             'to', ARGV[7], 'started', ARGV[8])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[3], now, ARGV[4])
  if ARGV[5] ~= '' then
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - 600)
    if redis.call('ZCARD', KEYS[4]) < tonumber(ARGV[10]) then
      redis.call('ZADD', KEYS[4], now, ARGV[4])
      redis.call('EXPIRE', KEYS[4], 1200)
    else
      redis.call('HSET', KEYS[1], 'limited', 1)
    end
  end
  if ARGV[9] ~= '' then
    redis.call('RPUSH', KEYS[6], ARGV[9])
    redis.call('EXPIRE', KEYS[6], ARGV[2])
  end
end
local blocked = 0
if ARGV[5] ~= '' then blocked = redis.call('SISMEMBER', KEYS[5], ARGV[5]) end
return {ref, blocked, redis.call('HGETALL', KEYS[1])}
"""

# Claim the ring of an incident for a call: the first call to claim it is put through to the
# engineer; a retried webhook of that call claims it again. 1: this call holds it.
_CLAIM_RING = """
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
  return 1
end
if holder == ARGV[1] then return 1 end
return 0
"""

# Save a step's results in one round trip. An event with a once-key is appended only the
# first time (Twilio retries webhooks); fields are idempotent anyway. With a follow-up SMS,
# the same script counts it against the caller's daily and the global hourly cap (once per
# call, however often the webhook is retried) and returns whether it may be sent.
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
local na = tonumber(ARGV[i]); i = i + 1
for _ = 1, na do
  redis.call('SET', ARGV[i], 1, 'NX', 'EX', 86400); i = i + 1
end
local sms = 0
if ARGV[i] ~= '' then  -- once key, caller-day key, hour key, caps, both notes
  local once, day, hour = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local per_caller, per_hour = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4])
  local taken = redis.call('GET', once)
  if taken then
    sms = tonumber(taken)
  else
    local mine = redis.call('INCR', day)
    redis.call('EXPIRE', day, 172800)
    local everyone = redis.call('INCR', hour)
    redis.call('EXPIRE', hour, 7200)
    if mine <= per_caller and everyone <= per_hour then sms = 1 end
    redis.call('SET', once, sms, 'EX', 604800)
    redis.call('RPUSH', KEYS[2], sms == 1 and ARGV[i + 5] or ARGV[i + 6])
    ne = ne + 1
  end
end
if ne > 0 then redis.call('EXPIRE', KEYS[2], ttl) end
return sms
"""


@dataclass(frozen=True)
class SmsAllowance:
    """A follow-up SMS to count against the caps: per caller per local day, all per hour."""

    caller: str
    now: object  # vendor-local: the caller's day is the local day
    per_caller: int
    per_hour: int
    allowed_note: dict  # the call-log event when it may be sent
    refused_note: dict  # ... and when a cap is reached


SMS_ONCE = "sms-allowance"  # once-key of a call's follow-up SMS: "1" allowed, "0" refused


def _taken(value: int) -> bool | None:
    return None if value < 0 else bool(value)


def reference_prefix(vendor: str, year: int) -> str:
    """'AIDN-2026-': references are this and a six-digit number per vendor and local year."""
    return f"{vendor.upper()}-{year}-"


def day_stamp(now) -> str:
    return f"{now.year:04d}{now.month:02d}{now.day:02d}"


def hour_stamp(now) -> str:
    return f"{day_stamp(now)}{now.hour:02d}"


class CallStore:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._load = client.register_script(_LOAD)
        self._start = client.register_script(_START)
        self._save = client.register_script(_SAVE)
        self._claim_ring = client.register_script(_CLAIM_RING)

    def load(self, sid: str, attempt: str | None, sms_for: tuple | None = None, open_for=None):
        """(call record, whether screened attempt `attempt` was accepted, (follow-up SMS sent
        today to the caller, to everyone this hour), newest open incident, whether this call
        already took its follow-up SMS: None not yet, else allowed or not) in one round
        trip. `sms_for`: (caller, local now). `open_for`: (vendor, since) to look for the
        newest open incident with a call since `since` (epoch seconds) of the call's vendor:
        the one on its record, else `vendor` (the dialled number's, which may be '')."""
        flat, accepted, mine, everyone, newest, taken = self._load(
            keys=[
                keys.call(sid),
                keys.screen(sid, attempt or "-"),
                keys.caller_sms(sms_for[0], day_stamp(sms_for[1])) if sms_for else "",
                keys.sms_hour(hour_stamp(sms_for[1])) if sms_for else "",
                keys.once(sid, SMS_ONCE) if sms_for else "",
            ],
            args=[
                open_for[1] if open_for else "",
                keys.incident_prefix(),
                keys.open_incidents_prefix(),
                open_for[0] if open_for else "",
            ],
        )
        record = text_map(dict(zip(flat[::2], flat[1::2], strict=True)))
        counts = (int(mine), int(everyone))
        return record, bool(accepted), counts, parse_newest(newest), _taken(int(taken))

    def start(self, sid: str, vendor: str, now, caller: str | None, to: str, event=None, limit=8):
        """(reference, caller blocked, call record) in one round trip; the first time also
        records the call's vendor, caller, number dialled, start time and `event` (the
        "incoming call" entry of its log), and marks the record 'limited' when the caller
        already had `limit` accepted calls in the last 10 minutes (only accepted calls are
        counted). `now` is vendor-local: the reference year is the local one."""
        prefix = reference_prefix(vendor, now.year)
        ref, blocked, flat = self._start(
            keys=[
                keys.call(sid),
                keys.reference_counter(vendor, now.year),
                keys.calls_index(),
                keys.caller_calls(caller or "-"),
                keys.blocked(),
                keys.call_events(sid),
            ],
            args=[
                prefix,
                keys.CALL_TTL,
                int(now.timestamp()),
                sid,
                caller or "",
                vendor,
                to,
                now.isoformat(),
                json.dumps(event, ensure_ascii=False) if event else "",
                limit,
            ],
        )
        record = text_map(dict(zip(flat[::2], flat[1::2], strict=True)))
        return text(ref), bool(blocked), record

    def claim_ring(self, incident_id: str, sid: str) -> bool:
        """Whether call `sid` is the one of incident `incident_id` put through to the engineer
        (the first to ask; the same answer again for a retried webhook)."""
        ring = keys.once_incident(incident_id, "ring")
        return bool(self._claim_ring(keys=[ring], args=[sid, 30 * keys.DAY]))

    def next_reference(self, vendor: str, now) -> str:
        """A fresh reference (`now` vendor-local) for an incident opened without a call."""
        n = self.redis.incr(keys.reference_counter(vendor, now.year))
        return f"{reference_prefix(vendor, now.year)}{n:06d}"

    def save(
        self,
        sid: str,
        fields: dict,
        events: list[tuple[str | None, dict]],
        accepted: list[str] = (),
        sms: SmsAllowance | None = None,
    ) -> bool:
        """Fields, events (each with an optional once-key) and screening acceptances; with
        `sms`, count the follow-up SMS against its caps and return whether it may be sent."""
        args: list = [keys.CALL_TTL, 2 * len(fields)]
        for k, v in fields.items():
            args += [k, str(v)]
        args.append(len(events))
        for once, event in events:
            args += [keys.once(sid, once) if once else "", json.dumps(event, ensure_ascii=False)]
        args.append(len(accepted))
        args += [keys.screen(sid, a) for a in accepted]
        if sms:
            args += [
                keys.once(sid, SMS_ONCE),
                keys.caller_sms(sms.caller, day_stamp(sms.now)),
                keys.sms_hour(hour_stamp(sms.now)),
                sms.per_caller,
                sms.per_hour,
                json.dumps(sms.allowed_note, ensure_ascii=False),
                json.dumps(sms.refused_note, ensure_ascii=False),
            ]
        else:
            args.append("")
        return bool(self._save(keys=[keys.call(sid), keys.call_events(sid)], args=args))

    def events(self, sid: str) -> list[dict]:
        return [json.loads(e) for e in self.redis.lrange(keys.call_events(sid), 0, -1)]

    def record(self, sid: str) -> dict[str, str]:
        return text_map(self.redis.hgetall(keys.call(sid)))
