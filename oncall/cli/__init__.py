"""`python -m oncall ...`: one function per subcommand; `main` runs one and turns bad input
into exit status 2 with one line (oncall/cli/args.py), and a Redis that does not answer into
exit status 1 with one line."""

from __future__ import annotations

import importlib
import logging
import sys

import redis

from config.settings import Settings
from oncall import logs
from oncall.cli.args import UsageError, build_parser
from rotas.yamlsource import ConfigError


def main(argv: list[str] | None = None) -> int:
    settings = Settings.from_env()
    logs.configure(settings, level=logging.WARNING)  # the output is the answer; logs: problems
    try:
        args = build_parser().parse_args(argv)
        command = args.command if args.command != "rota" else "rota_show"
        return command_function(command)(args, settings)
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


# command -> "module:function" in oncall/cli: only the module of the command that runs is
# imported, so `users list` does not load the web app (`call` and `reply` do, to send their
# webhooks through it): half a second less at every start.
COMMANDS = {
    "route": "config_commands:cmd_route",
    "check": "config_commands:cmd_check",
    "rota_show": "config_commands:cmd_rota_show",
    "timetable": "config_commands:cmd_timetable",
    "demo": "config_commands:cmd_demo",
    "call": "sim_commands:cmd_call",
    "reply": "sim_commands:cmd_reply",
    "page": "live_commands:cmd_page",
    "incident": "live_commands:cmd_incident",
    "report": "live_commands:cmd_report",
    "clock": "live_commands:cmd_clock",
    "status": "live_commands:cmd_status",
    "handoffs": "live_commands:cmd_handoffs",
    "serve": "live_commands:cmd_serve",
    "release": "live_commands:cmd_release",
    "import": "store_commands:cmd_import",
    "export": "store_commands:cmd_export",
    "history": "store_commands:cmd_history",
    "restore": "store_commands:cmd_restore",
    "users": "user_commands:cmd_users",
    "tokens": "user_commands:cmd_tokens",
    "feeds": "feed_commands:cmd_feeds",
}


def command_function(command: str):
    module, function = COMMANDS[command].split(":")
    return getattr(importlib.import_module(f"oncall.cli.{module}"), function)
