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
    dialled = svc.by_number.get(call.to)
    sms_for = None
    if step == "menu" and dialled and sms_eligible(call.caller, SMS_COUNTRIES):
        sms_for = (call.caller, now.in_timezone(dialled.tz))
    record, accepted, sms_counts = {}, False, (0, 0)
    if step != "incoming":
        record, accepted, sms_counts = svc.store.load(sid, call.query.get("i"), sms_for)
    policy = svc.vendors.get(record.get("vendor", "")) or dialled
    if policy is None:
        log.warning(mask_text(f"call {sid} to unknown number {call.to}"))
        return steps.unknown_number()
    local_now = now.in_timezone(policy.tz)
    reference, abusive = record.get("reference"), False
    if not reference:
        reference, calls, blocked, record = svc.store.start(sid, policy.id, local_now, call.caller)
        abusive = step == "incoming" and (blocked or calls > CALLS_PER_10_MIN)
    sms_ok = (
        bool(sms_for) and sms_counts[0] < SMS_PER_CALLER_PER_DAY and (sms_counts[1] < SMS_PER_HOUR)
    )
    if sms_for and not sms_ok:
        log.warning(mask_text(f"follow-up SMS cap reached for {call.caller} (call {sid})"))
    ctx = steps.Context(
        policy, local_now, reference, record, _url_builder(svc), accepted, abusive, sms_ok
    )
    reply = steps.STEPS[step](call, ctx)
    perform(svc, sid, step, local_now, reply.effects)
    return reply.response


def perform(svc: Services, sid: str, step: str, now, effects) -> None:
    """Carry out a step's effects. Jobs are enqueued under deterministic ids (RQ refuses a
    duplicate), so a retried webhook never pages or texts twice; then one save records
    fields and events (an event with a once-key only the first time)."""
    fields, events, accepted = {}, [], []
    pages = {f"page_{e.once}": " ".join(e.data["numbers"]) for e in effects if e.kind == "page"}
    if pages:  # the page job reads its numbers from the call record: write them first
        svc.store.save(sid, pages, [])

    def event(text: str, once: str | None = None) -> None:
        events.append((once, {"at": now.isoformat(), "step": step, "text": text}))

    for e in effects:
        if e.kind == "call":
            fields.update(e.data)
        elif e.kind == "event":
            event(e.data["text"], e.once)
        elif e.kind == "recording":
            fields["recording"] = e.data["url"]
            event(f"recording {e.data['url']}", e.once)
        elif e.kind == "accept":
            accepted.append(e.data["attempt"])
        elif e.kind == "page":
            numbers = e.data["numbers"]
            new = [n for i, n in enumerate(numbers) if enqueue_call_page(svc.redis, sid, e.once, i)]
            if new:
                fields["paged"] = " ".join(numbers)
                event("page enqueued for " + ", ".join(mask(n) for n in new))
        elif e.kind == "caller_sms":
            note = _caller_sms(svc, sid, e.data["caller"], now)
            if note:
                event(note)
    svc.store.save(sid, fields, events, accepted)


def _caller_sms(svc: Services, sid: str, caller: str, now) -> str | None:
    """Enqueue the follow-up SMS the step promised (counted again here: the caps hold even
    when calls race); a note for the call log."""
    if not svc.store.take_sms_allowance(caller, now, SMS_PER_CALLER_PER_DAY, SMS_PER_HOUR):
        log.warning(mask_text(f"follow-up SMS cap reached for {caller}"))
        return "no follow-up SMS: rate limit reached"
    return "follow-up SMS enqueued" if enqueue_caller_sms(svc.redis, sid) else None


def _url_builder(svc: Services):
    base = svc.settings.public_base_url

    def url(step: str, **query) -> str:
        return f"{base}/twilio/voice/{step}" + (f"?{urlencode(query)}" if query else "")

    return url
