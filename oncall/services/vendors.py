"""The vendor registry: every config file in the config directory, each loaded on its own.

One broken file never stops the others. A file that loads is kept in Redis as the vendor's
last good version; a file that does not is logged (every problem as `file:line: field:
message`) and served from its last good version, or, with none, left out: calls to its
numbers then reach the fallback. A number claimed by two files stays with one vendor
(`rotas.inbound.keeper`) and both files and lines are reported.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import redis

from oncall.store.lastgood import LastGood
from rotas.calendar import Calendar
from rotas.closed_days import HolidayCalendar
from rotas.config import check_policy_text, load_policy, read_policy_text
from rotas.hours import WeeklyHours
from rotas.inbound import Claim, duplicate_problems, duplicates, inbound_lines, keeper
from rotas.phone import mask
from rotas.policy import VendorPolicy, Written
from rotas.rota import Rota

log = logging.getLogger("oncall.vendors")


def vendor_files(config_dir: Path) -> list[Path]:
    return sorted(Path(config_dir).glob("*.yaml"))


@dataclass(frozen=True)
class Loaded:
    """One vendor's policy and the text it was parsed from."""

    policy: VendorPolicy
    text: str
    source: str  # the file, and for a last good version which one
    fresh: bool = True  # from the file itself, not from its last good version


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


def load_registry(config_dir: Path, store: LastGood | None = None) -> Registry:
    """Every vendor file, each on its own; never raises for a bad file."""
    store = store or LastGood(None)
    registry, loaded = Registry({}), {}
    for path in vendor_files(config_dir):
        item, errors = _load_file(path)
        registry.errors += errors
        item = item or _from_last_good(path, store, registry.notes)
        if item is not None:
            loaded[path.stem] = item
    withdrawn = _settle_duplicates(loaded, store, registry)
    for vendor, item in loaded.items():
        if item.fresh and vendor not in withdrawn:
            store.save(vendor, item.text, item.source)
    registry.policies = {vendor: item.policy for vendor, item in loaded.items()}
    store.save_owners({n: v for v, p in registry.policies.items() for n in p.inbound})
    return registry


def load_one(config_dir: Path, vendor_id: str, store: LastGood | None = None):
    """One vendor by id, from its file or its last good version; None when neither loads."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", vendor_id):
        return None  # never a path
    path = Path(config_dir) / f"{vendor_id}.yaml"
    item, errors = _load_file(path) if path.exists() else (None, [])
    for line in errors:
        log.error("vendor config: %s", line)
    notes: list[str] = []
    item = item or _from_last_good(path, store or LastGood(None), notes)
    for line in notes:
        log.error("vendor config: %s", line)
    return item.policy if item else None


def _load_file(path: Path) -> tuple[Loaded | None, list[str]]:
    source = str(path)
    text, problem = read_policy_text(path)  # bounded: a huge file is never read whole
    if problem:
        return None, [str(problem)]
    policy, errors = _parse(text, source, path.stem)
    return (Loaded(policy, text, source) if policy else None), errors


def _parse(text: str, source: str, vendor: str) -> tuple[VendorPolicy | None, list[str]]:
    try:
        policy, problems = check_policy_text(text, source, vendor)
    except Exception as exc:  # a loader bug must not take every vendor down with it
        log.exception("vendor config: %s: the loader failed", source)
        return None, [f"{source}:0: file: could not be loaded ({type(exc).__name__})"]
    return policy, [str(p) for p in problems if p.level == "error"]


def _from_last_good(path: Path, store: LastGood, notes: list[str]) -> Loaded | None:
    vendor = path.stem
    kept = store.get(vendor)
    if kept is None:
        notes.append(
            f"vendor {vendor}: {path} does not load and no last good version is kept: "
            f"it is left out, calls to its numbers reach the fallback"
        )
        return None
    source = f"{path} (last good version of {kept.loaded_at})"
    policy, errors = _parse(kept.text, source, vendor)
    if policy is None:
        notes.append(f"vendor {vendor}: its last good version does not load either: left out")
        notes.extend(errors)
        return None
    notes.append(
        f"vendor {vendor}: {path} does not load: serving its last good version of {kept.loaded_at}"
    )
    return Loaded(policy, kept.text, source, fresh=False)


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


def _settle_duplicates(loaded: dict[str, Loaded], store: LastGood, registry) -> set[str]:
    """Give each number claimed twice to one vendor; the vendors it was taken from."""
    entries = [(v, i.policy, i.source, i.text) for v, i in loaded.items()]
    found = duplicate_claims(entries)
    previous = store.owners() if found else {}
    withdrawn = set()
    for number, claims in found.items():
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
