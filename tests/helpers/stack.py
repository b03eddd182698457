"""The end-to-end paging stack: separate processes, real Redis, real twilio client.

- the web app served over HTTP from a thread (PUBLIC_BASE_URL points at it, so the fake
  Twilio's signed status callbacks and inbound SMS reach it and validate);
- the fake Twilio REST API in a thread, signing with the same auth token;
- `python -m workers.run` (supervisor + SimpleWorker with scheduler + sweep) as a real
  subprocess, with escalation minutes shortened by configuration (ONCALL_ESCALATION_MINUTE),
  or, in `offset_stack`, real minutes and the offset clock (ONCALL_CLOCK=offset) that the
  test fast-forwards for web and worker alike (`Stack.advance`) instead of sleeping.

`stack` runs the shipped vendor files. `closed_desk_stack` runs copies of them in which the
aidn and itsl desks are shut by a vendor closure around today, so their closed-desk plans
(the night plans) apply at whatever time the suite runs, and working-time response deadlines
lie days ahead instead of at "now" when the suite happens to run in office hours (aidn A's
"immediately" is 10 real minutes after opening: ONCALL_ESCALATION_MINUTE shortens the plan,
not the promise). Only configuration changes; time is never mocked.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config.settings import DEFAULT_CONFIG_DIR, Settings
from oncall.services.escalation import fast_forward
from oncall.store.redisconn import url_of
from oncall.web import create_app
from tests.fake_twilio import FakeTwilio
from tests.helpers import AUTH_TOKEN, assert_no_full_number

ROOT = Path(__file__).resolve().parents[2]  # the project
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
    output: list = field(default_factory=list)  # lines the worker processes printed

    def start_worker(self, extra_env: dict | None = None) -> subprocess.Popen:
        """Another `python -m workers.run` supervisor (its own worker child). Its output is
        drained into `output` by a thread (an unread pipe would block the worker)."""
        env = {**os.environ, **self.env(), **(extra_env or {})}
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.workers.append(proc)
        threading.Thread(
            target=self._drain, args=(proc,), daemon=True, name=f"worker-output-{proc.pid}"
        ).start()
        return proc

    def _drain(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.output.append(line.rstrip("\n"))

    def log_text(self) -> str:
        return "\n".join(self.output)

    def env(self) -> dict:
        return {
            "REDIS_URL": url_of(self.redis),
            "TWILIO_API_BASE": self.fake.base_url,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PUBLIC_BASE_URL": self.base_url,
            "ONCALL_ESCALATION_MINUTE": str(self.settings.escalation_minute),
            "ONCALL_CONFIG_DIR": str(self.settings.config_dir),
            "ONCALL_CLOCK": self.settings.clock,
            "PYTHONUNBUFFERED": "1",
        }

    def advance(self, minutes: float) -> list[str]:
        """Fast-forward the offset clock of web and worker (`python -m oncall clock advance`),
        once the worker is idle (a step that runs while the clock jumps counts as run late,
        and keeps the next step its full delay from then); the incidents whose next step
        became due, enqueued at once."""
        self.idle()
        return fast_forward(self.app.extensions["oncall"], minutes * 60)

    def idle(self, timeout: float = 15.0) -> None:
        """Wait until the worker has had nothing queued or running on any queue for two
        polls in a row (a job is in neither list for an instant as it is taken)."""
        from rq import Queue
        from rq.registry import StartedJobRegistry

        def quiet() -> bool:
            return all(
                len(Queue(q, connection=self.redis)) == 0
                and StartedJobRegistry(q, connection=self.redis).count == 0
                for q in ("pages", "sms")
            )

        def idle() -> bool:
            if not quiet():
                return False
            time.sleep(0.05)
            return quiet()

        wait_for(idle, timeout=timeout, what="the worker to be idle")

    @property
    def clock(self):
        """The web app's clock (the one the worker uses too: same settings, same Redis)."""
        return self.app.extensions["oncall"].clock

    def sms_to(self, number: str) -> list[dict]:
        return self.fake.messages_to(number)

    def wait_ready(self, timeout: float = 20.0) -> None:
        """Wait until a worker is registered with RQ and a scheduler holds the lock of the
        pages queue (so a timing test measures escalation, not Python start-up)."""
        from rq import Worker

        wait_for(
            lambda: (
                Worker.all(connection=self.redis) and self.redis.exists("rq:scheduler-lock:pages")
            ),
            timeout=timeout,
            what="an RQ worker with the scheduler",
        )

    def stop_workers(self, graceful: bool = True) -> None:
        """SIGTERM (RQ's warm shutdown, ~1.5 s) or, not graceful, SIGKILL at once."""
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM if graceful else signal.SIGKILL)
        for proc in self.workers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            # anything of the tree still running (workers.run makes its processes die with
            # their parents; this is the suite's own guarantee)
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def running_stack(
    redis_client,
    *,
    config_dir: Path | None = None,
    minute: float = MINUTE,
    graceful: bool = True,
    worker_env: dict | None = None,
    clock: str = "system",
):
    """Fake Twilio + web app + one worker supervisor (`worker_env`: extra environment for
    it); everything stopped on exit (the workers killed outright unless `graceful`: Redis is
    flushed after each test anyway), and the workers' output (tracebacks included) scanned
    for full phone numbers."""
    fake = FakeTwilio(auth_token=AUTH_TOKEN)
    fake.start()
    settings = replace(
        Settings.from_env({}),
        twilio_auth_token=AUTH_TOKEN,
        twilio_api_base=fake.base_url,
        escalation_minute=minute,
        config_dir=config_dir or DEFAULT_CONFIG_DIR,
        clock=clock,
    )
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    settings = replace(settings, public_base_url=base_url)
    app = create_app(settings, redis_client=redis_client)  # the clock the settings choose
    server.app = app
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="e2e-web")
    thread.start()
    s = Stack(settings, app, redis_client, fake, base_url, [])
    s.start_worker(worker_env)
    try:
        yield s
    finally:
        s.stop_workers(graceful)
        server.shutdown()
        fake.stop()
        print("--- worker output ---", s.log_text(), sep="\n")  # shown when a test fails
    assert_no_full_number(s.log_text(), "the worker output")


CLOSED_VENDORS = ("aidn", "itsl")


def closed_desk_config(directory: Path, vendors=CLOSED_VENDORS, today=None) -> Path:
    """Copies of config/vendors in `directory` where each of `vendors` has a closure from
    yesterday to three days ahead: its desk is shut (duty covers the whole day) now, and its
    next opening, hence every response deadline, is days away."""
    directory.mkdir(parents=True, exist_ok=True)
    today = today or datetime.now(UTC).date()
    first, last = today - timedelta(days=1), today + timedelta(days=3)
    closure = f'closures:\n  - {{name: "E2E closure", from: "{first}", to: "{last}"}}\n'
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.stem in vendors:
            assert "closures: []\n" in text, f"{path.name}: expected 'closures: []'"
            text = text.replace("closures: []\n", closure, 1)
        (directory / path.name).write_text(text, encoding="utf-8")
    for path in DEFAULT_CONFIG_DIR.iterdir():  # anything else the loader may need
        if path.suffix != ".yaml" and path.is_file():
            shutil.copy(path, directory / path.name)
    return directory
