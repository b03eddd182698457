"""The weekly report on a week replayed through the real code.

Aidn, 2026-W47 (Mon 16 to Sun 22 November, Europe/Oslo): calls are simulated through the
signed webhooks (`simulate`, as `oncall call --live` does) with the app's clock frozen at
chosen instants; the page, escalation and caller-SMS jobs they enqueue are run by a real
RQ SimpleWorker in this process (the job functions of `python -m workers.run`, against the
fake Twilio); engineers acknowledge by signed SMS replies through the app at chosen times.
Escalation timers are not waited for: the worker is handed the scheduled jobs early, which is
exactly what their timers would do later. Then the report is built from what Redis holds.

The week:
  I1 Tue 23:00  A, night: kari paged, answers the call, acknowledges after 4 min
  I2 Wed 02:00  B, night, a landline caller, nobody answers: kari paged, then per (step 1);
                per acknowledges after 20 min (B: respond by 1 working hour, Wed 09:00)
  I3 Sat 03:00  A storm, 5 calls (one caller calls 4 times: the 4th gets no SMS); nobody
                acknowledges: kari, per, drift paged; respond_by (10 min) missed
  I4 Sun 14:00  A on a weekend day: kari acknowledges after 2 min
  and Mon 10:00 A (desk open: the desk), Mon 11:00 C (written), Thu 12:00 support from an
  anonymous caller (written, no SMS).
"""

from __future__ import annotations

import json
import signal
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser

import pendulum
import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from oncall.cli import main
from oncall.cli.report_output import report_html, report_json, report_text
from oncall.cli.simulator import signed_post, simulate
from oncall.clock import FrozenClock
from oncall.services.jobs import ALL
from oncall.services.report import weekly_report
from oncall.services.vendors import load_vendor
from oncall.store.redisconn import url_of
from oncall.web import create_app
from tests.fake_twilio import FakeTwilio
from tests.helpers import AUTH_TOKEN
from workers import runtime

TZ = "Europe/Oslo"
KARI, PER, DRIFT = "+4740000101", "+4740000104", "+4740000109"
INBOUND = "+4721000011"


def at(day: int, hour: int, minute: int = 0):
    return pendulum.datetime(2026, 11, day, hour, minute, tz=TZ)


@pytest.fixture
def replay(redis_client, settings, monkeypatch):
    """(settings for the replay, run_jobs): `run_jobs(timers=False)` runs every queued job
    with a real RQ worker; `timers=True` first hands it the scheduled jobs (escalation steps)
    as their timers would."""
    fake = FakeTwilio(auth_token=AUTH_TOKEN).start()
    # status callbacks go nowhere (a closed port): the report needs no delivery statuses
    base = "http://127.0.0.1:9"
    settings = replace(
        settings,
        redis_url=url_of(redis_client),
        twilio_api_base=fake.base_url,
        public_base_url=base,
    )
    for name, value in {
        "REDIS_URL": settings.redis_url,
        "TWILIO_API_BASE": fake.base_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PUBLIC_BASE_URL": base,
    }.items():
        monkeypatch.setenv(name, value)
    runtime.services.cache_clear()

    def run_jobs(timers: bool = False) -> None:
        queues = [Queue(name, connection=redis_client) for name in ALL]
        if timers:
            for q in queues:
                registry = ScheduledJobRegistry(queue=q)
                for job_id in registry.get_job_ids():
                    registry.remove(job_id)
                    q.enqueue_job(Job.fetch(job_id, connection=redis_client))
        handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            SimpleWorker(queues, connection=redis_client).work(burst=True)
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)

    yield settings, run_jobs
    runtime.services.cache_clear()
    fake.stop()


def call(settings, when, caller: str, press: str, answer: bool = True) -> dict:
    policy = load_vendor(settings.config_dir, "aidn")
    return simulate(settings, policy, when, caller, press, answer, live=True)


def reply(settings, redis_client, when, sender: str, body: str) -> str:
    app = create_app(settings, clock=FrozenClock(when), redis_client=redis_client)
    params = {
        "MessageSid": "SM" + f"{abs(hash((sender, body, when.isoformat()))):032x}"[-32:],
        "AccountSid": settings.twilio_account_sid,
        "From": sender,
        "To": INBOUND,
        "Body": body,
    }
    response = signed_post(app.test_client(), settings, "/twilio/sms", params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def replay_week(settings, run_jobs, redis_client) -> dict:
    refs = {}
    call(settings, at(16, 10), "+4790000001", "1")  # desk open: the desk
    call(settings, at(16, 11), "+4790000002", "3")  # C: written
    refs["I1"] = call(settings, at(17, 23), "+4790000003", "1")["incident"]
    run_jobs()
    assert "kvittert" in reply(settings, redis_client, at(17, 23, 4), KARI, f"1 {refs['I1']}")
    refs["I2"] = call(settings, at(18, 2), "+4722000004", "2", answer=False)["incident"]
    run_jobs()
    run_jobs(timers=True)  # 15 minutes on: step 1 pages per
    assert "kvittert" in reply(settings, redis_client, at(18, 2, 20), PER, f"ACK {refs['I2']}")
    call(settings, at(19, 12), "anonymous", "4")  # support, written; no SMS
    refs["I3"] = call(settings, at(21, 3), "+4790000009", "1")["incident"]
    attached = [
        call(settings, at(21, 3, 1), "+4790000010", "1"),
        call(settings, at(21, 3, 2), "+4790000009", "1"),
        call(settings, at(21, 3, 4), "+4790000009", "1"),
        call(settings, at(21, 3, 6), "+4790000009", "1"),  # the 4th today: no SMS
    ]
    assert {c["incident"] for c in attached} == {refs["I3"]}
    for _ in range(4):  # nobody answers: every step pages, the plan runs out
        run_jobs(timers=True)
    refs["I4"] = call(settings, at(22, 14), "+4790000011", "1")["incident"]
    run_jobs()
    assert "kvittert" in reply(settings, redis_client, at(22, 14, 2), KARI, f"1 {refs['I4']}")
    run_jobs(timers=True)  # I4's later steps find it acknowledged: no more pages
    return refs


def test_the_report_on_a_replayed_week(replay, redis_client, tmp_path, monkeypatch):
    settings, run_jobs = replay
    refs = replay_week(settings, run_jobs, redis_client)
    policy = load_vendor(settings.config_dir, "aidn")
    now = pendulum.datetime(2026, 11, 30, tz=TZ)
    report = weekly_report(redis_client, settings, policy, 2026, 47, now)

    data = json.loads(report_json(report))
    assert data["week"] == "2026-W47" and data["hours"] == 168
    assert data["calls"] == 11
    assert data["calls_by_route"] == {
        "desk": {"a": 1},
        "oncall": {"a": 7, "b": 1},
        "written": {"c": 1, "support": 1},
    }
    incidents = {i["id"]: i for i in data["incidents"]}
    assert list(incidents) == [refs["I1"], refs["I2"], refs["I3"], refs["I4"]]
    assert [incidents[refs[k]]["ack_seconds"] for k in ("I1", "I2", "I3", "I4")] == [
        240.0,
        1200.0,
        None,
        120.0,
    ]
    assert incidents[refs["I3"]]["calls"] == 5
    assert [incidents[refs[k]]["pages"] for k in ("I1", "I2", "I3", "I4")] == [1, 2, 3, 1]
    # acknowledged after 2, 4 and 20 minutes: median 4; p90 (inclusive) 4 + 0.8 * 16 = 16.8
    assert data["ack"]["all"] == {"answered": 3, "median_s": 240.0, "p90_s": 1008.0}
    assert data["respond_by"] == {
        "a": {"met": 2, "missed": 1, "pending": 0},
        "b": {"met": 1, "missed": 0, "pending": 0},
    }
    people = {p["name"].split()[0]: p for p in data["people"]}
    assert {n: people[n]["pages"] for n in people} == {
        "Kari": 4,
        "Ingrid": 0,
        "Per": 2,
        "Ola": 0,
        "Driftsansvarlig": 1,
    }
    assert people["Kari"]["after_hours_pages"] == 4
    assert people["Kari"]["calls_answered"] == 3  # I1, the storm's first call, I4
    # kari holds primary from Monday 08:00: 160 h, of which the weekday nights (Mon 22-24,
    # Tue-Fri 00-07 and 22-24) are 38 h, Saturday and Sunday 48 h
    assert (people["Kari"]["duty_hours"], people["Kari"]["night_hours"]) == (160, 38)
    assert people["Kari"]["weekend_hours"] == 48
    assert (people["Ingrid"]["duty_hours"], people["Ingrid"]["night_hours"]) == (8, 7)
    reasons = [(n["at"][:16], n["reason"]) for n in data["no_sms"]]
    assert reasons == [
        ("2026-11-18T02:00", "caller id cannot get SMS (anonymous, landline or abroad)"),
        ("2026-11-19T12:00", "caller id cannot get SMS (anonymous, landline or abroad)"),
        ("2026-11-21T03:06", "over the daily cap of 3 SMS per caller"),
    ]
    assert all("+4790000009" not in n["caller"] for n in data["no_sms"])  # masked

    text = report_text(report)
    assert "Calls: 11" in text and "Incidents: 4" in text
    assert "all      4.0 min / 16.8 min  (3 answered)" in text
    assert "over the daily cap of 3 SMS per caller" in text

    html = report_html(report)
    tags = _Tags()
    tags.feed(html)
    assert tags.count["svg"] == 3 and tags.count["table"] >= 5
    assert "@media print" in html
    root = ET.fromstring(html.split("\n", 1)[1])  # the document is well-formed XHTML
    svgs = root.findall(".//{http://www.w3.org/2000/svg}svg")
    assert [s.get("aria-label") for s in svgs] == [
        "Calls by route and severity",
        "Pages per person",
        "After-hours duty (hours)",
    ]

    # the command, as management runs it: JSON to a file
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    out = tmp_path / "w47.json"
    assert (
        main(
            [
                "report",
                "--vendor",
                "aidn",
                "--week",
                "2026-W47",
                "--format",
                "json",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    from_cli = json.loads(out.read_text(encoding="utf-8"))
    assert from_cli["incidents"] == data["incidents"]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.count: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
