"""POST /simulate: a call through the real, signed webhooks at a frozen time, in a
throw-away Redis (pages nobody), with the same result as `python -m oncall call --json`."""

from __future__ import annotations

import threading

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields as f

from oncall import web
from oncall.services.simulator import simulate
from oncall.web.api.common import VendorId, When, blueprint, instant, vendor_policy
from oncall.web.context import services
from rotas.phone import caller_number

bp = blueprint("simulate", "The call simulator")
# Each simulation starts its own embedded Redis: at most this many at once per process.
RUNNING = threading.BoundedSemaphore(2)


def _caller(value: str) -> None:
    if value.lower() != "anonymous" and not caller_number(value):
        raise ma.ValidationError("not an E.164 number or 'anonymous'")


class SimulateArgs(ma.Schema):
    vendor = f.String(required=True, validate=ma.validate.Regexp(f"^{VendorId.regex}$"))
    at = When(metadata={"description": "the frozen time of the call (default: now)"})
    caller = f.String(required=True, validate=[ma.validate.Length(max=20), _caller])
    press = f.String(
        load_default="",
        validate=ma.validate.Regexp(r"^[0-9*#]{0,20}$"),
        metadata={"description": "digits pressed at the menu, in order"},
    )
    answer = f.Boolean(load_default=True, metadata={"description": "false: nobody answers"})


class SimulationSchema(ma.Schema):
    call_sid = f.String(required=True)
    reference = f.String(allow_none=True, required=True)
    vendor = f.String(allow_none=True, required=True)
    severity = f.String(allow_none=True, required=True)
    route = f.String(allow_none=True, required=True)
    reason = f.String(allow_none=True, required=True)
    dialled = f.List(f.String(), required=True)
    outcome = f.String(allow_none=True, required=True)
    recording = f.String(allow_none=True, required=True)
    sms = f.List(f.Dict(), required=True)
    incident = f.String(allow_none=True, required=True)
    pages = f.List(f.Dict(), required=True)
    events = f.List(f.String(), required=True)
    steps = f.List(f.Dict(), required=True)


@bp.route("/simulate", methods=["POST"])
@bp.arguments(SimulateArgs)
@bp.response(200, SimulationSchema)
def post_simulate(args: dict):
    """Simulate a call: the transcript, route, dialled numbers, SMS and pages it caused."""
    policy = vendor_policy(args["vendor"])
    if not policy.inbound:
        abort(422, message=f"vendor {policy.id} has no inbound number to call")
    svc = services()
    at = instant(args.get("at"), policy.tz, svc.clock.now().in_timezone(policy.tz))
    if not RUNNING.acquire(blocking=False):
        abort(503, message="simulations are busy; try again", headers={"Retry-After": "2"})
    try:
        return simulate(
            svc.settings,
            policy,
            at,
            args["caller"],
            args["press"],
            args["answer"],
            make_app=web.create_app,
        )
    finally:
        RUNNING.release()
