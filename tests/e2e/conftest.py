"""End-to-end paging stack: separate processes, real Redis, real twilio client.

- the web app served over HTTP from a thread (PUBLIC_BASE_URL points at it, so the fake
  Twilio's signed status callbacks and inbound SMS reach it and validate);
- the fake Twilio REST API in a thread, signing with the same auth token;
- `python -m workers.run` (supervisor + SimpleWorker with scheduler + sweep) as a real
  subprocess, with escalation minutes shortened by configuration (ONCALL_ESCALATION_MINUTE).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config.settings import Settings
from oncall import create_app
from oncall.clock import SystemClock
from oncall.fake_twilio import FakeTwilio
from oncall.redisconn import url_of
from tests.conftest import AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
MINUTE = 0.3  # seconds per policy minute in these tests: a 10-minute step waits 3 s


def wait_for(predicate, timeout: float = 15.0, every: float = 0.05, what: str = "condition"):
    """Poll until predicate() is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@dataclass
class Stack:
    settings: Settings
    app: object
    redis: object
    fake: FakeTwilio
    base_url: str
    workers: list

    def start_worker(self, extra_env: dict | None = None) -> subprocess.Popen:
        """Another `python -m workers.run` supervisor (its own worker child)."""
        env = {**os.environ, **self.env(), **(extra_env or {})}
        proc = subprocess.Popen([sys.executable, "-m", "workers.run"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        self.workers.append(proc)
        return proc

    def env(self) -> dict:
        return {
            "REDIS_URL": url_of(self.redis),
            "TWILIO_API_BASE": self.fake.base_url,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": self.base_url,
            "ONCALL_ESCALATION_MINUTE": str(self.settings.escalation_minute),
            "PYTHONUNBUFFERED": "1",
        }

    def sms_to(self, number: str) -> list[dict]:
        return self.fake.messages_to(number)

    def stop_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def stack(redis_client, tmp_path):
    """The whole paging stack with one worker running; torn down after the test."""
    fake = FakeTwilio(auth_token=AUTH_TOKEN)
    fake.start()
    settings = replace(Settings.from_env({}), twilio_auth_token=AUTH_TOKEN,
                       twilio_api_base=fake.base_url, escalation_minute=MINUTE)
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    settings = replace(settings, public_base_url=base_url)
    app = create_app(settings, clock=SystemClock(), redis_client=redis_client)
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="e2e-web")
    thread.start()
    s = Stack(settings, app, redis_client, fake, base_url, [])
    s.start_worker()
    try:
        yield s
    finally:
        s.stop_workers()
        server.shutdown()
        fake.stop()
