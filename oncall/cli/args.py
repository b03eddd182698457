"""Arguments of `python -m oncall`: the parser and the checks every command shares.

Bad arguments exit 2 with one line naming the problem and the valid choices, never a traceback.
Every input is bounded: dates and instants within the years 1970-2200 (rotas.hours), and the
windows below, so no command runs for minutes or prints without end.
"""

from __future__ import annotations

import argparse
import re

from config.settings import Settings
from oncall.services.vendors import (
    load_vendor,
    stored_policy,
)
from oncall.store.redisconn import connect, running_embedded
from rotas.hours import parse_date, parse_instant
from rotas.policy import VendorPolicy

MAX_CHECK_MONTHS = 60  # `check --months`: five years of coverage, a few seconds per vendor


MAX_ROTA_WEEKS = 104  # `rota show --weeks`


MAX_TIMETABLE_DAYS = 3653  # `timetable --from .. --to`: ten years, about a second


MAX_ADVANCE_MINUTES = 366 * 1440  # `clock advance --minutes`: a year at a time


MAX_SMS_BODY = 1600  # characters: Twilio's limit for one message body


MAX_HISTORY_LIMIT = 500  # `history --limit`


MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-f]{32}$")


class UsageError(Exception):
    """Bad input from the command line: one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage + exits 2; we want one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m oncall", description="Phone routing and paging for Nordic software vendors."
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

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
    rota = p.add_subparsers(dest="rota_command", required=True, parser_class=OneLineParser)
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
    clock = p.add_subparsers(dest="clock_command", required=True, parser_class=OneLineParser)
    clock.add_parser("show", help="the clock's time and how far ahead of the system time")
    advance = clock.add_parser("advance", help="fast-forward web, worker and CLI alike")
    advance.add_argument("--minutes", type=float, required=True)
    clock.add_parser("reset", help="back to the system time")
    p = sub.add_parser("status", help="would a page go out now? exit 1 when not ready")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("handoffs", help="a vendor's shift handoffs: sent, confirmed, lead told")
    p.add_argument("--vendor", required=True)
    p.add_argument("--json", action="store_true")

    _store_commands(sub)
    _feeds_parser(sub)
    sub.add_parser("demo", help="route sample calls for every vendor")
    sub.add_parser("serve", help="run web, worker, fake Twilio and Redis (make run)")
    sub.add_parser(
        "release", help="import the vendor files into Redis and check start-up (Procfile)"
    )
    _user_parsers(sub)
    return parser


def _store_commands(sub) -> None:
    p = sub.add_parser("import", help="store vendor files in Redis as new policy versions")
    p.add_argument("files", nargs="*", help="default: every *.yaml of the config directory")
    p.add_argument("--author", help="who imports (default: the OS user)")

    p = sub.add_parser("export", help="write the stored policies as YAML files")
    p.add_argument("--vendor", help="one vendor (default: all; then --dir is needed)")
    p.add_argument("--dir", help="write DIR/ID.yaml (default: one vendor to standard output)")

    p = sub.add_parser("history", help="a vendor's policy versions, newest first")
    p.add_argument("--vendor", required=True)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("restore", help="save an earlier policy version as a new version")
    p.add_argument("--vendor", required=True)
    p.add_argument("--version", type=int, required=True)
    p.add_argument("--author", help="who restores (default: the OS user)")


def _user_parsers(sub) -> None:
    """`users add|list|disable|passwd` and `tokens add|list|revoke` (oncall/cli/user_commands)."""
    p = sub.add_parser("users", help="people who sign in: roles per vendor, passwords")
    users = p.add_subparsers(dest="users_command", required=True, parser_class=OneLineParser)
    add = users.add_parser("add", help="a new user (password prompted twice unless told)")
    add.add_argument("username")
    add.add_argument("--name", required=True)
    add.add_argument("--phone", help="E.164: links the user to `people` with that phone")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        help="admin, lead:VENDOR or engineer:VENDOR (repeatable)",
    )
    _password_source(add)
    p = users.add_parser("list", help="every user and their roles (never a password hash)")
    p.add_argument("--json", action="store_true")
    users.add_parser("disable", help="no more sign-in; sessions and tokens stop").add_argument(
        "username"
    )
    p = users.add_parser("passwd", help="a new password (the user's sessions end)")
    p.add_argument("username")
    _password_source(p)

    p = sub.add_parser("tokens", help="API tokens (Authorization: Bearer)")
    tokens = p.add_subparsers(dest="tokens_command", required=True, parser_class=OneLineParser)
    p = tokens.add_parser("add", help="a new token for a user, printed once")
    p.add_argument("--user", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--expires", help="last day it works (YYYY-MM-DD, through 23:59:59 UTC)")
    p = tokens.add_parser("list", help="a user's tokens (never the token itself)")
    p.add_argument("--user", required=True)
    p.add_argument("--json", action="store_true")
    p = tokens.add_parser("revoke", help="the token stops working at once")
    p.add_argument("--user", required=True)
    p.add_argument("token_id")


def _password_source(p) -> None:
    source = p.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    source.add_argument(
        "--generate-password", action="store_true", help="make one and print it once"
    )


def _feeds_parser(sub) -> None:
    p = sub.add_parser("feeds", help="iCal feed URLs of shifts: add, list, revoke, renew")
    feeds = p.add_subparsers(dest="feeds_command", required=True, parser_class=OneLineParser)
    add = feeds.add_parser("add", help="a new feed URL (printed once)")
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--person", help="an engineer's E.164 number: their shifts everywhere")
    target.add_argument("--vendor", help="with --layer: every shift of that rota layer")
    add.add_argument("--layer")
    add.add_argument(
        "--owner", help="the user it belongs to (a known user once users exist; default: cli)"
    )
    listing = feeds.add_parser("list", help="every feed (never its token)")
    listing.add_argument("--owner")
    listing.add_argument("--json", action="store_true")
    for name, text in (("revoke", "the URL answers 404 from now on"), ("renew", "a new URL")):
        feeds.add_parser(name, help=text).add_argument("feed_id")


def vendor_of(settings: Settings, vendor_id: str) -> VendorPolicy:
    try:
        return load_vendor(settings.config_dir, vendor_id)
    except LookupError as exc:
        raise UsageError(str(exc)) from None


def live_vendor_of(settings: Settings, vendor_id: str) -> VendorPolicy:
    """The vendor's live version when REDIS_URL names a Redis whose policy store holds it
    (what the running service uses: a saved override shows), or, without REDIS_URL, the
    embedded one `make run` runs, if it runs; else its file. With Redis down or no embedded
    server running, the file: these commands never need Redis and never start one."""
    client = connect(settings) if settings.redis_url else running_embedded()
    if client is not None and re.fullmatch(r"[a-z0-9][a-z0-9-]*", vendor_id):
        try:
            policy = stored_policy(client, vendor_id)
        finally:
            client.close()
        if policy is not None:
            return policy
    return vendor_of(settings, vendor_id)


def check_severity(policy: VendorPolicy, severity_id: str) -> None:
    if policy.severity(severity_id) is None:
        raise UsageError(
            f"unknown severity {severity_id!r} for {policy.id} "
            f"(valid: {', '.join(policy.severity_ids)})"
        )


def instant_of(text: str, policy: VendorPolicy):
    try:
        return parse_instant(text, policy.tz)
    except ValueError as exc:
        raise UsageError(f"--at: {exc}") from None


def count_of(value: int, flag: str, most: int) -> int:
    """`value` of `flag` when it is 1 to `most`, else a usage error saying so."""
    if not 1 <= value <= most:
        raise UsageError(f"{flag} must be between 1 and {most}")
    return value


def date_of(text: str, flag: str):
    try:
        return parse_date(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None
