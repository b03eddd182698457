"""HTTP answers shared by the fake's endpoints: its state, Twilio-style errors, required form
fields, and the 201 of a create followed by the record's status progression."""

from __future__ import annotations

import threading

from flask import abort, current_app, jsonify, request

from tests.fake_twilio.state import FakeState

STATE = "fake_twilio"  # the app's extensions key of its FakeState


def state() -> FakeState:
    return current_app.extensions[STATE]


def error(body: dict):
    """A Twilio error body (see state.twilio_error) with its HTTP status."""
    return jsonify(body), body["status"]


def required(name: str) -> str:
    value = request.form.get(name)
    if not value:
        abort(400, f"missing form parameter {name}")
    return value


def created(record: dict, kind: str, delay: float, steps, params_for):
    """Record, answer 201 after `delay`, then progress the status after the answer."""
    fake = state()
    stored = fake.add(kind, record)
    response = jsonify(record)
    response.status_code = 201
    fake.stopping.wait(delay)
    answered = threading.Event()
    response.call_on_close(answered.set)  # after the body was written to the socket
    fake.progress(stored, steps, record["status_callback"], params_for, answered)
    return response


def refused(delay: float, failure: dict):
    """An injected failure of a create: answered after `delay`."""
    state().stopping.wait(delay)
    return error(failure)
