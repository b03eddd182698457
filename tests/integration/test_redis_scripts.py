"""The Redis scripts keep the scripting contract: every key a script reads or writes is
declared in KEYS, and key names are built in keys.py only, never in Lua.

Watched with MONITOR on a real Redis: each command a script runs (`[0 lua]`) comes right
after the EVALSHA that ran it; COMMAND GETKEYS says which of its arguments are keys.
"""

from __future__ import annotations

import hashlib
import re

import pytest
import redis

from oncall.store import keys, scripts
from oncall.store import policies as policy_store
from oncall.store.attempts import Attempts, Page
from oncall.store.calls import CallStore
from oncall.store.incidents import IncidentStore
from rotas.attempt import Event
from tests.helpers.calls import (
    AIDN,
    MOBILE_NO,
    new_sid,
    run_call,
    set_time,
    weekday_night,
)

_ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"')
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"a": b"\a", b"b": b"\b"}


def _unquote(arg: bytes) -> bytes:
    """One argument as MONITOR quotes it (sdscatrepr), back to its bytes."""
    out, i = bytearray(), 0
    while i < len(arg):
        if arg[i : i + 1] == b"\\":
            nxt = arg[i + 1 : i + 2]
            if nxt == b"x":
                out += bytes([int(arg[i + 2 : i + 4], 16)])
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += arg[i : i + 1]
        i += 1
    return bytes(out)


class Monitor:
    """Commands the server runs while the block runs: (is from a script, args)."""

    def __init__(self, client):
        self.client = client
        self.commands: list[tuple[bool, list[bytes]]] = []

    def __enter__(self):
        self.conn = self.client.connection_pool.get_connection()
        self.conn.send_command("MONITOR")
        assert self.conn.read_response() == b"OK"
        return self

    def __exit__(self, *exc):
        self.client.echo("monitor-end")
        while True:
            line = self.conn.read_response()
            args = [_unquote(a) for a in _ARG.findall(line)]
            if args == [b"ECHO", b"monitor-end"]:
                break
            self.commands.append((b"[0 lua]" in line or b" lua] " in line, args))
        self.conn.disconnect()
        self.client.connection_pool.release(self.conn)

    def script_runs(self) -> list[tuple[bytes, list[bytes], list[list[bytes]]]]:
        """(sha, declared KEYS, commands the script ran) for each EVALSHA."""
        runs: list = []
        for from_lua, args in self.commands:
            if from_lua:
                runs[-1][2].append(args)
            elif args and args[0].upper() in (b"EVALSHA", b"EVAL"):
                n = int(args[2])
                runs.append((args[1], args[3 : 3 + n], []))
        return runs


def _keys_of(client, command: list[bytes]) -> list[bytes]:
    try:
        return [k if isinstance(k, bytes) else k.encode() for k in client.command_getkeys(*command)]
    except redis.ResponseError:  # a command without keys
        return []


def _sha(name: str) -> bytes:
    return hashlib.sha1(scripts.source(name).lua.encode()).hexdigest().encode()


def _storm_and_paging(app, clock, redis_client) -> None:
    """Every script at work: two calls of one storm (the first screened and accepted by the
    engineer, the second attached), a written report with a follow-up SMS, the incident's
    escalation and states, and one page attempt's claim, reschedule and take-over."""
    set_time(clock, weekday_night(AIDN))
    _, _, first = run_call(app, AIDN, "1", legs=["1"])
    _, _, second = run_call(app, AIDN, "1", caller="+4790000124")
    assert first["incident"] == second["incident"]
    run_call(app, AIDN, "3", caller=MOBILE_NO)  # written: a follow-up SMS is counted

    incidents = IncidentStore(redis_client)
    inc = incidents.load(first["incident"])
    assert incidents.newest_open(AIDN.id, inc.opened_at - 60) == (inc.id, inc.rank)
    incidents.advance(inc.id, inc.step, inc.opened_at + 300)
    attempts = Attempts(redis_client)
    page = Page("page", inc.id, 9, 0)
    key = page.key("+4740000999")
    assert attempts.claim(page, key, 0, inc.opened_at, 30).outcome == "claimed"
    assert attempts.reschedule(page, key, 0, Event.THROTTLED, inc.opened_at + 5, inc.opened_at, "x")
    assert attempts.take_over(page, key, 1, inc.opened_at + 60) == 2
    assert incidents.set_state(inc, "acknowledged", "+4740000999", inc.opened_at + 70)
    assert incidents.set_state(inc, "resolved", "+4740000999", inc.opened_at + 80)
    assert CallStore(redis_client).claim_ring(inc.id, first["reference"]) is False
    record = {"text": "id: acme", "author": "a", "at": "", "summary": "", "changes": []}
    # a vendor the app's start-up did not import (it imported the shipped five)
    assert policy_store.save(redis_client, "acme", None, record, ["+4721000099"]).status == "ok"


def test_every_key_a_script_touches_is_declared_in_keys(app, clock, redis_client):
    with Monitor(redis_client) as m:
        _storm_and_paging(app, clock, redis_client)

    runs = m.script_runs()
    assert sum(len(commands) for _, _, commands in runs) > 50
    undeclared = [
        (sha[:8], command[0], key)
        for sha, declared, commands in runs
        for command in commands
        for key in _keys_of(redis_client, command)
        if key not in declared
    ]
    assert undeclared == []
    ran = {sha for sha, _, _ in runs}
    assert {n for n in scripts.names() if _sha(n) not in ran} == set()  # every script ran


def test_a_load_during_a_storm_takes_one_round_trip(app, clock, redis_client):
    """The incident ids a load must declare are remembered: only the first load after a new
    incident entered the window runs the script twice."""
    set_time(clock, weekday_night(AIDN))
    run_call(app, AIDN, "1", legs=["1"])  # opens the storm's incident
    store = CallStore(redis_client)
    since = weekday_night(AIDN).timestamp() - 1800

    def evalshas(sid: str) -> int:
        with Monitor(redis_client) as m:
            known = store.load(sid, None, None, (AIDN.id, since)).newest_open
        assert known is not None
        return sum(1 for lua, args in m.commands if not lua and args[0] == b"EVALSHA")

    assert evalshas(new_sid()) == 2  # a new incident in the window: declared, run again
    assert evalshas(new_sid()) == 1


def test_a_stale_declared_incident_is_harmless(redis_client):
    """An id declared that left the window (resolved meanwhile) changes nothing."""
    store = CallStore(redis_client)
    store._open_seen["aidn"] = ["AIDN-2026-000099"]
    assert store.load(new_sid(), None, None, ("aidn", 0)).newest_open is None


def test_no_script_builds_a_key_name():
    lua = {p.name: p.read_text(encoding="utf-8") for p in scripts.lua_files()}
    assert len(lua) >= 11
    for name, text in lua.items():
        assert "oncall" not in text, name  # key layout is keys.py's
        for key in re.findall(r"redis\.p?call\('\w+',\s*([^,)]+)", text):
            assert key.startswith("KEYS[") or key in ("index", "key"), (name, key)


@pytest.mark.parametrize("name", scripts.names())
def test_each_script_names_its_inputs_and_answer(name):
    src = scripts.source(name)
    header = (scripts.LUA_DIR / f"{name}.lua").read_text(encoding="utf-8").split("\n\n")[0]
    assert header.startswith(f"-- {name}: ")
    assert "-- Returns " in header
    assert src.keys  # every script touches at least one key, declared


def test_a_script_is_called_with_its_inputs_by_name(redis_client):
    ring = scripts.Script(redis_client, "call_claim_ring")
    with pytest.raises(TypeError, match="missing ttl"):
        ring(ring=keys.once_incident("X", "ring"), call="CA1")
    with pytest.raises(TypeError, match="unexpected sid"):
        ring(ring=keys.once_incident("X", "ring"), call="CA1", ttl=60, sid="CA1")
    assert ring(ring=keys.once_incident("X", "ring"), call="CA1", ttl=60) == 1
    assert redis_client.get(keys.once_incident("X", "ring")) == b"CA1"
