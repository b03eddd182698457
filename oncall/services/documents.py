"""A vendor's policy document as the API shows it: the parsed YAML of its current version in
the policy store (oncall.services.policies), tagged with the version number (the ETag)."""

from __future__ import annotations

from dataclasses import dataclass

import redis

from oncall.services import policies


@dataclass(frozen=True)
class PolicyDocument:
    vendor: str
    document: dict  # the parsed YAML (every scalar a string, as written)
    etag: str  # the version number as text
    version: int


def current_document(client: redis.Redis, vendor: str) -> PolicyDocument | None:
    """The vendor's current version, or None when the store does not hold the vendor."""
    version = policies.current(client, vendor)
    if version is None:
        return None
    return PolicyDocument(vendor, version.document, str(version.number), version.number)
