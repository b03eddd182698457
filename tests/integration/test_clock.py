"""One clock for every process: the offset clock (ONCALL_CLOCK=offset, tests and the demo)
keeps its offset in Redis, so an advance moves web, worker and CLI alike; RQ's scheduler,
which runs on the system time, gets each job's delay by that clock; `oncall clock` moves it."""

from __future__ import annotations

import time

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry

from config.settings import Settings
from oncall.cli import main
from oncall.clock import OffsetClock, SystemClock, clock_for
from oncall.services import jobs
from oncall.services.incidents import open_incident
from oncall.services.root import CallbackUrls
from oncall.services.vendors import load_vendor
from oncall.store import keys
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import url_of


def test_an_advance_moves_every_clock_on_the_same_redis(redis_client):
    web, worker = OffsetClock(redis_client), OffsetClock(redis_client)
    assert worker.offset() == 0
    assert web.advance(600) == 600
    assert web.offset() == 600  # its own advance: at once
    time.sleep(OffsetClock.REFRESH)  # the other process re-reads within REFRESH
    assert worker.offset() == 600
    assert worker.now().timestamp() - time.time() == pytest.approx(600, abs=5)
    with pytest.raises(ValueError):
        web.advance(-1)
    web.reset()
    time.sleep(OffsetClock.REFRESH)
    assert worker.offset() == 0 and redis_client.get(keys.clock_offset()) is None


def test_a_job_due_in_a_minute_by_the_clock_runs_in_a_minute_of_system_time(redis_client):
    clock = OffsetClock(redis_client)
    clock.advance(3600)  # an hour ahead of the system time
    jobs.enqueue_escalation(
        redis_client, "AIDN-2026-000001", 1, at=clock.now().timestamp() + 60, clock=clock
    )
    registry = ScheduledJobRegistry(jobs.PAGES, connection=redis_client)
    [(jid, at)] = redis_client.zrange(registry.key, 0, -1, withscores=True)
    assert at - time.time() == pytest.approx(60, abs=5)  # not an hour and a minute
    jobs.enqueue_escalation(
        redis_client, "AIDN-2026-000001", 2, at=clock.now().timestamp() - 1, clock=clock
    )
    assert Queue(jobs.PAGES, connection=redis_client).get_job_ids() == [
        "esc-AIDN_2026_000001-2-due"
    ]


def test_the_clock_setting_picks_the_clock_and_refuses_offset_with_the_real_twilio():
    fake = {"TWILIO_API_BASE": "http://127.0.0.1:8011"}
    assert Settings.from_env({}).clock == "system"
    assert Settings.from_env({"ONCALL_CLOCK": "offset", **fake}).clock == "offset"
    real = Settings.from_env({"ONCALL_CLOCK": "offset"})
    assert real.clock == "system" and "ONCALL_CLOCK" in real.problems[0]
    bogus = Settings.from_env({"ONCALL_CLOCK": "frozen", **fake})
    assert bogus.clock == "system" and "neither 'system' nor 'offset'" in bogus.problems[0]
    assert isinstance(clock_for(Settings.from_env({}), None), SystemClock)


def test_sms_countries_are_a_validated_setting():
    assert Settings.from_env({}).sms_countries == ("NO", "SE", "DK", "FI")
    assert Settings.from_env({"ONCALL_SMS_COUNTRIES": "no, se"}).sms_countries == ("NO", "SE")
    bad = Settings.from_env({"ONCALL_SMS_COUNTRIES": "NO,Sweden"})
    assert bad.sms_countries == ("NO", "SE", "DK", "FI")
    assert bad.problems == ("ONCALL_SMS_COUNTRIES: SWEDEN is not a list of country codes "
                            "like NO,SE; using NO,SE,DK,FI",)  # fmt: skip


def test_every_twilio_callback_url_is_built_from_the_public_base_url():
    urls = CallbackUrls("https://oncall.example.com")
    assert urls.voice("menu", attempt=1) == "https://oncall.example.com/twilio/voice/menu?attempt=1"
    assert urls.fallback() == "https://oncall.example.com/twilio/voice/fallback"
    assert urls.status() == "https://oncall.example.com/twilio/status"
    assert urls.page_ack("AIDN-2026-000001") == (
        "https://oncall.example.com/twilio/page-ack?incident=AIDN-2026-000001"
    )


# -- python -m oncall clock -----------------------------------------------------------------


@pytest.fixture
def oncall_clock(monkeypatch, redis_client, capsys):
    monkeypatch.delenv("ONCALL_CONFIG_DIR", raising=False)
    monkeypatch.setenv("REDIS_URL", url_of(redis_client))
    monkeypatch.setenv("ONCALL_CLOCK", "offset")
    monkeypatch.setenv("TWILIO_API_BASE", "http://127.0.0.1:8011")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["clock", *argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["advance", "--minutes", "0"], "--minutes must be above 0"),
        (["advance", "--minutes", "nan"], "--minutes must be above 0"),
        (["advance", "--minutes", "ten"], "invalid float value: 'ten'"),
        (["advance"], "the following arguments are required: --minutes"),
        (["rewind"], "invalid choice: 'rewind'"),
    ],
)
def test_bad_clock_arguments_exit_2_with_one_line(oncall_clock, redis_client, argv, says):
    code, out, err = oncall_clock(*argv)
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and says in err, err
    assert redis_client.dbsize() == 0


def test_clock_refuses_the_system_clock(oncall_clock, monkeypatch, redis_client):
    monkeypatch.delenv("ONCALL_CLOCK")
    code, out, err = oncall_clock("advance", "--minutes", "10")
    assert (code, out) == (2, "")
    assert err.startswith("oncall: error: the clock is the system clock") and err.count("\n") == 1
    assert redis_client.dbsize() == 0


def test_clock_advance_runs_the_steps_that_became_due(oncall_clock, redis_client):
    clock = OffsetClock(redis_client)
    policy = load_vendor(Settings.from_env({}).config_dir, "aidn")
    settings = Settings.from_env({})
    incident_id, _ = open_incident(
        redis_client, settings, policy, "a", clock.now(), clock=clock,
        reference="AIDN-2026-000001", desk="closed",
    )  # fmt: skip
    store = IncidentStore(redis_client)
    opened = store.load(incident_id).opened_at
    assert store.advance(incident_id, 0, opened + 600)  # step 0 ran; step 1 in 10 minutes
    code, out, _ = oncall_clock("advance", "--minutes", "9")
    assert code == 0 and "+540 s" in out
    assert "esc-AIDN_2026_000001-1-now" not in Queue(jobs.PAGES, connection=redis_client).job_ids
    code, out, _ = oncall_clock("advance", "--minutes", "1")
    assert code == 0 and f"now due, enqueued: {incident_id}" in out
    assert "esc-AIDN_2026_000001-1-now" in Queue(jobs.PAGES, connection=redis_client).job_ids
    assert oncall_clock("show")[1].endswith("(+600 s from the system time)\n")
    assert oncall_clock("reset")[0] == 0
    assert redis_client.get(keys.clock_offset()) is None
