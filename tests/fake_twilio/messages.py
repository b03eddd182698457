"""Twilio's Messages resource: API/Messages.json (create, list) and API/Messages/<sid>.json."""

from __future__ import annotations

import time

from flask import Blueprint, jsonify, request

from tests.fake_twilio.responses import created, error, refused, state
from tests.fake_twilio.state import API_VERSION, message_params, new_sid, sent_matches, twilio_error

API = "/2010-04-01/Accounts/<account>"

messages = Blueprint("messages", __name__)


@messages.post(f"{API}/Messages.json")
def create_message(account):
    form = request.form
    to = form.get("To", "")
    delay, failure = state().admit(to, message=True)
    if failure:
        return refused(delay, failure)
    msg = new_message(account, to, form)
    return created(msg, "messages", delay, state().message_steps(to), message_params)


def new_message(account: str, to: str, form) -> dict:
    now = state().now().to_rfc2822_string()
    sid = new_sid("SM")
    return {
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
        "date_created": now,
        "date_sent": now,  # the fake sends at once
        "date_updated": now,
        "num_segments": "1",
        "num_media": "0",
        "direction": "outbound-api",
        "api_version": API_VERSION,
        "uri": f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json",
        "received_at": time.time(),  # fake-only: wall clock of arrival, for benchmarks
    }


@messages.get(f"{API}/Messages.json")
def list_messages(account):
    args = request.args
    found = [
        m
        for m in reversed(state().snapshot("messages"))  # newest first, like Twilio
        if args.get("To") in (None, m["to"])
        and args.get("From") in (None, m["from"])
        and sent_matches(m, args)
    ]
    return jsonify({"messages": found, "page": 0, "page_size": len(found), "next_page_uri": None})


@messages.get(f"{API}/Messages/<sid>.json")
def fetch_message(account, sid):
    found = next((m for m in state().snapshot("messages") if m["sid"] == sid), None)
    return jsonify(found) if found else error(twilio_error(404))
