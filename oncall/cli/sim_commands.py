"""`call` and `reply`: a call or an engineer's SMS reply sent through the web app as Twilio
would, signed (oncall/cli/simulator.py). The only commands that load the web app: the
command table imports this module only when one of them runs."""

from __future__ import annotations

import json
import sys

from config.settings import Settings
from oncall.cli import output as out
from oncall.cli.args import MAX_SMS_BODY, MESSAGE_SID, UsageError, instant_of, vendor_of
from oncall.cli.simulator import send_reply, simulate
from oncall.services.vendors import load_vendors
from rotas.phone import caller_number


def cmd_call(args, settings: Settings) -> int:

    policy = vendor_of(settings, args.vendor)
    at = instant_of(args.at, policy)
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


def cmd_reply(args, settings: Settings) -> int:

    sender = caller_number(args.sender)
    if not sender:
        raise UsageError(f"--from: {args.sender!r} is not an E.164 phone number")
    if not args.body.strip():
        raise UsageError("--body must not be empty")
    if len(args.body) > MAX_SMS_BODY:
        raise UsageError(
            f"--body is {len(args.body)} characters; an SMS has at most {MAX_SMS_BODY}"
        )
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
