"""Fixtures for the integration tests."""

import pytest
import redis

from oncall.services.incidents import open_incident
from oncall.services.vendors import load_vendor
from oncall.store.calls import CallStore
from oncall.store.incidents import IncidentStore
from oncall.web import create_app
from tests.helpers.api import authenticate
from tests.helpers.calls import NIGHT, NO_RETRY, set_time


@pytest.fixture
def at(clock):
    """at(when): move the frozen clock to `when` (a local pendulum time)."""
    return lambda when: set_time(clock, when)


@pytest.fixture
def store(redis_client):
    return CallStore(redis_client)


@pytest.fixture
def no_redis_app(settings, clock):
    """The app with a Redis that cannot be reached (nothing listens on the socket)."""
    dead = redis.Redis(
        unix_socket_path="/nonexistent/redis.sock", socket_connect_timeout=0.2, retry=NO_RETRY
    )
    return create_app(settings, clock=clock, redis_client=dead)


@pytest.fixture
def paged_incident(app, redis_client):
    """paged_incident(reference) -> (store, incident id, the engineer paged at step 0): an
    aidn A incident at night whose first page went out."""

    def make(reference: str):
        svc = app.extensions["oncall"]
        policy = load_vendor(svc.settings.config_dir, "aidn")
        incident_id, _ = open_incident(
            redis_client,
            svc.settings,
            policy,
            "a",
            NIGHT,
            clock=svc.clock,
            reference=reference,
            desk="closed",
        )
        store = IncidentStore(redis_client)
        engineer = store.load(incident_id).plan.step_at(0).targets[0].phone
        store.mark_paged(incident_id, engineer, NIGHT.timestamp())
        return store, incident_id, engineer

    return make


@pytest.fixture
def api(app, client):
    """The test client, with the API's test users known by their Bearer tokens
    (tests.helpers.api.bearer(name))."""
    authenticate(app)
    return client
