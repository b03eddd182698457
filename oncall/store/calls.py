"""The call log in Redis: call records, events, references, screening flags and rate limits.

Few round trips per webhook: the first webhook of a call is one script (start); later ones
are one script to load and one to save. Every key name comes from keys.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import redis

from oncall.store import keys
from oncall.store.incidents import DECLARE_TRIES, parse_newest
from oncall.store.redisconn import text, text_map
from oncall.store.scripts import Script


@dataclass(frozen=True)
class SmsAllowance:
    """A follow-up SMS to count against the caps: per caller per local day, all per hour."""

    caller: str
    now: object  # vendor-local: the caller's day is the local day
    per_caller: int
    per_hour: int
    allowed_note: dict  # the call-log event when it may be sent
    refused_note: dict  # ... and when a cap is reached


@dataclass(frozen=True)
class CallState:
    """What a webhook after the first loads about its call, in one round trip."""

    record: dict[str, str] = field(default_factory=dict)  # the call record so far
    accepted: bool = False  # the screened attempt asked about was accepted (pressed 1)
    sms_counts: tuple[int, int] = (0, 0)  # follow-up SMS sent: to the caller today, all hour
    newest_open: tuple[str, int] | None = None  # (id, rank): the vendor's newest open incident
    sms_taken: bool | None = None  # this call's follow-up SMS: None not yet, else allowed


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
        self._load = Script(client, "call_load")
        self._start = Script(client, "call_start")
        self._save = Script(client, "call_save")
        self._claim_ring = Script(client, "call_claim_ring")
        # vendor -> the open incident ids last seen in its storm window: declared up front,
        # a load during a storm takes one round trip (lua/open_incidents.lua)
        self._open_seen: dict[str, list[str]] = {}

    def load(
        self, sid: str, attempt: str | None, sms_for: tuple | None = None, open_for=None
    ) -> CallState:
        """The call's state: its record, whether screened attempt `attempt` was accepted,
        follow-up SMS counts, the vendor's newest open incident and whether this call already
        took its SMS, in one round trip (two when a new incident entered the storm window).
        `sms_for`: (caller, local now). `open_for`: (vendor, since) to look for the newest
        open incident with a call since `since` (epoch seconds) of the call's vendor: the one
        on its record, else `vendor` (the dialled number's, which may be '')."""
        vendor = open_for[0] if open_for else ""
        for _ in range(DECLARE_TRIES):
            ids = self._open_seen.get(vendor, [])
            flat, accepted, mine, everyone, newest, taken, need = self._load(
                call=keys.call(sid),
                screen=keys.screen(sid, attempt or "-"),
                caller_day=keys.caller_sms(sms_for[0], day_stamp(sms_for[1])) if sms_for else "",
                hour=keys.sms_hour(hour_stamp(sms_for[1])) if sms_for else "",
                sms_once=keys.once(sid, SMS_ONCE) if sms_for else "",
                open=keys.open_incidents(vendor) if vendor else "",
                incidents=[keys.incident(i) for i in ids],
                since=open_for[1] if open_for else "",
                vendor=vendor,
                ids=ids,
            )
            if not need:
                break
            vendor = text(need[0])
            self._open_seen[vendor] = [text(i) for i in need[1:]]
        else:
            raise RuntimeError(f"call {sid}: open incidents kept changing during load")
        record = text_map(dict(zip(flat[::2], flat[1::2], strict=True)))
        return CallState(
            record=record,
            accepted=bool(accepted),
            sms_counts=(int(mine), int(everyone)),
            newest_open=parse_newest(newest),
            sms_taken=_taken(int(taken)),
        )

    def start(self, sid: str, vendor: str, now, caller: str | None, to: str, event=None, limit=8):
        """(reference, caller blocked, call record) in one round trip; the first time also
        records the call's vendor, caller, number dialled, start time and `event` (the
        "incoming call" entry of its log), and marks the record 'limited' when the caller
        already had `limit` accepted calls in the last 10 minutes (only accepted calls are
        counted). `now` is vendor-local: the reference year is the local one."""
        ref, blocked, flat = self._start(
            call=keys.call(sid),
            counter=keys.reference_counter(vendor, now.year),
            calls=keys.calls_index(),
            caller_calls=keys.caller_calls(caller or "-"),
            blocked=keys.blocked(),
            events=keys.call_events(sid),
            prefix=reference_prefix(vendor, now.year),
            ttl=keys.CALL_TTL,
            now=int(now.timestamp()),
            sid=sid,
            caller=caller or "",
            vendor=vendor,
            to=to,
            started=now.isoformat(),
            event=json.dumps(event, ensure_ascii=False) if event else "",
            limit=limit,
        )
        record = text_map(dict(zip(flat[::2], flat[1::2], strict=True)))
        return text(ref), bool(blocked), record

    def claim_ring(self, incident_id: str, sid: str) -> bool:
        """Whether call `sid` is the one of incident `incident_id` put through to the engineer
        (the first to ask; the same answer again for a retried webhook)."""
        ring = keys.once_incident(incident_id, "ring")
        return bool(self._claim_ring(ring=ring, call=sid, ttl=30 * keys.DAY))

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
        logged = [[json.dumps(event, ensure_ascii=False), bool(once)] for once, event in events]
        marks = [keys.once(sid, once) for once, _ in events if once]
        return bool(
            self._save(
                call=keys.call(sid),
                events=keys.call_events(sid),
                sms_once=keys.once(sid, SMS_ONCE) if sms else "",
                caller_day=keys.caller_sms(sms.caller, day_stamp(sms.now)) if sms else "",
                hour=keys.sms_hour(hour_stamp(sms.now)) if sms else "",
                marks=[*marks, *(keys.screen(sid, a) for a in accepted)],
                ttl=keys.CALL_TTL,
                fields=json.dumps({k: str(v) for k, v in fields.items()}, ensure_ascii=False),
                logged=json.dumps(logged, ensure_ascii=False),
                per_caller=sms.per_caller if sms else "",
                per_hour=sms.per_hour if sms else "",
                allowed=json.dumps(sms.allowed_note, ensure_ascii=False) if sms else "",
                refused=json.dumps(sms.refused_note, ensure_ascii=False) if sms else "",
            )
        )

    def recent(self, limit: int, vendors=None, scan: int = 2000) -> list[dict]:
        """The newest calls (records with their `sid`), newest first: at most `limit`, of
        `vendors` (a collection of ids) only when given, looking at no more than the newest
        `scan` calls."""
        found: list[dict] = []
        for first in range(0, scan, 200):
            sids = [text(s) for s in self.redis.zrevrange(keys.calls_index(), first, first + 199)]
            pipe = self.redis.pipeline(transaction=False)
            for sid in sids:
                pipe.hgetall(keys.call(sid))
            for sid, raw in zip(sids, pipe.execute() if sids else [], strict=True):
                record = text_map(raw)
                if record and (vendors is None or record.get("vendor") in vendors):
                    found.append({"sid": sid, **record})
            if len(found) >= limit or len(sids) < 200:
                break
        return found[:limit]

    def events(self, sid: str) -> list[dict]:
        return [json.loads(e) for e in self.redis.lrange(keys.call_events(sid), 0, -1)]

    def record(self, sid: str) -> dict[str, str]:
        return text_map(self.redis.hgetall(keys.call(sid)))
