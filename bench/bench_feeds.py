"""iCal feed rendering: how long one 7-month feed takes (shifts -> VEVENTs + VTIMEZONE ->
bytes), for aidn's weekly primary layer, a daily layer, a daily layer with an override every
day (each splitting a shift: ~3 events a day), and an engineer's feed across all five vendors.
Run: `.venv/bin/python bench/bench_feeds.py [--quick]`.
"""

from __future__ import annotations

import dataclasses
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import pendulum

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oncall.services.feeds import render_feed  # noqa: E402
from oncall.services.vendors import load_vendors  # noqa: E402
from oncall.store.feeds import FeedInfo  # noqa: E402
from rotas.rota import Layer, Override, Rota  # noqa: E402

NOW = pendulum.datetime(2026, 12, 1, 12, tz="UTC")


def daily(policy, *, overrides: bool) -> dict:
    """aidn with one daily layer ('daily'), optionally an override 12:00-14:00 every day."""
    base = policy.rota.layers[0]
    cover = []
    if overrides:
        first = NOW.subtract(months=1, days=2).in_timezone(policy.tz).start_of("day")
        for d in range(7 * 31 + 4):
            day = first.add(days=d)
            cover.append(Override("daily", base.members[-1], day.add(hours=12), day.add(hours=14)))
    layer = Layer("daily", base.members, date(2026, 1, 5), 1, base.handoff, policy.tz, tuple(cover))
    return {policy.id: dataclasses.replace(policy, rota=Rota((layer,)))}


def timed(vendors, info: FeedInfo, repeats: int) -> tuple[float, float, int, int]:
    times, body = [], b""
    for _ in range(repeats):
        t = time.perf_counter()
        body = render_feed(vendors, info, NOW)
        times.append((time.perf_counter() - t) * 1000)
    p95 = sorted(times)[max(int(len(times) * 0.95) - 1, 0)]
    return statistics.median(times), p95, body.count(b"BEGIN:VEVENT"), len(body)


def main() -> None:
    repeats = 5 if "--quick" in sys.argv else 50
    vendors = load_vendors(ROOT / "config" / "vendors")
    aidn = vendors["aidn"]
    layer = FeedInfo("bench", "layer", "bench", "", vendor="aidn", layer="primary")
    daily_info = dataclasses.replace(layer, layer="daily")
    person = FeedInfo("bench", "person", "bench", "", phone=aidn.people["kari"].phone)
    cases = [
        ("layer aidn/primary (weekly)", vendors, layer),
        ("layer, daily shifts", daily(aidn, overrides=False), daily_info),
        ("layer, daily + an override every day", daily(aidn, overrides=True), daily_info),
        ("person (kari, all 5 vendors)", vendors, person),
    ]
    print(f"7-month feed render (render_feed -> bytes), {repeats} runs each, at {NOW}")
    for name, vs, info in cases:
        median, p95, events, size = timed(vs, info, repeats)
        print(f"  {name:<40} median {median:7.2f} ms  p95 {p95:7.2f} ms  "
              f"{events:4d} events  {size / 1024:6.1f} KiB")  # fmt: skip


if __name__ == "__main__":
    main()
