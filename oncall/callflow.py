"""The call-flow shell: load the call, run one pure IVR step, carry out its effects."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from twilio.twiml.voice_response import VoiceResponse

from ivr import steps
from oncall.incidents import IncidentStore
from oncall.masking import mask_text
from oncall.services import Services
from rotas.phone import sms_eligible
from workers.incidents import open_incident
from workers.queues import enqueue_caller_sms

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
    known = None
    if step == "menu":
        since = now.timestamp() - svc.settings.storm_window_minutes * 60
        known = IncidentStore(svc.redis).newest_open(policy.id, since)
        if known and known[0] == reference:  # this call's own incident (a retried webhook)
            known = None
    ctx = steps.Context(
        policy, local_now, reference, record, _url_builder(svc), accepted, abusive, sms_ok, known
    )
    reply = steps.STEPS[step](call, ctx)
    perform(svc, sid, step, ctx, call.caller, reply.effects)
    return reply.response


def perform(svc: Services, sid: str, step: str, ctx: steps.Context, caller, effects) -> None:
    """Carry out a step's effects. Incidents and jobs are keyed by the call and by
    deterministic job ids, so a retried webhook never pages or texts twice; then one save
    records fields and events (an event with a once-key only the first time)."""
    fields, events, accepted, now = {}, [], [], ctx.now

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
            if ctx.record.get("incident"):
                IncidentStore(svc.redis).event(
                    ctx.record["incident"],
                    now.timestamp(),
                    f"recording from call {ctx.reference}: {e.data['url']}",
                )
        elif e.kind == "accept":
            accepted.append(e.data["attempt"])
        elif e.kind == "incident":
            incident_id, attached = open_incident(
                svc.redis,
                svc.settings,
                ctx.policy,
                e.data["severity"],
                now,
                reference=ctx.reference,
                caller=caller or "",
                desk=e.data["desk"],
                call=sid,
            )
            fields["incident"] = incident_id
            event(f"{'attached to' if attached else 'opened'} incident {incident_id}", e.once)
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
