"""Ringing: the desk phones together, the duty rota one phone at a time with call screening,
the desk's no-answer going on to the duty rota, and the answer of a call storm's later calls.

One engineer, one ring, per incident: a reply that rings the duty rota after opening (or
attaching to) an incident also carries the answer for a call that does not hold the
incident's ring (`Reply.if_known`); the shell picks one after the atomic open-or-attach.
"""

from __future__ import annotations

from ivr import prompts
from ivr.call import Call, Context
from ivr.effects import LogEvent, OpenIncident, Reply, SaveCall
from ivr.speaker import Speaker
from rotas.policy import Severity
from rotas.routing import duty_numbers, uncovered_dial

DIAL_TIMEOUT = 20  # seconds a phone rings before the next one


def desk_to_duty(call: Call, ctx: Context, sev: Severity, outcome: LogEvent) -> Reply:
    """The desk did not answer a duty severity: the duty rota (nobody on duty: the duty or
    emergency number, else a voicemail), paging by the closed-desk plan."""
    numbers = duty_numbers(ctx.policy, ctx.now)
    covered = bool(numbers)
    numbers = numbers or uncovered_dial(ctx.policy)
    effects = [outcome, SaveCall(dial=" ".join(numbers))]
    if sev.closed.page:
        effects.append(OpenIncident(sev.id, "closed", covered, once="incident-desk"))
    sp = Speaker(ctx.policy)
    if not numbers:
        sp.voicemail(ctx.url("recorded"))
        return Reply(sp.response, (*effects, SaveCall(outcome="voicemail")))
    sp.say("connect_duty")
    dial_duty(sp, call, ctx, sev, numbers, 0)
    return Reply(sp.response, tuple(effects), known(ctx) if sev.closed.page else None)


def known(ctx: Context) -> Reply:
    """A call storm: the engineer is on it; no second ring, a message can be left."""
    sp = Speaker(ctx.policy)
    sp.say("known")
    sp.say("reference", reference=prompts.spell(ctx.reference))
    sp.voicemail(ctx.url("recorded"), prompt=False)
    return Reply(sp.response, (SaveCall(outcome="known fault", dial=""),))


def dial_desk(sp: Speaker, ctx: Context, sev: Severity, numbers) -> None:
    """Ring the desk phones together; the result decides the next step."""
    dial = _dial(sp, ctx, "desk", sev, 0)
    for number in numbers:
        dial.number(number)


def dial_duty(sp: Speaker, call: Call, ctx: Context, sev: Severity, numbers, index: int):
    """Ring one duty phone with call screening; its result decides the next step. The
    screening webhooks carry the caller's CallSid (`call`): they run on the engineer's leg."""
    dial = _dial(sp, ctx, "oncall", sev, index)
    dial.number(numbers[index], url=ctx.url("screen", sev=sev.id, i=index, call=call.sid))


def _dial(sp: Speaker, ctx: Context, route: str, sev: Severity, index: int):
    """A <Dial> whose result goes to the dial_result step of `route`."""
    return sp.response.dial(
        timeout=DIAL_TIMEOUT,
        answer_on_bridge=True,
        action=ctx.url("dial_result", route=route, sev=sev.id, i=index),
    )
