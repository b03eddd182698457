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
from oncall.store.scripts import Script
from rotas.attempt import SENDING, Event, next_state
from rotas.delivery import moves_forward

SID_TTL = 30 * keys.DAY  # a sent SMS's SID finds its attempt this long (status callbacks)

TERMINAL = ("sent", "failed")


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
    due: float | None = None  # claimed: when the first run claimed the page (epoch seconds)
    since: float | None = None  # claimed: when a run first could not send it, if one could not


@dataclass(frozen=True)
class StatusUpdate:
    """What a delivery status callback did: `key` the attempt of the message (None: not a
    page we sent), `moved` whether its status moved forward."""

    key: str | None
    moved: bool


class Attempts:
    def __init__(self, client: redis.Redis):
        self.redis = client
        self._claim = Script(client, "attempt_claim")
        self._reschedule = Script(client, "attempt_reschedule")
        self._take_over = Script(client, "attempt_take_over")

    def expect(self, page: Page, check_at: float) -> None:
        """A page was enqueued: the sweep looks at it from `check_at` unless a run has."""
        self.redis.zadd(keys.unsent_pages(), {page.member: check_at}, nx=True)

    def claim(self, page: Page, key: str, run: int, now: float, hold: float) -> Claim:
        outcome, previous, tries, *times = self._claim(
            attempt=key,
            unsent=keys.unsent_pages(),
            run=run,
            now=now,
            hold=now + hold,
            member=page.member,
        )
        due, since = [float(t) if t else None for t in times] if times else (None, None)
        return Claim(text(outcome), text(previous), int(tries), due, since)

    def reschedule(
        self, page: Page, key: str, run: int, event: Event, at: float, now: float, why: str
    ) -> bool:
        """Run `run` failed with `event` (ambiguous or throttled): run + 1 owns the page from
        `at`. False if `run` had already lost it (the sweep took over)."""
        state = _after_send(event)
        return bool(
            self._reschedule(
                attempt=key,
                unsent=keys.unsent_pages(),
                run=run,
                state=state,
                next_try_at=at,
                member=page.member,
                now=now,
                error=why,
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
            self._take_over(
                attempt=key,
                unsent=keys.unsent_pages(),
                run=run,
                check_at=check_at,
                member=page.member,
            )
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
