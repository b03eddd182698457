"""The weekly report, as a value built from plain values: the week's calls, its incidents
with their page attempts, the vendor policy (zone, holidays, rota) and `now`.

- Calls: those started in the week, by route and severity ("-": none chosen).
- Incidents: those opened in the week. Time to acknowledge is from opening to the first
  answer (acknowledged, else resolved without an acknowledgement); median and p90
  (statistics.quantiles, inclusive method) over the incidents answered.
- respond_by (a deadline in working time, fixed when the incident opened): met when the
  first answer came by it, missed when it came later or never came and the deadline has
  passed (`now`), pending before that; "none" for a severity without a target.
- Per person: hours on duty from the rota (overrides included), of which night and
  weekend/holiday hours (rotas.weeks); pages sent to them and pages that failed, for the
  week's incidents (after hours: the incident opened in a night or weekend hour); duty
  calls they answered.
- Callers who got no follow-up SMS, and why.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import asdict, dataclass

import pendulum

from rotas.incident import Incident
from rotas.phone import SMS_COUNTRIES, mask, sms_eligible
from rotas.policy import VendorPolicy
from rotas.weeks import Week, after_hours, duty_intervals, overlap_hours

SMS_ALLOWED = "follow-up SMS allowed by the caps"
SMS_REFUSED = "no follow-up SMS: rate limit reached"
_ONCALL_DIAL = re.compile(r"^oncall dial (\d+): ")


@dataclass(frozen=True)
class CallRow:
    """One call as the call log holds it."""

    reference: str
    started: float  # epoch seconds
    caller: str
    severity: str  # '' when no severity was chosen
    route: str  # desk | oncall | written | '' (none reached)
    outcome: str
    dial: tuple[str, ...]
    sms_sid: str
    events: tuple[str, ...]  # the call log's event texts, oldest first


@dataclass(frozen=True)
class PageRow:
    """One page attempt (SMS or voice) of an incident."""

    incident: str
    step: int
    phone: str
    name: str
    kind: str  # page | voice
    state: str  # sent | failed | sending | retry | unknown
    status: str = ""  # Twilio's delivery status, when known


@dataclass(frozen=True)
class IncidentLine:
    id: str
    severity: str
    opened_at: str  # local ISO
    calls: int
    state: str
    answered_by: str
    ack_seconds: float | None
    respond_by: str | None  # local ISO
    respond: str  # met | missed | pending | none
    pages: int


@dataclass(frozen=True)
class PersonLoad:
    name: str
    layers: tuple[str, ...]
    duty_hours: float
    night_hours: float
    weekend_hours: float
    pages: int
    pages_failed: int
    after_hours_pages: int
    calls_answered: int


@dataclass(frozen=True)
class NoSms:
    reference: str
    at: str  # local ISO
    caller: str  # masked
    reason: str


@dataclass(frozen=True)
class AckStats:
    answered: int
    median_s: float | None
    p90_s: float | None


@dataclass(frozen=True)
class WeeklyReport:
    vendor: str
    vendor_name: str
    tz: str
    week: str
    start: str
    end: str
    hours: float
    calls: int
    calls_by_route: dict  # route -> severity -> count
    incidents: tuple[IncidentLine, ...]
    ack: dict  # 'all' and each severity -> AckStats
    respond_by: dict  # severity -> {met, missed, pending}
    people: tuple[PersonLoad, ...]
    no_sms: tuple[NoSms, ...]

    def to_json(self) -> dict:
        return asdict(self)


def build_report(
    policy: VendorPolicy,
    week: Week,
    calls: list[CallRow],
    incidents: list[Incident],
    pages: list[PageRow],
    now: float,
    sms_per_caller_per_day: int,
) -> WeeklyReport:
    tz = policy.tz
    nights, weekends = after_hours(week, tz, policy.calendar.holidays.holiday)
    lines = tuple(_incident_line(policy, inc, pages, now) for inc in incidents)
    return WeeklyReport(
        vendor=policy.id,
        vendor_name=policy.name,
        tz=tz,
        week=week.label,
        start=week.start.isoformat(),
        end=week.end.isoformat(),
        hours=round(week.hours, 2),
        calls=len(calls),
        calls_by_route=_by_route(calls),
        incidents=lines,
        ack=_ack_stats(lines),
        respond_by=_respond(lines),
        people=_people(policy, week, calls, incidents, pages, (nights, weekends)),
        no_sms=_no_sms(policy, calls, sms_per_caller_per_day),
    )


def _local(policy: VendorPolicy, ts: float) -> str:
    return pendulum.from_timestamp(ts, tz=policy.tz).isoformat()


def _by_route(calls: list[CallRow]) -> dict:
    out: dict[str, Counter] = {}
    for c in calls:
        out.setdefault(c.route or "none", Counter())[c.severity or "-"] += 1
    return {route: dict(sorted(n.items())) for route, n in sorted(out.items())}


def first_answer(inc: Incident) -> tuple[float | None, str]:
    """(when, by whom) the incident was first answered: acknowledged, else resolved."""
    for state in ("acknowledged", "resolved"):
        at = inc.extra.get(f"{state}_at")
        if at:
            return float(at), inc.extra.get(f"{state}_by", "")
    return None, ""


def respond_status(inc: Incident, now: float) -> str:
    if inc.respond_by is None:
        return "none"
    answered, _ = first_answer(inc)
    if answered is not None:
        return "met" if answered <= inc.respond_by else "missed"
    return "missed" if now > inc.respond_by or inc.extra.get("missed_respond_by") else "pending"


def _incident_line(policy, inc: Incident, pages: list[PageRow], now: float) -> IncidentLine:
    answered, by = first_answer(inc)
    return IncidentLine(
        id=inc.id,
        severity=inc.severity,
        opened_at=_local(policy, inc.opened_at),
        calls=inc.calls,
        state=inc.state,
        answered_by=by,
        ack_seconds=None if answered is None else round(answered - inc.opened_at, 1),
        respond_by=_local(policy, inc.respond_by) if inc.respond_by else None,
        respond=respond_status(inc, now),
        pages=sum(1 for p in pages if p.incident == inc.id and _delivered(p)),
    )


def ack_summary(seconds: list[float]) -> AckStats:
    if not seconds:
        return AckStats(0, None, None)
    p90 = (
        seconds[0]
        if len(seconds) == 1
        else statistics.quantiles(seconds, n=10, method="inclusive")[8]
    )
    return AckStats(len(seconds), statistics.median(seconds), round(p90, 1))


def _ack_stats(lines: tuple[IncidentLine, ...]) -> dict:
    out = {"all": ack_summary([x.ack_seconds for x in lines if x.ack_seconds is not None])}
    for sev in sorted({x.severity for x in lines}):
        times = [x.ack_seconds for x in lines if x.severity == sev and x.ack_seconds is not None]
        out[sev] = ack_summary(times)
    return out


def _respond(lines: tuple[IncidentLine, ...]) -> dict:
    out: dict[str, dict] = {}
    for x in lines:
        if x.respond != "none":
            counts = out.setdefault(x.severity, {"met": 0, "missed": 0, "pending": 0})
            counts[x.respond] += 1
    return dict(sorted(out.items()))


def _delivered(p: PageRow) -> bool:
    return p.state == "sent" and p.status not in ("failed", "undelivered")


def _people(policy, week, calls, incidents, pages, spans) -> tuple[PersonLoad, ...]:
    nights, weekends = spans
    late = nights + weekends
    opened_late = {i.id for i in incidents if any(a <= i.opened_at < b for a, b in late)}
    by_phone = {p.phone: p for p in policy.people.values()}
    duty = duty_intervals(policy.rota.layers, week)
    ids = list(duty) + [
        by_phone[x.phone].id
        for x in pages
        if x.phone in by_phone and by_phone[x.phone].id not in duty
    ]
    answered = Counter(_answered_by(c) for c in calls)
    out = []
    for pid in dict.fromkeys(ids):
        person = policy.people.get(pid) or duty[pid][0]
        _, layers, on = duty.get(pid, (person, (), []))
        mine = [x for x in pages if x.phone == person.phone]
        out.append(
            PersonLoad(
                name=person.name,
                layers=layers,
                duty_hours=round(sum(b - a for a, b in on) / 3600, 2),
                night_hours=round(overlap_hours(on, nights), 2),
                weekend_hours=round(overlap_hours(on, weekends), 2),
                pages=sum(1 for x in mine if _delivered(x)),
                pages_failed=sum(1 for x in mine if not _delivered(x)),
                after_hours_pages=sum(
                    1 for x in mine if _delivered(x) and x.incident in opened_late
                ),
                calls_answered=answered[person.phone],
            )
        )
    return tuple(out)


def _answered_by(c: CallRow) -> str | None:
    """The duty number that took a call put through to the rota: the last one rung."""
    if c.outcome != "connected oncall":
        return None
    rung = [int(m[1]) for e in c.events if (m := _ONCALL_DIAL.match(e))]
    return c.dial[rung[-1]] if rung and rung[-1] < len(c.dial) else None


def _no_sms(policy, calls: list[CallRow], per_caller: int) -> tuple[NoSms, ...]:
    out = []
    counted: Counter = Counter()  # (caller, local day) -> calls counted against the caps
    for c in sorted(calls, key=lambda c: c.started):
        day = (c.caller, pendulum.from_timestamp(c.started, tz=policy.tz).date())
        reason = _why_no_sms(c, counted[day], per_caller)
        if SMS_ALLOWED in c.events or SMS_REFUSED in c.events:  # counted by the caps
            counted[day] += 1
        if reason:
            caller = mask(c.caller) if c.caller else "anonymous"
            out.append(NoSms(c.reference, _local(policy, c.started), caller, reason))
    return tuple(out)


def _why_no_sms(c: CallRow, earlier_today: int, per_caller: int) -> str:
    """'' when the caller got the SMS, else why not. A call refused by a cap says which: the
    caller's daily cap when their earlier calls that local day reached it, else the hourly
    cap for all callers together."""
    if c.sms_sid:
        return ""
    if SMS_ALLOWED in c.events:
        return "allowed, but not sent (Twilio refused it, or it is still queued)"
    if not c.route:
        if c.outcome == "rate limited":
            return "over the call-rate limit: recording only"
        if "rejected: blocked number" in c.events:
            return "blocked number"
        return "hung up before choosing a severity"
    if not sms_eligible(c.caller or None, SMS_COUNTRIES):
        return "caller id cannot get SMS (anonymous, landline or abroad)"
    if earlier_today >= per_caller:
        return f"over the daily cap of {per_caller} SMS per caller"
    return "over the hourly cap for all callers"
