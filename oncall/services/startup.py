"""Production mode's start-up gate: the web app, the worker and `python -m oncall release`
refuse to start with one line naming everything that is missing.

Production mode (ONCALL_ENV=production, or real Twilio credentials set) needs, besides the
settings `production_problems` checks: a Redis that keeps its data across a restart (AOF or
RDB snapshots: incidents, escalation timers and the queues live there), and a sender number
for every vendor: pages and SMS leave from the vendor's first inbound Twilio number, so a
vendor without one could never page anyone.
"""

from __future__ import annotations

import redis

from config.settings import Settings, production_problems
from oncall.services.live import served_policies
from oncall.services.vendors import load_registry
from oncall.store.redisconn import connect, persistence_problem
from rotas.policy import VendorPolicy

REFUSAL = "oncall: not starting in production mode: "


def problems(settings: Settings, client: redis.Redis | None, vendors) -> list[str]:
    """Everything production mode misses (nothing in development mode). `vendors`: the
    loaded policies by id; `client`: None when there is no REDIS_URL to check."""
    if not settings.production:
        return []
    found = list(production_problems(settings))
    if not settings.redis_url:
        found.append("REDIS_URL is not set")
    elif client is not None and (problem := persistence_problem(client)):
        found.append(problem)
    found += sender_problems(vendors)
    return found


def sender_problems(vendors: dict[str, VendorPolicy]) -> list[str]:
    silent = sorted(vendor for vendor, policy in vendors.items() if not policy.inbound)
    if not silent:
        return []
    return [f"no sender number (inbound Twilio number) for vendor {', '.join(silent)}"]


def refusal(settings: Settings, client: redis.Redis | None, vendors) -> str | None:
    """The one line that stops start-up, or None."""
    found = problems(settings, client, vendors)
    return REFUSAL + "; ".join(found) if found else None


def check(settings: Settings) -> str | None:
    """The refusal for a process that has not built its services yet (gunicorn's master,
    the worker's supervisor): connects to REDIS_URL and judges what the processes will
    serve: the store's current versions, and the files of vendors not stored yet (only the
    files without a REDIS_URL or with Redis down)."""
    if not settings.production:
        return None
    client = connect(settings) if settings.redis_url else None
    try:
        if client is None:
            return refusal(settings, None, load_registry(settings.config_dir).policies)
        return refusal(settings, client, served_policies(settings.config_dir, client))
    finally:
        if client is not None:
            client.close()
