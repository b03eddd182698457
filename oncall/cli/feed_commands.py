"""`python -m oncall feeds add|list|revoke|renew`: iCal feed URLs of duty shifts. A URL is
printed once, when it is made; Redis keeps only the sha256 of its token."""

from __future__ import annotations

import json

from config.settings import Settings
from oncall.cli.args import UsageError
from oncall.clock import clock_for
from oncall.services.feeds import (
    UnknownTarget,
    create_feed,
    feed_json,
    feed_url,
    list_feeds,
    renew_feed,
    revoke_feed,
    target_text,
)
from oncall.services.root import Services
from oncall.services.users import list_users
from oncall.store.redisconn import connect

CLI_OWNER = "cli"


def cmd_feeds(args, settings: Settings) -> int:
    return FEED_COMMANDS[args.feeds_command](args, settings)


def _add(args, settings: Settings) -> int:
    if args.vendor and not args.layer:
        raise UsageError("--vendor needs --layer (the rota layer whose shifts the feed shows)")
    if args.person and args.layer:
        raise UsageError("--layer goes with --vendor, not --person")
    client = connect(settings)
    owner = _owner(client, args.owner)
    svc = Services.build(settings, clock_for(settings, client), client)
    kind = "person" if args.person else "layer"
    try:
        token, info = create_feed(
            client,
            kind=kind,
            phone=args.person,
            vendor=args.vendor,
            layer=args.layer,
            owner=owner,
            vendors=svc.vendors,
            clock=svc.clock,
        )
    except UnknownTarget as exc:
        raise UsageError(str(exc)) from None
    print(f"feed {info.id}: {target_text(info)}, owner {info.owner}")
    print(feed_url(settings.public_base_url, token))
    print("(shown once: subscribe to it now; `feeds renew ID` makes a new one)")
    return 0


def _owner(client, owner: str | None) -> str:
    """--owner must name a user once users exist (before the first user, any name goes);
    without --owner the feed belongs to "cli" (managed by admins in the API)."""
    if owner is None:
        return CLI_OWNER
    known = [u.username for u in list_users(client)]
    if known and owner not in known:
        raise UsageError(f"--owner {owner!r}: no such user (`users list` shows them)")
    return owner


def _list(args, settings: Settings) -> int:
    found = list_feeds(connect(settings), owner=args.owner)
    if args.json:
        print(json.dumps([feed_json(f) for f in found], ensure_ascii=False, indent=1))
        return 0
    for f in found:
        print(f"{f.id}  {f.kind:<6}  {target_text(f):<28}  {f.owner:<16}  {f.created}")
    if not found:
        print("(no feeds)")
    return 0


def _revoke(args, settings: Settings) -> int:
    if not revoke_feed(connect(settings), args.feed_id):
        raise UsageError(f"no feed {args.feed_id!r} (`feeds list` shows them)")
    print(f"feed {args.feed_id} revoked: its URL answers 404 from now on")
    return 0


def _renew(args, settings: Settings) -> int:
    try:
        token, info = renew_feed(connect(settings), args.feed_id)
    except LookupError:
        raise UsageError(f"no feed {args.feed_id!r} (`feeds list` shows them)") from None
    print(f"feed {info.id}: {target_text(info)}, owner {info.owner}; the old URL is dead")
    print(feed_url(settings.public_base_url, token))
    return 0


FEED_COMMANDS = {"add": _add, "list": _list, "revoke": _revoke, "renew": _renew}
