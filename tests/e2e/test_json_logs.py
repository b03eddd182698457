"""Logs are one JSON object per line, carrying the call's fields where known (call_sid,
reference, incident, job_id), so one call can be followed from its webhooks to the worker
that pages for it; and no line shows a full phone number."""

from __future__ import annotations

import io
import json
import logging

from oncall import logs
from oncall.services.simulator import Simulator
from tests.helpers import assert_no_full_number
from tests.helpers.stack import closed_desk_config, running_stack, wait_for

CALLER, AIDN_IN = "+4790000123", "+4721000011"


def _records(text: str) -> list[dict]:
    """Every line as a JSON object (a line that does not parse fails the test)."""
    records = []
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"not a JSON line: {line!r}") from None
    return records


def test_one_call_is_followed_from_its_webhooks_to_the_worker(redis_client, tmp_path):
    config_dir = closed_desk_config(tmp_path / "vendors")  # aidn's desk is shut: duty pages
    web_out = io.StringIO()
    handler = logging.StreamHandler(web_out)
    handler.setFormatter(logs.JsonLines())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with running_stack(
            redis_client,
            config_dir=config_dir,
            graceful=False,
            worker_env={"ONCALL_LOG_FORMAT": "json"},
        ) as stack:
            stack.wait_ready()
            sim = Simulator(stack.app, caller=CALLER, to=AIDN_IN, presses="1")
            sim.run()
            web = _records(web_out.getvalue())
            opened = [r for r in web if "opened incident" in r["message"]]
            assert len(opened) == 1, web
            incident = opened[0]["incident"]
            assert opened[0]["call_sid"] == sim.sid
            assert opened[0]["reference"].startswith("AIDN-")
            assert opened[0]["logger"] == "oncall.web.callflow" and opened[0]["level"] == "INFO"

            def worker_lines(**fields) -> list[dict]:
                return [
                    r
                    for r in _records(stack.log_text())
                    if all(r.get(k) == v for k, v in fields.items())
                ]

            paged = wait_for(
                lambda: [r for r in worker_lines(incident=incident) if "sent" in r["message"]],
                timeout=60,
                what="the worker's page line for the incident",
            )
            assert paged[0]["job_id"] and paged[0]["logger"] == "oncall.services.pages"
            wait_for(
                lambda: worker_lines(call_sid=sim.sid),
                timeout=60,
                what="the worker's follow-up SMS line for the call",
            )
    finally:
        root.removeHandler(handler)
    assert all(set(r) >= {"time", "level", "logger", "message"} for r in web)
    assert_no_full_number(web_out.getvalue(), "the web's JSON log")
    assert_no_full_number(stack.log_text(), "the worker's JSON log")
