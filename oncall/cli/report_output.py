"""The weekly report as text, JSON or HTML (tables, inline SVG bar charts, print CSS).

The charts are a few horizontal bar charts, written as SVG here (~40 lines): matplotlib
would add numpy, pillow and fonttools to the runtime for three bar charts, and its SVG
draws text as paths unless configured; these keep text as text, print crisply and are
byte-for-byte deterministic.
"""

from __future__ import annotations

import json
from html import escape

from rotas.report import WeeklyReport

COLOURS = ("#1f5f8b", "#e08a1e", "#6a9f3a", "#8c3a8c", "#999999")


def minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def report_json(r: WeeklyReport) -> str:
    return json.dumps(r.to_json(), ensure_ascii=False, indent=1)


def _severities(r: WeeklyReport) -> list[str]:
    return sorted({s for by_sev in r.calls_by_route.values() for s in by_sev})


def report_text(r: WeeklyReport) -> str:
    lines = [
        f"{r.vendor_name} ({r.vendor}) weekly report {r.week}",
        f"  {r.start} to {r.end} ({r.tz}, {r.hours:g} hours)",
        "",
        f"Calls: {r.calls}",
    ]
    for route, by_sev in r.calls_by_route.items():
        parts = ", ".join(f"{sev} {n}" for sev, n in by_sev.items())
        lines.append(f"  {route:<8} {sum(by_sev.values()):>4}  ({parts})")
    lines += ["", f"Incidents: {len(r.incidents)}"]
    for i in r.incidents:
        lines.append(
            f"  {i.id}  {i.severity:<4} opened {i.opened_at[:16]}  {i.calls} call(s)  "
            f"{i.state:<12} ack {minutes(i.ack_seconds):>9}  respond_by {i.respond}  "
            f"{i.pages} page(s)" + (f"  by {i.answered_by}" if i.answered_by else "")
        )
    lines += ["", "Time to acknowledge (median / p90):"]
    for key, a in r.ack.items():
        lines.append(
            f"  {key:<8} {minutes(a.median_s)} / {minutes(a.p90_s)}  ({a.answered} answered)"
        )
    lines += ["", "respond_by (deadlines in working time): met / missed / pending"]
    for sev, n in r.respond_by.items():
        lines.append(f"  {sev:<8} {n['met']} / {n['missed']} / {n['pending']}")
    lines += [
        "",
        "People: hours on duty (night, weekend/holiday), pages (after hours, failed), calls",
    ]
    for p in r.people:
        lines.append(
            f"  {p.name:<34} {p.duty_hours:>6.1f} h ({p.night_hours:.1f} night, "
            f"{p.weekend_hours:.1f} weekend)  pages {p.pages} ({p.after_hours_pages} after "
            f"hours, {p.pages_failed} failed)  calls answered {p.calls_answered}"
        )
    lines += ["", f"Callers without a follow-up SMS: {len(r.no_sms)}"]
    for n in r.no_sms:
        lines.append(f"  {n.reference}  {n.at[:16]}  {n.caller:<14} {n.reason}")
    return "\n".join(lines)


def bar_chart(title: str, rows: list[tuple[str, list[float]]], series: list[str]) -> str:
    """Horizontal stacked bars: one row per (label, values per series), a legend below."""
    width, label_w, bar_h, gap = 640, 220, 18, 6
    top = 28
    most = max((sum(v) for _, v in rows), default=0) or 1
    scale = (width - label_w - 60) / most
    height = top + len(rows) * (bar_h + gap) + 28
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for n, (label, values) in enumerate(rows):
        y = top + n * (bar_h + gap)
        out.append(f'<text x="0" y="{y + 13}" font-size="12">{escape(label)}</text>')
        x = label_w
        for k, v in enumerate(values):
            w = v * scale
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                    f'fill="{COLOURS[k % len(COLOURS)]}"/>'
                )
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="12">{sum(values):g}</text>')
    y = height - 10
    for k, name in enumerate(series if len(series) > 1 else []):
        x = label_w + k * 140
        out.append(f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{COLOURS[k]}"/>')
        out.append(f'<text x="{x + 14}" y="{y}" font-size="12">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


_CSS = """
body { font-family: sans-serif; margin: 2em; color: #111; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 2px 8px; text-align: left; }
td.n { text-align: right; }
section { margin-bottom: 1.5em; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; font-size: 10pt; }
  section, svg, table { break-inside: avoid; }
}
"""


def _table(head: list[str], rows: list[list]) -> str:
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{v:g}</td>'
            if isinstance(v, int | float)
            else f"<td>{escape(str(v))}</td>"
            for v in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def report_html(r: WeeklyReport) -> str:
    sevs = _severities(r)
    call_rows = [
        [route, *[by.get(s, 0) for s in sevs], sum(by.values())]
        for route, by in r.calls_by_route.items()
    ]
    sections = [
        f"<h1>{escape(r.vendor_name)}: weekly report {escape(r.week)}</h1>",
        f"<p>{escape(r.start)} to {escape(r.end)} ({escape(r.tz)}, {r.hours:g} hours)</p>",
        "<section><h2>Calls</h2>",
        f"<p>{r.calls} call(s).</p>",
        _table(["route", *sevs, "total"], call_rows),
        bar_chart(
            "Calls by route and severity",
            [(route, [by.get(s, 0) for s in sevs]) for route, by in r.calls_by_route.items()],
            sevs,
        ),
        "</section><section><h2>Incidents</h2>",
        _table(
            [
                "incident",
                "severity",
                "opened",
                "calls",
                "state",
                "answered by",
                "to ack",
                "respond_by",
                "pages",
            ],
            [
                [
                    i.id,
                    i.severity,
                    i.opened_at[:16],
                    i.calls,
                    i.state,
                    i.answered_by or "-",
                    minutes(i.ack_seconds),
                    i.respond,
                    i.pages,
                ]
                for i in r.incidents
            ],
        ),
        "<h3>Time to acknowledge</h3>",
        _table(
            ["", "answered", "median", "p90"],
            [[k, a.answered, minutes(a.median_s), minutes(a.p90_s)] for k, a in r.ack.items()],
        ),
        "<h3>respond_by (deadlines in working time)</h3>",
        _table(
            ["severity", "met", "missed", "pending"],
            [[s, n["met"], n["missed"], n["pending"]] for s, n in r.respond_by.items()],
        ),
        "</section><section><h2>People</h2>",
        _table(
            [
                "person",
                "layers",
                "on duty h",
                "night h",
                "weekend/holiday h",
                "pages",
                "after hours",
                "failed",
                "calls answered",
            ],
            [
                [
                    p.name,
                    ", ".join(p.layers) or "-",
                    p.duty_hours,
                    p.night_hours,
                    p.weekend_hours,
                    p.pages,
                    p.after_hours_pages,
                    p.pages_failed,
                    p.calls_answered,
                ]
                for p in r.people
            ],
        ),
        bar_chart("Pages per person", [(p.name, [p.pages]) for p in r.people], ["pages"]),
        bar_chart(
            "After-hours duty (hours)",
            [(p.name, [p.night_hours, p.weekend_hours]) for p in r.people],
            ["night", "weekend/holiday"],
        ),
        "</section><section><h2>Callers without a follow-up SMS</h2>",
        _table(
            ["reference", "at", "caller", "why"],
            [[n.reference, n.at[:16], n.caller, n.reason] for n in r.no_sms],
        ),
        "</section>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>'
        f"<title>{escape(r.vendor_name)} {escape(r.week)}</title><style>{_CSS}</style>"
        "</head><body>\n" + "\n".join(sections) + "\n</body></html>\n"
    )
