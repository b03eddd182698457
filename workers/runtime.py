"""The worker process's services, built once per process by the composition root."""

from __future__ import annotations

from functools import lru_cache

from config.settings import Settings
from oncall.clock import SystemClock
from oncall.services.root import Services
from oncall.store.redisconn import connect


@lru_cache(maxsize=1)
def services() -> Services:
    """Never raises for a bad vendor file: the worker must not crash-loop on one."""
    settings = Settings.from_env()
    return Services.build(settings, SystemClock(), connect(settings))
