"""The test controls (POST form) and the records (GET) under /_fake/."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from tests.fake_twilio.responses import required, state

control = Blueprint("control", __name__, url_prefix="/_fake")


@control.get("/<kind>")
def records(kind):
    if kind not in ("messages", "calls", "callbacks"):
        abort(404)
    return jsonify(state().snapshot(kind))


@control.post("/fail")
def fail():
    form = request.form
    state().fail(
        form.get("status", 500, type=int),
        form.get("count", 1, type=int),
        form.get("code", None, type=int),
    )
    return "", 204


@control.post("/delay")
def delay():
    form = request.form
    state().delay(form.get("seconds", 1.0, type=float), form.get("count", 1, type=int))
    return "", 204


@control.post("/reject")
def reject():
    state().reject(required("number"), request.form.get("code", 21211, type=int))
    return "", 204


@control.post("/undeliverable")
def undeliverable():
    state().make_undeliverable(required("number"), request.form.get("code", 30003, type=int))
    return "", 204


@control.post("/reset")
def reset():
    state().reset()
    return "", 204
