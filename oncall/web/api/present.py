"""Domain values as the API's JSON (times ISO-8601 with the vendor's offset)."""

from __future__ import annotations

from oncall.web.api.common import iso
from rotas.policy import VendorPolicy


def vendor(policy: VendorPolicy) -> dict:
    return {
        "id": policy.id,
        "name": policy.name,
        "timezone": policy.tz,
        "language": policy.language,
        "layers": [layer.name for layer in policy.rota.layers],
        "severities": [
            {"id": s.id, "digit": s.digit, "label": dict(s.label)} for s in policy.severities
        ],
    }


def person(p) -> dict | None:
    if p is None:
        return None
    return {"id": p.id, "name": p.name, "phone": p.phone, "language": p.language}


def layer(layer, tz: str) -> dict:
    return {
        "name": layer.name,
        "members": [person(m) for m in layer.members],
        "start": layer.start.isoformat(),
        "shift_days": layer.shift_days,
        "handoff": f"{layer.handoff // 60:02d}:{layer.handoff % 60:02d}",
        "overrides": [
            {"person": person(o.person), "start": iso(o.start, tz), "end": iso(o.end, tz)}
            for o in layer.overrides
        ],
    }


def shift(s, tz: str) -> dict:
    return {
        "layer": s.layer,
        "person": person(s.person),
        "start": iso(s.start, tz),
        "end": iso(s.end, tz),
        "override": bool(s.override),
    }


def change(c, tz: str) -> dict:
    return {**c.to_json(), "at": iso(c.at, tz)}


def gap(g, tz: str) -> dict:
    return {
        "severity": g.severity,
        "start": iso(g.start, tz),
        "end": iso(g.end, tz),
        "reason": g.reason,
    }
