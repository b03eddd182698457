"""Services: everything the web app needs, built once and kept in app.extensions["oncall"]."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import redis
from flask import current_app

from config.settings import Settings
from oncall.incidents import IncidentStore
from oncall.store import CallStore
from rotas.policy import VendorPolicy


@dataclass
class Services:
    settings: Settings
    clock: object
    redis: redis.Redis
    store: CallStore
    vendors: dict[str, VendorPolicy]
    by_number: dict[str, VendorPolicy]  # inbound E.164 number -> vendor
    incidents: IncidentStore
    url: Callable[..., str]  # url(step, **query): the absolute URL of a voice webhook
    caps_warned: set = field(default_factory=set)  # SMS caps this process has warned about

    @classmethod
    def build(cls, settings: Settings, clock, client: redis.Redis, vendors) -> Services:
        by_number = {n: p for p in vendors.values() for n in p.inbound}
        return cls(
            settings,
            clock,
            client,
            CallStore(client),
            vendors,
            by_number,
            IncidentStore(client),
            voice_urls(settings.public_base_url),
        )


def voice_urls(base: str) -> Callable[..., str]:
    def url(step: str, **query) -> str:
        return f"{base}/twilio/voice/{step}" + (f"?{urlencode(query)}" if query else "")

    return url


def services() -> Services:
    return current_app.extensions["oncall"]
