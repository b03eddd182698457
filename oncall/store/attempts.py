"""Page attempts in Redis: the record of one page (SMS or voice) is the source of truth.

A page is sent by a chain of runs (RQ jobs) numbered 0, 1, 2, ...; the attempt hash holds
the number of the run that owns it (`run`). A run first *claims* the attempt atomically: it
must be the owner (an older run is stale), and no other run may be mid-send (`sending` until
`hold`). A run that cannot send hands the page to the next run (`reschedule`). Every page
not yet sent sits in one sorted set, scored by when the sweep should look at it if no run
has: a run that died, a retry timer lost with its scheduler, or a job removed by hand is
taken over by a new run (`take_over`), so an unsent page is never forgotten while its
incident is triggered.

The states and which event moves which are rotas/attempt.py; this store is the only writer of
attempt hashes and of the message-SID index that delivery status callbacks read.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from oncall.store import keys
from oncall.store.redisconn import text, text_map
from rotas.attempt import SENDING, Event, next_state
from rotas.delivery import moves_forward

SID_TTL = 30 * keys.DAY  # a sent SMS's SID finds its attempt this long (status callbacks)

TERMINAL = ("sent", "failed")

# KEYS: attempt, index. ARGV: run, now, hold until, member.
# -> {outcome, previous state, tries}; outcome: claimed | sent | failed | stale | busy
_CLAIM = """
local f = redis.call('HMGET', KEYS[1], 'state', 'run', 'hold')
local state, run, hold = f[1], tonumber(f[2] or 0), tonumber(f[3] or 0)
if state == 'sent' or state == 'failed' then
  redis.call('ZREM', KEYS[2], ARGV[4])
  return {state, state, 0}
end
if tonumber(ARGV[1]) < run then return {'stale', state or '', 0} end
if state == 'sending' and tonumber(ARGV[2]) < hold then return {'busy', state, 0} end
local tries = redis.call('HINCRBY', KEYS[1], 'tries', 1)
redis.call('HSET', KEYS[1], 'state', 'sending', 't', ARGV[2], 'run', ARGV[1], 'hold', ARGV[3])
redis.call('HSETNX', KEYS[1], 'due', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return {'claimed', state or '', tries}
"""

# KEYS: attempt, index. ARGV: run, state, next try at, member, now, error.
# The next run (run + 1) owns the page from `next try at`; 0 if run no longer owned it.
_RESCHEDULE = """
if tonumber(redis.call('HGET', KEYS[1], 'run') or 0) ~= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'run', tonumber(ARGV[1]) + 1,
  'next_try_at', ARGV[3], 'last_error', ARGV[6], 'hold', 0)
redis.call('HSETNX', KEYS[1], 'since', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
"""

# KEYS: attempt, index. ARGV: expected run, next check at, member.
_TAKE_OVER = """
local f = redis.call('HMGET', KEYS[1], 'state', 'run')
if f[1] == 'sent' or f[1] == 'failed' then redis.call('ZREM', KEYS[2], ARGV[3]) return -1 end
local run = tonumber(f[2] or 0)
if run ~= tonumber(ARGV[1]) then return -1 end
redis.call('HSET', KEYS[1], 'run', run + 1, 'next_try_at', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return run + 1
"""


@dataclass(frozen=True)
class Page:
    """One page: an SMS ("page") or a call reading it out ("voice") to target `index` of
    plan step `step`."""

    kind: str
    incident_id: str
    step: int
    index: int

    @property
    def label(self) -> str:
        return "page" if self.kind == "page" else "voice page"

    @property
    def member(self) -> str:
        return f"{self.kind}:{self.incident_id}:{self.step}:{self.index}"

    @classmethod
    def parse(cls, member: str) -> Page:
        kind, incident_id, step, index = member.split(":")
        return cls(kind, incident_id, int(step), int(index))

    def key(self, phone: str) -> str:
        maker = keys.attempt if self.kind == "page" else keys.voice_attempt
        return maker(self.incident_id, self.step, phone)


@dataclass(frozen=True)
class Claim:
    outcome: str  # claimed | sent | failed | stale | busy
    previous: str  # the state before the claim ('' for a new attempt)
    tries: int


@dataclass(frozen=True)
class StatusUpdate:
    """What a delivery status callback did: `key` the attempt of the message (None: not a
    page we sent), `moved` whether its status moved forward."""

    key: str | None
    moved: bool


class Attempts:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._claim = client.register_script(_CLAIM)
        self._reschedule = client.register_script(_RESCHEDULE)
        self._take_over = client.register_script(_TAKE_OVER)

    def expect(self, page: Page, check_at: float) -> None:
        """A page was enqueued: the sweep looks at it from `check_at` unless a run has."""
        self.redis.zadd(keys.unsent_pages(), {page.member: check_at}, nx=True)

    def claim(self, page: Page, key: str, run: int, now: float, hold: float) -> Claim:
        outcome, previous, tries = self._claim(
            keys=[key, keys.unsent_pages()], args=[run, now, now + hold, page.member]
        )
        return Claim(text(outcome), text(previous), int(tries))

    def reschedule(
        self, page: Page, key: str, run: int, event: Event, at: float, now: float, why: str
    ) -> bool:
        """Run `run` failed with `event` (ambiguous or throttled): run + 1 owns the page from
        `at`. False if `run` had already lost it (the sweep took over)."""
        state = _after_send(event)
        return bool(
            self._reschedule(
                keys=[key, keys.unsent_pages()], args=[run, state, at, page.member, now, why]
            )
        )

    def sent(self, page: Page, key: str, sid: str) -> None:
        """Twilio has the page (message or call `sid`): settled. An SMS's sid now finds the
        attempt for its delivery status callbacks."""
        fields = {"state": _after_send(Event.SENT), "sid": sid, "status": "queued"}
        self._settle(page, key, fields, index_sid=sid if page.kind == "page" else None)

    def failed(self, page: Page, key: str, error: str) -> None:
        """Twilio refused the number: settled, never sent."""
        self._settle(page, key, {"state": _after_send(Event.REJECTED), "error": error})

    def _settle(self, page: Page, key: str, fields: dict, index_sid: str | None = None):
        """The page is out of the unsent index, its record final (one transaction)."""
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(key, mapping=fields)
        if index_sid:
            pipe.set(keys.message_sid(index_sid), key, ex=SID_TTL)
        pipe.zrem(keys.unsent_pages(), page.member)
        pipe.execute()

    def record_status(self, sid: str, status: str, error: str) -> StatusUpdate:
        """Twilio's delivery `status` of message `sid`, kept if it is a step forward
        (rotas.delivery; checked and set atomically: two callbacks of one message may race)."""
        key = self.redis.get(keys.message_sid(sid))
        if key is None:
            return StatusUpdate(None, False)
        key = text(key)

        def move(pipe) -> bool:
            current = pipe.hget(key, "status")
            if not moves_forward(text(current) if current is not None else None, status):
                return False
            pipe.multi()
            pipe.hset(key, mapping={"status": status, "error": error})
            return True

        return StatusUpdate(key, self.redis.transaction(move, key, value_from_callable=True))

    def forget(self, page: Page) -> None:
        """No longer needed (the incident was acknowledged or resolved, or is gone)."""
        self.redis.zrem(keys.unsent_pages(), page.member)

    def take_over(self, page: Page, key: str, run: int, check_at: float) -> int | None:
        """The sweep hands the page from run `run` (dead, lost or removed) to a new run;
        its number, or None when the page is settled or already moved on."""
        new = int(
            self._take_over(keys=[key, keys.unsent_pages()], args=[run, check_at, page.member])
        )
        return new if new >= 0 else None

    def overdue(self, before: float) -> list[Page]:
        found = self.redis.zrangebyscore(keys.unsent_pages(), "-inf", before, start=0, num=500)
        return [Page.parse(text(m)) for m in found]

    def get(self, key: str) -> dict[str, str]:
        return text_map(self.redis.hgetall(key))

    def run_of(self, key: str) -> int:
        """The number of the run that owns the attempt (0 before any claim)."""
        return int(self.get(key).get("run") or 0)


def _after_send(event: Event) -> str:
    """The state a sending attempt takes on `event` (rotas.attempt)."""
    state = next_state(SENDING, event)
    if state is None or state == SENDING:
        raise ValueError(f"{event} is no outcome of a send")
    return state
