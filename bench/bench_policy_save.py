"""Policy save benchmark: one save of a vendor document with 2,000 overrides through the
service (validate like `check` with the 12-month coverage scan, diff against the version
before, compare-and-set in Redis, publish), and the parts of it on their own.

Each save changes one override (a new text every time: nothing parsed is reused) against an
embedded Redis. Run: `.venv/bin/python bench/bench_policy_save.py [--quick]`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_routing import big_vendor_yaml, calibration, unmemoised  # noqa: E402
from oncall.clock import FrozenClock  # noqa: E402
from oncall.services import policies  # noqa: E402
from oncall.services.policy_checks import check_text, gap_warnings  # noqa: E402
from oncall.store.redisconn import start_embedded  # noqa: E402
from rotas.docdiff import diff  # noqa: E402

SAVES = 20
REPEATS = 5


def texts(base: str, n: int) -> list[str]:
    """`base` with its first override moved by i minutes: n different documents."""
    first = base.index('from: "', base.index("overrides:")) + len('from: "')
    stamp = base[first : first + 16]
    start = pendulum.parse(stamp)
    return [
        base.replace(stamp, start.add(minutes=i + 1).format("YYYY-MM-DDTHH:mm"), 1)
        for i in range(n)
    ]


def best_of(name: str, runs: list[list[float]]) -> str:
    medians = sorted(statistics.median(r) for r in runs)
    best = min(runs, key=statistics.median)
    spread = ", ".join(f"{m:.1f}" for m in medians)
    return (
        f"{name}: median {statistics.median(best):.1f} ms, max {max(best):.1f} ms, "
        f"n={len(best)} (best of {len(runs)} runs; run medians {spread} ms)"
    )


CPU: list[float] = []  # this process's CPU time of each timed call (other guests excluded)


def timed(fn) -> float:
    c, t = time.process_time(), time.perf_counter()
    fn()
    CPU.append((time.process_time() - c) * 1000)
    return (time.perf_counter() - t) * 1000


def main() -> None:
    quick = "--quick" in sys.argv
    saves, reps = (5, 2) if quick else (SAVES, REPEATS)
    print(f"calibration: 10M-step Python loop {calibration():.2f} s")
    base = big_vendor_yaml()
    print(f"document: {len(base) / 1024:.0f} KiB, {base.count('- {layer:')} overrides")
    clock = FrozenClock(pendulum.datetime(2026, 12, 1, 17, 0, tz="Europe/Oslo"))
    with tempfile.TemporaryDirectory() as tmp:
        client = start_embedded(Path(tmp) / "bench.rdb")
        client.flushdb()
        policies.save_text(client, "aidn", base, base=None, author="bench", clock=clock)
        runs = []
        for r in range(reps):
            run = []
            for text in texts(base, saves * (r + 1))[saves * r :]:
                number = policies.current_numbers(client)["aidn"]
                run.append(
                    timed(
                        lambda t=text, n=number: policies.save_text(
                            client, "aidn", t, base=n, author="bench", clock=clock
                        )
                    )
                )
            runs.append(run)
        print(best_of("policy save, 2,000 overrides (validate, gaps, diff, store, publish)", runs))
        print(f"  its CPU time in this process: median {statistics.median(CPU):.1f} ms")
        policy, _, document = check_text("aidn", base)
        other = check_text("aidn", texts(base, 1)[0])[2]
        for name, fn in (
            ("  validate like check (parse + rules)", lambda: check_text("aidn", base)),
            (
                "  coverage gaps, next 12 months (nothing memoised, as in a save)",
                lambda: gap_warnings(unmemoised(policy), clock.now()),
            ),
            ("  diff with the version before", lambda: diff(document, other)),
        ):
            print(best_of(name, [[timed(fn) for _ in range(saves)] for _ in range(reps)]))
        client.shutdown(nosave=True)
    print(f"calibration: 10M-step Python loop {calibration():.2f} s")


if __name__ == "__main__":
    main()
