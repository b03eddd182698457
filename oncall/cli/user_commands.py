"""`python -m oncall users add|list|disable|passwd` and `tokens add|list|revoke`.

Passwords are prompted twice (getpass), read from stdin (--password-stdin) or generated and
printed once (--generate-password); tokens are printed once, at creation. Nothing prints a
password hash or a stored token digest; phones are masked.
"""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import asdict
from datetime import timedelta

import pendulum

from config.settings import Settings
from oncall.cli.args import UsageError, date_of
from oncall.clock import clock_for
from oncall.services import users as svc
from oncall.services.tokens import create_token, list_tokens, revoke_token
from oncall.services.vendors import known_vendor_ids
from oncall.store.redisconn import connect
from rotas.permissions import ADMIN, ANY_VENDOR, ENGINEER, LEAD


def cmd_users(args, settings: Settings) -> int:
    commands = {"add": _add, "list": _list, "disable": _disable, "passwd": _passwd}
    return _run(commands[args.users_command], args, settings)


def cmd_tokens(args, settings: Settings) -> int:
    commands = {"add": _token_add, "list": _token_list, "revoke": _token_revoke}
    return _run(commands[args.tokens_command], args, settings)


def _run(command, args, settings: Settings) -> int:
    """Bad input the service finds (svc.UserError) is a usage error too: exit 2, one line."""
    try:
        return command(args, settings)
    except svc.UserError as exc:
        raise UsageError(str(exc)) from None


def _add(args, settings: Settings) -> int:
    client = connect(settings)
    roles = parse_roles(args.role, known_vendor_ids(client, settings.config_dir))
    svc.check_username(args.username)
    password = _password(args)
    user = svc.add_user(
        client,
        args.username,
        name=args.name,
        password=password,
        phone=args.phone,
        roles=roles,
        clock=clock_for(settings, client),
    )
    print(f"added {user.username}: {_roles_text(user.roles)}")
    _print_generated(args, password)
    return 0


def _list(args, settings: Settings) -> int:
    users = svc.list_users(connect(settings))
    rows = [svc.user_json(u) for u in users]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for row in rows:
        state = " (disabled)" if row["disabled"] else ""
        print(
            f"{row['username']:<20} {row['name']:<28} {row['phone'] or '-':<14} "
            f"{_roles_text(row['roles'])}{state}"
        )
    if not rows:
        print("no users (add one: python -m oncall users add NAME --name ... --role admin)")
    return 0


def _disable(args, settings: Settings) -> int:
    svc.disable_user(connect(settings), args.username)
    print(f"disabled {args.username}: no sign-in; their sessions and tokens stop working")
    return 0


def _passwd(args, settings: Settings) -> int:
    client = connect(settings)
    if svc.get_user(client, args.username) is None:
        raise UsageError(f"no user {args.username!r}")
    password = _password(args)
    svc.set_password(client, args.username, password)
    print(f"password changed for {args.username}; their sessions have ended")
    _print_generated(args, password)
    return 0


def _token_add(args, settings: Settings) -> int:
    expires = None
    if args.expires:
        day = date_of(args.expires, "--expires")
        expires = pendulum.datetime(day.year, day.month, day.day, tz="UTC") + timedelta(days=1)
    client = connect(settings)
    token, info = create_token(
        client, args.user, name=args.name, expires=expires, clock=clock_for(settings, client)
    )
    print(f"token {info.id} ({info.name}) for {info.username}, expires {info.expires or 'never'}")
    print("shown once; keep it secret (Authorization: Bearer <token>):")
    print(token)
    return 0


def _token_list(args, settings: Settings) -> int:
    client = connect(settings)
    if svc.get_user(client, args.user) is None:
        raise UsageError(f"no user {args.user!r}")
    tokens = list_tokens(client, args.user)
    if args.json:
        print(json.dumps([asdict(t) for t in tokens], indent=1))
        return 0
    for t in tokens:
        print(
            f"{t.id}  {t.name:<24} created {t.created}  expires {t.expires or 'never'}  "
            f"last used {t.last_used or 'never'}"
        )
    if not tokens:
        print(f"{args.user} has no tokens")
    return 0


def _token_revoke(args, settings: Settings) -> int:
    if not revoke_token(connect(settings), args.user, args.token_id):
        raise UsageError(f"{args.user} has no token {args.token_id!r} (see tokens list)")
    print(f"revoked token {args.token_id} of {args.user}")
    return 0


def parse_roles(specs: list[str], vendors: set[str]) -> dict[str, str]:
    """--role admin | lead:VENDOR | engineer:VENDOR (repeatable) -> {vendor: role}."""
    roles: dict[str, str] = {}
    for spec in specs:
        role, _, vendor = spec.partition(":")
        if role == ADMIN and not vendor:
            roles[ANY_VENDOR] = ADMIN
            continue
        if role not in (LEAD, ENGINEER) or not vendor:
            raise UsageError(f"--role {spec!r}: admin, lead:VENDOR or engineer:VENDOR")
        if vendor not in vendors:
            raise UsageError(
                f"--role {spec!r}: unknown vendor (valid: {', '.join(sorted(vendors))})"
            )
        if roles.get(vendor, role) != role:
            raise UsageError(f"--role {spec!r}: {vendor} already has role {roles[vendor]}")
        roles[vendor] = role
    return roles


def _password(args) -> str:
    if args.generate_password:
        return svc.generated_password()
    if args.password_stdin:
        return svc.check_password(sys.stdin.readline().rstrip("\r\n"))
    return svc.check_password(_prompted_twice())


def _prompted_twice() -> str:
    try:
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Again: ")
    except EOFError:
        raise UsageError(
            "no password typed (no terminal?): use --password-stdin or --generate-password; "
            "nothing changed"
        ) from None
    if again != password:
        raise UsageError("the two passwords differ; nothing changed")
    return password


def _print_generated(args, password: str) -> None:
    if args.generate_password:
        print(f"password (shown once): {password}")


def _roles_text(roles: dict[str, str]) -> str:
    if roles.get(ANY_VENDOR) == ADMIN:
        return "admin"
    return ", ".join(f"{role}:{vendor}" for vendor, role in sorted(roles.items()))
