"""What a job needs, built once per worker process: settings, vendors, Redis, telephony."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import redis
from rq import get_current_job

from config.settings import Settings
from oncall.lastgood import LastGood
from oncall.redisconn import connect
from oncall.store import CallStore
from oncall.telephony import Telephony, make_twilio_client
from oncall.vendors import load_one, load_registry
from rotas.calendar import HolidayCalendar
from rotas.hours import WeeklyHours
from rotas.policy import VendorPolicy, Written
from rotas.rota import Rota

log = logging.getLogger(__name__)


class Vendors(dict):
    """id -> policy, loaded like the web app loads them (a bad file: its last good version).

    A job for a vendor missing here (its file and its last good version both gone or broken
    since the incident opened) must still page: the incident's plan is frozen with the
    numbers, and a page needs only a sender and texts. The file and the last good version
    are tried again (either may be back); failing that, a stand-in policy named after the
    vendor id, sending from a number the vendor answered, else another vendor's number."""

    def __init__(self, policies: dict, config_dir, client: redis.Redis):
        super().__init__(policies)
        self.config_dir, self.client = config_dir, client

    def __missing__(self, vendor_id: str) -> VendorPolicy:
        policy = load_one(self.config_dir, vendor_id, LastGood(self.client))
        if policy is not None:
            self[vendor_id] = policy
            return policy
        sender = self._sender(vendor_id)
        log.error(
            "vendor %s: no config and no last good version loads; its pages go out with the "
            "vendor id as name, from %s",
            vendor_id,
            "a number it answered" if sender else "the engineer's own number (Twilio may refuse)",
        )
        return stand_in(vendor_id, sender)

    def _sender(self, vendor_id: str) -> str | None:
        owned = [n for n, v in LastGood(self.client).owners().items() if v == vendor_id]
        others = [p.inbound[0] for p in self.values() if p.inbound]
        return next(iter(owned + others), None)


def stand_in(vendor_id: str, sender: str | None) -> VendorPolicy:
    """The least a page needs (name, zone, sender) for a vendor whose policy is lost."""
    return VendorPolicy(
        id=vendor_id,
        name=vendor_id,
        language="en",
        tz="UTC",
        country="NO",
        holidays=HolidayCalendar("NO"),
        desk_phones=(),
        desk_hours=WeeklyHours(((),) * 7),
        breaks=(),
        duty_phones=(),
        duty_hours=None,
        closures=(),
        written=Written(),
        people={},
        rota=Rota(),
        severities=(),
        inbound=(sender,) if sender else (),
        source="(stand-in: no config loads)",
    )


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    vendors: Vendors
    telephony: Telephony


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    """Never raises for a bad vendor file: the worker must not crash-loop on one."""
    settings = Settings.from_env()
    client = connect(settings)
    registry = load_registry(settings.config_dir, LastGood(client))
    registry.log()
    vendors = Vendors(registry.policies, settings.config_dir, client)
    return Runtime(settings, vendors, Telephony(make_twilio_client(settings)))


def connection() -> redis.Redis:
    """The Redis connection of the job being run."""
    return get_current_job().connection


def calls() -> CallStore:
    return CallStore(connection())
