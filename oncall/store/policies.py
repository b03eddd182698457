"""Versioned vendor policy documents in Redis (keys in keys.py, the save in
lua/policy_save.lua).

Per vendor: a hash of every version ever saved (number -> JSON of text, author, at, summary,
changes), numbered 1, 2, 3 ...; one hash of every vendor's current version number (its
fields are the stored vendor ids); one hash of which vendor claims each inbound number; and
ONE generation counter that every save increments, so a process learns "nothing changed"
from a single GET. A version, once written, never changes: a reader that gets a current
number and then that version always gets a consistent pair.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import redis

from oncall.store import keys
from oncall.store.redisconn import text, text_map
from oncall.store.scripts import Script


@dataclass(frozen=True)
class Outcome:
    """What a save did: 'ok' (number, generation), 'conflict' (number = the current version,
    0 for none) or 'claimed' (`number` is claimed by vendor `owner`)."""

    status: str
    number: int = 0
    generation: int = 0
    claimed: str = ""
    owner: str = ""


def generation(client: redis.Redis) -> int:
    """The count of policy saves ever made: one GET."""
    return int(client.get(keys.policy_generation()) or 0)


def current_numbers(client: redis.Redis) -> dict[str, int]:
    """vendor id -> current version number, for every stored vendor: one HGETALL."""
    return {v: int(n) for v, n in text_map(client.hgetall(keys.policy_current())).items()}


def current_number(client: redis.Redis, vendor: str) -> int:
    """The vendor's current version number; 0 when it has none."""
    return int(client.hget(keys.policy_current(), vendor) or 0)


def inbound_owners(client: redis.Redis) -> dict[str, str]:
    """inbound number -> the vendor whose current version claims it."""
    return text_map(client.hgetall(keys.policy_inbound()))


def load(client: redis.Redis, vendor: str, numbers: list[int]) -> list[dict | None]:
    """The records of versions `numbers` of `vendor` (None for a number never saved)."""
    if not numbers:
        return []
    raw = client.hmget(keys.policy_versions(vendor), [str(n) for n in numbers])
    return [json.loads(text(r)) if r is not None else None for r in raw]


def load_current(client: redis.Redis, vendor: str) -> tuple[int, dict] | None:
    number = current_number(client, vendor)
    if not number:
        return None
    record = load(client, vendor, [number])[0]
    return (number, record) if record is not None else None


def load_versions(client: redis.Redis, wanted: dict[str, int]) -> dict[str, dict]:
    """vendor -> record of the version named in `wanted`, one pipelined round trip."""
    pipe = client.pipeline(transaction=False)
    for vendor, number in wanted.items():
        pipe.hget(keys.policy_versions(vendor), str(number))
    replies = pipe.execute()
    return {v: json.loads(text(r)) for v, r in zip(wanted, replies, strict=True) if r is not None}


def before_save(client: redis.Redis, vendor: str) -> tuple[dict[str, str], int, dict | None]:
    """What a save checks first, in one round trip: inbound number -> the vendor claiming it
    (inbound_owners), the vendor's current version number (0: none) and its current document
    as JSON keeps it (None before its first save)."""
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(keys.policy_inbound())
    pipe.hget(keys.policy_current(), vendor)
    pipe.get(keys.policy_document(vendor))
    owners, number, raw = pipe.execute()
    document = json.loads(raw) if raw is not None else None
    return text_map(owners), int(number or 0), document


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def save(
    client: redis.Redis,
    vendor: str,
    base: int | None,
    record: dict,
    numbers: list[str],
    document: dict | None = None,
) -> Outcome:
    """Write `record` as the vendor's next version if `base` is its current version (None:
    it has none yet) and no other vendor claims one of `numbers`, atomically; then publish
    "<vendor> <version> <generation>" on the policy channel. `document`: the text parsed,
    kept as the vendor's current document."""
    reply = Script(client, "policy_save")(
        current=keys.policy_current(),
        versions=keys.policy_versions(vendor),
        generation=keys.policy_generation(),
        inbound=keys.policy_inbound(),
        document=keys.policy_document(vendor),
        vendor=vendor,
        base="" if base is None else str(base),
        version=_json(record),
        numbers=json.dumps(list(numbers)),
        parsed=_json(document or {}),
        first=str(time.time_ns() // 1000),
    )
    status = text(reply[0])
    if status == "ok":
        number, gen = int(reply[1]), int(reply[2])
        client.publish(keys.policy_channel(), f"{vendor} {number} {gen}")
        return Outcome("ok", number, gen)
    if status == "conflict":
        return Outcome("conflict", int(reply[1]))
    return Outcome("claimed", claimed=text(reply[1]), owner=text(reply[2]))
