"""python -m tests.fake_twilio [--port 8011] [--auth-token T] [--sms-url URL]: serve the fake
Twilio REST API.

Status callbacks are signed with --auth-token (default: env TWILIO_AUTH_TOKEN; none: unsigned);
/_fake/sms delivers inbound SMS to --sms-url (default: PUBLIC_BASE_URL/twilio/sms).
"""

import argparse
import os

from config.settings import Settings
from oncall import masking
from tests.fake_twilio.app import create_fake_app

masking.install()  # its request log shows the twilio client's lookups: Messages.json?To=%2B47...

parser = argparse.ArgumentParser(prog="python -m tests.fake_twilio")
parser.add_argument("--port", type=int, default=8011)
parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN") or None)
parser.add_argument("--sms-url", default=Settings.from_env().public_base_url + "/twilio/sms")
args = parser.parse_args()
create_fake_app(auth_token=args.auth_token, sms_url=args.sms_url).run(
    host="127.0.0.1", port=args.port, threaded=True
)
