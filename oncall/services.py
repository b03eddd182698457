"""Services: everything the web app needs, built once and kept in app.extensions["oncall"]."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import redis
from flask import current_app

from config.settings import Settings
from ivr import steps
from oncall.incidents import IncidentStore
from oncall.masking import mask_text
from oncall.store import CallStore
from rotas.policy import VendorPolicy

log = logging.getLogger(__name__)


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

    def fallback(self, call: steps.Call):
        """The fallback answer to `call`: from what was loaded at start-up and the settings
        only (no Redis, no config file), so it answers when nothing else does."""
        policy = self.by_number.get(call.to)
        if call.recording_url:
            log.error(
                mask_text(
                    f"fallback voicemail from call {call.sid} to {call.to}: {call.recording_url}"
                )
            )
        elif policy is None:
            log.error(
                mask_text(
                    f"call {call.sid} to unknown number {call.to}: no vendor loaded answers it; "
                    f"fallback to {self.settings.fallback_number or 'voicemail'}"
                )
            )
        action = self.url("fallback")
        return steps.fallback(policy, call, self.settings.fallback_number, action)

    @classmethod
    def build(cls, settings: Settings, clock, client: redis.Redis, vendors) -> Services:
        """`vendors` hold each inbound number once (the loader settles numbers two files
        claim), so by_number has one vendor per number."""
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
