"""One bad vendor file never silences the others (issue 9, items 8 and 9), with the policy
store of issue 11 as the truth after a first start.

The app is started on copies of config/vendors with one file broken or two files claiming
one number, on a real Redis whose policy store keeps each vendor's versions between starts:
a first start imports every file that loads; later starts serve the stored live version and
do not apply a changed (or broken) file.
"""

from __future__ import annotations

import logging
import shutil
import uuid
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from config.settings import DEFAULT_CONFIG_DIR, Settings
from oncall.cli.simulator import signed_post
from oncall.clock import SystemClock
from oncall.services import policies
from oncall.services.live import LivePolicies
from oncall.services.vendors import Vendors
from oncall.store import policies as stored
from oncall.web import create_app

AIDN_IN, PINDENA_IN, AMIDO_IN = "+4721000011", "+4721000012", "+46846500401"
AIDN_EMERGENCY = "+4775988062"
FALLBACK = "+4722334455"  # ONCALL_FALLBACK_NUMBER in these tests


def vendor_dir(tmp_path: Path, name: str = "vendors") -> Path:
    directory = tmp_path / name
    directory.mkdir()
    for path in DEFAULT_CONFIG_DIR.glob("*.yaml"):
        shutil.copy(path, directory / path.name)
    return directory


def break_yaml(directory: Path, vendor: str) -> None:
    """A YAML typo: an unclosed '[' on the timezone line."""
    path = directory / f"{vendor}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ntimezone: ", "\ntimezone: [", 1), encoding="utf-8")


def claim(directory: Path, vendor: str, number: str) -> None:
    """Add `number` to the vendor's inbound list (a second line under `inbound:`)."""
    path = directory / f"{vendor}.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith("inbound:"))
    own = lines[i].split("[", 1)[1].split("]", 1)[0]
    lines[i : i + 1] = ["inbound:\n", f"  - {own}\n", f'  - "{number}"\n']
    path.write_text("".join(lines), encoding="utf-8")


def start(settings, directory: Path, redis_client, clock, **changes):
    return create_app(
        replace(settings, config_dir=directory, **changes), clock=clock, redis_client=redis_client
    )


def call(app, to: str, step: str = "incoming", **extra) -> ET.Element:
    svc = app.extensions["oncall"]
    form = {"CallSid": "CA" + uuid.uuid4().hex, "From": "+4790000123", "To": to, **extra}
    response = signed_post(app.test_client(), svc.settings, f"/twilio/voice/{step}", form)
    assert response.status_code == 200, response.get_data(as_text=True)
    return ET.fromstring(response.data)


def dialled(root: ET.Element) -> list[str]:
    return [n.text for dial in root.iter("Dial") for n in dial.iter("Number")]


def first_start(directory: Path, client):
    """What every process does at start-up: import new files, load the store."""
    return LivePolicies(directory, client, SystemClock()).start()


def errors(caplog) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)


@pytest.fixture
def settings_fb(settings):
    return replace(settings, fallback_number=FALLBACK)


# -- item 9: a broken file ------------------------------------------------------------------


def test_a_broken_file_leaves_the_other_vendors_answering(
    tmp_path, settings_fb, redis_client, clock, caplog
):
    directory = vendor_dir(tmp_path)
    break_yaml(directory, "pindena")
    app = start(settings_fb, directory, redis_client, clock)

    assert sorted(app.extensions["oncall"].vendors) == ["aidn", "amido", "itsl", "kommune-ikt"]
    aidn = call(app, AIDN_IN)
    assert aidn.find("Gather") is not None  # aidn's own menu
    assert {s.get("language") for s in aidn.iter("Say")} == {"nb-NO"}
    pindena = call(app, PINDENA_IN)  # never stored: the fallback
    assert dialled(pindena) == [FALLBACK] and pindena.find("Record") is not None
    logged = errors(caplog)
    assert f"{directory / 'pindena.yaml'}:17: yaml: " in logged
    assert "the store has no version of it: it is left out" in logged
    assert sorted(policies.current_numbers(redis_client)) == [
        "aidn",
        "amido",
        "itsl",
        "kommune-ikt",
    ]


def test_a_file_broken_after_the_import_leaves_the_live_version_serving(
    tmp_path, settings_fb, redis_client, clock, caplog
):
    directory = vendor_dir(tmp_path)
    start(settings_fb, directory, redis_client, clock)  # a first start imports each file
    break_yaml(directory, "pindena")
    caplog.clear()
    app = start(settings_fb, directory, redis_client, clock)

    pindena = app.extensions["oncall"].vendors["pindena"]
    assert pindena.source == "pindena (live version 1)"
    root = call(app, PINDENA_IN)
    assert root.find("Gather") is not None and "Pindena" in ET.tostring(root, "unicode")
    assert f"{directory / 'pindena.yaml'}:17: yaml: " in errors(caplog)
    assert f"{directory / 'pindena.yaml'} differs from its live version 1" in caplog.text
    assert f"`python -m oncall import {directory / 'pindena.yaml'}` applies it" in caplog.text


def test_a_changed_file_is_not_applied_at_start_up_the_store_is_the_truth(
    tmp_path, redis_client, caplog
):
    directory = vendor_dir(tmp_path)
    first_start(directory, redis_client)
    original = (directory / "pindena.yaml").read_text(encoding="utf-8")
    assert policies.current(redis_client, "pindena").text == original  # comments kept

    path = directory / "pindena.yaml"
    path.write_text(original + "# changed\n", encoding="utf-8")
    caplog.clear()
    registry = first_start(directory, redis_client)
    assert policies.current(redis_client, "pindena").number == 1  # nothing imported
    assert registry.policies["pindena"].source == "pindena (live version 1)"
    assert registry.policies["aidn"].source == str(directory / "aidn.yaml")  # same text
    differs = [r.getMessage() for r in caplog.records if "differs" in r.getMessage()]
    assert len(differs) == 1 and "pindena.yaml differs from its live version 1" in differs[0]


def test_redis_down_at_start_up_still_loads_every_good_file(tmp_path, caplog):
    dead = redis.Redis(
        unix_socket_path="/nonexistent/redis.sock",
        socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )
    directory = vendor_dir(tmp_path)
    break_yaml(directory, "amido")
    registry = first_start(directory, dead)  # the files, each on its own
    assert sorted(registry.policies) == ["aidn", "itsl", "kommune-ikt", "pindena"]
    assert sum("Redis unavailable" in r.getMessage() for r in caplog.records) == 1


# -- the fallback: a human's number with no configuration at all -----------------------------


def test_with_no_configuration_the_fallback_dials_the_fallback_number(tmp_path, settings_fb, clock):
    dead = redis.Redis(
        unix_socket_path="/nonexistent/redis.sock",
        socket_connect_timeout=0.2,
        retry=Retry(NoBackoff(), 0),
    )
    directory = vendor_dir(tmp_path)
    for vendor in ("aidn", "amido", "itsl", "kommune-ikt", "pindena"):
        break_yaml(directory, vendor)
    app = start(settings_fb, directory, dead, clock)
    assert app.extensions["oncall"].vendors == {}

    for step in ("fallback", "incoming"):
        root = call(app, AIDN_IN, step, ErrorCode="11200")
        assert dialled(root) == [FALLBACK]
        record = root.find("Record")
        assert record.get("action") == "https://oncall.example.com/twilio/voice/fallback"


def test_without_any_number_the_fallback_still_takes_a_message(
    tmp_path, settings, redis_client, clock
):
    directory = vendor_dir(tmp_path)
    break_yaml(directory, "pindena")
    app = start(settings, directory, redis_client, clock)  # no ONCALL_FALLBACK_NUMBER
    root = call(app, PINDENA_IN, "fallback")
    assert dialled(root) == [] and root.find("Record") is not None


def test_a_fallback_recording_ends_the_call_instead_of_dialling_again(app, redis_client):
    first = call(app, AIDN_IN, "fallback", ErrorCode="11200")
    assert dialled(first) == [AIDN_EMERGENCY]
    assert first.find("Record").get("action").endswith("/twilio/voice/fallback")
    done = call(app, AIDN_IN, "fallback", RecordingUrl="https://api.twilio.com/RE123")
    assert dialled(done) == [] and done.find("Record") is None
    assert done.find("Hangup") is not None


def test_an_invalid_fallback_number_is_reported_and_ignored():
    settings = Settings.from_env({"ONCALL_FALLBACK_NUMBER": "22 33 44 55"})
    assert settings.fallback_number is None
    assert settings.problems == (
        "ONCALL_FALLBACK_NUMBER: *****455 is not an E.164 number like +4721000022",
    )
    ok = Settings.from_env({"ONCALL_FALLBACK_NUMBER": "+47 22 33 44 55"})
    assert (ok.fallback_number, ok.problems) == (FALLBACK, ())


# -- item 8: one number, one vendor -----------------------------------------------------------


def test_a_number_in_two_files_stays_with_the_vendor_that_answered_it(
    tmp_path, settings, redis_client, clock, caplog
):
    directory = vendor_dir(tmp_path)
    start(settings, directory, redis_client, clock)  # aidn answers AIDN_IN
    claim(directory, "pindena", AIDN_IN)  # pindena is given aidn's number by mistake
    with pytest.raises(policies.Invalid) as refused:  # the store refuses the claim
        text = (directory / "pindena.yaml").read_text(encoding="utf-8")
        policies.save_text(redis_client, "pindena", text, base=1, author="t", clock=clock)
    assert "aidn" in str(refused.value.problems[0])
    caplog.clear()
    app = start(settings, directory, redis_client, clock)  # the changed file is not applied

    svc = app.extensions["oncall"]
    assert svc.by_number[AIDN_IN].id == "aidn"
    assert svc.vendors["pindena"].inbound == (PINDENA_IN,)
    assert "pindena.yaml differs from its live version 1" in caplog.text


def test_a_number_in_two_new_files_goes_to_the_first_by_name(tmp_path, redis_client, caplog):
    directory = vendor_dir(tmp_path)
    claim(directory, "aidn", PINDENA_IN)  # no history in Redis: aidn comes first
    registry = first_start(directory, redis_client)
    assert registry.policies["aidn"].inbound == (AIDN_IN, PINDENA_IN)
    assert "pindena" not in registry.policies  # refused by the store: left out, logged
    assert any("pindena.yaml" in e and "aidn" in e for e in registry.errors), registry.errors
    assert stored.inbound_owners(redis_client)[PINDENA_IN] == "aidn"
    assert policies.current(redis_client, "pindena") is None


# -- the worker: a vendor with no policy at all still pages -----------------------------------


def test_a_worker_job_for_a_vendor_with_no_config_gets_a_stand_in(tmp_path, redis_client):
    directory = vendor_dir(tmp_path)
    first_start(directory, redis_client)  # the store: AMIDO_IN -> amido
    # amido's live version no longer parses (say, a later release reads it stricter) and its
    # file is gone: written through the store adapter, which does not validate
    record = {"text": "id: amido\n", "author": "t", "at": "2026-11-24T19:00:00Z", "summary": ""}
    assert stored.save(redis_client, "amido", 1, record, [AMIDO_IN]).status == "ok"
    (directory / "amido.yaml").unlink()
    registry = first_start(directory, redis_client)
    assert "amido" not in registry.policies
    vendors = Vendors(registry.policies, directory, redis_client)

    policy = vendors["amido"]  # the incident's vendor, gone since it opened
    assert (policy.id, policy.name, policy.inbound) == ("amido", "amido", (AMIDO_IN,))
    assert vendors["aidn"] is registry.policies["aidn"]


def test_a_huge_vendor_file_is_refused_unread_and_the_others_load(tmp_path, redis_client):
    directory = vendor_dir(tmp_path)
    (directory / "aidn.yaml").write_text("# padding\n" * 40_000, encoding="utf-8")  # 400 KB
    registry = first_start(directory, redis_client)
    assert "aidn" not in registry.policies and "pindena" in registry.policies
    assert any("aidn.yaml:1: file: larger than" in e for e in registry.errors), registry.errors
