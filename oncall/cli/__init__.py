"""`python -m oncall route|check|rota show|timetable|call|page|reply|incident|status|demo`.

Bad arguments exit 2 with one line naming the problem and the valid choices, never a traceback.
Every input is bounded: dates and instants within the years 1970-2200 (rotas.hours), and the
windows below, so no command runs for minutes or prints without end.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys

import pendulum

from config.settings import Settings
from oncall import logs
from oncall.cli import output as out
from oncall.cli.demo import run_demo
from oncall.cli.release import release
from oncall.cli.report_output import report_html, report_json, report_text
from oncall.cli.serve import serve
from oncall.cli.simulator import send_reply, simulate
from oncall.clock import OffsetClock, clock_for
from oncall.services.escalation import fast_forward
from oncall.services.health import readiness
from oncall.services.incidents import open_incident
from oncall.services.report import weekly_report
from oncall.services.root import Services
from oncall.services.vendors import (
    duplicate_claims,
    load_one,
    load_vendor,
    load_vendors,
    vendor_files,
)
from oncall.store.handoffs import Handoffs
from oncall.store.incidents import IncidentStore
from oncall.store.lastgood import LastGood
from oncall.store.redisconn import connect
from rotas.config import check_policy_file
from rotas.escalation import freeze_plan
from rotas.hours import parse_date, parse_instant
from rotas.inbound import duplicate_problems
from rotas.phone import caller_number
from rotas.policy import VendorPolicy
from rotas.routing import decide
from rotas.timetable import coverage_gaps, timetable
from rotas.weeks import parse_week
from rotas.yamlsource import ConfigError

MAX_CHECK_MONTHS = 60  # `check --months`: five years of coverage, a few seconds per vendor
MAX_ROTA_WEEKS = 104  # `rota show --weeks`
MAX_TIMETABLE_DAYS = 3653  # `timetable --from .. --to`: ten years, about a second
MAX_ADVANCE_MINUTES = 366 * 1440  # `clock advance --minutes`: a year at a time


class UsageError(Exception):
    """Bad input from the command line: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + exits 2; we want one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m oncall", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("route", help="where a call goes: vendor, instant, severity")
    p.add_argument("--vendor", required=True)
    p.add_argument("--at", required=True, help="ISO 8601; without offset: vendor-local time")
    p.add_argument("--severity", required=True)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("check", help="validate vendor configs and report coverage gaps")
    p.add_argument("files", nargs="*")
    p.add_argument("--from", dest="start", help="start of the coverage window (default: today)")
    p.add_argument("--months", type=int, default=12)
    p.add_argument("--strict", action="store_true", help="also fail on warnings and gaps")

    p = sub.add_parser("rota", help="rota commands")
    rota = p.add_subparsers(dest="rota_command", required=True, parser_class=_Parser)
    show = rota.add_parser("show", help="who is on duty when, per layer")
    show.add_argument("--vendor", required=True)
    show.add_argument("--from", dest="start", help="first date (default: today)")
    show.add_argument("--weeks", type=int, default=2)

    p = sub.add_parser("timetable", help="every change of a severity's routing in a range")
    p.add_argument("--vendor", required=True)
    p.add_argument("--severity", required=True)
    p.add_argument("--from", dest="start", required=True)
    p.add_argument("--to", dest="end", required=True, help="last date, inclusive")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("call", help="simulate a call through the real, signed webhooks")
    p.add_argument("--vendor", required=True)
    p.add_argument("--at", required=True, help="ISO 8601; the clock is frozen there")
    p.add_argument("--from", dest="caller", required=True, help="caller id (E.164 or anonymous)")
    p.add_argument("--press", default="", help="digits pressed at the menu, in order")
    p.add_argument("--no-answer", action="store_true", help="nobody answers any <Dial>")
    p.add_argument(
        "--live",
        action="store_true",
        help="use the configured Redis: a running worker sends the pages",
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("page", help="open an incident and page by the severity's policy")
    p.add_argument("--vendor", required=True)
    p.add_argument("--severity", required=True)
    p.add_argument("--message", required=True)
    p.add_argument("--at", help="ISO 8601 (default: now); picks the rota and the plan")
    p.add_argument(
        "--desk",
        choices=("open", "closed"),
        default="closed",
        help="whose page plan: the duty (closed-desk) rule's, the default at any hour, or "
        "the open-desk rule's",
    )
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("reply", help="an engineer's SMS reply to a page, through the app")
    p.add_argument("--from", dest="sender", required=True, help="the engineer's number (E.164)")
    p.add_argument("--body", required=True, help="e.g. 1, ACK, 2, 3 AIDN-2026-000001")
    p.add_argument("--to", help="the number the page came from (default: the engineer's vendor's)")
    p.add_argument("--sid", help="MessageSid (default: a new one); repeat one to replay a reply")
    p.add_argument(
        "--live", action="store_true", help="apply it to the configured Redis (default: dry run)"
    )

    p = sub.add_parser("incident", help="show an incident and its timeline")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("report", help="a vendor's weekly report: calls, incidents, pages")
    p.add_argument("--vendor", required=True)
    p.add_argument("--week", required=True, help="ISO week in the vendor's zone, e.g. 2026-W47")
    p.add_argument("--format", choices=("text", "html", "json"), default="text")
    p.add_argument("--out", help="write to this file (default: standard output)")
    p = sub.add_parser("clock", help="the offset clock of tests and the demo (ONCALL_CLOCK=offset)")
    clock = p.add_subparsers(dest="clock_command", required=True, parser_class=_Parser)
    clock.add_parser("show", help="the clock's time and how far ahead of the system time")
    advance = clock.add_parser("advance", help="fast-forward web, worker and CLI alike")
    advance.add_argument("--minutes", type=float, required=True)
    clock.add_parser("reset", help="back to the system time")
    p = sub.add_parser("status", help="would a page go out now? exit 1 when not ready")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("handoffs", help="a vendor's shift handoffs: sent, confirmed, lead told")
    p.add_argument("--vendor", required=True)
    p.add_argument("--json", action="store_true")

    sub.add_parser("demo", help="route sample calls for every vendor")
    sub.add_parser("serve", help="run web, worker, fake Twilio and Redis (make run)")
    sub.add_parser(
        "release", help="import the vendor files into Redis and check start-up (Procfile)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    logs.configure(settings, level=logging.WARNING)  # the output is the answer; logs: problems
    try:
        args = build_parser().parse_args(argv)
        command = args.command if args.command != "rota" else "rota_show"
        return COMMANDS[command](args, settings)
    except UsageError as exc:
        print(f"oncall: error: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"oncall: error: invalid config:\n{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


# -- commands ---------------------------------------------------------------------------------


def cmd_route(args, settings: Settings) -> int:
    policy = _vendor(settings, args.vendor)
    _severity(policy, args.severity)
    at = _instant(args.at, policy)
    decision = decide(policy, args.severity, at)
    print(
        json.dumps(decision.to_json(), ensure_ascii=False)
        if args.json
        else out.decision_text(policy, decision)
    )
    return 0


def cmd_check(args, settings: Settings) -> int:
    files = args.files or [str(p) for p in vendor_files(settings.config_dir)]
    if not files:
        raise UsageError(f"no vendor configs in {settings.config_dir}")
    if not 1 <= args.months <= MAX_CHECK_MONTHS:
        raise UsageError(f"--months must be between 1 and {MAX_CHECK_MONTHS}")
    start = _date(args.start, "--from") if args.start else pendulum.today().date()
    errors = warnings = gaps = 0
    loaded = []
    for path in files:
        policy, problems = check_policy_file(path)
        for problem in problems:
            print(problem)
        errors += sum(p.level == "error" for p in problems)
        warnings += sum(p.level == "warning" for p in problems)
        if policy is None:
            continue
        loaded.append((policy.id, policy, path, None))
        begin = pendulum.datetime(start.year, start.month, start.day, tz=policy.tz)
        found = coverage_gaps(policy, begin, begin.add(months=args.months))
        gaps += len(found)
        print(out.check_summary(path, policy, found, args.months))
    errors += _check_duplicate_inbound(loaded)
    print(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s), {gaps} coverage gap(s)")
    return 1 if errors or (args.strict and (warnings or gaps)) else 0


def _check_duplicate_inbound(loaded) -> int:
    """A number belongs to one vendor: every file and line claiming a shared one, as errors."""
    lines = [
        line
        for number, claims in duplicate_claims(loaded).items()
        for line in duplicate_problems(number, claims)
    ]
    for line in lines:
        print(line)
    return len(lines)


def cmd_rota_show(args, settings: Settings) -> int:
    policy = _vendor(settings, args.vendor)
    if not 1 <= args.weeks <= MAX_ROTA_WEEKS:
        raise UsageError(f"--weeks must be between 1 and {MAX_ROTA_WEEKS}")
    start = _date(args.start, "--from") if args.start else pendulum.today().date()
    print(out.rota_table(policy, start, args.weeks))
    return 0


def cmd_timetable(args, settings: Settings) -> int:
    policy = _vendor(settings, args.vendor)
    _severity(policy, args.severity)
    first, last = _date(args.start, "--from"), _date(args.end, "--to")
    if last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    if (last - first).days >= MAX_TIMETABLE_DAYS:
        raise UsageError(
            f"--from {first} --to {last} spans {(last - first).days + 1} days; "
            f"at most {MAX_TIMETABLE_DAYS} (ten years)"
        )
    begin = pendulum.datetime(first.year, first.month, first.day, tz=policy.tz)
    end = pendulum.datetime(last.year, last.month, last.day, tz=policy.tz).add(days=1)
    changes = timetable(policy, args.severity, begin, end)
    if args.json:
        print(json.dumps([out.change_json(c) for c in changes], ensure_ascii=False, indent=1))
    else:
        print(out.timetable_text(policy, args.severity, changes))
    return 0


def cmd_call(args, settings: Settings) -> int:

    policy = _vendor(settings, args.vendor)
    at = _instant(args.at, policy)
    if not policy.inbound:
        raise UsageError(f"vendor {policy.id} has no inbound number to call")
    if not all(c.isdigit() or c in "*#" for c in args.press):
        raise UsageError(f"--press: {args.press!r} is not a string of phone keys (0-9, *, #)")
    if args.caller.lower() != "anonymous" and not caller_number(args.caller):
        raise UsageError(f"--from: {args.caller!r} is not an E.164 number or 'anonymous'")
    result = simulate(
        settings, policy, at, args.caller, args.press, not args.no_answer, live=args.live
    )
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else out.call_text(result))
    return 0


def cmd_page(args, settings: Settings) -> int:
    """Page by the severity's duty plan at any hour (`--desk open`: the open-desk rule's).
    A page within the storm window of an open incident attaches to it, its message on the
    incident's timeline."""

    client = connect(settings)
    clock = clock_for(settings, client)
    policy = _paging_vendor(settings, client, args.vendor)
    _severity(policy, args.severity)
    if not args.message.strip():
        raise UsageError("--message must not be empty")
    rule = _paging_rule(policy, args.severity, args.desk)
    at = _instant(args.at, policy) if args.at else clock.now().in_timezone(policy.tz)
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


def _services(settings: Settings) -> Services:
    """The CLI's services, composed as the web app's and the worker's are (same clock).
    Building them records each vendor file's last good version: only after the input
    was checked."""
    client = connect(settings)
    return Services.build(settings, clock_for(settings, client), client)


def _paging_vendor(settings: Settings, client, vendor_id: str) -> VendorPolicy:
    """The vendor's policy from its file or, when the file is broken, its last good version
    in Redis (logged): a typo in a vendor file must not stop a manual page."""
    policy = load_one(settings.config_dir, vendor_id, LastGood(client))
    return policy if policy is not None else _vendor(settings, vendor_id)


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


MAX_SMS_BODY = 1600  # characters: Twilio's limit for one message body
MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")


def cmd_reply(args, settings: Settings) -> int:

    sender = caller_number(args.sender)
    if not sender:
        raise UsageError(f"--from: {args.sender!r} is not an E.164 phone number")
    if not args.body.strip():
        raise UsageError("--body must not be empty")
    if len(args.body) > MAX_SMS_BODY:
        raise UsageError(f"--body is {len(args.body)} characters; an SMS has at most 1600")
    if args.sid is not None and not MESSAGE_SID.match(args.sid):
        raise UsageError(f"--sid: {args.sid!r} is not a MessageSid (SM + 32 hex digits)")
    to = _paging_number(settings, args.to, sender)
    result = send_reply(settings, sender, to, args.body, live=args.live, sid=args.sid)
    if result["status"] != 200:
        print(f"oncall: error: the app answered HTTP {result['status']}", file=sys.stderr)
        return 1
    print(result["answer"] or "(no answer: this number was never paged, or it opted out)")
    if not args.live:
        print("(dry run on a copy of the incidents: nothing changed; --live applies it)")
    return 0


def _paging_number(settings: Settings, given: str | None, sender: str) -> str:
    """--to, else the inbound number of the first vendor listing `sender` among its people
    (pages come from the vendor's number, so that is where replies go)."""

    if given:
        if not caller_number(given):
            raise UsageError(f"--to: {given!r} is not an E.164 phone number")
        return caller_number(given)
    for policy in load_vendors(settings.config_dir).values():
        if policy.inbound and any(p.phone == sender for p in policy.people.values()):
            return policy.inbound[0]
    raise UsageError(
        f"--from: {sender} is nobody in the vendor files; give --to (the paging number)"
    )


def cmd_incident(args, settings: Settings) -> int:

    return _print_incident(connect(settings), args.id, args.json, False)


def _print_incident(client, incident_id: str, as_json: bool, attached: bool) -> int:

    store = IncidentStore(client)
    inc = store.load(incident_id)
    if inc is None:
        raise UsageError(f"no incident {incident_id!r}")
    timeline = store.timeline(incident_id)
    if as_json:
        print(json.dumps(out.incident_json(inc, timeline, attached), ensure_ascii=False, indent=1))
    else:
        print(out.incident_text(inc, timeline, attached))
    return 0


def cmd_status(args, settings: Settings) -> int:
    """The readiness checks of /readyz against the configured Redis (REDIS_URL)."""
    client = connect(settings)
    result = readiness(Services.build(settings, clock_for(settings, client), client))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        print(out.readiness_text(result))
    return 0 if result.ready else 1


RENDER = {"text": report_text, "json": report_json, "html": report_html}


def cmd_report(args, settings: Settings) -> int:
    policy = _vendor(settings, args.vendor)
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
    svc = _services(settings)
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
    policy = _vendor(settings, args.vendor)
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


def cmd_demo(args, settings: Settings) -> int:
    return run_demo(settings)


def cmd_serve(args, settings: Settings) -> int:
    return serve()


def cmd_release(args, settings: Settings) -> int:
    return release(settings)


COMMANDS = {
    "route": cmd_route,
    "check": cmd_check,
    "rota_show": cmd_rota_show,
    "timetable": cmd_timetable,
    "call": cmd_call,
    "page": cmd_page,
    "reply": cmd_reply,
    "incident": cmd_incident,
    "report": cmd_report,
    "clock": cmd_clock,
    "status": cmd_status,
    "handoffs": cmd_handoffs,
    "demo": cmd_demo,
    "serve": cmd_serve,
    "release": cmd_release,
}


# -- argument parsing helpers -----------------------------------------------------------------


def _vendor(settings: Settings, vendor_id: str) -> VendorPolicy:
    try:
        return load_vendor(settings.config_dir, vendor_id)
    except LookupError as exc:
        raise UsageError(str(exc)) from None


def _severity(policy: VendorPolicy, severity_id: str) -> None:
    if policy.severity(severity_id) is None:
        raise UsageError(
            f"unknown severity {severity_id!r} for {policy.id} "
            f"(valid: {', '.join(policy.severity_ids)})"
        )


def _instant(text: str, policy: VendorPolicy):
    try:
        return parse_instant(text, policy.tz)
    except ValueError as exc:
        raise UsageError(f"--at: {exc}") from None


def _date(text: str, flag: str):
    try:
        return parse_date(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None
