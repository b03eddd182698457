"""The weekly report's pure parts: ISO weeks in the vendor's zone (DST weeks have 167 and 169
hours), night and weekend/holiday hours on duty from the rota (overrides and holidays
included), time to acknowledge, respond_by and the reasons a caller got no SMS."""

from __future__ import annotations

import pendulum
import pytest

from oncall.cli import main
from rotas.escalation import Plan
from rotas.incident import Incident
from rotas.report import CallRow, ack_summary, build_report, respond_status
from rotas.weeks import iso_week, parse_week
from tests.helpers.factories import vendor

TZ = "Europe/Oslo"


def report(week, calls=(), incidents=(), pages=(), now=None):
    aidn = vendor("aidn")
    w = iso_week(*week, TZ)
    now = now if now is not None else w.end.timestamp()
    return build_report(aidn, w, list(calls), list(incidents), list(pages), now, 3)


def people(r) -> dict:
    return {p.name.split()[0]: p for p in r.people}


@pytest.mark.parametrize(
    ("week", "hours"),
    [((2026, 13), 167), ((2026, 43), 169), ((2026, 47), 168)],
    ids=["clocks-forward", "clocks-back", "plain"],
)
def test_an_iso_week_is_monday_to_monday_local_time(week, hours):
    w = iso_week(*week, TZ)
    assert w.hours == hours
    assert (w.start.hour, w.start.weekday(), w.end.weekday()) == (0, 0, 0)
    assert report(week).hours == hours


def test_duty_hours_in_the_week_clocks_go_forward():
    """2026-W13 (Sunday 29 March loses 02:00-03:00). Ingrid holds primary from Monday 08:00:
    159 h; weekday nights Mon 22-24 and Tue-Fri 00-07, 22-24 are 38 h; the weekend 24 + 23 h.
    Ola holds primary until Monday 08:00, then secondary: both layers, 167 h, counted once."""
    p = people(report((2026, 13)))
    assert (p["Ingrid"].duty_hours, p["Ingrid"].night_hours, p["Ingrid"].weekend_hours) == (
        159,
        38,
        47,
    )
    assert (p["Ola"].duty_hours, p["Ola"].night_hours, p["Ola"].weekend_hours) == (167, 45, 47)
    assert p["Ola"].layers == ("primary", "secondary")
    assert (p["Kari"].duty_hours, p["Kari"].night_hours) == (8, 7)


def test_an_override_and_public_holidays_count_as_after_hours():
    """Christmas 2026 (W52): Per covers primary from Thursday 24 December 08:00 to Sunday 27
    08:00 (the override): Thursday 22-24 is night, the 25th and 26th are public holidays and
    Sunday is a weekend day: 2 night hours, 56 weekend/holiday hours, 72 in all."""
    p = people(report((2026, 52)))
    assert (p["Per"].duty_hours, p["Per"].night_hours, p["Per"].weekend_hours) == (72, 2, 56)
    # Ingrid, primary in that week, is relieved for the override: 72 h + 16 h on Sunday
    assert p["Ingrid"].duty_hours == 88


def _incident(opened, severity="a", respond_by=None, **extra) -> Incident:
    return Incident(
        id=f"AIDN-2026-{int(opened) % 1000000:06d}",
        vendor="aidn",
        severity=severity,
        rank=1,
        message="",
        caller="",
        state="acknowledged" if "acknowledged_at" in extra else "triggered",
        opened_at=opened,
        respond_by=respond_by,
        plan=Plan(()),
        step=0,
        next_step_at=None,
        extra={k: str(v) for k, v in extra.items()},
    )


def test_respond_by_is_met_missed_or_pending():
    t = 1_000_000.0
    assert respond_status(_incident(t, respond_by=t + 600, acknowledged_at=t + 600), t) == "met"
    assert respond_status(_incident(t, respond_by=t + 600, acknowledged_at=t + 601), t) == "missed"
    assert respond_status(_incident(t, respond_by=t + 600, resolved_at=t + 60), t) == "met"
    assert respond_status(_incident(t, respond_by=t + 600), t + 599) == "pending"
    assert respond_status(_incident(t, respond_by=t + 600), t + 601) == "missed"
    assert respond_status(_incident(t), t + 10**6) == "none"


def test_time_to_acknowledge_median_and_p90():
    assert ack_summary([]).median_s is None
    one = ack_summary([90.0])
    assert (one.answered, one.median_s, one.p90_s) == (1, 90.0, 90.0)
    many = ack_summary([60.0 * m for m in range(1, 11)])  # 1..10 minutes
    assert (many.median_s, many.p90_s) == (330.0, 546.0)


def _call(minute, caller, events=(), route="oncall", outcome="", sms_sid="", reference="R"):
    started = iso_week(2026, 47, TZ).start.add(days=5, minutes=minute).timestamp()
    return CallRow(reference, started, caller, "a", route, outcome, (), sms_sid, tuple(events))


def test_why_a_caller_got_no_sms():
    allowed = ["follow-up SMS allowed by the caps"]
    calls = [
        _call(0, "+4790000001", allowed, sms_sid="SM1"),
        _call(1, "+4790000001", allowed, sms_sid="SM2"),
        _call(2, "+4790000001", allowed, sms_sid="SM3"),
        _call(3, "+4790000001"),  # refused before counting: the caller's daily cap
        _call(4, "+4790000002", ["no follow-up SMS: rate limit reached"]),  # the hourly cap
        _call(5, "+4790000003", allowed),  # allowed, the SMS never went
        _call(6, "+4790000004", route="", outcome="rate limited"),
        _call(7, "+4790000005", ["rejected: blocked number"], route=""),
        _call(8, "+4790000006", route=""),
        _call(9, "+4622000000"),  # a Swedish landline
        _call(10, ""),  # anonymous
    ]
    reasons = [(n.caller, n.reason) for n in report((2026, 47), calls).no_sms]
    assert reasons == [
        ("+*******001", "over the daily cap of 3 SMS per caller"),
        ("+*******002", "over the hourly cap for all callers"),
        ("+*******003", "allowed, but not sent (Twilio refused it, or it is still queued)"),
        ("+*******004", "over the call-rate limit: recording only"),
        ("+*******005", "blocked number"),
        ("+*******006", "hung up before choosing a severity"),
        ("+*******000", "caller id cannot get SMS (anonymous, landline or abroad)"),
        ("anonymous", "caller id cannot get SMS (anonymous, landline or abroad)"),
    ]


def test_a_week_must_be_iso_and_within_the_years():
    assert parse_week("2026-W47") == (2026, 47)
    assert parse_week("2026-W53") == (2026, 53)  # 2026 has 53 ISO weeks
    for bad in ("2027-W53", "2026-47", "2026-W00", "1969-W01", "2201-W01", "W47"):
        with pytest.raises(ValueError):
            parse_week(bad)


@pytest.mark.parametrize(
    ("argv", "mention"),
    [
        (["--vendor", "nobody", "--week", "2026-W47"], "unknown vendor 'nobody'"),
        (["--vendor", "aidn", "--week", "2026-47"], "--week: '2026-47' is not an ISO week"),
        (["--vendor", "aidn", "--week", "2027-W53"], "2027 has ISO weeks 01-52"),
        (["--vendor", "aidn", "--week", "2201-W01"], "the year must be 1970-2200"),
        (["--vendor", "aidn", "--week", "2026-W47", "--format", "pdf"], "--format"),
    ],
    ids=["vendor", "not-iso", "week-53", "year", "format"],
)
def test_report_usage_errors_exit_2_with_one_line(capsys, argv, mention):
    assert main(["report", *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and mention in captured.err


def test_local_times_are_vendor_local():
    r = report((2026, 47))
    assert r.start == pendulum.datetime(2026, 11, 16, tz=TZ).isoformat()
