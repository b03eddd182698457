"""Text rendering for the CLI: decisions, check summaries, rota tables and timetables."""

from __future__ import annotations

from datetime import timedelta

import pendulum

from rotas.hours import DAY_LABELS
from rotas.phone import mask
from rotas.policy import VendorPolicy
from rotas.rota import shifts_between
from rotas.routing import Decision
from rotas.timetable import Change, Gap


def _stamp(instant) -> str:
    return instant.strftime("%Y-%m-%d %H:%M %Z") if instant else "-"


def decision_text(policy: VendorPolicy, d: Decision) -> str:
    lines = [
        f"{policy.name} ({policy.id}), {d.severity} at {d.at.isoformat()} "
        f"({DAY_LABELS[d.at.weekday()]})",
        f"  desk:       {'open' if d.open else 'closed'}",
        f"  route:      {d.route}",
        f"  dial:       {', '.join(d.dial) or '-'}",
        f"  page:       {', '.join(d.page) or '-'}",
        f"  respond by: {_stamp(d.respond_by)}",
        f"  reason:     {d.reason}",
    ]
    if not d.covered:
        lines.append("  WARNING:    this severity should reach a human but reaches nobody")
    return "\n".join(lines)


def check_summary(path: str, policy: VendorPolicy, gaps: list[Gap], months: int) -> str:
    head = (
        f"{path}: ok ({len(policy.severities)} severities, {len(policy.rota.layers)} rota layer(s))"
    )
    if not gaps:
        return f"{head}; no coverage gaps in the next {months} months"
    lines = [f"{head}; {len(gaps)} coverage gap(s) in the next {months} months:"]
    for g in gaps:
        lines.append(
            f"  gap: {g.severity} reaches nobody from {_stamp(g.start)} "
            f"to {_stamp(g.end)}: {g.reason}"
        )
    return "\n".join(lines)


def timetable_text(policy: VendorPolicy, severity: str, changes: list[Change]) -> str:
    lines = [f"{policy.name}: routing of {severity!r} ({policy.tz}), {len(changes)} change(s)"]
    for c in changes:
        d = c.decision
        flag = "" if d.covered else "  [REACHES NOBODY]"
        lines.append(
            f"{c.at.strftime('%Y-%m-%d %H:%M')} {DAY_LABELS[c.at.weekday()]}  "
            f"{d.route:<7} {', '.join(d.dial) or '-'}{flag}"
        )
        lines.append(f"    {d.reason}")
    return "\n".join(lines)


def rota_table(policy: VendorPolicy, start, weeks: int) -> str:
    """One row per day: desk hours, holiday or closure, and who holds each layer (with
    handoff times inside the day; * marks an override)."""
    layers = policy.rota.layers
    header = (
        f"{'Date':<10}  {'Day':<3}  {'Desk':<13}  "
        + "  ".join(f"{layer.name:<34}" for layer in layers)
        + "  Notes"
    )
    lines = [
        f"{policy.name} rota from {start} for {weeks} week(s), times in {policy.tz}",
        header,
        "-" * len(header),
    ]
    people = {}
    for i in range(weeks * 7):
        d = start + timedelta(days=i)
        spans = policy.calendar.desk_day(d)
        desk = ", ".join(str(s) for s in spans) or "closed"
        day_start = pendulum.datetime(d.year, d.month, d.day, tz=policy.tz)
        cells = []
        for layer in layers:
            shifts = shifts_between(layer, day_start, day_start.add(days=1))
            parts = []
            for n, s in enumerate(shifts):
                name = (s.person.name if s.person else "nobody") + ("*" if s.override else "")
                if s.person:
                    people[s.person.id] = s.person
                handoff = s.start.in_timezone(policy.tz).strftime("%H:%M")
                parts.append(name if n == 0 else f"> {handoff} {name}")
            cells.append(f"{' '.join(parts):<34}")
        note = policy.calendar.closed_reason(d) or ""
        lines.append(
            f"{d.isoformat()}  {DAY_LABELS[d.weekday()]}  {desk:<13}  "
            + "  ".join(cells)
            + f"  {note}"
        )
    if not layers:
        lines.append("(no rota layers: this vendor has no duty rota)")
    if people:
        lines.append("")
        lines.append("People: " + "; ".join(f"{p.name} {mask(p.phone)}" for p in people.values()))
    return "\n".join(lines)


def call_text(result: dict) -> str:
    lines = []
    for n, step in enumerate(result["steps"], 1):
        params = {
            k: v
            for k, v in step["params"].items()
            if k in ("Digits", "DialCallStatus", "RecordingUrl", "From")
        }
        lines.append(f"--> {n}. POST {step['path']} {params} [{step['status']}]")
        lines.append("    " + step["twiml"].replace("><", ">\n    <"))
    lines += [
        "",
        f"reference: {result['reference']}",
        f"severity:  {result['severity']}",
        f"route:     {result['route']}",
        f"reason:    {result['reason']}",
        f"dialled:   {', '.join(result['dialled']) or '-'}",
        f"outcome:   {result['outcome']}",
        f"recording: {result['recording'] or '-'}",
        f"sms:       {', '.join(j['id'] for j in result['sms']) or '-'}",
        f"incident:  {result['incident'] or '-'}",
        f"pages:     {', '.join(p['name'] + ' ' + p['to'] for p in result['pages']) or '-'}",
    ]
    return "\n".join(lines)


def _iso(ts: float | None, tz: str, none=None):
    """Epoch seconds as ISO-8601 to the second, with the offset of zone `tz`."""
    return pendulum.from_timestamp(int(ts), tz=tz).isoformat() if ts else none


def _local(ts: float | None, tz: str, seconds: bool = False) -> str:
    """Epoch seconds on the wall clock of zone `tz`: 2026-11-25 09:00 CET (or 09:00:17)."""
    if not ts:
        return "-"
    at = pendulum.from_timestamp(ts, tz=tz)
    return at.strftime("%Y-%m-%d %H:%M:%S %Z") if seconds else _stamp(at)


def incident_json(inc, timeline: list[dict], attached: bool, tz: str) -> dict:
    """The incident, its times in the vendor's zone `tz`."""
    return {
        "id": inc.id,
        "vendor": inc.vendor,
        "severity": inc.severity,
        "state": inc.state,
        "attached": attached,
        "message": inc.message,
        "calls": inc.calls,
        "opened_at": _iso(inc.opened_at, tz),
        "respond_by": _iso(inc.respond_by, tz),
        "step": inc.step,
        "plan": inc.plan.to_json(),
        "timeline": [{"at": _iso(e["at"], tz), "text": e["text"]} for e in timeline],
    }


def incident_text(inc, timeline: list[dict], attached: bool, tz: str) -> str:
    """The incident for a terminal, its times on the vendor's wall clock (zone `tz`)."""
    head = "attached to open incident" if attached else "incident"
    respond_by = _local(inc.respond_by, tz)
    lines = [
        f"{head} {inc.id}: {inc.vendor} {inc.severity}, {inc.state}, {inc.calls} call(s)",
        f"  message:    {inc.message}",
        f"  respond by: {respond_by}",
        "  plan:",
    ]
    for n, step in enumerate(inc.plan.steps):
        names = ", ".join(f"{t.name} {mask(t.phone)}" for t in step.targets)
        lines.append(f"    {n}. +{step.after} min: {names}")
    if inc.plan.lead:
        lines.append(f"  lead:       {inc.plan.lead.name} {mask(inc.plan.lead.phone)}")
    lines.append("  timeline:")
    for e in timeline:
        lines.append(f"    {_local(e['at'], tz, seconds=True)} {e['text']}")
    return "\n".join(lines)


def readiness_text(result) -> str:
    """One line per check ("ok" or "FAILED", its name, why), then the verdict."""
    lines = [f"{'ok' if c.ok else 'FAILED':6} {c.name:12} {c.reason}" for c in result.checks]
    verdict = "ready" if result.ready else f"NOT READY: {', '.join(result.failed)}"
    return "\n".join(lines + [verdict])
