"""Fixtures for the integration tests."""

import pendulum
import pytest

from oncall.services.incidents import open_incident
from oncall.services.vendors import load_vendor
from oncall.store.incidents import IncidentStore

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")


@pytest.fixture
def paged_incident(app, redis_client):
    """paged_incident(reference) -> (store, incident id, the engineer paged at step 0): an
    aidn A incident at night whose first page went out."""

    def make(reference: str):
        svc = app.extensions["oncall"]
        policy = load_vendor(svc.settings.config_dir, "aidn")
        incident_id, _ = open_incident(
            redis_client, svc.settings, policy, "a", NIGHT, reference=reference, desk="closed"
        )
        store = IncidentStore(redis_client)
        engineer = store.load(incident_id).plan.step_at(0).targets[0].phone
        store.mark_paged(incident_id, engineer, NIGHT.timestamp())
        return store, incident_id, engineer

    return make
