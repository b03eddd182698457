"""What a job needs, built once per worker process: settings, vendors, Redis, telephony."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import redis
from rq import get_current_job

from config.settings import Settings
from oncall.store import CallStore
from oncall.telephony import Telephony, make_twilio_client
from oncall.vendors import load_vendors
from rotas.policy import VendorPolicy


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    vendors: dict[str, VendorPolicy]
    telephony: Telephony


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    settings = Settings.from_env()
    return Runtime(
        settings, load_vendors(settings.config_dir), Telephony(make_twilio_client(settings))
    )


def connection() -> redis.Redis:
    """The Redis connection of the job being run."""
    return get_current_job().connection


def calls() -> CallStore:
    return CallStore(connection())
