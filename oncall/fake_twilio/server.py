"""The fake Twilio REST API: a small Flask app, run in a thread or as a process."""

from __future__ import annotations

import itertools
import threading
import uuid

import pendulum
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

API = "/2010-04-01/Accounts/<account>"


def _sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def create_fake_app() -> Flask:
    app = Flask("fake_twilio")
    state = {"messages": [], "calls": [], "fail": []}  # fail: queued HTTP statuses to answer
    lock = threading.Lock()
    app.extensions["fake_twilio"] = state

    def failure():
        with lock:
            return state["fail"].pop(0) if state["fail"] else None

    def error(status: int):
        code = {400: 21211, 429: 20429}.get(status, 20500)
        return jsonify(
            {"code": code, "message": f"fake failure {status}", "status": status}
        ), status

    @app.post(f"{API}/Messages.json")
    def create_message(account):
        status = failure()
        if status:
            return error(status)
        form = request.form
        msg = {
            "sid": _sid("SM"),
            "account_sid": account,
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body", ""),
            "status": "queued",
            "validity_period": form.get("ValidityPeriod"),
            "status_callback": form.get("StatusCallback"),
            "date_created": pendulum.now("UTC").to_rfc2822_string(),
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
        }
        with lock:
            state["messages"].append(msg)
        return jsonify(msg), 201

    @app.get(f"{API}/Messages.json")
    def list_messages(account):
        to = request.args.get("To")
        found = [m for m in state["messages"] if to in (None, m["to"])]
        return jsonify({"messages": found, "page": 0, "page_size": 50, "next_page_uri": None})

    @app.get(f"{API}/Messages/<sid>.json")
    def fetch_message(account, sid):
        found = next((m for m in state["messages"] if m["sid"] == sid), None)
        return (jsonify(found), 200) if found else error(404)

    @app.post(f"{API}/Calls.json")
    def create_call(account):
        status = failure()
        if status:
            return error(status)
        call = {
            "sid": _sid("CA"),
            "account_sid": account,
            "to": request.form.get("To"),
            "from": request.form.get("From"),
            "status": "queued",
            "twiml": request.form.get("Twiml"),
            "url": request.form.get("Url"),
        }
        with lock:
            state["calls"].append(call)
        return jsonify(call), 201

    @app.get("/_fake/messages")
    def messages():
        return jsonify(state["messages"])

    @app.get("/_fake/calls")
    def calls():
        return jsonify(state["calls"])

    @app.post("/_fake/fail")
    def fail():
        """Answer the next `count` create requests with HTTP `status`."""
        with lock:
            state["fail"].extend(
                [int(request.form.get("status", 500))] * int(request.form.get("count", 1))
            )
        return "", 204

    @app.post("/_fake/reset")
    def reset():
        with lock:
            for value in state.values():
                value.clear()
        return "", 204

    return app


class FakeTwilio:
    """The fake served from a background thread on 127.0.0.1 and a free port."""

    _ids = itertools.count()

    def __init__(self, port: int = 0):
        self.app = create_fake_app()
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, name=f"fake-twilio-{next(self._ids)}", daemon=True
        )

    def __enter__(self) -> FakeTwilio:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()

    @property
    def state(self) -> dict:
        return self.app.extensions["fake_twilio"]

    @property
    def messages(self) -> list[dict]:
        return list(self.state["messages"])
