"""Readiness: would a page go out now? (`/readyz`, `python -m oncall status`)

Redis takes writes, a worker has sent a heartbeat lately, a scheduler holds each queue's
lock and beats (retries and timed escalation steps wait in its registry), the sweep that
re-enqueues lost steps has run lately, and the queues are neither deep nor stale. Each check
is measured (IO, below) and then judged by a pure function of the measured value, a "now"
and the thresholds in the settings.

Two clocks, each judging what it stamped: the sweep's record and the probe are stamped by
the services' clock (svc.clock, which tests and the demo may run ahead: ONCALL_CLOCK=offset),
RQ's heartbeats and enqueue times by RQ's own clock (rq.utils.now, the system time), so RQ's
records are aged on RQ's clock: a fast-forwarded clock must not make a live worker look dead.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import datetime

import redis
from rq import Queue, Worker
from rq.exceptions import NoSuchJobError, SchedulerNotFound
from rq.job import Job
from rq.scheduler import RQScheduler
from rq.utils import now as rq_now

from oncall.services.jobs import ALL, PAGES, queue_depths
from oncall.store import health as store
from oncall.store.redisconn import text

NAMES = ("redis", "persistence", "worker", "scheduler", "sweep", "queue_depth", "queue_age")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str  # one short line
    value: float | int | str | None = None  # what was measured (seconds, count, state)


@dataclass(frozen=True)
class Readiness:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]

    def to_json(self) -> dict:
        return {
            "ready": self.ready,
            "failed": self.failed,
            "checks": [asdict(c) for c in self.checks],
        }


def readiness(svc) -> Readiness:
    """Every check, in NAMES order. Redis unreachable: the others are not measured (each
    would wait for a timeout) and fail as such."""
    client, settings = svc.redis, svc.settings
    try:
        now = svc.clock.now().timestamp()  # an offset clock reads Redis too
        first = _redis(client, now)
    except (redis.RedisError, OSError) as exc:
        first = redis_failed(exc)
    if not first.ok:
        return Readiness([first] + [not_checked(n) for n in NAMES[1:]])
    rq_time = rq_now().timestamp()  # RQ's clock, for the records RQ stamps
    try:
        limit = settings.ready_heartbeat_s
        return Readiness(
            [
                first,
                persistence_check(store.persistence(client)),
                age_check(
                    "worker", "newest worker heartbeat", _worker_beat(client), rq_time, limit
                ),
                _scheduler(client, rq_time, limit),
                age_check("sweep", "last sweep", store.last_sweep(client), now, limit),
                depth_check(queue_depths(client), settings.ready_max_queue_depth),
                job_age_check(_oldest_waiting(client), rq_time, settings.ready_max_job_age_s),
            ]
        )
    except (redis.RedisError, OSError) as exc:  # Redis went away between the checks
        return Readiness([redis_failed(exc)] + [not_checked(n) for n in NAMES[1:]])


# -- measuring (IO) ---------------------------------------------------------------------------


def _redis(client: redis.Redis, now: float) -> Check:
    started = time.monotonic()
    try:
        store.probe_write(client, now)
    except (redis.RedisError, OSError) as exc:
        return redis_failed(exc)
    ms = round((time.monotonic() - started) * 1000, 1)
    return Check("redis", True, f"write took {ms} ms", ms)


def _worker_beat(client: redis.Redis) -> float | None:
    """Epoch seconds of the newest heartbeat of a worker listening on the pages queue (a
    worker killed outright stays registered until its key expires: its beat grows old)."""
    beats = [
        w.last_heartbeat.timestamp()
        for w in Worker.all(connection=client, queue=Queue(PAGES, connection=client))
        if w.last_heartbeat is not None
    ]
    return max(beats, default=None)


def _scheduler(client: redis.Redis, now: float, limit: float) -> Check:
    """The scheduler holding each queue's lock (rq:scheduler-lock:<queue>, its value the
    scheduler's name) must have beaten lately: its hash rq:scheduler:<name> has
    last_heartbeat, refreshed every second. A lock alone proves little: it outlives a killed
    scheduler by 60 s."""
    worst = None
    for queue in ALL:
        holder = client.get(RQScheduler.get_locking_key(queue))
        if holder is None:
            return Check("scheduler", False, f"no scheduler holds the {queue} queue's lock")
        try:
            beat = RQScheduler.fetch(text(holder), client).last_heartbeat
        except SchedulerNotFound:
            beat = None
        check = age_check("scheduler", f"{queue} scheduler heartbeat", _epoch(beat), now, limit)
        if not check.ok:
            return check
        worst = check if worst is None or check.value > worst.value else worst
    return worst


def _oldest_waiting(client: redis.Redis) -> float | None:
    """Epoch seconds at which the job at the head of a queue (the next to run, the longest
    waiting: jobs go in at the tail) was enqueued; the earliest over the queues."""
    times = []
    for name in ALL:
        for job_id in Queue(name, connection=client).get_job_ids(0, 1):
            try:
                enqueued = Job.fetch(job_id, connection=client).enqueued_at
            except NoSuchJobError:
                continue
            if enqueued is not None:
                times.append(_epoch(enqueued))
    return min(times, default=None)


def _epoch(at: datetime | None) -> float | None:
    return at.timestamp() if at is not None else None


# -- judging (pure) ---------------------------------------------------------------------------


def redis_failed(exc: Exception) -> Check:
    detail = str(exc).splitlines()[0][:120] if str(exc) else ""
    return Check("redis", False, f"unreachable or refusing writes: {type(exc).__name__} {detail}")


def not_checked(name: str) -> Check:
    return Check(name, False, "not checked: Redis unreachable")


def persistence_check(info: dict[str, str]) -> Check:
    """Failed when the last AOF write or snapshot failed (Redis then refuses writes, or
    soon loses them); the AOF state is reported either way."""
    broken = [
        k for k in ("aof_last_write_status", "rdb_last_bgsave_status") if info.get(k) == "err"
    ]
    aof = "on" if info.get("aof_enabled") == "1" else "off"
    if broken:
        return Check("persistence", False, f"{', '.join(broken)}: err (aof {aof})", aof)
    return Check("persistence", True, f"aof {aof}, last writes ok", aof)


def age_check(name: str, what: str, last: float | None, now: float, limit: float) -> Check:
    """`last` (epoch seconds) must be at most `limit` seconds before `now`."""
    if last is None:
        return Check(name, False, f"no {what} recorded")
    age = round(max(0.0, now - last), 1)
    if age > limit:
        return Check(name, False, f"{what} {age:g} s ago (limit {limit:g} s)", age)
    return Check(name, True, f"{what} {age:g} s ago", age)


def depth_check(depths: dict[str, int], limit: int) -> Check:
    total = sum(depths.values())
    listed = ", ".join(f"{name} {n}" for name, n in depths.items())
    if total > limit:
        return Check("queue_depth", False, f"{total} jobs waiting ({listed}; limit {limit})", total)
    return Check("queue_depth", True, f"{total} jobs waiting ({listed})", total)


def job_age_check(enqueued: float | None, now: float, limit: float) -> Check:
    if enqueued is None:
        return Check("queue_age", True, "no job waiting", 0.0)
    age = round(max(0.0, now - enqueued), 1)
    if age > limit:
        return Check("queue_age", False, f"oldest job waiting {age:g} s (limit {limit:g} s)", age)
    return Check("queue_age", True, f"oldest job waiting {age:g} s", age)
