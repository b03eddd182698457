"""Incidents: list, get with timeline, acknowledge, resolve (as an SMS reply would)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields as f

from oncall.services.incident_states import STATES, acknowledge, recent_incidents, resolve
from oncall.web.api import access
from oncall.web.api.common import VendorId, blueprint, iso, vendors_shown
from oncall.web.context import services

bp = blueprint("incidents", "Incidents: list, timeline, acknowledge, resolve")
MAX_LIMIT = 200


class IncidentArgs(ma.Schema):
    vendor = f.String(validate=ma.validate.Regexp(f"^{VendorId.regex}$"))
    status = f.String(validate=ma.validate.OneOf((*STATES, "open")))
    limit = f.Integer(load_default=50, validate=ma.validate.Range(1, MAX_LIMIT))


class EventSchema(ma.Schema):
    at = f.String(required=True, metadata={"format": "date-time"})
    text = f.String(required=True)


class IncidentSchema(ma.Schema):
    id = f.String(required=True)
    vendor = f.String(required=True)
    severity = f.String(required=True)
    state = f.String(required=True, validate=ma.validate.OneOf(STATES))
    message = f.String(required=True)
    caller = f.String(required=True)
    calls = f.Integer(required=True)
    opened_at = f.String(required=True, metadata={"format": "date-time"})
    respond_by = f.String(allow_none=True, required=True, metadata={"format": "date-time"})
    step = f.Integer(required=True)
    acknowledged_by = f.String(allow_none=True, required=True)
    resolved_by = f.String(allow_none=True, required=True)


class IncidentDetailSchema(IncidentSchema):
    plan = f.Dict(required=True)
    timeline = f.List(f.Nested(EventSchema), required=True)


class ChangedSchema(ma.Schema):
    changed = f.Boolean(required=True, metadata={"description": "false: it was already so"})
    incident = f.Nested(IncidentDetailSchema, required=True)


def _summary(inc) -> dict:
    tz = services().vendors[inc.vendor].tz if inc.vendor in services().vendors else "UTC"
    return {
        "id": inc.id,
        "vendor": inc.vendor,
        "severity": inc.severity,
        "state": inc.state,
        "message": inc.message,
        "caller": inc.caller,
        "calls": inc.calls,
        "opened_at": iso(inc.opened_at, tz),
        "respond_by": iso(inc.respond_by, tz),
        "step": inc.step,
        "acknowledged_by": inc.extra.get("acknowledged_by"),
        "resolved_by": inc.extra.get("resolved_by"),
    }


def _detail(inc) -> dict:
    svc = services()
    tz = svc.vendors[inc.vendor].tz if inc.vendor in svc.vendors else "UTC"
    timeline = [{"at": iso(e["at"], tz), "text": e["text"]} for e in svc.incidents.timeline(inc.id)]
    return {**_summary(inc), "plan": inc.plan.to_json(), "timeline": timeline}


def _incident(incident_id: str):
    """The incident after checking the user may view its vendor: 404 unknown, 403."""
    inc = services().incidents.load(incident_id)
    if inc is None:
        abort(404, message=f"no incident {incident_id!r}")
    access.allow("view", inc.vendor)
    return inc


@bp.route("/incidents")
@bp.arguments(IncidentArgs, location="query")
@bp.response(200, IncidentSchema(many=True))
def list_incidents(args: dict):
    """The newest incidents (by when they opened) of one vendor, or of every vendor the
    user may view."""
    vendors = vendors_shown(args.get("vendor"))
    found = recent_incidents(services(), vendors, status=args.get("status"), limit=args["limit"])
    return [_summary(inc) for inc in found]


@bp.route("/incidents/<incident_id:incident_id>")
@bp.response(200, IncidentDetailSchema)
def get_incident(incident_id: str):
    """One incident with its frozen escalation plan and its timeline."""
    return _detail(_incident(incident_id))


@bp.route("/incidents/<incident_id:incident_id>/acknowledge", methods=["POST"])
@bp.response(200, ChangedSchema)
def acknowledge_incident(incident_id: str):
    """Acknowledge: escalation stops, as when a paged engineer replies 1 (ACK)."""
    return _changed(incident_id, acknowledge)


@bp.route("/incidents/<incident_id:incident_id>/resolve", methods=["POST"])
@bp.response(200, ChangedSchema)
def resolve_incident(incident_id: str):
    """Resolve, as when a paged engineer replies 3 (RES)."""
    return _changed(incident_id, resolve)


def _changed(incident_id: str, change) -> dict:
    """`change` (acknowledge or resolve) by the user, through the API; the incident after."""
    changed = change(services(), _incident(incident_id), access.user().username, via="API")
    return {"changed": changed, "incident": _detail(services().incidents.load(incident_id))}
