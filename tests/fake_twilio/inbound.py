"""POST /_fake/sms: a phone texts our number. The signed SMS webhook goes to Url (default: the
app's --sms-url); each <Message> of the TwiML answer is recorded as an SMS to the sender."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request

from tests.fake_twilio.responses import required, state
from tests.fake_twilio.state import inbound_params

DEFAULT_ACCOUNT = "AC" + "0" * 32
SMS_URL = "FAKE_TWILIO_SMS_URL"  # app.config key: the app's SMS webhook

inbound = Blueprint("inbound", __name__)


@inbound.post("/_fake/sms")
def inbound_sms():
    form = request.form
    url = form.get("Url") or current_app.config.get(SMS_URL)
    if not url:
        abort(400, "missing form parameter Url (or start the fake with --sms-url)")
    params = inbound_params(
        required("From"),
        required("To"),
        form.get("Body", ""),
        form.get("AccountSid", DEFAULT_ACCOUNT),
        form.get("MessageSid"),
    )
    delivered = state().deliver_inbound(url, params)
    return jsonify(delivered), 502 if "error" in delivered else 200
