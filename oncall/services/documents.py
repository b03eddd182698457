"""A vendor's policy document as the API shows it: the parsed YAML and a version tag.

The current version in Redis (oncall.services.policies: the tag is its number). A vendor
never imported into Redis is still served from its file: then the document is its last good
text (oncall.store.lastgood), which has no number, so the tag is a hash of the text.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from oncall.services import policies
from oncall.store.lastgood import LastGood
from rotas.yamlsource import load_yaml


@dataclass(frozen=True)
class PolicyDocument:
    vendor: str
    document: dict  # the parsed YAML (every scalar a string, as written)
    etag: str  # the version tag: a number once versions exist, else the text's hash
    version: int | None = None


def current_document(client: redis.Redis, vendor: str) -> PolicyDocument | None:
    """The vendor's policy document: its current version, else its last good text, else None."""
    version = policies.current(client, vendor)
    if version is not None:
        return PolicyDocument(vendor, version.document, str(version.number), version.number)
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
