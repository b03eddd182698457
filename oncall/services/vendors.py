"""Vendor policies from files and from the policy store, each loaded on its own.

The live policies of a process come from the versioned policy store in Redis
(oncall/services/live.py); the files are read here: to import them on a first start, when
Redis is down at start-up, and by `oncall check` and the production start-up gate. One broken
file never stops the others: it is logged (every problem as `file:line: field: message`) and
left out. A number claimed by two files stays with one vendor (`rotas.inbound.keeper`) and
both files and lines are reported.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import redis

from oncall.services import policies as store
from oncall.store import policies as stored
from rotas.calendar import Calendar
from rotas.closed_days import HolidayCalendar
from rotas.config import check_policy_text, load_policy, read_policy_text
from rotas.hours import WeeklyHours
from rotas.inbound import Claim, duplicate_problems, duplicates, inbound_lines, keeper
from rotas.phone import mask
from rotas.policy import VendorPolicy, Written
from rotas.rota import Rota

log = logging.getLogger("oncall.vendors")
REDIS_DOWN = (redis.RedisError, OSError)


def vendor_files(config_dir: Path) -> list[Path]:
    return sorted(Path(config_dir).glob("*.yaml"))


def known_vendor_ids(client: redis.Redis | None, config_dir: Path) -> set[str]:
    """The vendor ids a role may name: the policy store's, or the config files' when the
    store holds none or cannot be reached."""
    try:
        stored_ids = set(store.vendor_ids(client)) if client is not None else set()
    except REDIS_DOWN as exc:
        log.warning("vendor ids from the files: Redis unreachable (%s)", type(exc).__name__)
        stored_ids = set()
    return stored_ids or {path.stem for path in vendor_files(config_dir)}


@dataclass(frozen=True)
class Loaded:
    """One vendor's policy and the text it was parsed from."""

    policy: VendorPolicy
    text: str
    source: str  # the file, or the stored version ("aidn (live version 3)")


@dataclass
class Registry:
    policies: dict[str, VendorPolicy]
    errors: list[str] = field(default_factory=list)  # `file:line: field: message` each
    notes: list[str] = field(default_factory=list)  # what was done about them

    def log(self) -> None:
        """Loud: every error and what it means for calls, at ERROR."""
        for line in self.errors + self.notes:
            log.error("vendor config: %s", line)
        log.info("vendors loaded: %s", ", ".join(sorted(self.policies)) or "none")


def load_registry(config_dir: Path) -> Registry:
    """Every vendor file, each on its own; never raises for a bad file (a file that does not
    load is left out: calls to its numbers reach the fallback)."""
    registry, loaded = Registry({}), {}
    for path in vendor_files(config_dir):
        item, errors = load_file(path)
        registry.errors += errors
        if item is None:
            registry.notes.append(
                f"vendor {path.stem}: {path} does not load: it is left out, calls to its "
                "numbers reach the fallback"
            )
        else:
            loaded[path.stem] = item
    settle_duplicates(loaded, {}, registry)
    registry.policies = {vendor: item.policy for vendor, item in loaded.items()}
    return registry


def load_one(config_dir: Path, vendor_id: str, client: redis.Redis | None = None):
    """One vendor by id: its live version in the policy store, else its file; None when
    neither loads (Redis down: the file)."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", vendor_id):
        return None  # never a path
    policy = stored_policy(client, vendor_id) if client is not None else None
    if policy is not None:
        return policy
    path = Path(config_dir) / f"{vendor_id}.yaml"
    item, errors = load_file(path) if path.exists() else (None, [])
    for line in errors:
        log.error("vendor config: %s", line)
    return item.policy if item else None


def stored_policy(client: redis.Redis, vendor_id: str) -> VendorPolicy | None:
    """The vendor's current version in the policy store, parsed; None when it has none, it
    does not parse or Redis does not answer (never raises)."""
    try:
        version = store.current(client, vendor_id)
    except REDIS_DOWN:
        return None
    if version is None:
        return None
    policy, errors = parse(version.text, live_source(vendor_id, version.number), vendor_id)
    for line in errors:
        log.error("vendor config: %s", line)
    return policy


def live_source(vendor: str, number: int) -> str:
    """How problems and `policy.source` name a stored version."""
    return f"{vendor} (live version {number})"


def load_file(path: Path) -> tuple[Loaded | None, list[str]]:
    source = str(path)
    text, problem = read_policy_text(path)  # bounded: a huge file is never read whole
    if problem:
        return None, [str(problem)]
    policy, errors = parse(text, source, path.stem)
    return (Loaded(policy, text, source) if policy else None), errors


def parse(text: str, source: str, vendor: str) -> tuple[VendorPolicy | None, list[str]]:
    try:
        policy, problems = check_policy_text(text, source, vendor)
    except Exception as exc:  # a loader bug must not take every vendor down with it
        log.exception("vendor config: %s: the loader failed", source)
        return None, [f"{source}:0: file: could not be loaded ({type(exc).__name__})"]
    return policy, [str(p) for p in problems if p.level == "error"]


def duplicate_claims(entries) -> dict[str, list[Claim]]:
    """number -> claims (with file and line) for every number in more than one vendor's
    `inbound`. `entries`: (vendor, policy, source, text) with text None to read source."""
    entries = list(entries)
    claims = [
        Claim(number, vendor, source)
        for vendor, policy, source, _ in entries
        for number in dict.fromkeys(policy.inbound)
    ]
    found = duplicates(claims)
    if not found:
        return {}
    involved = {c.vendor for cs in found.values() for c in cs}
    lines = {
        vendor: inbound_lines(
            text if text is not None else Path(source).read_text(encoding="utf-8"),
            source,
            policy.country,
        )
        for vendor, policy, source, text in entries
        if vendor in involved
    }
    return {
        number: [dataclasses.replace(c, line=lines[c.vendor].get(number, 0)) for c in cs]
        for number, cs in found.items()
    }


def settle_duplicates(loaded: dict[str, Loaded], previous: dict[str, str], registry) -> set[str]:
    """Give each number claimed twice to one vendor (`previous`: number -> the vendor that
    answered it before); the vendors it was taken from."""
    entries = [(v, i.policy, i.source, i.text) for v, i in loaded.items()]
    withdrawn = set()
    for number, claims in duplicate_claims(entries).items():
        registry.errors += duplicate_problems(number, claims)
        kept_by = keeper(claims, previous.get(number))
        why = "it answered it before" if previous.get(number) == kept_by else "first by name"
        losers = sorted({c.vendor for c in claims} - {kept_by})
        registry.notes.append(
            f"{mask(number)}: calls go to {kept_by} ({why}); not to {', '.join(losers)}"
        )
        for vendor in losers:
            policy = loaded[vendor].policy
            inbound = tuple(n for n in policy.inbound if n != number)
            loaded[vendor] = dataclasses.replace(
                loaded[vendor], policy=dataclasses.replace(policy, inbound=inbound)
            )
            withdrawn.add(vendor)
    return withdrawn


def load_vendors(config_dir: Path) -> dict[str, VendorPolicy]:
    """id -> policy for every vendor file; raises ConfigError on the first bad file (tools
    that must not run on a partial configuration, like the demo)."""
    return {p.stem: load_policy(p) for p in vendor_files(config_dir)}


def load_vendor(config_dir: Path, vendor_id: str) -> VendorPolicy:
    """One vendor's policy; raises LookupError naming the valid ids when it does not exist."""
    files = {p.stem: p for p in vendor_files(config_dir)}
    if vendor_id not in files:  # never a path: '../x' is not a vendor id
        raise LookupError(f"unknown vendor {vendor_id!r} (valid: {', '.join(files) or 'none'})")
    return load_policy(files[vendor_id])


class Vendors(dict):
    """id -> policy: the live policies of a process.

    A job for a vendor missing here (not in the store, or its version no longer loads) must
    still page: the incident's plan is frozen with the numbers, and a page needs only a
    sender and texts. The store and the file are tried again (either may be back); failing
    that, a stand-in policy named after the vendor id, sending from a number the vendor
    claimed, else another vendor's number."""

    def __init__(self, policies: dict, config_dir, client: redis.Redis):
        super().__init__(policies)
        self.config_dir, self.client = config_dir, client

    def __missing__(self, vendor_id: str) -> VendorPolicy:
        policy = load_one(self.config_dir, vendor_id, self.client)
        if policy is not None:
            self[vendor_id] = policy
            return policy
        sender = self._sender(vendor_id)
        log.error(
            "vendor %s: no stored version and no config file loads; its pages go out with the "
            "vendor id as name, from %s",
            vendor_id,
            "a number it answered" if sender else "the engineer's own number (Twilio may refuse)",
        )
        return stand_in(vendor_id, sender)

    def _sender(self, vendor_id: str) -> str | None:
        try:
            owners = stored.inbound_owners(self.client)
        except REDIS_DOWN:
            owners = {}
        owned = [n for n, v in owners.items() if v == vendor_id]
        others = [p.inbound[0] for p in self.values() if p.inbound]
        return next(iter(owned + others), None)


def stand_in(vendor_id: str, sender: str | None) -> VendorPolicy:
    """The least a page needs (name, zone, sender) for a vendor whose policy is lost."""
    return VendorPolicy(
        id=vendor_id,
        name=vendor_id,
        language="en",
        calendar=Calendar("UTC", HolidayCalendar("NO"), WeeklyHours(((),) * 7)),
        desk_phones=(),
        duty_phones=(),
        written=Written(),
        people={},
        rota=Rota(),
        severities=(),
        inbound=(sender,) if sender else (),
        source="(stand-in: no config loads)",
    )
