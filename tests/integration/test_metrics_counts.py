"""What the services count, in one process (no PROMETHEUS_MULTIPROC_DIR: its own registry):
page outcomes against the fake Twilio, escalation steps, respond_by misses once each, and the
queue depth /metrics reads from Redis as it is scraped (without Redis: no depth, still 200)."""

from __future__ import annotations

from dataclasses import replace

from prometheus_client.parser import text_string_to_metric_families
from rq import Queue

from oncall import metrics
from oncall.services.escalation import escalate, sweep
from oncall.services.incidents import open_incident
from oncall.services.jobs import PAGES
from oncall.services.pages import send_page
from oncall.services.root import Services
from oncall.services.vendors import load_vendor
from oncall.store.incidents import IncidentStore
from tests.helpers.calls import NIGHT


def _value(name: str, **labels) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def _counts(*names: str, **labels) -> tuple[float, ...]:
    return tuple(_value(name, **labels) for name in names)


def test_page_outcomes_escalations_and_respond_by_misses(
    redis_client, settings, clock, fake_twilio
):
    svc = Services.build(
        replace(settings, twilio_api_base=fake_twilio.base_url), clock, redis_client
    )
    policy = load_vendor(settings.config_dir, "aidn")
    aidn_sms = {"vendor": "aidn", "channel": "sms"}
    pages = ("oncall_pages_sent_total", "oncall_pages_failed_total", "oncall_page_retries_total")
    before = _counts(*pages, **aidn_sms)
    escalations = _value("oncall_escalations_total", vendor="aidn")
    missed = _value("oncall_respond_by_missed_total", vendor="aidn", severity="a")

    incident, _ = open_incident(redis_client, svc.settings, policy, "a", NIGHT, clock=svc.clock, reference="AIDN-2026-990001", desk="closed")  # fmt: skip # noqa: E501
    assert escalate(svc, incident, 0) == "paged"
    fake_twilio.control("fail", status=503, count=1)
    assert send_page(svc, incident, 0, 0) == "retrying"
    assert send_page(svc, incident, 0, 0, run=1) == "sent"
    assert escalate(svc, incident, 1) == "paged"
    second = IncidentStore(redis_client).load(incident).plan.step_at(1).targets[0].phone
    fake_twilio.control("reject", number=second)
    assert send_page(svc, incident, 1, 0) == "failed"
    after = _counts(*pages, **aidn_sms)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]
    assert _value("oncall_escalations_total", vendor="aidn") == escalations + 1  # not step 0

    respond_by = IncidentStore(redis_client).load(incident).respond_by
    for _ in range(2):
        sweep(svc, now=respond_by + 1)
    assert _value("oncall_respond_by_missed_total", vendor="aidn", severity="a") == missed + 1


def _scrape(app) -> dict:
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def test_queue_depth_is_read_from_redis_when_scraped(app, redis_client, no_redis_app):
    queue = Queue(PAGES, connection=redis_client)
    for n in range(3):
        queue.enqueue("builtins.print", n)
    got = _scrape(app)
    assert got[("oncall_queue_depth", (("queue", "pages"),))] == 3
    assert got[("oncall_queue_depth", (("queue", "sms"),))] == 0
    assert not [key for key in _scrape(no_redis_app) if key[0] == "oncall_queue_depth"]
