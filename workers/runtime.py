"""The worker process's services, built once per process by the composition root."""

from __future__ import annotations

from functools import lru_cache

from config.settings import Settings
from oncall.clock import clock_for
from oncall.services.root import Services
from oncall.store.redisconn import connect


@lru_cache(maxsize=1)
def services() -> Services:
    """Never raises for a bad vendor file: the worker must not crash-loop on one. The clock
    is the one the settings choose (ONCALL_CLOCK), as the web app's."""
    settings = Settings.from_env()
    client = connect(settings)
    return Services.build(settings, clock_for(settings, client), client)
