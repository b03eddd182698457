"""Production mode in a test: the settings that make it (all but the Redis, which each test
names), the command lines the Procfile runs for each process, and `run_entry_point`, which runs
one as a subprocess without the test run's own TWILIO_*/ONCALL_* environment."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.processes import procfile_web
from tests.helpers.stack import ROOT

PRODUCTION_SETTINGS = {
    "ONCALL_ENV": "production",
    "PUBLIC_BASE_URL": "https://oncall.example.com",
    "SECRET_KEY": "s3cret",
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "token",
}
ENTRY_POINTS = {
    "web": procfile_web(0),
    "worker": [sys.executable, "-m", "workers.run"],
    "release": [sys.executable, "-m", "oncall", "release"],
}


def run_entry_point(argv, env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "ONCALL_"))}
    return subprocess.run(
        argv,
        cwd=ROOT,
        env={**base, "ONCALL_DOTENV": "", "PYTHONUNBUFFERED": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
