"""Commands that use Redis and the running service: call, page, reply, incident, status,
report, clock, handoffs, serve, release."""

from __future__ import annotations

import json

import pendulum

from config.settings import Settings
from oncall.cli import output as out
from oncall.cli.args import (
    MAX_ADVANCE_MINUTES,
    UsageError,
    check_severity,
    instant_of,
    vendor_of,
)
from oncall.cli.release import release
from oncall.cli.report_output import report_html, report_json, report_text
from oncall.cli.serve import serve
from oncall.clock import OffsetClock, clock_for
from oncall.services import policies
from oncall.services.escalation import fast_forward
from oncall.services.health import readiness
from oncall.services.incidents import open_incident
from oncall.services.report import weekly_report
from oncall.services.root import Services
from oncall.services.vendors import (
    load_one,
)
from oncall.store.handoffs import Handoffs
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import connect
from rotas.escalation import freeze_plan
from rotas.policy import VendorPolicy
from rotas.weeks import parse_week


def cmd_page(args, settings: Settings) -> int:
    """Page by the severity's duty plan at any hour (`--desk open`: the open-desk rule's).
    A page within the storm window of an open incident attaches to it, its message on the
    incident's timeline."""

    client = connect(settings)
    clock = clock_for(settings, client)
    policy = _paging_vendor(settings, client, args.vendor)
    check_severity(policy, args.severity)
    if not args.message.strip():
        raise UsageError("--message must not be empty")
    rule = _paging_rule(policy, args.severity, args.desk)
    at = instant_of(args.at, policy) if args.at else clock.now().in_timezone(policy.tz)
    if not freeze_plan(policy, rule, at).steps:
        raise UsageError(f"nobody to page for {args.severity} of {policy.id} at {at}")
    svc = Services.build(settings, clock, client)  # only now: building it writes to Redis
    reference = svc.store.next_reference(policy.id, at.in_timezone(policy.tz))
    incident_id, attached = open_incident(
        client,
        settings,
        policy,
        args.severity,
        at,
        clock=clock,
        reference=reference,
        message=args.message.strip(),
        desk=args.desk,
    )
    if attached and not args.json:
        print(f"attached to open incident {incident_id}; message recorded")
    return _print_incident(client, incident_id, args.json, attached)


def services_for(settings: Settings) -> Services:
    """The CLI's services, composed as the web app's and the worker's are (same clock).
    Building them imports vendor files the policy store lacks: only after the input was
    checked."""
    client = connect(settings)
    return Services.build(settings, clock_for(settings, client), client)


def _paging_vendor(settings: Settings, client, vendor_id: str) -> VendorPolicy:
    """The vendor's live policy (the policy store), else its file: a typo in a vendor file
    must not stop a manual page."""
    policy = load_one(settings.config_dir, vendor_id, client)
    return policy if policy is not None else vendor_of(settings, vendor_id)


def _paging_rule(policy: VendorPolicy, severity_id: str, desk: str):
    """The rule whose page plan a manual page follows; one line naming the severities that
    page when it has none."""

    def rule_of(sev):
        return sev.open if desk == "open" else sev.closed

    rule = rule_of(policy.severity(severity_id))
    if rule.page:
        return rule
    paging = ", ".join(s.id for s in policy.severities if rule_of(s).page) or "none"
    when = " with the desk open" if desk == "open" else ""
    raise UsageError(
        f"severity {severity_id} of {policy.id} never pages{when}; "
        f"severities that page{when}: {paging}"
    )


def cmd_incident(args, settings: Settings) -> int:

    return _print_incident(connect(settings), args.id, args.json, False)


def _print_incident(client, incident_id: str, as_json: bool, attached: bool) -> int:

    store = IncidentStore(client)
    inc = store.load(incident_id)
    if inc is None:
        raise UsageError(f"no incident {incident_id!r}")
    timeline = store.timeline(incident_id)
    stored = policies.current(client, inc.vendor)
    tz = stored.timezone if stored else "UTC"  # the vendor's clock, as the lead reads it
    if as_json:
        data = out.incident_json(inc, timeline, attached, tz)
        print(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        print(out.incident_text(inc, timeline, attached, tz))
    return 0


def cmd_status(args, settings: Settings) -> int:
    """The readiness checks of /readyz against the configured Redis (REDIS_URL)."""
    result = readiness(services_for(settings))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        print(out.readiness_text(result))
    return 0 if result.ready else 1


RENDER = {"text": report_text, "json": report_json, "html": report_html}


def cmd_report(args, settings: Settings) -> int:
    policy = vendor_of(settings, args.vendor)
    try:
        year, week = parse_week(args.week)
    except ValueError as exc:
        raise UsageError(f"--week: {exc}") from None
    client = connect(settings)
    now = clock_for(settings, client).now()
    report = weekly_report(client, settings, policy, year, week, now)
    rendered = RENDER[args.format](report)
    if not args.out:
        print(rendered)
        return 0
    try:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(rendered if rendered.endswith("\n") else rendered + "\n")
    except OSError as exc:
        raise UsageError(f"--out: cannot write {args.out}: {exc.strerror}") from None
    return 0


def cmd_clock(args, settings: Settings) -> int:
    """show / advance --minutes N / reset the offset clock that web, worker and CLI share.
    An advance also enqueues every escalation step that became due (the worker's sweep
    would, within its period), so a demo sees the next page at once."""
    if settings.clock != "offset":
        raise UsageError(
            "the clock is the system clock; `clock` needs ONCALL_CLOCK=offset "
            "(tests and the demo only, with TWILIO_API_BASE)"
        )
    if args.clock_command == "advance" and not 0 < args.minutes <= MAX_ADVANCE_MINUTES:
        raise UsageError(f"--minutes must be above 0 and at most {MAX_ADVANCE_MINUTES}")
    svc = services_for(settings)
    clock: OffsetClock = svc.clock
    due = []
    if args.clock_command == "advance":
        due = fast_forward(svc, args.minutes * 60)
    elif args.clock_command == "reset":
        clock.reset()
    print(f"clock: {clock.now().isoformat()} ({clock.offset():+.0f} s from the system time)")
    if due:
        print(f"escalation steps now due, enqueued: {', '.join(due)}")
    return 0


def cmd_handoffs(args, settings: Settings) -> int:
    policy = vendor_of(settings, args.vendor)
    records = Handoffs(connect(settings)).of_vendor(policy.id)
    if args.json:
        print(json.dumps([r.to_json() for r in records], ensure_ascii=False, indent=1))
        return 0
    for r in records:
        start = pendulum.from_timestamp(float(r["start"]), tz=policy.tz).format("YYYY-MM-DD HH:mm")
        state = (
            f"confirmed by {r['confirmed_by']}"
            if r.get("confirmed_at")
            else "lead told"
            if r.get("lead_told_at")
            else "sent"
            if r.get("sent_at")
            else "claimed"
        )
        print(f"{start}  {r['layer']:<10} {r['name']:<28} {state}")
    return 0


def cmd_serve(args, settings: Settings) -> int:
    return serve()


def cmd_release(args, settings: Settings) -> int:
    return release(settings)
