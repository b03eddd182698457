"""/metrics adds up every process: a known sequence of signed webhooks served by gunicorn's
two workers (started as the Procfile starts it, one of them replaced half-way, as
max_requests or a crash would) and a page sent by a real `python -m workers.run`, all writing
to one PROMETHEUS_MULTIPROC_DIR, scraped once and read with prometheus_client's own parser."""

from __future__ import annotations

import os
import signal
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families
from twilio.request_validator import RequestValidator

from bench.processes import free_port
from config.settings import Settings
from oncall.store.calls import CallStore
from oncall.store.incidents import IncidentStore
from tests.fake_twilio import FakeTwilio
from tests.helpers import AUTH_TOKEN, assert_no_full_number
from tests.helpers.stack import Stack, closed_desk_config, wait_for
from tests.helpers.web import Gunicorn

AIDN = "+4721000011"  # its desk is closed by the test's vendor files: a -> oncall, c -> written
UNKNOWN = "+4721000099"  # no vendor answers it
CALLER = ["+4790000121", "+4790000122", "+4790000123", "+4790000125"]


class Web(Gunicorn):
    def ready(self) -> bool:
        assert self.proc.poll() is None, f"gunicorn exited:\n{self.log.read_text()}"
        with suppress(requests.RequestException):
            up = requests.get(f"{self.base}/healthz", timeout=2).ok
            return up and len(self.workers()) == 2
        return False

    def post(self, path: str, params: dict) -> requests.Response:
        url = self.base + path
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
        response = requests.post(
            url, data=params, headers={"X-Twilio-Signature": signature}, timeout=30
        )
        assert response.status_code in (200, 204), (path, response.status_code)
        return response

    def call(self, sid: str, caller: str, *digits: str, to: str = AIDN) -> None:
        """A call: the greeting, then one menu webhook per key pressed."""
        params = {"CallSid": sid, "From": caller, "To": to}
        self.post("/twilio/voice/incoming", params)
        for attempt, digit in enumerate(digits, start=1):
            self.post(f"/twilio/voice/menu?attempt={attempt}", {**params, "Digits": digit})


def _samples(body: str) -> dict:
    """{(sample name, sorted labels): value} of a scrape."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def _writers(metrics_dir: Path, kind: str) -> set[int]:
    """The pids that wrote values of `kind` (counter, histogram) to the directory."""
    return {int(p.stem.rpartition("_")[2]) for p in metrics_dir.glob(f"{kind}_*.db")}


def test_metrics_add_up_over_two_gunicorn_workers_and_the_paging_worker(redis_client, tmp_path):
    config_dir = closed_desk_config(tmp_path / "vendors")
    metrics_dir = tmp_path / "metrics"  # created by the processes themselves
    fake = FakeTwilio(auth_token=AUTH_TOKEN).start()
    port = free_port()
    # no escalation during the test (step 1 is 10 policy minutes away: 10 real ones here)
    settings = replace(Settings.from_env({}), escalation_minute=60.0, config_dir=config_dir)
    stack = Stack(settings, None, redis_client, fake, f"http://127.0.0.1:{port}", [])
    shared = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "ONCALL_SMS_PER_CALLER_PER_DAY": "1"}
    web = Web({**os.environ, **stack.env(), **shared}, tmp_path / "gunicorn.log", port)
    try:
        wait_for(web.ready, timeout=60, what="gunicorn with both workers")
        stack.start_worker(shared)
        web.call("CA1", CALLER[0], "1")  # a: the duty engineer, paged by the worker
        web.call("CA2", CALLER[1], "3")  # c: written
        served = _writers(metrics_dir, "histogram")
        old = served.pop()
        os.kill(old, signal.SIGTERM)  # the rest is served by other processes
        wait_for(lambda: old not in web.workers() and web.ready(), timeout=60, what="a new worker")
        web.call("CA3", CALLER[2], "3")
        web.call("CA4", CALLER[1], "3")  # c again: over this caller's 1 follow-up SMS a day
        web.call("CA5", CALLER[3], "9", "3")  # an invalid key, then c
        web.post("/twilio/voice/menu?attempt=1", {"CallSid": "CA2", "From": CALLER[1], "To": AIDN, "Digits": "3"})  # fmt: skip # noqa: E501  Twilio's retry
        web.call("CA6", CALLER[0], to=UNKNOWN)
        fallback = {"CallSid": "CA7", "From": CALLER[2], "To": AIDN}
        web.post("/twilio/voice/fallback", fallback)
        web.post("/twilio/voice/fallback", {**fallback, "RecordingUrl": "https://x/RE1"})
        assert len(_writers(metrics_dir, "histogram") - {old}) >= 1  # and `old` wrote too

        incident = CallStore(redis_client).record("CA1")["incident"]
        store = IncidentStore(redis_client)
        engineer = store.load(incident).plan.step_at(0).targets[0].phone
        page = wait_for(lambda: stack.sms_to(engineer), timeout=60, what="the page")[0]
        assert fake.join_callbacks(timeout=30)
        # Twilio repeats a status (and the fake's first ones may beat the worker's record of
        # the page's sid): counted once whichever arrives first
        web.post("/twilio/status", {"MessageSid": page["sid"], "MessageStatus": "delivered"})
        reply = fake.send_inbound_sms(web.base + "/twilio/sms", engineer, AIDN, "ACK")
        assert reply.status_code == 200 and store.load(incident).state == "acknowledged"

        scrape = requests.get(web.base + "/metrics", timeout=30)
        assert scrape.status_code == 200
        assert scrape.headers["Content-Type"].startswith("text/plain; version=")
        got = _samples(scrape.text)
    finally:
        web.stop()
        stack.stop_workers()
        fake.stop()
        print("--- gunicorn ---", web.log.read_text(), "--- worker ---", stack.log_text(), sep="\n")

    def value(name: str, **labels) -> float | None:
        return got.get((name, tuple(sorted(labels.items()))))

    assert value("oncall_calls_total", vendor="aidn", route="oncall") == 1
    assert value("oncall_calls_total", vendor="aidn", route="written") == 4  # not the retry
    assert value("oncall_menu_choices_total", vendor="aidn", severity="a") == 1
    assert value("oncall_menu_choices_total", vendor="aidn", severity="c") == 4
    assert value("oncall_caller_sms_refused_total", vendor="aidn") == 1
    assert value("oncall_fallback_answers_total", reason="fallback_url") == 1
    assert value("oncall_fallback_answers_total", reason="unknown_number") == 1
    assert value("oncall_fallback_answers_total", reason="error") is None
    count = "oncall_webhook_duration_seconds_count"
    assert value(count, step="incoming") == 6
    assert value(count, step="menu") == 7  # CA5's invalid key and CA2's retry included
    assert value(count, step="fallback") == 2
    assert value(count, step="sms") == 1
    status_callbacks = [c for c in fake.callbacks if c["url"].endswith("/twilio/status")]
    assert value(count, step="status") == len(status_callbacks) + 1 >= 3
    # from the paging worker's process
    assert value("oncall_pages_sent_total", vendor="aidn", channel="sms") == 1
    assert value("oncall_page_retries_total", vendor="aidn", channel="sms") is None
    # each delivery status that moved the page on is on its timeline once
    timeline = [e["text"] for e in IncidentStore(redis_client).timeline(incident)]
    for status in ("sent", "delivered"):
        recorded = sum(1 for text in timeline if text.startswith("message ") and text.endswith(f": {status}"))  # fmt: skip # noqa: E501
        assert (value("oncall_sms_status_total", status=status) or 0) == recorded
    assert value("oncall_sms_status_total", status="delivered") == 1
    assert value("oncall_page_ack_seconds_count", vendor="aidn", severity="a") == 1
    assert 0 < value("oncall_page_ack_seconds_sum", vendor="aidn", severity="a") < 600
    assert value("oncall_queue_depth", queue="pages") is not None
    assert value("oncall_queue_depth", queue="sms") is not None
    assert_no_full_number(web.log.read_text(), "gunicorn's output")
