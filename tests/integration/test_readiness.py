"""`/readyz` with no worker and with a queue that is deep and stale (real Redis, the web app,
jobs enqueued by the real helpers)."""

from __future__ import annotations

from dataclasses import replace

import pendulum

from oncall.clock import FrozenClock
from oncall.services import jobs
from oncall.store import health
from oncall.web import create_app
from tests.helpers.stack import wait_for


def test_without_a_worker_readyz_is_503_naming_worker_scheduler_and_sweep(settings, redis_client):
    app = create_app(settings, clock=FrozenClock(pendulum.now("UTC")), redis_client=redis_client)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["ready"] is False
    assert body["failed"] == ["worker", "scheduler", "sweep"]
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["redis"]["ok"] and checks["queue_depth"]["value"] == 0
    assert checks["worker"]["reason"] == "no newest worker heartbeat recorded"
    assert checks["scheduler"]["reason"] == "no scheduler holds the pages queue's lock"


def test_a_deep_and_stale_queue_fails_readiness(settings, redis_client):
    now = pendulum.now("UTC")
    for incident in ("A", "B"):
        assert jobs.enqueue_escalation(redis_client, incident, 0)
    health.record_sweep(redis_client, now.timestamp())
    limits = replace(settings, ready_max_queue_depth=1, ready_max_job_age_s=0.2)
    client = create_app(limits, clock=FrozenClock(now), redis_client=redis_client).test_client()

    def stale():  # RQ's enqueue time is aged on RQ's clock: wait until 0.2 s have passed
        checks = {c["name"]: c for c in client.get("/readyz").get_json()["checks"]}
        return checks if not checks["queue_age"]["ok"] else None

    checks = wait_for(stale, timeout=15, what="the oldest job to wait past 0.2 s")
    assert not checks["queue_depth"]["ok"] and checks["queue_depth"]["value"] == 2
    assert "(pages 2, sms 0; limit 1)" in checks["queue_depth"]["reason"]
    assert "(limit 0.2 s)" in checks["queue_age"]["reason"]
    assert checks["sweep"]["ok"]
