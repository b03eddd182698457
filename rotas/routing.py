"""The routing decision: vendor V, instant t, severity S -> where the call goes and why."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import takewhile

import pendulum

from rotas.calendar import Calendar
from rotas.escalation import lead_of
from rotas.hours import DAY_LABELS, clock, contains, local_date, minute_of_day
from rotas.policy import Rule, Severity, VendorPolicy
from rotas.rota import Shift, on_duty
from rotas.workingtime import deadline

ROUTES = ("desk", "oncall", "written")
UTC = pendulum.UTC
_FULL_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Decision:
    vendor: str
    severity: str
    at: object  # the instant asked about, in vendor-local time
    open: bool  # desk open at `at`
    route: str  # desk | oncall | written
    dial: tuple[str, ...]  # E.164 numbers to ring, in order; empty for written
    page: tuple[str, ...]  # E.164 numbers paged at once
    reason: str  # one English sentence a team lead understands
    respond_by: object | None  # response deadline from the severity's target
    covered: bool  # False: this severity should reach a human but reaches nobody

    def to_json(self) -> dict:
        return {
            "vendor": self.vendor,
            "at": self.at.isoformat(),
            "severity": self.severity,
            "open": self.open,
            "route": self.route,
            "dial": list(self.dial),
            "page": list(self.page),
            "reason": self.reason,
            "respond_by": self.respond_by.isoformat() if self.respond_by else None,
            "covered": self.covered,
        }


def decide(policy: VendorPolicy, severity_id: str, at, *, with_deadline: bool = True) -> Decision:
    """Route a call of `severity_id` at instant `at`. Raises KeyError for an unknown severity."""
    sev, t, day, minute, span = _situation(policy, severity_id, at)
    calendar = policy.calendar
    is_open = span is not None
    why = _why_open(calendar, span) if is_open else _why_closed(calendar, day, minute)
    rule = sev.open if is_open else sev.closed
    route, dial, how, shifts, covered = _route(policy, sev, rule, t, day, minute)
    if route == "written":
        page = ()
    elif covered:
        page = page_numbers(policy, rule, shifts, t)
    else:
        page = gap_page_numbers(policy, rule, t)
    return Decision(
        vendor=policy.id,
        severity=sev.id,
        at=t,
        open=is_open,
        route=route,
        dial=dial,
        page=page,
        reason=f"{why}; {how}",
        respond_by=deadline(policy, t, sev.respond, rule) if with_deadline else None,
        covered=covered,
    )


def is_covered(policy: VendorPolicy, severity_id: str, at) -> bool:
    """decide(policy, severity_id, at).covered, without building the decision (a coverage
    scan asks at every change point of a year): written is covered; the desk when it has a
    phone; the duty rota inside its window when someone or a duty phone is on the dial list."""
    sev, t, day, minute, span = _situation(policy, severity_id, at)
    rule = sev.open if span is not None else sev.closed
    if rule.route == "written":
        return True
    if rule.route == "desk":
        return bool(policy.desk_phones)
    if contains(policy.calendar.duty_day(day), minute) is None:
        return False
    return bool(policy.duty_phones) or any(s.person for s in on_duty(policy.rota, t))


def _situation(policy: VendorPolicy, severity_id: str, at):
    """(severity, local time, local day, minute of day, desk span or None) for a call at `at`,
    as decide and is_covered both see it. Raises KeyError for an unknown severity."""
    sev = policy.severity(severity_id)
    if sev is None:
        raise KeyError(severity_id)
    calendar = policy.calendar
    t = calendar.local(at)
    day, minute = local_date(t), minute_of_day(t)
    return sev, t, day, minute, contains(calendar.desk_day(day), minute)


def _route(policy: VendorPolicy, sev: Severity, rule: Rule, t, day, minute: int):
    """(route, dial, explanation, shifts on duty, covered)."""
    name = sev.text("label", "en")
    if rule.route == "written":
        return "written", (), f"{name} is reported in writing ({_channels(policy)})", [], True
    if rule.route == "desk":
        if not policy.desk_phones:
            return "desk", (), f"{name} goes to the desk, but it has no phone number", [], False
        return "desk", policy.desk_phones, f"{name} goes to the desk", [], True
    if contains(policy.calendar.duty_day(day), minute) is None:
        why = f"{name} goes to the duty rota, but the duty window does not cover this time"
        return _uncovered(policy, rule, f"{why}, so nobody is on duty")
    shifts = on_duty(policy.rota, t)
    dial = _duty_dial(policy, shifts)
    if not dial:
        return _uncovered(policy, rule, f"{name} goes to the duty rota; nobody is on the rota")
    who = "; ".join(_describe_shift(s, t) for s in shifts) or "the duty phone is rung"
    return "oncall", dial, f"{name} goes to the duty rota; {who}", shifts, True


def _uncovered(policy: VendorPolicy, rule: Rule, why: str):
    """A duty call with nobody on duty (a coverage gap) still reaches someone, else a
    voicemail, and the lead is paged: it is never told to write and hung up on."""
    dial = uncovered_dial(policy)
    if policy.duty_phones:
        then = "the duty phone is rung"
    elif dial:
        then = "the emergency number is rung"
    else:
        then = "the caller can leave a voicemail"
    if lead_of(policy, rule, {}) is not None:
        then += ", and the lead is paged"
    return "oncall", dial, f"{why}; {then}", [], False


def uncovered_dial(policy: VendorPolicy) -> tuple[str, ...]:
    """Whom a duty call rings when nobody is on duty: the duty phones, else the vendor's
    emergency number; () when it has neither (the caller leaves a voicemail)."""
    if policy.duty_phones:
        return policy.duty_phones
    return (policy.emergency,) if policy.emergency else ()


def duty_numbers(policy: VendorPolicy, at) -> tuple[str, ...]:
    """Whom to ring for duty at `at`: each layer's engineer in order, then duty.phones."""
    return _duty_dial(policy, on_duty(policy.rota, at))


def _duty_dial(policy: VendorPolicy, shifts: list[Shift]) -> tuple[str, ...]:
    return _unique([s.person.phone for s in shifts if s.person] + list(policy.duty_phones))


def page_numbers(policy: VendorPolicy, rule: Rule, shifts: list[Shift], at) -> tuple[str, ...]:
    """Numbers paged at once: the targets of the rule's steps without delay."""
    targets = [t for step in takewhile(lambda s: not s.after, rule.page) for t in step.targets]
    if not shifts and any(t.startswith("rota:") for t in targets):
        shifts = on_duty(policy.rota, at)
    by_layer = {s.layer: s for s in shifts}
    people = (policy.person_for(t, by_layer) for t in targets)
    return _unique([p.phone for p in people if p])


def gap_page_numbers(policy: VendorPolicy, rule: Rule, at):
    """Numbers paged at once when nobody is on duty: as `freeze_plan(covered=False)`, the
    lead, else (a plan that names no lead) the rule's own first step."""
    lead = lead_of(policy, rule, {})
    return (lead.phone,) if lead else page_numbers(policy, rule, [], at)


def _why_open(calendar: Calendar, span) -> str:
    return f"The desk is open ({calendar.desk_hours.description}) until {clock(span.end)}"


def _why_closed(calendar: Calendar, day, minute: int) -> str:
    reason = calendar.closed_reason(day)
    if reason:
        return reason[0].upper() + reason[1:]
    weekday, desk_hours = day.weekday(), calendar.desk_hours
    if not desk_hours.days[weekday]:
        return f"The desk is closed on {_FULL_DAYS[weekday]}s ({desk_hours.description})"
    for brk in calendar.breaks:
        if weekday in brk.days and brk.span.start <= minute < brk.span.end:
            return f"The desk is closed for {brk.name} {brk.span}"
    hours = desk_hours.days[weekday]
    when = "before" if minute < hours[0].start else "after"
    return f"It is {when} desk hours ({desk_hours.description})"


def _describe_shift(shift: Shift, t) -> str:
    if shift.person is None:
        return f"nobody is {shift.layer}"
    until = _when(shift.end, t) if shift.end else "further notice"
    cover = " (override)" if shift.override else ""
    return f"{shift.person.name} is {shift.layer}{cover} until {until}"


def _when(instant, t) -> str:
    """'Mon 08:00' within a week of `t`, else 'Mon 2026-12-28 08:00' (vendor-local)."""
    # Keyed by the UTC instant: two wall-clock-equal instants in the repeated autumn hour of
    # one zone compare (and hash) equal. Shift ends are UTC already, so this is a check.
    utc = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
    day, label, full = _wall(utc, t.tzinfo)
    return label if abs((day - local_date(t)).days) < 6 else full


@lru_cache(maxsize=65536)
def _wall(instant, tz) -> tuple:
    """(local date, 'Mon 08:00', 'Mon 2026-12-28 08:00') of an instant: shift ends repeat
    across decisions, so the time-zone conversion is done once per instant (an aware
    datetime caches its hash)."""
    x = instant.astimezone(tz)
    hm = f"{x.hour:02d}:{x.minute:02d}"
    day = DAY_LABELS[x.weekday()]
    return local_date(x), f"{day} {hm}", f"{day} {x.year}-{x.month:02d}-{x.day:02d} {hm}"


def _channels(policy: VendorPolicy) -> str:
    w = policy.written
    parts = [p for p in (w.portal, w.email) if p]
    help_text = w.help_button.get("en")
    if help_text:
        parts.append(help_text)
    return ", ".join(parts) or "no written channel configured"


def _unique(numbers) -> tuple[str, ...]:
    return tuple(dict.fromkeys(numbers))
