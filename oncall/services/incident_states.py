"""Acknowledging and resolving an incident: the same transition, timeline entry and metric
whether an engineer replies by SMS or a user calls the API (`via` says which)."""

from __future__ import annotations

from oncall import metrics
from oncall.services.root import Services
from rotas.incident import Incident

STATES = ("triggered", "acknowledged", "resolved")
MAX_SCAN = 1000  # incidents per vendor a listing looks at, newest first


def acknowledge(svc: Services, inc: Incident, who: str, *, via: str) -> bool:
    """True when this acknowledged `inc` (False: it was acknowledged or resolved before)."""
    now = svc.clock.now().timestamp()
    if not svc.incidents.set_state(inc, "acknowledged", who, now):
        return False
    svc.incidents.event(inc.id, now, f"acknowledged by {who} ({via})")
    metrics.ACK_SECONDS.labels(inc.vendor, inc.severity).observe(now - inc.opened_at)
    return True


def resolve(svc: Services, inc: Incident, who: str, *, via: str) -> bool:
    """True when this resolved `inc` (False: it was resolved before)."""
    now = svc.clock.now().timestamp()
    if not svc.incidents.set_state(inc, "resolved", who, now):
        return False
    svc.incidents.event(inc.id, now, f"resolved by {who} ({via})")
    return True


def recent_incidents(
    svc: Services, vendors: list[str], *, status: str | None = None, limit: int = 50
) -> list[Incident]:
    """The newest incidents of `vendors` (by when they opened), newest first; `status`:
    one of STATES, or "open" for every state but resolved."""
    found: list[Incident] = []
    for vendor in vendors:
        matching = 0
        for incident_id in svc.incidents.opened_ids(vendor, MAX_SCAN):
            inc = svc.incidents.load(incident_id)
            if inc is not None and _has_status(inc, status):
                found.append(inc)
                matching += 1
                if matching >= limit:
                    break
    found.sort(key=lambda i: i.opened_at, reverse=True)
    return found[:limit]


def _has_status(inc: Incident, status: str | None) -> bool:
    if status is None:
        return True
    return inc.open if status == "open" else inc.state == status
