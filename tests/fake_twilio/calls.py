"""Twilio's Calls resource: POST API/Calls.json (an outbound call, e.g. a voice page)."""

from __future__ import annotations

from flask import Blueprint, request

from tests.fake_twilio.messages import API
from tests.fake_twilio.responses import created, refused, state
from tests.fake_twilio.state import API_VERSION, call_params, new_sid

calls = Blueprint("calls", __name__)


@calls.post(f"{API}/Calls.json")
def create_call(account):
    form = request.form
    delay, failure = state().admit(form.get("To"), message=False)
    if failure:
        return refused(delay, failure)
    steps = state().call_steps(form.getlist("StatusCallbackEvent"))
    return created(new_call(account, form), "calls", delay, steps, call_params)


def new_call(account: str, form) -> dict:
    now = state().now().to_rfc2822_string()
    sid = new_sid("CA")
    return {
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
