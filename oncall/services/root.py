"""The composition root: `Services.build(settings, clock, redis)` is the one place where a
process (the web app, the worker, the CLI) assembles what it uses: settings, one clock, one
Redis, the stores, the vendor registry and the Twilio client."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

import redis

from config.settings import Settings
from ivr.call import Call
from ivr.fallback import fallback
from oncall import metrics
from oncall.masking import mask_text
from oncall.services.live import LivePolicies
from oncall.services.vendors import Vendors
from oncall.store.calls import CallStore
from oncall.store.incidents import IncidentStore
from oncall.telephony import Telephony, make_twilio_client
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
    urls: CallbackUrls  # every URL Twilio calls back
    live: LivePolicies | None = None  # where vendors come from: the policy store
    config_errors: int = 0  # vendor file problems at start-up (each logged)
    caps_warned: set = field(default_factory=set)  # SMS caps this process has warned about

    def refresh(self) -> bool:
        """Follow the policy store: one Redis GET when nothing changed; a saved version
        replaces `vendors` and `by_number` (only changed vendors are parsed again). Runs
        before every web request and every job. Never raises (Redis down: what is loaded
        keeps serving); True when the policies changed."""
        return self.live is not None and self.live.refresh(self._serve)

    def _serve(self, policies: dict[str, VendorPolicy]) -> None:
        self.vendors = Vendors(policies, self.settings.config_dir, self.redis)
        self.by_number = {n: p for p in self.vendors.values() for n in p.inbound}

    def fallback(self, call: Call):
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
        action = self.urls.fallback()
        return fallback(policy, call, self.settings.fallback_number, action)

    @property
    def url(self) -> Callable[..., str]:
        """url(step, **query): the absolute URL of a voice webhook (what ivr's steps take)."""
        return self.urls.voice

    @cached_property
    def telephony(self) -> Telephony:
        """The Twilio REST client, made on first use (the web app answers webhooks without it)."""
        return Telephony(make_twilio_client(self.settings))

    @classmethod
    def build(cls, settings: Settings, clock, client: redis.Redis) -> Services:
        """Load the live policies (vendor files not stored yet are imported first; never
        raises for a bad file or a dead Redis) and assemble the services. Each inbound number
        is held by one vendor, so by_number has one vendor per number."""
        metrics.prepare(settings.metrics_dir)
        live = LivePolicies(settings.config_dir, client, clock)
        registry = live.start()
        registry.log()
        vendors = Vendors(registry.policies, settings.config_dir, client)
        by_number = {n: p for p in vendors.values() for n in p.inbound}
        return cls(
            settings,
            clock,
            client,
            CallStore(client),
            vendors,
            by_number,
            IncidentStore(client),
            CallbackUrls(settings.public_base_url),
            live=live,
            config_errors=len(registry.errors),
        )


@dataclass(frozen=True)
class CallbackUrls:
    """The URLs Twilio calls back, all built here from PUBLIC_BASE_URL (the signature of each
    request is checked against exactly this URL)."""

    base: str  # settings.public_base_url, without a trailing slash

    def voice(self, step: str, **query) -> str:
        """A voice step: the IVR's Gather, Dial, Record ("recorded") and Redirect actions."""
        return f"{self.base}/twilio/voice/{step}" + (f"?{urlencode(query)}" if query else "")

    def fallback(self) -> str:
        """The fallback answer's own action (its recording or its dial)."""
        return self.voice("fallback")

    def status(self) -> str:
        """The message status callback of every page SMS."""
        return f"{self.base}/twilio/status"

    def page_ack(self, incident_id: str) -> str:
        """The voice page's <Gather> action: 1 acknowledges `incident_id`."""
        return f"{self.base}/twilio/page-ack?{urlencode({'incident': incident_id})}"
