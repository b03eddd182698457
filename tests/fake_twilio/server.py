"""The fake Twilio REST API: a small Flask app, run in a thread or as a process.

Twilio's side (API = /2010-04-01/Accounts/<AccountSid>):
  POST API/Messages.json, POST API/Calls.json    create: 201, then signed status callbacks
  GET  API/Messages.json                         filters To, From, DateSent, DateSent>, DateSent<
  GET  API/Messages/<sid>.json                   fetch one message (404: code 20404)
Test controls (POST form; GET for the records):
  /_fake/fail status=503 count=1 [code=]         the next `count` creates answer that error
  /_fake/delay seconds=2 count=1                 the next `count` creates answer late
  /_fake/reject number=+47... code=21610         messages to `number` answer 400 with `code`
  /_fake/undeliverable number=+47... [code=]     accepted, then callback `undelivered` (30003)
  /_fake/sms From=+47... To=+47... Body=1 [MessageSid=] [Url=]
                                                 a phone texts our number: the signed SMS
                                                 webhook goes to Url (default: --sms-url); the
                                                 TwiML answer is recorded as SMS to From
  /_fake/reset                                   forget records and injected failures
  GET /_fake/messages, /_fake/calls, /_fake/callbacks
"""

from __future__ import annotations

import itertools
import logging
import threading
import time

import requests
from flask import Flask, abort, jsonify, request
from werkzeug.serving import make_server

from tests.fake_twilio.state import (
    API_VERSION,
    FakeState,
    call_params,
    inbound_params,
    message_params,
    new_sid,
    sent_matches,
    sign,
    twilio_error,
)

API = "/2010-04-01/Accounts/<account>"
DEFAULT_ACCOUNT = "AC" + "0" * 32


def create_fake_app(auth_token: str | None = None, clock=None, sms_url: str | None = None) -> Flask:
    """The fake as a Flask app. Callbacks are signed with `auth_token` (unsigned if None);
    `clock` (anything with .now()) dates the records, default the system clock; `sms_url` is
    the app's SMS webhook, where /_fake/sms delivers by default."""
    app = Flask("fake_twilio")
    state = FakeState(auth_token, clock)
    app.extensions["fake_twilio"] = state

    def error(body: dict):
        return jsonify(body), body["status"]

    def created(record: dict, kind: str, delay: float, steps, params_for):
        """Record, answer 201 after `delay`, then progress the status after the answer."""
        stored = state.add(kind, record)
        response = jsonify(record)
        response.status_code = 201
        state.stopping.wait(delay)
        answered = threading.Event()
        response.call_on_close(answered.set)  # after the body was written to the socket
        state.progress(stored, steps, record["status_callback"], params_for, answered)
        return response

    @app.post(f"{API}/Messages.json")
    def create_message(account):
        form = request.form
        to = form.get("To", "")
        delay, failure = state.admit(to, message=True)
        if failure:
            state.stopping.wait(delay)
            return error(failure)
        now = state.now()
        sid = new_sid("SM")
        msg = {
            "sid": sid,
            "account_sid": account,
            "to": to,
            "from": form.get("From", ""),
            "body": form.get("Body", ""),
            "status": "queued",
            "error_code": None,
            "error_message": None,
            "validity_period": form.get("ValidityPeriod"),
            "status_callback": form.get("StatusCallback"),
            "date_created": now.to_rfc2822_string(),
            "date_sent": now.to_rfc2822_string(),  # the fake sends at once
            "date_updated": now.to_rfc2822_string(),
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "uri": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json",
            "received_at": time.time(),  # fake-only: wall clock of arrival, for benchmarks
        }
        return created(msg, "messages", delay, state.message_steps(to), message_params)

    @app.get(f"{API}/Messages.json")
    def list_messages(account):
        args = request.args
        found = [
            m
            for m in reversed(state.snapshot("messages"))  # newest first, like Twilio
            if args.get("To") in (None, m["to"])
            and args.get("From") in (None, m["from"])
            and sent_matches(m, args)
        ]
        return jsonify(
            {"messages": found, "page": 0, "page_size": len(found), "next_page_uri": None}
        )

    @app.get(f"{API}/Messages/<sid>.json")
    def fetch_message(account, sid):
        found = next((m for m in state.snapshot("messages") if m["sid"] == sid), None)
        return jsonify(found) if found else error(twilio_error(404))

    @app.post(f"{API}/Calls.json")
    def create_call(account):
        form = request.form
        delay, failure = state.admit(form.get("To"), message=False)
        if failure:
            state.stopping.wait(delay)
            return error(failure)
        now = state.now().to_rfc2822_string()
        sid = new_sid("CA")
        call = {
            "sid": sid,
            "account_sid": account,
            "to": form.get("To", ""),
            "from": form.get("From", ""),
            "status": "queued",
            "twiml": form.get("Twiml"),
            "url": form.get("Url"),
            "status_callback": form.get("StatusCallback"),
            "date_created": now,
            "date_updated": now,
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "uri": f"/{API_VERSION}/Accounts/{account}/Calls/{sid}.json",
        }
        steps = state.call_steps(form.getlist("StatusCallbackEvent"))
        return created(call, "calls", delay, steps, call_params)

    @app.get("/_fake/<kind>")
    def records(kind):
        if kind not in ("messages", "calls", "callbacks"):
            abort(404)
        return jsonify(state.snapshot(kind))

    @app.post("/_fake/fail")
    def fail():
        form = request.form
        state.fail(
            form.get("status", 500, type=int),
            form.get("count", 1, type=int),
            form.get("code", None, type=int),
        )
        return "", 204

    @app.post("/_fake/delay")
    def delay():
        state.delay(
            request.form.get("seconds", 1.0, type=float), request.form.get("count", 1, type=int)
        )
        return "", 204

    @app.post("/_fake/reject")
    def reject():
        state.reject(required("number"), request.form.get("code", 21211, type=int))
        return "", 204

    @app.post("/_fake/undeliverable")
    def undeliverable():
        state.make_undeliverable(required("number"), request.form.get("code", 30003, type=int))
        return "", 204

    @app.post("/_fake/sms")
    def inbound_sms():
        form = request.form
        url = form.get("Url") or sms_url
        if not url:
            abort(400, "missing form parameter Url (or start the fake with --sms-url)")
        params = inbound_params(
            required("From"),
            required("To"),
            form.get("Body", ""),
            form.get("AccountSid", DEFAULT_ACCOUNT),
            form.get("MessageSid"),
        )
        delivered = state.deliver_inbound(url, params)
        return jsonify(delivered), 502 if "error" in delivered else 200

    @app.post("/_fake/reset")
    def reset():
        state.reset()
        return "", 204

    def required(name: str) -> str:
        value = request.form.get(name)
        if not value:
            abort(400, f"missing form parameter {name}")
        return value

    return app


class FakeTwilio:
    """The fake served from a background thread on 127.0.0.1 and a free port."""

    _ids = itertools.count()

    def __init__(self, port: int = 0, auth_token: str | None = None, clock=None):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.app = create_fake_app(auth_token, clock)
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            name=f"fake-twilio-{next(self._ids)}",
            daemon=True,
        )

    def start(self) -> FakeTwilio:
        self.thread.start()
        return self

    def go_offline(self) -> None:
        """An outage: stop listening, so every request is refused (connection refused, as
        when Twilio's API is unreachable); records and injected failures are kept."""
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()

    def go_online(self) -> None:
        """End an outage: listen again on the same port."""
        port = self.server.server_port
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-twilio-{next(self._ids)}",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        """Stop serving; delayed answers return at once, pending callbacks are awaited."""
        self.state.stopping.set()
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join()
        self.server.server_close()
        self.state.join()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def state(self) -> FakeState:
        return self.app.extensions["fake_twilio"]

    @property
    def messages(self) -> list[dict]:
        return self.state.snapshot("messages")

    @property
    def calls(self) -> list[dict]:
        return self.state.snapshot("calls")

    @property
    def callbacks(self) -> list[dict]:
        """Status callbacks posted so far: {url, params, status_code} or {..., error}."""
        return self.state.snapshot("callbacks")

    def messages_to(self, number: str) -> list[dict]:
        return [m for m in self.messages if m["to"] == number]

    def control(self, name: str, **params) -> None:
        """POST a /_fake/<name> control over HTTP, e.g. control("fail", status=503, count=3)."""
        requests.post(f"{self.base_url}/_fake/{name}", data=params, timeout=5).raise_for_status()

    def join_callbacks(self, timeout: float = 10) -> bool:
        """Wait until every status callback so far was posted; False on timeout."""
        return self.state.join(timeout)

    def send_inbound_sms(
        self,
        app_url: str,
        from_: str,
        to: str,
        body: str,
        account_sid: str = DEFAULT_ACCOUNT,
        sid: str | None = None,
    ) -> requests.Response:
        """POST a signed inbound-SMS webhook to the app at the absolute `app_url` (`sid`:
        its MessageSid, default a new one; repeat one to replay, as Twilio's retry does). The
        raw response; /_fake/sms also records the answer as SMS."""
        params = inbound_params(from_, to, body, account_sid, sid)
        headers = sign(self.state.auth_token, app_url, params)
        return requests.post(app_url, data=params, headers=headers, timeout=5)
