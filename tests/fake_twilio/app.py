"""The fake Twilio REST API as a Flask app, one blueprint per endpoint group.

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

from flask import Flask

from tests.fake_twilio.calls import calls
from tests.fake_twilio.control import control
from tests.fake_twilio.inbound import SMS_URL, inbound
from tests.fake_twilio.messages import messages
from tests.fake_twilio.responses import STATE
from tests.fake_twilio.state import FakeState


def create_fake_app(auth_token: str | None = None, clock=None, sms_url: str | None = None) -> Flask:
    """The fake as a Flask app. Callbacks are signed with `auth_token` (unsigned if None);
    `clock` (anything with .now()) dates the records, default the system clock; `sms_url` is
    the app's SMS webhook, where /_fake/sms delivers by default."""
    app = Flask("fake_twilio")
    app.extensions[STATE] = FakeState(auth_token, clock)
    app.config[SMS_URL] = sms_url
    for blueprint in (messages, calls, inbound, control):
        app.register_blueprint(blueprint)
    return app
