"""`python -m oncall release`: the Procfile's release step (Heroku and Dokku run it before
the new web and worker processes start; a non-zero exit stops the deploy, and the processes
already running keep serving).

It imports the configuration: every vendor file whose vendor the policy store does not hold
yet is imported as its version 1 (a file that differs from a stored vendor's live version is
not applied: `python -m oncall import` does that). It then says, in one line, whether the
service is ready: no vendor file problems, Redis reachable, and in production mode everything
start-up needs (oncall/services/startup.py).
"""

from __future__ import annotations

import sys

import redis

from config.settings import Settings
from oncall.clock import clock_for
from oncall.masking import mask_text
from oncall.services import startup
from oncall.services.live import LivePolicies
from oncall.services.vendors import load_registry
from oncall.store.redisconn import connect


def release(settings: Settings) -> int:
    client, found = _redis(settings)
    if client is None:
        registry = load_registry(settings.config_dir)
    else:
        registry = LivePolicies(settings.config_dir, client, clock_for(settings, client)).start()
    if registry.errors:
        first = registry.errors[0]
        found.append(f"{len(registry.errors)} vendor file problem(s), the first: {first}")
    if not registry.policies:
        found.append(f"no vendor file loads from {settings.config_dir}")
    found += startup.problems(settings, client, registry.policies)
    if found:
        print(mask_text("oncall release: not ready: " + "; ".join(found)), file=sys.stderr)
        return 1
    names = ", ".join(sorted(registry.policies))
    print(f"oncall release: ready: {len(registry.policies)} vendor(s) imported: {names}")
    return 0


def _redis(settings: Settings) -> tuple[redis.Redis | None, list[str]]:
    """The configured Redis, pinged; production mode never starts an embedded one."""
    if settings.production and not settings.redis_url:
        return None, []  # startup.problems names REDIS_URL
    client = connect(settings)
    try:
        client.ping()
    except redis.RedisError as exc:
        return None, [f"Redis unreachable ({type(exc).__name__})"]
    return client, []
