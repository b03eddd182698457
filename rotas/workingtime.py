"""Working-time arithmetic on the vendor calendar: openings and response deadlines.

Working time is desk-open time: weekday hours minus breaks, public holidays and closures.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

from rotas.calendar import day_instants, desk_day, local, open_intervals
from rotas.hours import local_date, local_instant
from rotas.policy import ResponseTarget, VendorPolicy

HORIZON_DAYS = 800  # a vendor whose desk never opens within this has no deadlines


def next_opening(policy: VendorPolicy, at):
    """`at` itself if the desk is open, else the start of the next opening (None: never)."""
    at = at if at.tzinfo is pendulum.UTC else at.astimezone(pendulum.UTC)
    d = local_date(local(policy, at))
    for start, end in day_instants(policy, d, desk_day(policy, d)):
        if end > at:
            return max(start, at)
    return _first_opening_after(policy, d)


_FIRST_OPENING: dict = {}  # (id(policy), date) -> (policy, instant): calendars do not change


def _first_opening_after(policy: VendorPolicy, d):
    """The first desk opening on a day after local date `d` (memoised: most calls outside
    hours ask for the same next morning)."""
    hit = _FIRST_OPENING.get((id(policy), d))
    if hit is not None and hit[0] is policy:
        return hit[1]
    start = local_instant(policy.tz, d + timedelta(days=1), 0)
    found = next((a for a, _b in open_intervals(policy, start, max_days=HORIZON_DAYS)), None)
    if len(_FIRST_OPENING) > 100_000:
        _FIRST_OPENING.clear()
    _FIRST_OPENING[(id(policy), d)] = (policy, found)
    return found


def add_working_hours(policy: VendorPolicy, at, hours: float):
    """The instant when `hours` of desk-open time have passed after `at`."""
    at = at.astimezone(pendulum.UTC)  # and a stdlib tzinfo would be lost on `+ timedelta`
    left = timedelta(hours=hours)
    for start, end in open_intervals(policy, at, max_days=HORIZON_DAYS):
        start = max(start, at)
        if end - start >= left:
            return start + left
        left -= end - start
    return None


def end_of_working_day(policy: VendorPolicy, at, n: int):
    """The closing time of the n-th working day after `at`'s local date (n=1: next working
    day). Returns None when there are not that many working days within the horizon."""
    d = local_date(local(policy, at))
    for i in range(1, HORIZON_DAYS):
        day = d + timedelta(days=i)
        spans = desk_day(policy, day)
        if spans:
            n -= 1
            if n == 0:
                return day_instants(policy, day, spans)[-1][1]
    return None


def deadline(policy: VendorPolicy, at, target: ResponseTarget | None):
    """The response deadline for a call at `at`, or None without a target."""
    if target is None:
        return None
    if target.unit == "hours":
        if target.amount == 0:
            return next_opening(policy, at)
        return add_working_hours(policy, at, target.amount)
    return end_of_working_day(policy, at, target.amount)
