"""A vendor's policy document as the API shows it: the parsed YAML and a version tag.

Phase 1: the document is the vendor's last good text (oncall.store.lastgood), which has no
version number, so the tag is a hash of the text. Phase 2 replaces `current_document` by
`oncall.services.policies.current` (a numbered Version); callers use only PolicyDocument.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from oncall.store.lastgood import LastGood
from rotas.yamlsource import load_yaml


@dataclass(frozen=True)
class PolicyDocument:
    vendor: str
    document: dict  # the parsed YAML (every scalar a string, as written)
    etag: str  # the version tag: a number once versions exist, else the text's hash
    version: int | None = None


def current_document(client: redis.Redis, vendor: str) -> PolicyDocument | None:
    """The vendor's policy document as loaded now, or None when none is kept."""
    kept = LastGood(client).get(vendor)
    if kept is None:
        return None
    data, problems = load_yaml(kept.text, kept.source or vendor)
    if data is None or problems:
        return None
    return PolicyDocument(vendor, _plain(data), f"sha256-{kept.sha256[:16]}")


def _plain(value):
    """Located mappings and lists as plain dicts and lists (JSON-ready)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
