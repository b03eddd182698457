"""The inbound call flow: one small pure function per webhook step.

Each step takes the parsed webhook (`Call`) and what the shell loaded (`Context`, both in
ivr/call.py) and returns a `Reply` (ivr/effects.py): the TwiML to answer with and the typed
effects the shell must carry out (save the call, log an event, open an incident, send the
caller SMS, accept a screened call, file a recording). No IO here.

    incoming -> menu (x3) -> desk:    Dial desk numbers     -> dial_result -> duty | voicemail
                          -> oncall:  Dial rota[i] + screen -> dial_result -> rota[i+1] | voicemail
                          -> written: channels, reference, goodbye
    incoming (caller over the call-rate limit) -> a short recording only

Ringing and call storms are in ivr/duty.py, the stateless fallback in ivr/fallback.py, the
routing rules between steps in rotas/callrules.py.
"""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr import prompts
from ivr.call import Call, Context
from ivr.duty import desk_to_duty, dial_desk, dial_duty, known
from ivr.effects import (
    AcceptScreening,
    CallerSms,
    LogEvent,
    OpenIncident,
    Recording,
    Reply,
    SaveCall,
)
from ivr.speaker import Speaker
from rotas.callrules import covers, desk_unanswered_rings_duty, phone_in_severity, rank
from rotas.policy import Severity, VendorPolicy
from rotas.routing import decide

MAX_MENU_TRIES = 3
LIMITED_RECORDING = 60  # seconds: the recording of a caller over the call-rate limit
SCREEN_TIMEOUT = 8
ANSWERED = ("completed", "answered")


def incoming(call: Call, ctx: Context) -> Reply:
    """Greeting, open or closed, then the severity menu. (Who called which number when, and
    the reference, are recorded by the shell as it starts the call.)"""
    if ctx.abusive:
        response = VoiceResponse()
        response.reject(reason="busy")
        return Reply(response, (LogEvent("rejected: blocked number"),))
    if ctx.limited:
        return _limited(ctx)
    return Reply(_greeting(ctx, ctx.policy.calendar.is_open(ctx.now)))


def _limited(ctx: Context) -> Reply:
    """Over the call-rate limit: no menu, no SMS, nobody rung, no incident; a short
    recording, so that a caller who may have a critical fault is still heard."""
    sp = Speaker(ctx.policy)
    sp.say("greeting", vendor=ctx.policy.name)
    sp.say("limited")
    sp.say("reference", reference=prompts.spell(ctx.reference))
    sp.voicemail(ctx.url("recorded"), prompt=False, max_length=LIMITED_RECORDING)
    note = LogEvent("over the call-rate limit: recording only", once="limited")
    return Reply(sp.response, (note, SaveCall(outcome="rate limited")))


# Rendered greetings: (vendor id, desk open, menu URL) -> (the policy it was rendered from, XML)
_GREETINGS: dict[tuple[str, bool, str], tuple[VendorPolicy, str]] = {}
_GREETINGS_LIMIT = 1024  # entries kept before the cache starts afresh


def _greeting(ctx: Context, desk_open: bool) -> str:
    """Greeting and menu: the same document for every call to a vendor while the desk is
    open (or closed), so it is rendered once per policy (the first webhook is the busiest in
    a storm). An entry holds the policy it was rendered from: a reloaded policy renders anew."""
    policy, menu_url = ctx.policy, ctx.url("menu", attempt=1)
    key = (policy.id, desk_open, menu_url)
    found = _GREETINGS.get(key)
    if found is not None and found[0] is policy:
        return found[1]
    sp = Speaker(policy)
    sp.say("greeting", vendor=policy.name)
    sp.say("open" if desk_open else "closed")
    _menu(sp, ctx, attempt=1)
    xml = str(sp.response)
    if len(_GREETINGS) >= _GREETINGS_LIMIT:
        _GREETINGS.clear()
    _GREETINGS[key] = (policy, xml)
    return xml


def menu(call: Call, ctx: Context) -> Reply:
    """A digit chose a severity; anything else re-prompts; after 3 tries, the most severe
    severity that may phone in (a caller who cannot use the menu still reaches a human)."""
    if ctx.limited:
        return _limited(ctx)
    attempt = _int(call.query.get("attempt"), 1)
    sev = _by_digit(ctx.policy, call.digits)
    if sev is not None:
        return _route(call, ctx, sev, f"pressed {call.digits}")
    if attempt >= MAX_MENU_TRIES:
        sev = phone_in_severity(ctx.policy, ctx.now)
        return _route(call, ctx, sev, f"no valid choice after {attempt} tries")
    sp = Speaker(ctx.policy)
    sp.say("invalid")
    _menu(sp, ctx, attempt=attempt + 1)
    note = f"invalid menu input {call.digits!r}" if call.digits else "no menu input"
    return Reply(sp.response, (LogEvent(note, once=f"menu-{attempt}"),))


def dial_result(call: Call, ctx: Context) -> Reply:
    """The <Dial> ended. Connected: goodbye. Otherwise the next phone, the duty rota or a
    recording. A screened leg counts as connected only if the engineer pressed 1."""
    sev = _query_severity(call, ctx, default=0)
    route, index = call.query.get("route", "desk"), _int(call.query.get("i"), 0)
    text = f"{route} dial {index}: {call.dial_status or 'none'}"
    outcome = LogEvent(text, once=f"dial-{route}-{index}")
    connected = ctx.accepted if route == "oncall" else call.dial_status in ANSWERED
    sp = Speaker(ctx.policy)
    if connected:
        sp.say("report", channels=sp.channels())
        sp.say("goodbye")
        sp.response.hangup()
        return Reply(sp.response, (outcome, SaveCall(outcome=f"connected {route}")))
    if route == "desk" and desk_unanswered_rings_duty(sev):
        return desk_to_duty(call, ctx, sev, outcome)
    numbers = ctx.record.get("dial", "").split()
    if route == "oncall" and index + 1 < len(numbers):
        dial_duty(sp, call, ctx, sev, numbers, index + 1)
        return Reply(sp.response, (outcome,))
    sp.voicemail(ctx.url("recorded"))
    return Reply(sp.response, (outcome, SaveCall(outcome="voicemail")))


def desk_option(call: Call, ctx: Context) -> Reply:
    """A written severity's caller who cannot reach the portal pressed 9: the desk."""
    sev = _query_severity(call, ctx, default=-1)
    sp = Speaker(ctx.policy)
    if call.digits != "9" or not ctx.policy.calendar.is_open(ctx.now) or not ctx.policy.desk_phones:
        sp.say("goodbye")
        sp.response.hangup()
        return Reply(sp.response)
    sp.say("connect_desk")
    dial_desk(sp, ctx, sev, ctx.policy.desk_phones)
    note = "pressed 9: cannot use the portal, put through to the desk"
    effects = (
        SaveCall(route="desk", outcome="desk option"),
        LogEvent(note, once="desk_option"),
    )
    return Reply(sp.response, effects)


def screen(call: Call, ctx: Context) -> Reply:
    """Whispered to the engineer who answered: who calls, and press 1 to take it."""
    sp = Speaker(ctx.policy)
    sev = _query_severity(call, ctx, default=0)
    gather = sp.response.gather(
        num_digits=1, timeout=SCREEN_TIMEOUT, action=ctx.url("screen_result", **call.query)
    )
    sp.say(
        "screen",
        node=gather,
        vendor=ctx.policy.name,
        severity=sev.text("label", sp.lang),
        reference=prompts.spell(ctx.reference),
    )
    sp.response.hangup()  # no key: a voicemail or a sleeping phone does not take the call
    return Reply(sp.response)


def screen_result(call: Call, ctx: Context) -> Reply:
    """1 accepts (the legs are bridged by returning empty TwiML); anything else declines."""
    response = VoiceResponse()
    index = call.query.get("i", "0")
    if call.digits == "1":
        return Reply(response, (AcceptScreening(index), LogEvent(f"duty {index} accepted")))
    response.hangup()
    return Reply(response, (LogEvent(f"duty {index} declined"),))


def recorded(call: Call, ctx: Context) -> Reply:
    sp = Speaker(ctx.policy)
    sp.say("recorded")
    sp.say("reference", reference=prompts.spell(ctx.reference))
    sp.say("report", channels=sp.channels())
    sp.say("goodbye")
    sp.response.hangup()
    return Reply(sp.response, (Recording(call.recording_url),))


STEPS = {
    "incoming": incoming,
    "menu": menu,
    "dial_result": dial_result,
    "desk_option": desk_option,
    "screen": screen,
    "screen_result": screen_result,
    "recorded": recorded,
}


# -- building blocks ----------------------------------------------------------------------------


def _menu(sp: Speaker, ctx: Context, attempt: int) -> None:
    gather = sp.response.gather(num_digits=1, timeout=6, action=ctx.url("menu", attempt=attempt))
    for sev in ctx.policy.severities:
        sp.say(
            "menu_item",
            node=gather,
            label=sev.text("label", sp.lang),
            menu=sev.text("menu", sp.lang),
            digit=sev.digit,
        )
    # no input: Twilio continues after </Gather>; count it as a failed try
    sp.response.redirect(ctx.url("menu", attempt=attempt))


def _route(call: Call, ctx: Context, sev: Severity, how: str) -> Reply:
    decision = decide(ctx.policy, sev.id, ctx.now)
    rule = sev.open if decision.open else sev.closed
    sms = ctx.sms_ok and bool(call.caller)  # the follow-up SMS is sent, and promised
    pages = decision.route != "written" and bool(rule.page)
    dial = " ".join(decision.dial)
    effects = [
        SaveCall(severity=sev.id, route=decision.route, dial=dial, reason=decision.reason),
        LogEvent(f"{how}: {sev.id} -> {decision.route}", once="route"),
    ]
    if pages:  # first: the page is enqueued before the caller's SMS
        state = "open" if decision.open else "closed"
        effects.append(OpenIncident(sev.id, state, decision.covered, once="incident"))
    if sms:
        effects.append(CallerSms(call.caller))
    else:
        effects.append(LogEvent("no follow-up SMS for this caller id", once="no-sms"))
    if decision.route == "written":
        return Reply(_written(call, ctx, sev, decision, sms), tuple(effects))
    sp = Speaker(ctx.policy)
    sp.say("reference", reference=prompts.spell(ctx.reference))
    sp.say("report", channels=sp.channels())
    if sms:
        sp.say("sms")
    if not decision.dial:  # nobody to ring (a desk without a phone, nobody on duty): record
        sp.voicemail(ctx.url("recorded"))
        return Reply(sp.response, tuple(effects))
    if decision.route == "desk":
        sp.say("connect_desk")
        dial_desk(sp, ctx, sev, decision.dial)
        return Reply(sp.response, tuple(effects))
    storm = known(ctx)
    if not pages and ctx.known_incident and covers(ctx.known_incident[1], rank(sev)):
        return Reply(storm.response, (*effects, *storm.effects))  # no incident of its own
    sp.say("connect_duty")
    dial_duty(sp, call, ctx, sev, decision.dial, 0)
    return Reply(sp.response, tuple(effects), storm if pages else None)


def _written(call: Call, ctx: Context, sev: Severity, decision, sms: bool) -> VoiceResponse:
    sp = Speaker(ctx.policy)
    sp.say("written", channels=sp.channels())
    sp.say("reference", reference=prompts.spell(ctx.reference))
    if sms:
        sp.say("sms")
    if decision.open and sev.open.desk_option:
        gather = sp.response.gather(
            num_digits=1, timeout=5, action=ctx.url("desk_option", sev=sev.id)
        )
        sp.say("desk_option", node=gather)
    sp.say("goodbye")
    sp.response.hangup()
    return sp.response


def _query_severity(call: Call, ctx: Context, default: int) -> Severity:
    """The severity named in the action URL (`sev`), else severities[default]."""
    return ctx.policy.severity(call.query.get("sev", "")) or ctx.policy.severities[default]


def _by_digit(policy, digits: str) -> Severity | None:
    return next((s for s in policy.severities if str(s.digit) == digits.strip()), None)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
