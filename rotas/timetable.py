"""Routing timetables and coverage gaps, computed from change points, not by sampling.

A severity's decision can only change where something changes: local midnight (holidays,
closures, weekdays), desk-span and duty-window boundaries, rota handoffs and override edges.
Evaluating the decision at exactly those instants gives the complete timetable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rotas.hours import local_date, local_instant, offset_changes
from rotas.policy import VendorPolicy
from rotas.rota import shifts_between
from rotas.routing import Decision, decide


@dataclass(frozen=True)
class Change:
    at: object  # instant the new routing starts
    decision: Decision


@dataclass(frozen=True)
class Gap:
    severity: str
    start: object
    end: object
    reason: str


def change_points(policy: VendorPolicy, start, end) -> list:
    """Every instant in [start, end) where some routing input may change, sorted."""
    points, cal = {start}, policy.calendar
    d, last = local_date(cal.local(start)), local_date(cal.local(end))
    while d <= last:
        points.add(local_instant(cal.tz, d, 0))
        for spans in (cal.desk_day(d), cal.duty_day(d)):
            for a, b in cal.day_instants(d, spans):
                points.update((a, b))
        dst = offset_changes(cal.tz, d)
        if dst:  # decide() reads the wall clock: edges in the repeated hour happen twice,
            points.update(dst)  # and edges in the skipped hour happen when the clock jumps
            for spans in (cal.desk_day(d), cal.duty_day(d)):
                for s in spans:
                    points.update(local_instant(cal.tz, d, m, 0) for m in (s.start, s.end))
        d += timedelta(days=1)
    for layer in policy.rota.layers:
        points.update(s.start for s in shifts_between(layer, start, end))  # overrides too
    return sorted(p for p in points if start <= p < end)


def timetable(policy: VendorPolicy, severity_id: str, start, end, points=None) -> list[Change]:
    """Each instant in [start, end) where the route, the dial list or the coverage changes
    (the first entry is the routing at `start`). `points`: change_points(policy, start, end)
    when the caller has them already (they are the same for every severity)."""
    out: list[Change] = []
    for at in change_points(policy, start, end) if points is None else points:
        decision = decide(policy, severity_id, at, with_deadline=False)
        prev = out[-1].decision if out else None
        if prev is None or _key(decision) != _key(prev):
            out.append(Change(policy.calendar.local(at), decision))
    return out


def _key(d: Decision) -> tuple:
    """What makes a routing change: a gap rings the same phones as a covered time may."""
    return d.route, d.dial, d.covered


def coverage_gaps(policy: VendorPolicy, start, end) -> list[Gap]:
    """Periods in [start, end) when a severity that should reach a human reaches nobody."""
    gaps: list[Gap] = []
    points = None
    for sev in policy.severities:
        if sev.open.route == "written" and sev.closed.route == "written":
            continue
        points = change_points(policy, start, end) if points is None else points
        changes = timetable(policy, sev.id, start, end, points)
        for change, nxt in zip(changes, [*changes[1:], None], strict=True):
            if change.decision.covered:
                continue
            until = nxt.at if nxt else policy.calendar.local(end)
            if gaps and gaps[-1].severity == sev.id and gaps[-1].end == change.at:
                gaps[-1] = Gap(sev.id, gaps[-1].start, until, gaps[-1].reason)
            else:
                gaps.append(Gap(sev.id, change.at, until, change.decision.reason))
    return gaps
