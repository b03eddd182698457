"""Working-time arithmetic on the vendor calendar: openings and response deadlines.

Working time is desk-open time: weekday hours minus breaks, public holidays and closures.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

from rotas.calendar import desk_day, desk_openings, local, memoised, open_intervals
from rotas.escalation import first_response_minutes
from rotas.hours import local_date, local_instant
from rotas.policy import ResponseTarget, Rule, VendorPolicy

HORIZON_DAYS = 800  # a vendor whose desk never opens within this has no deadlines


def next_opening(policy: VendorPolicy, at):
    """`at` itself if the desk is open, else the start of the next opening (None: never),
    in vendor-local time."""
    t = local(policy, at)
    ts = t.timestamp()  # openings compare as epoch seconds: ten times faster than instants
    d = local_date(t)
    for opening in desk_openings(policy, d):
        if opening.end_ts > ts:
            return t if opening.start_ts <= ts else opening.start
    return _first_opening_after(policy, d)


def _first_opening_after(policy: VendorPolicy, d):
    """The first desk opening on a day after local date `d` (memoised: most calls outside
    hours ask for the same next morning)."""
    return memoised(policy, ("first opening after", d), _first_opening, policy, d)


def _first_opening(policy: VendorPolicy, d):
    for i in range(1, HORIZON_DAYS + 1):
        day = d + timedelta(days=i)
        spans = desk_day(policy, day)
        if spans:
            return local(policy, local_instant(policy.tz, day, spans[0].start))
    return None


def add_working_hours(policy: VendorPolicy, at, hours: float):
    """The instant (vendor-local) when `hours` of desk-open time have passed after `at`."""
    at = at.astimezone(pendulum.UTC)  # and a stdlib tzinfo would be lost on `+ timedelta`
    left = timedelta(hours=hours)
    for start, end in open_intervals(policy, at, max_days=HORIZON_DAYS):
        start = max(start, at)
        if end - start >= left:
            return local(policy, start + left)
        left -= end - start
    return None


def end_of_working_day(policy: VendorPolicy, at, n: int):
    """The closing time (vendor-local) of the n-th working day after `at`'s local date
    (n=1: next working day). None when there are not that many working days within the
    horizon. Memoised per local date: every call on one day has the same answer."""
    d = local_date(local(policy, at))
    return memoised(policy, ("end of working day", d, n), _end_of_working_day, policy, d, n)


def _end_of_working_day(policy: VendorPolicy, d, n: int):
    for i in range(1, HORIZON_DAYS):
        day = d + timedelta(days=i)
        spans = desk_day(policy, day)
        if spans:
            n -= 1
            if n == 0:
                return local(policy, local_instant(policy.tz, day, spans[-1].end))
    return None


def deadline(policy: VendorPolicy, at, target: ResponseTarget | None, rule: Rule | None = None):
    """The response deadline (vendor-local) for a call at `at` under `rule` (the route that
    applies then), or None without a target.

    `immediately` on a rule that pages: acknowledged before the plan moves past its first
    step (the second step is due; one step: the lead's "nobody acknowledged", 5 minutes
    after it). On a rule that pages nobody (the desk takes the call, or it is written):
    the next desk opening, `at` itself when open. `N minutes`: wall-clock minutes."""
    if target is None:
        return None
    if target.unit == "immediately":
        minutes = first_response_minutes(rule) if rule is not None else None
        if minutes is None:
            return next_opening(policy, at)
        return _after_minutes(policy, at, minutes)
    if target.unit == "minutes":
        return _after_minutes(policy, at, target.amount)
    if target.unit == "hours":
        return add_working_hours(policy, at, target.amount)
    return end_of_working_day(policy, at, target.amount)


def _after_minutes(policy: VendorPolicy, at, minutes: int):
    """`minutes` of elapsed (not wall-clock) time after `at`, vendor-local: across a DST
    change 10 minutes stay 10 minutes."""
    return local(policy, at.astimezone(pendulum.UTC) + timedelta(minutes=minutes))
