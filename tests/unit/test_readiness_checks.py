"""The pure judging half of readiness (oncall/services/health.py) and the CLI's bad args."""

from __future__ import annotations

from oncall.cli import main
from oncall.services.health import (
    Check,
    Readiness,
    age_check,
    depth_check,
    job_age_check,
    persistence_check,
)


def test_an_age_at_the_limit_passes_and_one_past_it_fails():
    assert age_check("sweep", "last sweep", 970.0, 1000.0, 30).ok
    late = age_check("sweep", "last sweep", 969.0, 1000.0, 30)
    assert not late.ok and late.value == 31.0
    assert late.reason == "last sweep 31 s ago (limit 30 s)"
    never = age_check("worker", "newest worker heartbeat", None, 1000.0, 30)
    assert not never.ok and never.reason == "no newest worker heartbeat recorded"


def test_queue_depth_and_the_oldest_jobs_wait():
    assert depth_check({"pages": 3, "sms": 0}, 3).ok
    assert not depth_check({"pages": 3, "sms": 1}, 3).ok
    assert job_age_check(None, 1000.0, 30).ok
    assert not job_age_check(900.0, 1000.0, 30).ok


def test_a_failed_aof_write_fails_persistence_and_no_aof_is_reported():
    broken = persistence_check({"aof_enabled": "1", "aof_last_write_status": "err"})
    assert not broken.ok and "aof_last_write_status: err" in broken.reason
    off = persistence_check({"aof_enabled": "0", "rdb_last_bgsave_status": "ok"})
    assert off.ok and off.value == "off"


def test_readiness_names_each_failed_check_in_its_json():
    result = Readiness([Check("redis", True, "ok", 1.0), Check("worker", False, "none", None)])
    assert not result.ready
    assert result.to_json()["failed"] == ["worker"]


def test_status_with_bad_arguments_exits_2_with_one_line(capsys):
    assert main(["status", "--nope"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
