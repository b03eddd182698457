"""Routing timetables and coverage gaps, computed from change points, not by sampling.

A severity's decision can only change where something changes: local midnight (holidays,
closures, weekdays), desk-span and duty-window boundaries, rota handoffs and override edges.
Evaluating the decision at exactly those instants gives the complete timetable.

Coverage gaps need fewer instants (`gap_points`), by the rule "who, not whether": a handoff or
an override edge changes WHO is on a layer, never WHETHER someone is, since every override
names a person and a started rotation always names a member. A duty call is covered while the
duty window runs and its dial list (every layer's person, then duty.phones) is not empty. So
the rota can change coverage only
  - at each layer's first handoff (nobody -> someone), and
  - at override edges before the first of those, and only without duty.phones: until some
    layer's rotation has started, an override may be the only person on the dial list.
Everywhere else the rotations alone keep someone on the dial list, overrides or not.
coverage_gaps asks only whether a call is covered at those instants (routing.is_covered), and
tests/unit/test_gap_points.py compares it with deciding at every change point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from rotas.hours import local_date, local_instant, offset_changes
from rotas.policy import VendorPolicy
from rotas.rota import rotation_start, shifts_between
from rotas.routing import Decision, decide, is_covered


@dataclass(frozen=True)
class Change:
    at: object  # instant the new routing starts
    decision: Decision

    def to_json(self) -> dict:
        """The change as `oncall timetable --json` prints it (the API gives `at` in the
        vendor's offset)."""
        d = self.decision
        return {
            "at": self.at.isoformat(),
            "route": d.route,
            "dial": list(d.dial),
            "page": list(d.page),
            "open": d.open,
            "covered": d.covered,
            "reason": d.reason,
        }


@dataclass(frozen=True)
class Gap:
    severity: str
    start: object
    end: object
    reason: str


def change_points(policy: VendorPolicy, start, end) -> list:
    """Every instant in [start, end) where some routing input may change, sorted."""
    points = _calendar_points(policy, start, end)
    for layer in policy.rota.layers:
        points.update(s.start for s in shifts_between(layer, start, end))  # overrides too
    return _within(points, start, end)


def gap_points(policy: VendorPolicy, start, end) -> list:
    """The instants in [start, end) where coverage may change, sorted: change_points without
    the rota edges that change who is on duty but not whether anyone is (see above)."""
    points = _calendar_points(policy, start, end)
    firsts = [at for at in map(rotation_start, policy.rota.layers) if at is not None]
    points.update(firsts)
    if not policy.duty_phones:
        staffed = min(firsts, default=None)  # from here on, some rotation names someone
        before = float("inf") if staffed is None else staffed.timestamp()
        for layer in policy.rota.layers:
            for o in layer.overrides:
                if o.start.timestamp() < before:
                    points.update((o.start, o.end))
    return _within(points, start, end)


def _within(points: set, start, end) -> list:
    """The points in [start, end), sorted (compared as epoch seconds: ten times quicker)."""
    lo, hi = start.timestamp(), end.timestamp()
    return [p for ts, p in sorted((p.timestamp(), p) for p in points) if lo <= ts < hi]


def _calendar_points(policy: VendorPolicy, start, end) -> set:
    """`start`, local midnights, desk-span and duty-window edges (and DST instants) from the
    local date of `start` to that of `end`."""
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
    return points


def timetable(policy: VendorPolicy, severity_id: str, start, end, points=None) -> list[Change]:
    """Each instant in [start, end) where the route, the dial list or the coverage changes
    (the first entry is the routing at `start`). `points`: the instants to decide at, when
    the caller has them already (the same for every severity); change_points by default
    (gap_points gives every change of coverage, not every change of the dial list)."""
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


def coverage_gaps(policy: VendorPolicy, start, end, points=None) -> list[Gap]:
    """Periods in [start, end) when a severity that should reach a human reaches nobody.
    `points`: the instants to decide at (default gap_points; change_points gives the same).

    Whether a call is covered depends on its severity only through the severity's two routes
    (desk open, desk closed), so severities routed alike share one scan; each gap is then
    explained in its own severity's words."""
    gaps: list[Gap] = []
    scanned: dict[tuple[str, str], list[tuple]] = {}
    for sev in policy.severities:
        routes = (sev.open.route, sev.closed.route)
        if routes == ("written", "written"):
            continue
        if routes not in scanned:
            points = gap_points(policy, start, end) if points is None else points
            scanned[routes] = _uncovered(policy, sev.id, points, end)
        for a, b in scanned[routes]:
            reason = decide(policy, sev.id, a, with_deadline=False).reason
            gaps.append(Gap(sev.id, a, b, reason))
    return gaps


def _uncovered(policy: VendorPolicy, severity_id: str, points, end) -> list[tuple]:
    """The periods (vendor-local start, end) before `end` when the severity reaches nobody,
    from whether it is covered at each of `points` (sorted, the first the start)."""
    periods, since = [], None
    for at in points:
        covered = is_covered(policy, severity_id, at)
        if not covered and since is None:
            since = at
        elif covered and since is not None:
            periods.append((since, at))
            since = None
    if since is not None:
        periods.append((since, end))
    local = policy.calendar.local
    return [(local(a), local(b)) for a, b in periods]
