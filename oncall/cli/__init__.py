"""`python -m oncall ...`: one function per subcommand; `main` runs one and turns bad input
into exit status 2 with one line (oncall/cli/args.py), and a Redis that does not answer into
exit status 1 with one line."""

from __future__ import annotations

import logging
import sys

import redis

from config.settings import Settings
from oncall import logs
from oncall.cli.args import UsageError, build_parser
from oncall.cli.config_commands import cmd_check, cmd_demo, cmd_rota_show, cmd_route, cmd_timetable
from oncall.cli.feed_commands import cmd_feeds
from oncall.cli.live_commands import (
    cmd_call,
    cmd_clock,
    cmd_handoffs,
    cmd_incident,
    cmd_page,
    cmd_release,
    cmd_reply,
    cmd_report,
    cmd_serve,
    cmd_status,
)
from oncall.cli.store_commands import cmd_export, cmd_history, cmd_import, cmd_restore
from oncall.cli.user_commands import cmd_tokens, cmd_users
from rotas.yamlsource import ConfigError


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    logs.configure(settings, level=logging.WARNING)  # the output is the answer; logs: problems
    try:
        args = build_parser().parse_args(argv)
        command = args.command if args.command != "rota" else "rota_show"
        return COMMANDS[command](args, settings)
    except UsageError as exc:
        print(f"oncall: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"oncall: error: invalid config:\n{exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except (redis.ConnectionError, redis.TimeoutError) as exc:  # the command could not finish
        print(
            f"oncall: error: Redis unavailable ({type(exc).__name__}); the command stopped "
            "there: is Redis running, and REDIS_URL right?",
            file=sys.stderr,
        )
        return 1


def one_line(text: str) -> str:
    """`text` with every control or line-breaking character escaped (`\\r`, `\\x1b`,
    `\\u2028`): an argument echoed in an error never breaks the one line nor drives the
    terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


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
    "import": cmd_import,
    "export": cmd_export,
    "history": cmd_history,
    "restore": cmd_restore,
    "users": cmd_users,
    "tokens": cmd_tokens,
    "feeds": cmd_feeds,
}
