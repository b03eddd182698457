"""Read-only queries over a time range, for reports: the calls started in it, the incidents
a vendor opened in it, and the page attempts of those incidents. A few pipelined round trips
per query; nothing is written.

Calls are kept 90 days (keys.CALL_TTL); incidents and attempts as long as Redis keeps them.
Incidents opened before the index by opening time existed are not in it.
"""

from __future__ import annotations

import json

import redis

from oncall.store import keys
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import text, text_map
from rotas.incident import Incident
from rotas.report import CallRow, PageRow

BATCH = 500  # records per pipeline


def calls_between(client: redis.Redis, vendor: str, start: float, end: float) -> list[CallRow]:
    """The vendor's calls that started in [start, end) (epoch seconds), oldest first."""
    found = client.zrangebyscore(keys.calls_index(), start, f"({end}", withscores=True)
    out = []
    for i in range(0, len(found), BATCH):
        batch = found[i : i + BATCH]
        pipe = client.pipeline(transaction=False)
        for sid, _ in batch:
            pipe.hgetall(keys.call(text(sid)))
            pipe.lrange(keys.call_events(text(sid)), 0, -1)
        answers = pipe.execute()
        for (_, started), raw, events in zip(batch, answers[::2], answers[1::2], strict=True):
            record = text_map(raw)
            if record.get("vendor") == vendor:
                out.append(_call_row(record, events, started))
    return out


def _call_row(record: dict, events: list, started: float) -> CallRow:
    return CallRow(
        reference=record.get("reference", ""),
        started=float(started),
        caller=record.get("caller", ""),
        severity=record.get("severity", ""),
        route=record.get("route", ""),
        outcome=record.get("outcome", ""),
        dial=tuple(record.get("dial", "").split()),
        sms_sid=record.get("sms_sid", ""),
        events=tuple(json.loads(e)["text"] for e in events),
    )


def incidents_opened(client: redis.Redis, vendor: str, start: float, end: float) -> list[Incident]:
    """The vendor's incidents opened in [start, end), oldest first."""
    ids = client.zrangebyscore(keys.incidents_opened(vendor), start, f"({end}")
    store = IncidentStore(client)
    found = (store.load(text(i)) for i in ids)
    return [inc for inc in found if inc is not None]


def page_attempts(client: redis.Redis, incidents: list[Incident]) -> list[PageRow]:
    """Every page attempt (SMS and voice) recorded for the incidents' plan targets."""
    wanted = []
    for inc in incidents:
        for step in range(inc.plan.length):  # repeats included
            for target in inc.plan.step_at(step).targets:
                for kind, key in (
                    ("page", keys.attempt(inc.id, step, target.phone)),
                    ("voice", keys.voice_attempt(inc.id, step, target.phone)),
                ):
                    wanted.append((inc.id, step, target, kind, key))
    pipe = client.pipeline(transaction=False)
    for *_, key in wanted:
        pipe.hgetall(key)
    out = []
    for (incident_id, step, target, kind, _), raw in zip(wanted, pipe.execute(), strict=True):
        record = text_map(raw)
        if record:
            out.append(
                PageRow(
                    incident=incident_id,
                    step=step,
                    phone=target.phone,
                    name=target.name,
                    kind=kind,
                    state=record.get("state", ""),
                    status=record.get("status", ""),
                )
            )
    return out
