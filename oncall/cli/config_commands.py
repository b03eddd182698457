"""Commands that read vendor policies: route, check, rota show, timetable, demo.

`route`, `rota show` and `timetable` show the live version (the policy store of REDIS_URL)
when the store holds the vendor, else its file; `check` and `demo` read the files only."""

from __future__ import annotations

import json

import pendulum

from config.settings import Settings
from oncall.cli import output as out
from oncall.cli.args import (
    MAX_CHECK_MONTHS,
    MAX_ROTA_WEEKS,
    MAX_TIMETABLE_DAYS,
    UsageError,
    check_severity,
    count_of,
    date_of,
    instant_of,
    live_vendor_of,
)
from oncall.cli.demo import run_demo
from oncall.services.vendors import (
    duplicate_claims,
    vendor_files,
)
from rotas.config import check_policy_file
from rotas.inbound import duplicate_problems
from rotas.routing import decide
from rotas.timetable import coverage_gaps, timetable


def cmd_route(args, settings: Settings) -> int:
    policy = live_vendor_of(settings, args.vendor)
    check_severity(policy, args.severity)
    at = instant_of(args.at, policy)
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
    count_of(args.months, "--months", MAX_CHECK_MONTHS)
    start = date_of(args.start, "--from") if args.start else pendulum.today().date()
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
    errors += check_duplicate_inbound(loaded)
    print(f"{len(files)} file(s): {errors} error(s), {warnings} warning(s), {gaps} coverage gap(s)")
    return 1 if errors or (args.strict and (warnings or gaps)) else 0


def check_duplicate_inbound(loaded) -> int:
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
    policy = live_vendor_of(settings, args.vendor)
    count_of(args.weeks, "--weeks", MAX_ROTA_WEEKS)
    start = date_of(args.start, "--from") if args.start else pendulum.today().date()
    print(out.rota_table(policy, start, args.weeks))
    return 0


def cmd_timetable(args, settings: Settings) -> int:
    policy = live_vendor_of(settings, args.vendor)
    check_severity(policy, args.severity)
    first, last = date_of(args.start, "--from"), date_of(args.end, "--to")
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
        print(json.dumps([c.to_json() for c in changes], ensure_ascii=False, indent=1))
    else:
        print(out.timetable_text(policy, args.severity, changes))
    return 0


def cmd_demo(args, settings: Settings) -> int:
    return run_demo(settings)
