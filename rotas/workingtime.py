"""Working-time arithmetic on the vendor calendar: openings and response deadlines.

Working time is desk-open time: weekday hours minus breaks, public holidays and closures.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

from rotas.calendar import HORIZON_DAYS, Calendar
from rotas.escalation import first_response_minutes
from rotas.hours import local_date
from rotas.policy import ResponseTarget, Rule, VendorPolicy


def next_opening(calendar: Calendar, at):
    """`at` itself if the desk is open, else the start of the next opening (None: never),
    in vendor-local time."""
    t = calendar.local(at)
    ts = t.timestamp()  # openings compare as epoch seconds: ten times faster than instants
    d = local_date(t)
    for opening in calendar.desk_openings(d):
        if opening.end_ts > ts:
            return t if opening.start_ts <= ts else opening.start
    return calendar.first_opening_after(d)


def add_working_hours(calendar: Calendar, at, hours: float):
    """The instant (vendor-local) when `hours` of desk-open time have passed after `at`."""
    at = at.astimezone(pendulum.UTC)  # and a stdlib tzinfo would be lost on `+ timedelta`
    left = timedelta(hours=hours)
    for start, end in calendar.open_intervals(at, max_days=HORIZON_DAYS):
        start = max(start, at)
        if end - start >= left:
            return calendar.local(start + left)
        left -= end - start
    return None


def end_of_working_day(calendar: Calendar, at, n: int):
    """The closing time (vendor-local) of the n-th working day after `at`'s local date
    (n=1: next working day). None when there are not that many working days within the
    horizon."""
    return calendar.working_day_end(local_date(calendar.local(at)), n)


def deadline(policy: VendorPolicy, at, target: ResponseTarget | None, rule: Rule | None = None):
    """The response deadline (vendor-local) for a call at `at` under `rule` (the route that
    applies then), or None without a target.

    `immediately` on a rule that pages: acknowledged before the plan moves past its first
    step (the second step is due; one step: the lead's "nobody acknowledged", 5 minutes
    after it). On a rule that pages nobody (the desk takes the call, or it is written):
    the next desk opening, `at` itself when open. `N minutes`: wall-clock minutes."""
    if target is None:
        return None
    calendar = policy.calendar
    if target.unit == "immediately":
        minutes = first_response_minutes(rule) if rule is not None else None
        if minutes is None:
            return next_opening(calendar, at)
        return _after_minutes(calendar, at, minutes)
    if target.unit == "minutes":
        return _after_minutes(calendar, at, target.amount)
    if target.unit == "hours":
        return add_working_hours(calendar, at, target.amount)
    return end_of_working_day(calendar, at, target.amount)


def _after_minutes(calendar: Calendar, at, minutes: int):
    """`minutes` of elapsed (not wall-clock) time after `at`, vendor-local: across a DST
    change 10 minutes stay 10 minutes."""
    return calendar.local(at.astimezone(pendulum.UTC) + timedelta(minutes=minutes))
