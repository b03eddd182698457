"""The call log: GET /calls (newest first) and /calls/{sid} with its events."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields as f

from oncall.web.api import access
from oncall.web.api.common import VendorId, blueprint, vendors_shown
from oncall.web.context import services

bp = blueprint("calls", "The call log")
MAX_LIMIT = 200


class CallArgs(ma.Schema):
    vendor = f.String(validate=ma.validate.Regexp(f"^{VendorId.regex}$"))
    limit = f.Integer(load_default=50, validate=ma.validate.Range(1, MAX_LIMIT))


class CallSchema(ma.Schema):
    sid = f.String(required=True)
    vendor = f.String(required=True)
    started = f.String(allow_none=True, required=True, metadata={"format": "date-time"})
    caller = f.String(allow_none=True, required=True)
    to = f.String(allow_none=True, required=True)
    reference = f.String(allow_none=True, required=True)
    severity = f.String(allow_none=True, required=True)
    route = f.String(allow_none=True, required=True)
    outcome = f.String(allow_none=True, required=True)
    incident = f.String(allow_none=True, required=True)
    record = f.Dict(keys=f.String(), values=f.String(), required=True)


class CallEventSchema(ma.Schema):
    at = f.String(allow_none=True, metadata={"format": "date-time"})
    step = f.String(allow_none=True)
    text = f.String(required=True)


class CallDetailSchema(CallSchema):
    events = f.List(f.Nested(CallEventSchema), required=True)


SHOWN = ("started", "caller", "to", "reference", "severity", "route", "outcome", "incident")


def _call(sid: str, record: dict) -> dict:
    return {
        "sid": sid,
        "vendor": record.get("vendor", ""),
        **{k: record.get(k) or None for k in SHOWN},
        "record": {k: v for k, v in record.items() if k != "sid"},
    }


@bp.route("/calls")
@bp.arguments(CallArgs, location="query")
@bp.response(200, CallSchema(many=True))
def list_calls(args: dict):
    """The newest calls of one vendor, or of every vendor the user may view."""
    vendors = set(vendors_shown(args.get("vendor")))
    return [_call(r["sid"], r) for r in services().store.recent(args["limit"], vendors)]


@bp.route("/calls/<call_sid:sid>")
@bp.response(200, CallDetailSchema)
def get_call(sid: str):
    record = services().store.record(sid)
    if not record:
        abort(404, message=f"no call {sid!r}")
    access.allow("view", record.get("vendor"))
    return {**_call(sid, record), "events": services().store.events(sid)}
