"""The weekly report of one vendor: read the week's calls, incidents and pages from Redis
and build the report (rotas.report). Read-only."""

from __future__ import annotations

import redis

from config.settings import Settings
from oncall.store import history
from rotas.policy import VendorPolicy
from rotas.report import WeeklyReport, build_report
from rotas.weeks import iso_week


def weekly_report(
    client: redis.Redis, settings: Settings, policy: VendorPolicy, year: int, week: int, now
) -> WeeklyReport:
    """The report for ISO week `week` of `year` in the vendor's zone; `now` (an aware
    datetime) decides whether an unanswered deadline is missed or still pending."""
    span = iso_week(year, week, policy.tz)
    start, end = span.start.timestamp(), span.end.timestamp()
    calls = history.calls_between(client, policy.id, start, end)
    incidents = history.incidents_opened(client, policy.id, start, end)
    pages = history.page_attempts(client, incidents)
    return build_report(
        policy, span, calls, incidents, pages, now.timestamp(), settings.sms_per_caller_per_day
    )
