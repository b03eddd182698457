"""Overrides of a vendor's stored policy, each with a stable id made from its content: list,
add and remove on the latest version (a concurrent save is merged, never overwritten; a given
`base` is checked like a save's). The overrides part of the shared contract of issue 11 (A);
the versions themselves are oncall/services/policies.py."""

from __future__ import annotations

import hashlib

from oncall.services import policies
from oncall.services.policies import Conflict, FieldProblem, Invalid, Saved

OVERRIDE_KEYS = ("layer", "person", "from", "to")
OVERRIDE_RETRIES = 10  # concurrent saves an override add/remove waits out


def override_id(override: dict) -> str:
    """A short stable id from the override's content (its layer, person, from and to)."""
    content = "\x1f".join(str(override.get(k, "")) for k in OVERRIDE_KEYS)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:12]


def overrides(document: dict) -> list[dict]:
    """The document's overrides, each with its `id`."""
    items = document.get("overrides") or []
    return [{**o, "id": override_id(o)} for o in items if isinstance(o, dict)]


def add_override(client, vendor, override: dict, *, author, clock, base=None) -> tuple:
    """Add one override to the latest version (a concurrent save is merged, not overwritten);
    -> (Saved, its id). With `base`: Conflict when the vendor moved past it."""
    item = {k: str(override[k]) for k in OVERRIDE_KEYS if override.get(k) is not None}
    missing = [k for k in OVERRIDE_KEYS if k not in item]
    if missing or set(override) - {*OVERRIDE_KEYS, "id"}:
        raise Invalid([FieldProblem("override", f"give exactly {', '.join(OVERRIDE_KEYS)}")])

    def edit(document: dict) -> dict:
        return {**document, "overrides": [*(document.get("overrides") or []), item]}

    summary = f"overrides: +1 ({item['person']} on {item['layer']} {_when(item)})"
    saved = _edit_latest(client, vendor, edit, author, clock, base, summary)
    return saved, override_id(item)


def remove_override(client, vendor, override_id_: str, *, author, clock, base=None) -> Saved:
    """Remove the override with this id from the latest version; LookupError when none has it."""
    removed: list[dict] = []

    def edit(document: dict) -> dict:
        items = document.get("overrides") or []
        keep = [o for o in items if not (isinstance(o, dict) and override_id(o) == override_id_)]
        if len(keep) == len(items):
            raise LookupError(f"{vendor} has no override {override_id_!r}")
        removed[:] = [o for o in items if o not in keep]
        return {**document, "overrides": keep}

    return _edit_latest(client, vendor, edit, author, clock, base, None)


def _when(item: dict) -> str:
    return f"{item['from'].replace('T', ' ')} to {item['to'].replace('T', ' ')}"


def _edit_latest(client, vendor, edit, author, clock, base, summary) -> Saved:
    for _ in range(OVERRIDE_RETRIES):
        latest = policies.current(client, vendor)
        if latest is None:
            raise LookupError(f"no policy for vendor {vendor!r}")
        if base is not None and latest.number != base:
            raise Conflict(latest, vendor)
        document = edit(latest.document)
        try:
            return policies.save_document(
                client, vendor, document, base=latest.number, author=author, clock=clock,
                summary=summary,
            )  # fmt: skip
        except Conflict:
            if base is not None:
                raise
    raise Conflict(policies.current(client, vendor), vendor)
