"""A local fake of the Twilio REST API (Messages, Calls) for tests and `make run`.

The real `twilio` client reaches it through TWILIO_API_BASE. It records what it was asked to
send and shows it on GET /_fake/messages and /_fake/calls; it posts signed status callbacks
and inbound SMS to the app; it can be told to fail, answer late, reject a number or report a
message undelivered (see app.py for the endpoints).
"""

from tests.fake_twilio.app import create_fake_app
from tests.fake_twilio.server import FakeTwilio

__all__ = ["FakeTwilio", "create_fake_app"]
