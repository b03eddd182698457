"""POST /api/v1/simulate gives what `python -m oncall call --json` prints for the same call."""

from __future__ import annotations

import json
import re

import pytest

from oncall.cli import main
from oncall.web.api.simulate import RUNNING
from tests.helpers.api import bearer, error_of
from tests.helpers.calls import BASE

LEAD = bearer("lead")
# Call sids, dial legs and recordings are random per run: compared as placeholders.
RANDOM_IDS = re.compile(r"\b(CA|RE)[0-9a-f]{32}\b")


def same_ids(result: dict) -> dict:
    return json.loads(RANDOM_IDS.sub(lambda m: m[1] + "-id", json.dumps(result)))


@pytest.mark.parametrize(
    ("at", "press", "answer"),
    [("2026-11-24T22:00", "1", True), ("2026-11-24T10:00", "2", True),
     ("2026-11-24T22:00", "1", False)],
)  # fmt: skip
def test_simulate_equals_the_cli(api, capsys, monkeypatch, at, press, answer):
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)  # the app fixture's public URL
    argv = ["call", "--vendor", "aidn", "--at", at, "--from", "+4790000123", "--press", press]
    assert main([*argv, "--json", *([] if answer else ["--no-answer"])]) == 0
    cli = json.loads(capsys.readouterr().out)
    body = {"vendor": "aidn", "at": at, "caller": "+4790000123", "press": press, "answer": answer}
    response = api.post("/api/v1/simulate", json=body, headers=LEAD)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert same_ids(response.json) == same_ids(cli)
    assert cli["route"] in ("oncall", "desk")


def test_simulate_pages_nobody_in_the_apps_redis(api, redis_client):
    body = {"vendor": "aidn", "at": "2026-11-24T22:00", "caller": "+4790000123", "press": "1"}
    assert api.post("/api/v1/simulate", json=body, headers=LEAD).json["pages"]
    assert api.get("/api/v1/calls", headers=LEAD).json == []
    assert api.get("/api/v1/incidents", headers=LEAD).json == []


@pytest.mark.parametrize(
    ("body", "path"),
    [({"vendor": "aidn", "caller": "12"}, "json.caller"),
     ({"vendor": "aidn", "caller": "+4790000123", "press": "1x"}, "json.press"),
     ({"vendor": "aidn", "caller": "+4790000123", "at": "tomorrow"}, "json.at"),
     ({"vendor": "AIDN", "caller": "+4790000123"}, "json.vendor"),
     ({"caller": "+4790000123"}, "json.vendor")],
)  # fmt: skip
def test_simulate_refuses_bad_input(api, body, path):
    error = error_of(api.post("/api/v1/simulate", json=body, headers=LEAD), 422)
    assert path in [d["path"] for d in error["details"]]


def test_simulate_checks_the_vendor(api):
    body = {"vendor": "pindena", "caller": "+4790000123"}
    error_of(api.post("/api/v1/simulate", json=body, headers=LEAD), 403)
    error_of(api.post("/api/v1/simulate", json={**body, "vendor": "nope"}, headers=LEAD), 404)


def test_simulations_at_once_are_bounded(api):
    body = {"vendor": "aidn", "caller": "+4790000123"}
    held = [RUNNING.acquire(blocking=False) for _ in range(2)]  # two already running
    try:
        assert held == [True, True]
        response = api.post("/api/v1/simulate", json=body, headers=LEAD)
        error_of(response, 503)
        assert response.headers["Retry-After"]
    finally:
        for _ in held:
            RUNNING.release()
    assert api.post("/api/v1/simulate", json=body, headers=LEAD).status_code == 200
