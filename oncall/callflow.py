"""The call-flow shell: load the call, run one pure IVR step, carry out its effects."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from ivr import steps
from oncall.masking import mask_text
from oncall.services import Services
from rotas.phone import mask, sms_eligible
from workers.queues import enqueue_call_page, enqueue_caller_sms

log = logging.getLogger(__name__)

CALLS_PER_10_MIN = 8  # more from one number is abuse: <Reject> inside the call flow
SMS_PER_CALLER_PER_DAY = 3
SMS_PER_HOUR = 200  # all callers together: SMS-pumping fraud shows up here first
SMS_COUNTRIES = ("NO", "SE", "DK", "FI")


def handle_voice(svc: Services, step: str, call: steps.Call) -> VoiceResponse:
    sid = call.query.get("call") or call.sid  # screening runs on the engineer's leg
    now = svc.clock.now()
    record, accepted = svc.store.load(sid, call.query.get("i"))
    policy = svc.vendors.get(record.get("vendor", "")) or svc.by_number.get(call.to)
    if policy is None:
        log.warning(mask_text(f"call {sid} to unknown number {call.to}"))
        return steps.unknown_number()
    reference, abusive = record.get("reference"), False
    if step == "incoming" or not reference:
        reference, calls, blocked = svc.store.start(sid, policy.id, now, call.caller)
        abusive = step == "incoming" and (blocked or calls > CALLS_PER_10_MIN)
    ctx = steps.Context(policy, now, reference, record, _url_builder(svc), accepted, abusive)
    reply = steps.STEPS[step](call, ctx)
    perform(svc, sid, step, now, reply.effects)
    return reply.response


def perform(svc: Services, sid: str, step: str, now, effects) -> None:
    """Carry out effects once each (Twilio retries webhooks): record first, then enqueue
    jobs with deterministic ids, then mark the effects done."""
    done = svc.store.done(sid, [e.once for e in effects if e.once])
    todo = [e for e in effects if not (e.once and e.once in done)]
    fields, events, jobs, accepted = {}, [], [], []
    for e in todo:
        if e.kind in ("call", "recording"):
            fields.update(e.data if e.kind == "call" else {"recording": e.data["url"]})
        if e.kind == "event":
            events.append(e.data["text"])
        elif e.kind == "recording":
            events.append(f"recording {e.data['url']}")
        elif e.kind == "accept":
            accepted.append(e.data["attempt"])
        elif e.kind == "page":
            jobs += [(enqueue_call_page, sid, e.once, n) for n in e.data["numbers"]]
            fields["paged"] = " ".join(e.data["numbers"])
            events.append("page enqueued for " + ", ".join(mask(n) for n in e.data["numbers"]))
        elif e.kind == "caller_sms":
            events.append(_caller_sms(svc, sid, e.data["caller"] or None, now, jobs))
    stamped = [{"at": now.isoformat(), "step": step, "text": t} for t in events]
    svc.store.save(sid, fields, stamped, [] if jobs else _once(todo), accepted)
    if jobs:
        for enqueue, *args in jobs:
            enqueue(svc.redis, *args)
        svc.store.save(sid, {}, [], _once(todo), [])


def _caller_sms(svc: Services, sid: str, caller: str | None, now, jobs: list) -> str:
    if not sms_eligible(caller, SMS_COUNTRIES):
        return "no follow-up SMS: caller is not an allowed mobile number"
    if not svc.store.take_sms_allowance(caller, now, SMS_PER_CALLER_PER_DAY, SMS_PER_HOUR):
        log.warning(mask_text(f"follow-up SMS cap reached for {caller}"))
        return "no follow-up SMS: rate limit reached"
    jobs.append((enqueue_caller_sms, sid))
    return "follow-up SMS enqueued"


def _once(effects) -> list[str]:
    return [e.once for e in effects if e.once]


def _url_builder(svc: Services):
    base = svc.settings.public_base_url

    def url(step: str, **query) -> str:
        return f"{base}/twilio/voice/{step}" + (f"?{urlencode(query)}" if query else "")

    return url
