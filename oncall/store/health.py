"""What readiness reads and writes in Redis besides RQ's own records: the time of the last
completed sweep, a probe write, and the server's persistence state."""

from __future__ import annotations

import redis

from oncall.store import keys
from oncall.store.redisconn import text

PROBE_TTL = 60  # seconds: the probe key never piles up


def record_sweep(client: redis.Redis, at: float) -> None:
    """The sweep completed at `at` (epoch seconds)."""
    client.set(keys.last_sweep(), repr(at))


def last_sweep(client: redis.Redis) -> float | None:
    """Epoch seconds of the last completed sweep; None if none was ever recorded."""
    value = client.get(keys.last_sweep())
    return float(text(value)) if value is not None else None


def probe_write(client: redis.Redis, at: float) -> None:
    """A SET with a short TTL: raises if Redis is unreachable or refuses writes (MISCONF
    after a failed AOF write or snapshot, OOM, a read-only replica)."""
    client.set(keys.health_probe(), repr(at), ex=PROBE_TTL)


def persistence(client: redis.Redis) -> dict[str, str]:
    """INFO persistence, the fields readiness reports, as text."""
    info = client.info("persistence")
    wanted = ("aof_enabled", "aof_last_write_status", "rdb_last_bgsave_status")
    return {k: text(info[k]) for k in wanted if k in info}
