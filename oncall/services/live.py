"""Live vendor policies: the versioned policy store in Redis is the truth for every process.

Start-up (`LivePolicies.start`): each vendor file whose vendor the store does not hold yet is
imported (validated like `oncall check`; a file with errors is logged `file:line: field:
message` and left out). A file that differs from its vendor's stored live version is NOT
applied: an edited file gets one WARNING (`python -m oncall import` applies it); a file that is
an older version (the store moved on through the API or a restore) one INFO line. Then every
stored vendor's current version is parsed. Redis down at start-up: the files are served, as before.

`refresh()` runs before every web request and every job: one GET of the store's generation
counter; when it moved, the current version numbers are read and only vendors whose number
changed are parsed again (a vendor no longer stored, which only a Redis that lost its data
does, keeps serving what was loaded). New policy objects carry
new calendars, so the old version's memoised answers go with the old objects. It never
raises: with Redis down, what is loaded keeps serving (logged once).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import redis

from oncall.services import policies as store
from oncall.services.vendors import (
    REDIS_DOWN,
    Loaded,
    Registry,
    live_source,
    load_file,
    load_registry,
    parse,
    settle_duplicates,
    vendor_files,
)
from oncall.store import policies as stored
from rotas.config import read_policy_text
from rotas.policy import VendorPolicy

log = logging.getLogger("oncall.vendors")
RETRY_AFTER = 1.0  # seconds between refresh attempts while Redis does not answer
IMPORT_AUTHOR = "import"
RECENT_VERSIONS = 50  # a file this many versions behind the store counts as edited


class LivePolicies:
    """The policies one process serves and the store versions they came from."""

    def __init__(self, config_dir: Path, client: redis.Redis, clock):
        self.config_dir, self.client, self.clock = Path(config_dir), client, clock
        self.items: dict[str, Loaded] = {}
        self.numbers: dict[str, int] = {}  # vendor -> stored version loaded (absent: a file)
        self.generation: int | None = None  # None: the store was not read (Redis down)
        self.parses = 0  # versions parsed by refresh() (tests: unchanged means no reparse)
        self._lock = threading.Lock()
        self._retry_at = 0.0
        self._down = False

    # -- start-up -------------------------------------------------------------------------

    def start(self) -> Registry:
        """Import new vendor files, then load every stored vendor; the files when Redis is
        down. Never raises for a bad file or a dead Redis."""
        registry = Registry({})
        try:
            imported = self._import_new_files(registry)
            self.generation = stored.generation(self.client)
            for vendor, number in stored.current_numbers(self.client).items():
                item = imported.get(vendor)
                if item is None or item[0] != number:
                    item = self._load_stored(vendor, registry, at_start=True)
                if item is not None:
                    self.numbers[vendor], self.items[vendor] = item
        except REDIS_DOWN as exc:
            log.error(
                "vendor config: Redis unavailable at start-up (%s): serving the vendor files",
                type(exc).__name__,
            )
            self._down, self._retry_at = True, time.monotonic() + RETRY_AFTER
            registry = load_registry(self.config_dir)
            # served until the store holds the vendor (a refresh never drops them)
            self.items = {v: Loaded(p, "", p.source) for v, p in registry.policies.items()}
            return registry
        registry.policies = self._settled(registry)
        return registry

    def _import_new_files(self, registry: Registry) -> dict[str, tuple[int, Loaded]]:
        """vendor -> (version, loaded) for each file imported now (its vendor was not stored)."""
        known = stored.current_numbers(self.client)
        imported = {}
        for path in vendor_files(self.config_dir):
            if path.stem in known:
                continue
            item, errors = load_file(path)
            registry.errors += errors
            if item is None:
                registry.notes.append(_left_out(path, "does not load"))
                continue
            saved = self._save_import(path, item, registry)
            if saved is not None:
                imported[path.stem] = (saved, item)
        return imported

    def _save_import(self, path: Path, item: Loaded, registry: Registry) -> int | None:
        try:
            saved = store.save_text(
                self.client,
                path.stem,
                item.text,
                base=None,
                author=IMPORT_AUTHOR,
                clock=self.clock,
                summary=f"imported from {path.name} at start-up",
                gaps=False,
            )
        except store.Conflict:
            return None  # another process imported it first: loaded from the store below
        except store.Invalid as exc:
            registry.errors += [f"{path}: {problem}" for problem in exc.problems]
            registry.notes.append(_left_out(path, "is refused by the policy store"))
            return None
        log.info("vendor %s: imported %s as version %d", path.stem, path, saved.version.number)
        return saved.version.number

    def _load_stored(
        self, vendor: str, registry: Registry, *, at_start: bool = False
    ) -> tuple[int, Loaded] | None:
        """The vendor's current stored version, parsed; at start-up, compared with its file."""
        return self._loaded(store.current(self.client, vendor), registry, at_start=at_start)

    def _loaded(
        self, version: store.Version | None, registry: Registry, *, at_start: bool = False
    ) -> tuple[int, Loaded] | None:
        """A stored version parsed; at start-up, compared with its file."""
        if version is None:
            return None
        vendor = version.vendor
        path = self.config_dir / f"{vendor}.yaml"
        at_start = at_start and path.exists()
        file_text = read_policy_text(path) if at_start else None
        same = file_text == (version.text, None)
        source = str(path) if same else live_source(vendor, version.number)
        policy, errors = parse(version.text, source, vendor)
        registry.errors += errors
        if at_start and not same:
            older = _older_version_of(self.client, vendor, file_text, version.number)
            if older:
                _store_moved_on(path, older, version)
            else:
                _file_differs(path, version, registry)
        if policy is None:
            registry.notes.append(f"vendor {vendor}: its live version does not load: left out")
            return None
        return version.number, Loaded(policy, version.text, source)

    def _settled(self, registry: Registry) -> dict[str, VendorPolicy]:
        """The policies with each inbound number held by one vendor (the store refuses a
        second claim; files served while Redis was down may still make one)."""
        items = dict(self.items)
        try:
            previous = stored.inbound_owners(self.client)
        except REDIS_DOWN:
            previous = {}
        settle_duplicates(items, previous, registry)
        return {vendor: item.policy for vendor, item in items.items()}

    # -- refresh --------------------------------------------------------------------------

    def refresh(self, apply: Callable[[dict[str, VendorPolicy]], None]) -> bool:
        """When the store changed since the last look, apply(new policies) and True; else
        False after one GET. `apply` runs under the lock, so threads apply versions in
        order. Never raises."""
        if self._down and time.monotonic() < self._retry_at:
            return False
        try:
            generation = stored.generation(self.client)
            if generation == self.generation:
                return self._back()
            with self._lock:  # threads of one process: one of them reparses
                if generation == self.generation:
                    return self._back()
                apply(self._reload(generation))
                return True
        except REDIS_DOWN as exc:
            if not self._down:
                log.error(
                    "vendor config: Redis unavailable (%s): serving the policies loaded",
                    type(exc).__name__,
                )
            self._down, self._retry_at = True, time.monotonic() + RETRY_AFTER
            return False

    def _back(self) -> bool:
        if self._down:
            log.warning("vendor config: Redis answers again: live policies followed")
            self._down = False
        return False

    def _reload(self, generation: int) -> dict[str, VendorPolicy]:
        numbers = stored.current_numbers(self.client)
        registry = Registry({})
        followed = []
        lost = [v for v in self.numbers if v not in numbers]
        for vendor in lost:  # nothing deletes a vendor: the store lost its data
            del self.numbers[vendor]  # what is loaded keeps serving until it is stored again
        if lost:
            log.error(
                "vendor config: %s no longer in the policy store (Redis lost its data?): "
                "serving the versions loaded; a restart or `python -m oncall import` stores "
                "the files again",
                ", ".join(sorted(lost)),
            )
        changed = {v: n for v, n in numbers.items() if self.numbers.get(v) != n}
        versions = store.versions_of(self.client, changed)  # one pipelined round trip
        for vendor, number in changed.items():
            item = self._loaded(versions.get(vendor), registry)
            self.parses += 1
            if item is not None:
                self.numbers[vendor], self.items[vendor] = item
                followed.append(f"{vendor} version {item[0]}")
            else:
                self.numbers[vendor] = number  # keep what was loaded; not parsed again
        self.generation = generation
        policies = self._settled(registry)
        for line in registry.errors + registry.notes:
            log.error("vendor config: %s", line)
        if followed:
            log.info("live policies: %s", ", ".join(followed))
        self._back()
        return policies

    def versions(self) -> dict[str, int]:
        """vendor -> the stored version this process serves (/healthz)."""
        return dict(self.numbers)


def served_policies(config_dir: Path, client: redis.Redis) -> dict[str, VendorPolicy]:
    """What a process starting now would serve, without writing anything: each stored
    vendor's current version (a differing or broken file is not applied), and the files of
    vendors the store does not hold yet (start-up imports them). Redis down: the files.
    The production start-up gate judges these (oncall/services/startup.py)."""
    files = load_registry(config_dir).policies
    try:
        numbers = stored.current_numbers(client)
        records = stored.load_versions(client, numbers)
    except REDIS_DOWN:
        return files
    served = {vendor: policy for vendor, policy in files.items() if vendor not in numbers}
    for vendor, record in sorted(records.items()):
        policy, _ = parse(record["text"], live_source(vendor, numbers[vendor]), vendor)
        if policy is not None:
            served[vendor] = policy
    return served


def _left_out(path: Path, why: str) -> str:
    return (
        f"vendor {path.stem}: {path} {why} and the store has no version of it: it is left "
        "out, calls to its numbers reach the fallback"
    )


def _older_version_of(client: redis.Redis, vendor: str, file_text, current: int) -> int | None:
    """The number of one of the RECENT_VERSIONS before `current` whose text the file is (the
    store moved on from the file: API edits, restores), else None (the file was edited)."""
    text, problem = file_text
    numbers = list(range(current - 1, max(0, current - 1 - RECENT_VERSIONS), -1))
    if problem is not None or not numbers:
        return None
    records = stored.load(client, vendor, numbers)
    return next((n for n, r in zip(numbers, records, strict=True) if r and r["text"] == text), None)


def _store_moved_on(path: Path, older: int, version) -> None:
    log.info(
        "vendor %s: %s is version %d; serving version %d (%s, %s), changed since through the "
        "API or a restore",
        path.stem,
        path,
        older,
        version.number,
        version.author,
        version.at,
    )


def _file_differs(path: Path, version, registry: Registry) -> None:
    """One line: the file is not what is live, and how to apply it (its errors, if any)."""
    log.warning(
        "vendor %s: %s differs from its live version %d (%s, %s): not applied; "
        "`python -m oncall import %s` applies it",
        path.stem,
        path,
        version.number,
        version.author,
        version.at,
        path,
    )
    item, errors = load_file(path)
    if item is None:
        registry.errors += errors
