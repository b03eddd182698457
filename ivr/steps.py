"""The inbound call flow: one small pure function per webhook step.

Each step takes the parsed webhook (`Call`) and what the shell loaded (`Context`) and returns
a `Reply`: the TwiML to answer with and the effects the shell must carry out (save the call,
enqueue a page or the caller SMS, mark a screened call accepted). No IO here.

    incoming -> menu (x3) -> desk:    Dial desk numbers     -> dial_result -> duty | voicemail
                          -> oncall:  Dial rota[i] + screen -> dial_result -> rota[i+1] | voicemail
                          -> written: channels, reference, goodbye
    incoming (caller over the call-rate limit) -> a short recording only

One engineer, one ring, per incident: a step that rings the duty rota after opening (or
attaching to) an incident also returns the answer for a call that does not hold the
incident's ring (`Reply.if_known`); the shell picks one after the atomic open-or-attach.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from twilio.twiml.voice_response import VoiceResponse

from ivr import prompts
from rotas.policy import Severity, VendorPolicy
from rotas.routing import decide, duty_numbers, uncovered_dial

MAX_MENU_TRIES = 3
LIMITED_RECORDING = 60  # seconds: the recording of a caller over the call-rate limit
DIAL_TIMEOUT = 20  # seconds a phone rings before the next one
SCREEN_TIMEOUT = 8
ANSWERED = ("completed", "answered")


@dataclass(frozen=True)
class Call:
    """One voice webhook request, parsed at the edge."""

    sid: str
    caller: str | None  # E.164, or None when anonymous or invalid
    to: str
    query: dict[str, str] = field(default_factory=dict)  # step state from the action URL
    digits: str = ""
    dial_status: str = ""
    recording_url: str = ""


@dataclass(frozen=True)
class Context:
    policy: VendorPolicy
    now: object  # aware instant of this request
    reference: str
    record: dict[str, str]  # the call record so far
    url: object  # url(step, **query) -> absolute webhook URL
    accepted: bool = False  # the screened leg for this attempt pressed 1
    abusive: bool = False  # caller on the block list: reject
    limited: bool = False  # caller over the call-rate limit: a short recording only
    sms_ok: bool = False  # the caller may get the follow-up SMS (mobile, allowed, under caps)
    known_incident: tuple[str, int] | None = None  # (id, rank) of an open incident (storms)


@dataclass(frozen=True)
class Effect:
    kind: str  # call | event | incident | caller_sms | accept | recording
    data: dict
    once: str | None = None  # idempotency key within the call (Twilio retries webhooks)


@dataclass(frozen=True)
class Reply:
    response: VoiceResponse | str  # TwiML, or TwiML already rendered
    effects: tuple[Effect, ...] = ()
    # The answer instead, when the incident this reply opens or attaches to was already put
    # through to the engineer by another call: its effects are carried out in addition.
    if_known: Reply | None = None


class _Speaker:
    """Builds one VoiceResponse in the vendor's language."""

    def __init__(self, policy: VendorPolicy):
        self.policy, self.lang = policy, policy.language
        self.response = VoiceResponse()

    def say(self, key: str, node=None, **values) -> None:
        (node or self.response).say(
            prompts.text(self.lang, key, **values), **prompts.voice(self.lang)
        )

    def channels(self) -> str:
        return prompts.channels(self.policy, self.lang)


# -- steps --------------------------------------------------------------------------------------


def incoming(call: Call, ctx: Context) -> Reply:
    """Greeting, open or closed, then the severity menu. (Who called which number when, and
    the reference, are recorded by the shell as it starts the call.)"""
    if ctx.abusive:
        response = VoiceResponse()
        response.reject(reason="busy")
        return Reply(response, (Effect("event", {"text": "rejected: blocked number"}),))
    if ctx.limited:
        return _limited(ctx)
    return Reply(_greeting(ctx, ctx.policy.calendar.is_open(ctx.now)))


def _limited(ctx: Context) -> Reply:
    """Over the call-rate limit: no menu, no SMS, nobody rung, no incident; a short
    recording, so that a caller who may have a critical fault is still heard."""
    sp = _Speaker(ctx.policy)
    sp.say("greeting", vendor=ctx.policy.name)
    sp.say("limited")
    sp.say("reference", reference=prompts.spell(ctx.reference))
    sp.response.record(
        max_length=LIMITED_RECORDING, finish_on_key="#", play_beep=True, action=ctx.url("recorded")
    )
    sp.say("goodbye")
    sp.response.hangup()
    note = Effect("event", {"text": "over the call-rate limit: recording only"}, once="limited")
    return Reply(sp.response, (note, Effect("call", {"outcome": "rate limited"})))


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
    sp = _Speaker(policy)
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
        return _route(
            call,
            ctx,
            phone_in_severity(ctx.policy, ctx.now),
            f"no valid choice after {attempt} tries",
        )
    sp = _Speaker(ctx.policy)
    sp.say("invalid")
    _menu(sp, ctx, attempt=attempt + 1)
    note = f"invalid menu input {call.digits!r}" if call.digits else "no menu input"
    return Reply(sp.response, (Effect("event", {"text": note}, once=f"menu-{attempt}"),))


def dial_result(call: Call, ctx: Context) -> Reply:
    """The <Dial> ended. Connected: goodbye. Otherwise the next phone, the duty rota or a
    recording. A screened leg counts as connected only if the engineer pressed 1."""
    sev = _query_severity(call, ctx, default=0)
    route, index = call.query.get("route", "desk"), _int(call.query.get("i"), 0)
    outcome = Effect(
        "event",
        {"text": f"{route} dial {index}: {call.dial_status or 'none'}"},
        once=f"dial-{route}-{index}",
    )
    connected = ctx.accepted if route == "oncall" else call.dial_status in ANSWERED
    sp = _Speaker(ctx.policy)
    if connected:
        sp.say("report", channels=sp.channels())
        sp.say("goodbye")
        sp.response.hangup()
        return Reply(sp.response, (outcome, Effect("call", {"outcome": f"connected {route}"})))
    if route == "desk" and sev.closed.route == "duty":
        return _desk_to_duty(call, ctx, sev, outcome)
    numbers = ctx.record.get("dial", "").split()
    if route == "oncall" and index + 1 < len(numbers):
        _dial_duty(sp, call, ctx, sev, numbers, index + 1)
        return Reply(sp.response, (outcome,))
    _voicemail(sp, ctx)
    return Reply(sp.response, (outcome, Effect("call", {"outcome": "voicemail"})))


def _desk_to_duty(call: Call, ctx: Context, sev: Severity, outcome: Effect) -> Reply:
    """The desk did not answer a duty severity: the duty rota (nobody on duty: the duty or
    emergency number, else a voicemail), paging by the closed-desk plan."""
    numbers = duty_numbers(ctx.policy, ctx.now)
    covered = bool(numbers)
    numbers = numbers or uncovered_dial(ctx.policy)
    effects = [outcome, Effect("call", {"dial": " ".join(numbers)})]
    if sev.closed.page:
        effects.append(_incident_effect(sev, "closed", covered, once="incident-desk"))
    sp = _Speaker(ctx.policy)
    if not numbers:
        _voicemail(sp, ctx)
        return Reply(sp.response, (*effects, Effect("call", {"outcome": "voicemail"})))
    sp.say("connect_duty")
    _dial_duty(sp, call, ctx, sev, numbers, 0)
    known = _known(ctx) if sev.closed.page else None
    return Reply(sp.response, tuple(effects), known)


def desk_option(call: Call, ctx: Context) -> Reply:
    """A written severity's caller who cannot reach the portal pressed 9: the desk."""
    sev = _query_severity(call, ctx, default=-1)
    sp = _Speaker(ctx.policy)
    if call.digits != "9" or not ctx.policy.calendar.is_open(ctx.now) or not ctx.policy.desk_phones:
        sp.say("goodbye")
        sp.response.hangup()
        return Reply(sp.response)
    sp.say("connect_desk")
    _dial_desk(sp, ctx, sev, ctx.policy.desk_phones)
    effects = (
        Effect("call", {"route": "desk", "outcome": "desk option"}),
        Effect(
            "event",
            {"text": "pressed 9: cannot use the portal, put through to the desk"},
            once="desk_option",
        ),
    )
    return Reply(sp.response, effects)


def screen(call: Call, ctx: Context) -> Reply:
    """Whispered to the engineer who answered: who calls, and press 1 to take it."""
    sp = _Speaker(ctx.policy)
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
        effect = Effect("accept", {"attempt": index})
        return Reply(response, (effect, Effect("event", {"text": f"duty {index} accepted"})))
    response.hangup()
    return Reply(response, (Effect("event", {"text": f"duty {index} declined"}),))


def recorded(call: Call, ctx: Context) -> Reply:
    sp = _Speaker(ctx.policy)
    sp.say("recorded")
    sp.say("reference", reference=prompts.spell(ctx.reference))
    sp.say("report", channels=sp.channels())
    sp.say("goodbye")
    sp.response.hangup()
    effects = (Effect("recording", {"url": call.recording_url}, once="recording"),)
    return Reply(sp.response, effects)


def fallback(
    policy: VendorPolicy | None, call: Call, last_resort: str | None = None, action: str = ""
) -> VoiceResponse:
    """For Twilio's Fallback URL, for Redis outages and for numbers no loaded vendor answers:
    no state, no config file, no Redis. Dial the vendor's emergency number (no vendor: the
    `last_resort` number from the settings), then take a recording whose result comes back
    to `action` (the fallback URL: never a step that needs Redis). Never silence, never
    'an application error has occurred'."""
    if call.recording_url:  # the recording below is done
        return _fallback_recorded(policy)
    if policy is None:
        return unknown_number(last_resort, action)
    number = policy.emergency or (policy.duty_phones + policy.desk_phones)[0]
    sp = _Speaker(policy)
    sp.say("apology")
    sp.response.dial(timeout=30, answer_on_bridge=True).number(number)
    sp.say("record")
    _record(sp.response, action, sp.say)
    return sp.response


def unknown_number(last_resort: str | None = None, action: str = "") -> VoiceResponse:
    """A number whose vendor is unknown (its file is broken and no last good version loads,
    or no configuration loads at all): the last-resort human if one is set, else a
    voicemail. In English: nothing says which language the caller speaks."""
    response = VoiceResponse()

    def say(key: str) -> None:
        response.say(prompts.text("en", key), **prompts.voice("en"))

    if last_resort:
        say("apology")
        response.dial(timeout=30, answer_on_bridge=True).number(last_resort)
    say("record")
    _record(response, action, say)
    return response


def _record(response: VoiceResponse, action: str, say) -> None:
    """A voicemail whose result goes to `action`; an empty one (silence, or the caller hung
    up) is not posted, and Twilio goes on to the goodbye."""
    response.record(max_length=180, finish_on_key="#", play_beep=True, action=action or None)
    say("goodbye")
    response.hangup()


def _fallback_recorded(policy: VendorPolicy | None) -> VoiceResponse:
    response, lang = VoiceResponse(), policy.language if policy else "en"
    for key in ("recorded", "goodbye"):
        response.say(prompts.text(lang, key), **prompts.voice(lang))
    response.hangup()
    return response


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


def _menu(sp: _Speaker, ctx: Context, attempt: int) -> None:
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
    effects = [
        Effect(
            "call",
            {
                "severity": sev.id,
                "route": decision.route,
                "dial": " ".join(decision.dial),
                "reason": decision.reason,
            },
        ),
        Effect("event", {"text": f"{how}: {sev.id} -> {decision.route}"}, once="route"),
    ]
    if pages:  # first: the page is enqueued before the caller's SMS
        state = "open" if decision.open else "closed"
        effects.append(_incident_effect(sev, state, decision.covered, once="incident"))
    if sms:
        effects.append(Effect("caller_sms", {"caller": call.caller}, once="caller_sms"))
    else:
        note = "no follow-up SMS for this caller id"
        effects.append(Effect("event", {"text": note}, once="no-sms"))
    if decision.route == "written":
        return Reply(_written(call, ctx, sev, decision, sms), tuple(effects))
    sp = _Speaker(ctx.policy)
    sp.say("reference", reference=prompts.spell(ctx.reference))
    sp.say("report", channels=sp.channels())
    if sms:
        sp.say("sms")
    if not decision.dial:  # nobody to ring (a desk without a phone, nobody on duty): record
        _voicemail(sp, ctx)
        return Reply(sp.response, tuple(effects))
    if decision.route == "desk":
        sp.say("connect_desk")
        _dial_desk(sp, ctx, sev, decision.dial)
        return Reply(sp.response, tuple(effects))
    known = _known(ctx)
    if not pages and ctx.known_incident and ctx.known_incident[1] <= sev.digit:
        return Reply(known.response, (*effects, *known.effects))  # no incident of its own
    sp.say("connect_duty")
    _dial_duty(sp, call, ctx, sev, decision.dial, 0)
    return Reply(sp.response, tuple(effects), known if pages else None)


def _known(ctx: Context) -> Reply:
    """A call storm: the engineer is on it; no second ring, a message can be left."""
    sp = _Speaker(ctx.policy)
    sp.say("known")
    sp.say("reference", reference=prompts.spell(ctx.reference))
    _voicemail(sp, ctx, prompt=False)
    return Reply(sp.response, (Effect("call", {"outcome": "known fault", "dial": ""}),))


def _written(call: Call, ctx: Context, sev: Severity, decision, sms: bool) -> VoiceResponse:
    sp = _Speaker(ctx.policy)
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


def _dial_desk(sp: _Speaker, ctx: Context, sev: Severity, numbers) -> None:
    """Ring the desk phones together; the result decides the next step."""
    dial = sp.response.dial(
        timeout=DIAL_TIMEOUT,
        answer_on_bridge=True,
        action=ctx.url("dial_result", route="desk", sev=sev.id, i=0),
    )
    for number in numbers:
        dial.number(number)


def _query_severity(call: Call, ctx: Context, default: int) -> Severity:
    """The severity named in the action URL (`sev`), else severities[default]."""
    return ctx.policy.severity(call.query.get("sev", "")) or ctx.policy.severities[default]


def _dial_duty(sp: _Speaker, call: Call, ctx: Context, sev: Severity, numbers, index: int):
    """Ring one duty phone with call screening; its result decides the next step. The
    screening webhooks carry the caller's CallSid (`call`): they run on the engineer's leg."""
    dial = sp.response.dial(
        timeout=DIAL_TIMEOUT,
        answer_on_bridge=True,
        action=ctx.url("dial_result", route="oncall", sev=sev.id, i=index),
    )
    dial.number(numbers[index], url=ctx.url("screen", sev=sev.id, i=index, call=call.sid))


def _voicemail(sp: _Speaker, ctx: Context, prompt: bool = True) -> None:
    if prompt:
        sp.say("record")
    sp.response.record(
        max_length=180, finish_on_key="#", play_beep=True, action=ctx.url("recorded")
    )
    sp.say("goodbye")
    sp.response.hangup()


def _incident_effect(sev: Severity, desk: str, covered: bool, once: str) -> Effect:
    """Open an incident (or attach to the open one): the paging plan of the severity's rule
    for the desk being `desk` ("open" or "closed"); with nobody on duty (`covered` False)
    the lead is paged at once."""
    return Effect("incident", {"severity": sev.id, "desk": desk, "covered": covered}, once=once)


def phone_in_severity(policy: VendorPolicy, at) -> Severity:
    """The most severe severity that reaches a human at `at` (else the most severe one)."""
    for sev in policy.severities:
        if decide(policy, sev.id, at, with_deadline=False).dial:
            return sev
    return policy.severities[0]


def _by_digit(policy: VendorPolicy, digits: str) -> Severity | None:
    return next((s for s in policy.severities if str(s.digit) == digits.strip()), None)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
