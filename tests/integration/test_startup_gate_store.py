"""The production start-up gate judges what the process will serve: the policy store's
current versions (the store is the truth once a vendor is imported), not the vendor files.
gunicorn's master and the worker's supervisor run `startup.check` before anything is built."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from config.settings import Settings
from oncall.services import policies, startup
from oncall.store import policies as policy_store
from oncall.store.redisconn import url_of
from tests.helpers.production import ENTRY_POINTS, PRODUCTION_SETTINGS, run_entry_point
from tests.helpers.stack import ROOT

SENDER = 'inbound: ["+47 21 00 00 11"]'


def _prod(redis_client, config_dir):
    env = {**PRODUCTION_SETTINGS, "REDIS_URL": url_of(redis_client)}
    return dataclasses.replace(Settings.from_env(env), config_dir=config_dir)


def _vendors(tmp_path):
    folder = tmp_path / "vendors"
    shutil.copytree(ROOT / "config" / "vendors", folder)
    return folder


def _save(redis_client, clock, text, base=None):
    return policies.save_text(
        redis_client, "aidn", text, base=base, author="kari", clock=clock, gaps=False
    )


def _save_senderless(redis_client, text, base=None):
    """A version without an inbound number, as a release before the save refused one could
    have stored it (the service now refuses it: write it through the store adapter)."""
    text = text.replace(SENDER, "inbound: []")
    record = {"text": text, "author": "kari", "at": "2026-11-24T19:00:00Z",
              "summary": "no sender", "changes": []}  # fmt: skip
    outcome = policy_store.save(
        redis_client, "aidn", base, record, [], policies.parse_document(text)
    )
    assert outcome.status == "ok", outcome


def test_a_stored_version_without_a_sender_refuses_though_the_file_has_one(
    redis_client, clock, tmp_path
):
    folder = _vendors(tmp_path)
    text = (folder / "aidn.yaml").read_text()
    assert SENDER in text
    _save(redis_client, clock, text)
    _save_senderless(redis_client, text, base=1)  # what serves
    refusal = startup.check(_prod(redis_client, folder))
    assert refusal is not None and "no sender number" in refusal and "aidn" in refusal


def test_a_file_broken_after_the_import_does_not_refuse_when_the_store_holds_the_vendor(
    redis_client, clock, tmp_path
):
    folder = _vendors(tmp_path)
    _save(redis_client, clock, (folder / "aidn.yaml").read_text())
    text = (folder / "aidn.yaml").read_text()
    (folder / "aidn.yaml").write_text(text.replace(SENDER, "inbound: []"))  # not applied
    assert startup.check(_prod(redis_client, folder)) is None


@pytest.mark.parametrize("process", ["web", "worker"])
def test_the_process_refuses_in_one_line_before_it_starts_anything(
    process, redis_client, clock, tmp_path
):
    folder = _vendors(tmp_path)
    text = (folder / "aidn.yaml").read_text()
    _save_senderless(redis_client, text)
    env = {
        **PRODUCTION_SETTINGS,
        "REDIS_URL": url_of(redis_client),
        "ONCALL_CONFIG_DIR": str(folder),
    }
    done = run_entry_point(ENTRY_POINTS[process], env)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    refusals = [line for line in output.splitlines() if "not starting" in line]
    assert len(refusals) == 1 and "for vendor aidn" in refusals[0], output
    assert "Traceback" not in output
    assert "Booting worker" not in output and "worker child" not in output
