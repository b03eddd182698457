"""python -m oncall.fake_twilio [--port 8011]: serve the fake Twilio REST API."""

import argparse

from oncall.fake_twilio.server import create_fake_app

parser = argparse.ArgumentParser(prog="python -m oncall.fake_twilio")
parser.add_argument("--port", type=int, default=8011)
args = parser.parse_args()
create_fake_app().run(host="127.0.0.1", port=args.port, threaded=True)
