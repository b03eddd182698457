"""Live config (issue 11): a version saved in the policy store is used by every Services
object after its next refresh(), which costs one GET when nothing changed, parses only the
vendors whose version changed, and keeps serving what is loaded when Redis is down. An
incident opened before the save keeps its frozen plan.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from oncall.cli import main
from oncall.services import policies
from oncall.services.incidents import open_incident
from oncall.services.root import Services
from oncall.store import keys, redisconn
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import text_map, url_of
from rotas.escalation import freeze_plan
from tests.helpers.live import covering, on_call, others, save_overrides
from tests.helpers.stack import wait_for

AIDN_IN = "+4721000011"


@pytest.fixture
def build(settings, clock, redis_client):
    return lambda: Services.build(settings, clock, redis_client)


def dead_redis() -> redis.Redis:
    return redis.Redis(
        unix_socket_path="/nonexistent/redis.sock",
        socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )


def test_a_saved_version_is_used_by_every_services_object_after_refresh(build, redis_client, clock):
    earlier, svc = build(), build()  # both built before the save; the first one imported
    at = clock.now()
    aidn, pindena = svc.vendors["aidn"], svc.vendors["pindena"]
    stand_in = others(aidn, at)[0]

    saved = save_overrides(redis_client, "aidn", clock, covering("primary", stand_in, at))
    assert saved.version.number == 2
    assert svc.vendors["aidn"] is aidn  # nothing changes between requests

    assert svc.refresh() is True
    now = svc.vendors["aidn"]
    assert on_call(now, at)["primary"] == stand_in
    assert svc.by_number[AIDN_IN] is now
    assert svc.vendors["pindena"] is pindena  # only the vendor whose version changed
    assert svc.live.parses == 1 and svc.live.versions()["aidn"] == 2
    plan = freeze_plan(now, now.severity("a").closed, at)  # what a new incident pages
    assert plan.step_at(0).targets[0].phone == now.people[stand_in].phone

    assert earlier.refresh() is True
    assert on_call(earlier.vendors["aidn"], at)["primary"] == stand_in
    assert svc.refresh() is False and earlier.refresh() is False


def test_an_unchanged_generation_costs_one_get_and_parses_nothing(build, redis_client):
    svc = build()
    before = dict(svc.vendors)
    redis_client.config_resetstat()
    assert svc.refresh() is False
    stats = redis_client.info("commandstats")
    assert stats["cmdstat_get"]["calls"] == 1
    assert {k for k in stats if k != "cmdstat_config"} == {"cmdstat_get"}
    assert svc.live.parses == 0
    assert all(svc.vendors[v] is p for v, p in before.items())


def test_redis_down_keeps_what_is_loaded_logs_once_and_follows_when_back(
    build, redis_client, clock, caplog
):
    svc = build()
    loaded, live_client = svc.vendors, svc.live.client
    svc.live.client = dead_redis()
    assert svc.refresh() is False and svc.refresh() is False
    assert svc.vendors is loaded
    down = [r for r in caplog.records if "Redis unavailable" in r.getMessage()]
    assert len(down) == 1 and down[0].levelno == logging.ERROR

    at = clock.now()
    stand_in = others(loaded["aidn"], at)[0]
    save_overrides(redis_client, "aidn", clock, covering("primary", stand_in, at))
    svc.live.client = live_client  # Redis is back: followed within RETRY_AFTER (1 s)
    wait_for(svc.refresh, timeout=5, what="refresh after Redis is back")
    assert on_call(svc.vendors["aidn"], at)["primary"] == stand_in


def test_an_incident_opened_before_a_save_keeps_its_frozen_plan(
    build, settings, redis_client, clock
):
    svc = build()
    policy, at = svc.vendors["aidn"], clock.now()
    incident_id, _ = open_incident(
        redis_client, settings, policy, "a", at, clock=clock, reference="AIDN-2026-000001",
        desk="closed",
    )  # fmt: skip
    frozen = IncidentStore(redis_client).load(incident_id).plan
    first, second = others(policy, at)
    save_overrides(
        redis_client,
        "aidn",
        clock,
        covering("primary", first, at),
        covering("secondary", second, at),
    )
    assert svc.refresh() is True

    assert IncidentStore(redis_client).load(incident_id).plan == frozen
    was = on_call(policy, at)
    assert [frozen.step_at(i).targets[0].phone for i in (0, 1)] == [
        policy.people[was["primary"]].phone,
        policy.people[was["secondary"]].phone,
    ]
    new = svc.vendors["aidn"]
    replanned = freeze_plan(new, new.severity("a").closed, at)
    assert [replanned.step_at(i).targets[0].phone for i in (0, 1)] == [
        new.people[first].phone,
        new.people[second].phone,
    ]


def test_a_file_the_store_moved_on_from_is_not_applied_and_not_warned_about(
    build, redis_client, clock, caplog
):
    """The shipped file is version 1; an override saved through the API made version 2. Every
    start (each CLI command builds Services) keeps version 2 and says so at INFO: a WARNING
    there told the lead, on every command, to `import` the file, which drops the override.
    A file edited after its import still gets the WARNING (test_vendor_registry)."""
    svc = build()
    at = clock.now()
    stand_in = others(svc.vendors["aidn"], at)[0]
    save_overrides(redis_client, "aidn", clock, covering("primary", stand_in, at))
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="oncall.vendors"):
        later = build()  # a restart: the shipped file is now older than the live version
    assert on_call(later.vendors["aidn"], at)["primary"] == stand_in
    assert later.live.versions()["aidn"] == 2
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    lines = [r.getMessage() for r in caplog.records if "aidn.yaml" in r.getMessage()]
    assert len(lines) == 1
    assert "aidn.yaml is version 1; serving version 2 (lead, " in lines[0]
    assert "changed since through the API or a restore" in lines[0]


def test_rota_show_shows_the_live_version_when_redis_url_names_the_store(
    build, redis_client, clock, monkeypatch, capsys
):
    build()  # the first start imports the shipped files
    override = {"layer": "primary", "person": "drift", "from": "2027-02-01T08:00",
                "to": "2027-02-03T08:00"}  # fmt: skip
    save_overrides(redis_client, "aidn", clock, override)
    argv = ["rota", "show", "--vendor", "aidn", "--from", "2027-02-01", "--weeks", "1"]

    monkeypatch.setenv("REDIS_URL", url_of(redis_client))
    assert main(argv) == 0
    assert "Driftsansvarlig (example)*" in capsys.readouterr().out

    monkeypatch.setenv("REDIS_URL", "unix:///nonexistent/redis.sock")  # down: the file
    assert main(argv) == 0
    assert "Driftsansvarlig" not in capsys.readouterr().out


def test_rota_show_without_redis_url_joins_the_running_embedded_store_of_make_run(
    build, redis_client, clock, monkeypatch, capsys, tmp_path
):
    """`make run` without REDIS_URL runs an embedded Redis under var/redis; import, history,
    page and call --live reach it, so rota show does too (it joins a running one, never
    starts one): the lead sees the override just saved. No server running: the file."""
    build()
    override = {"layer": "primary", "person": "drift", "from": "2027-02-01T08:00",
                "to": "2027-02-03T08:00"}  # fmt: skip
    save_overrides(redis_client, "aidn", clock, override)
    argv = ["rota", "show", "--vendor", "aidn", "--from", "2027-02-01", "--weeks", "1"]
    monkeypatch.delenv("REDIS_URL", raising=False)

    monkeypatch.setattr(redisconn, "EMBEDDED_DB", Path(redis_client.db))  # this test's server
    assert main(argv) == 0
    assert "Driftsansvarlig (example)*" in capsys.readouterr().out

    monkeypatch.setattr(redisconn, "EMBEDDED_DB", tmp_path / "redis" / "oncall.rdb")  # none
    assert main(argv) == 0
    assert "Driftsansvarlig" not in capsys.readouterr().out
    assert not (tmp_path / "redis").exists()  # nothing was started


def test_the_store_holds_what_a_first_start_imported(build, redis_client):
    build()
    numbers = text_map(redis_client.hgetall(keys.policy_current()))
    assert numbers == dict.fromkeys(["aidn", "amido", "itsl", "kommune-ikt", "pindena"], "1")
    build()  # a second start imports nothing
    assert text_map(redis_client.hgetall(keys.policy_current()))["aidn"] == "1"


def test_files_served_while_redis_was_down_at_start_up_stay_when_it_is_back(
    settings, redis_client, clock
):
    svc = Services.build(settings, clock, dead_redis())  # the files, each on its own
    assert sorted(svc.vendors) == ["aidn", "amido", "itsl", "kommune-ikt", "pindena"]
    svc.live.client = redis_client  # back, with an empty store: nothing to follow yet
    wait_for(lambda: svc.live.generation is not None or svc.refresh(), timeout=5, what="back")
    assert sorted(svc.vendors) == ["aidn", "amido", "itsl", "kommune-ikt", "pindena"]


def test_processes_starting_together_import_each_vendor_once(settings, redis_client, clock):
    with ThreadPoolExecutor(max_workers=4) as pool:  # web workers and the worker at once
        built = list(pool.map(lambda _: Services.build(settings, clock, redis_client), range(4)))
    for svc in built:
        assert svc.config_errors == 0 and set(svc.live.versions().values()) == {1}
        assert sorted(svc.vendors) == ["aidn", "amido", "itsl", "kommune-ikt", "pindena"]
    saved = {v: len(policies.history(redis_client, v)) for v in policies.vendor_ids(redis_client)}
    assert set(saved.values()) == {1}  # five saves, none twice


def test_a_store_that_lost_its_data_does_not_silence_the_vendors_loaded(
    build, redis_client, caplog
):
    """Redis restarted without its data (no AOF, a failover to an empty replica, FLUSHALL):
    the generation falls back and no vendor is stored. Every process keeps serving what it
    loaded (one ERROR line each), never drops every vendor to the fallback."""
    svc = build()
    aidn = svc.vendors["aidn"]
    redis_client.flushdb()
    with caplog.at_level(logging.ERROR, logger="oncall.vendors"):
        svc.refresh()
    assert svc.by_number.get(AIDN_IN) is aidn  # a call to aidn still reaches aidn's rota
    assert sorted(svc.vendors) == ["aidn", "amido", "itsl", "kommune-ikt", "pindena"]
    lost = [r.getMessage() for r in caplog.records if "no longer in the policy" in r.getMessage()]
    assert len(lost) == 1 and "aidn" in lost[0], lost
    build()  # a process starting now imports the files again
    assert svc.refresh() is True and svc.live.versions()["aidn"] == 1
