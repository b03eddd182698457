"""A vendor's rota and routing over time: rota layers, who is on call, shifts, the routing
timetable of a severity and coverage gaps (all computed by rotas/, nothing stored)."""

from __future__ import annotations

import marshmallow as ma

from oncall.web.api import present
from oncall.web.api.common import (
    RangeArgs,
    When,
    bad_field,
    blueprint,
    instant,
    time_range,
    vendor_policy,
)
from oncall.web.api.schemas import (
    GapsSchema,
    OnCallSchema,
    RotaSchema,
    ShiftsSchema,
    TimetableSchema,
)
from oncall.web.context import services
from rotas.rota import on_duty, shifts_between
from rotas.timetable import coverage_gaps, timetable

bp = blueprint("schedule", "Rota layers, on call now, shifts, routing timetable, coverage gaps")


class AtArgs(ma.Schema):
    at = When()


class TimetableArgs(RangeArgs):
    severity = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))


@bp.route("/vendors/<vendor_id:vendor>/rota")
@bp.response(200, RotaSchema)
def get_rota(vendor: str):
    """The rota's layers: members, handoff, shift length and overrides."""
    policy = vendor_policy(vendor)
    layers = [present.layer(layer, policy.tz) for layer in policy.rota.layers]
    return {"vendor": vendor, "timezone": policy.tz, "layers": layers}


@bp.route("/vendors/<vendor_id:vendor>/oncall")
@bp.arguments(AtArgs, location="query")
@bp.response(200, OnCallSchema)
def get_oncall(args: dict, vendor: str):
    """Who is on call at `at` (default now) in each layer, and until when."""
    policy = vendor_policy(vendor)
    at = instant(args.get("at"), policy.tz, services().clock.now().in_timezone(policy.tz))
    shifts = [present.shift(s, policy.tz) for s in on_duty(policy.rota, at)]
    return {"vendor": vendor, "at": at.isoformat(), "layers": shifts}


@bp.route("/vendors/<vendor_id:vendor>/shifts")
@bp.arguments(RangeArgs, location="query")
@bp.response(200, ShiftsSchema)
def get_shifts(args: dict, vendor: str):
    """Every shift of every layer overlapping [start, end) (at most 26 weeks); overrides
    are marked."""
    policy = vendor_policy(vendor)
    start, end = time_range(args, policy)
    layers = [
        {
            "layer": layer.name,
            "shifts": [present.shift(s, policy.tz) for s in shifts_between(layer, start, end)],
        }
        for layer in policy.rota.layers
    ]
    return {"vendor": vendor, "start": start.isoformat(), "end": end.isoformat(), "layers": layers}


@bp.route("/vendors/<vendor_id:vendor>/timetable")
@bp.arguments(TimetableArgs, location="query")
@bp.response(200, TimetableSchema)
def get_timetable(args: dict, vendor: str):
    """Each instant in [start, end) where the routing of `severity` changes."""
    policy = vendor_policy(vendor)
    severity = args["severity"]
    if policy.severity(severity) is None:
        problem = f"not a severity of {vendor} ({', '.join(policy.severity_ids)})"
        bad_field("severity", problem, "query")
    start, end = time_range(args, policy)
    changes = [present.change(c, policy.tz) for c in timetable(policy, severity, start, end)]
    return {
        "vendor": vendor,
        "severity": severity,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "changes": changes,
    }


@bp.route("/vendors/<vendor_id:vendor>/gaps")
@bp.arguments(RangeArgs, location="query")
@bp.response(200, GapsSchema)
def get_gaps(args: dict, vendor: str):
    """Periods in [start, end) when a severity that should reach a human reaches nobody."""
    policy = vendor_policy(vendor)
    start, end = time_range(args, policy)
    gaps = [present.gap(g, policy.tz) for g in coverage_gaps(policy, start, end)]
    return {"vendor": vendor, "start": start.isoformat(), "end": end.isoformat(), "gaps": gaps}
