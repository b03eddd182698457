"""The call-flow shell: load the call, run one pure IVR step, carry out its effects."""

from __future__ import annotations

import logging

from twilio.twiml.voice_response import VoiceResponse

from ivr import steps
from oncall.masking import mask_text
from oncall.services import Services
from oncall.store import SmsAllowance, day_stamp, hour_stamp
from rotas.phone import sms_eligible
from workers.incidents import open_incident
from workers.queues import enqueue_caller_sms

log = logging.getLogger(__name__)

CALLS_PER_10_MIN = 8  # more from one number is abuse: <Reject> inside the call flow
SMS_PER_CALLER_PER_DAY = 3
SMS_PER_HOUR = 200  # all callers together: SMS-pumping fraud shows up here first
SMS_COUNTRIES = ("NO", "SE", "DK", "FI")


def handle_voice(svc: Services, step: str, call: steps.Call) -> VoiceResponse | str:
    """One voice webhook: the first is one Redis round trip (start the call), later ones
    are two (load, then save) plus whatever the step's effects enqueue."""
    sid = call.query.get("call") or call.sid  # screening runs on the engineer's leg
    now = svc.clock.now()
    dialled = svc.by_number.get(call.to)
    sms_for = open_for = None
    if step == "menu":
        if dialled and sms_eligible(call.caller, SMS_COUNTRIES):
            sms_for = (call.caller, now.in_timezone(dialled.zone))
        since = now.timestamp() - svc.settings.storm_window_s
        open_for = (dialled.id if dialled else "", since)
    record, accepted, sms_counts, known, sms_taken = {}, False, (0, 0), None, None
    if step != "incoming":
        record, accepted, sms_counts, known, sms_taken = svc.store.load(
            sid, call.query.get("i"), sms_for, open_for
        )
    policy = svc.vendors.get(record.get("vendor", "")) or dialled
    if policy is None:  # no vendor file (or last good version) for this number loads
        return svc.fallback(call)
    local_now = sms_for[1] if sms_for and policy is dialled else now.in_timezone(policy.zone)
    reference, abusive = record.get("reference"), False
    if not reference:
        first = {"at": local_now.isoformat(), "step": step, "text": "incoming call"}
        reference, calls, blocked, record = svc.store.start(
            sid, policy.id, local_now, call.caller, call.to, first if step == "incoming" else None
        )
        abusive = step == "incoming" and (blocked or calls > CALLS_PER_10_MIN)
    under_caps = sms_counts[0] < SMS_PER_CALLER_PER_DAY and sms_counts[1] < SMS_PER_HOUR
    # A retried webhook answers as the first attempt did: its own SMS raised the counts.
    sms_ok = bool(sms_for) and (under_caps if sms_taken is None else sms_taken)
    if sms_for and not sms_ok:
        _log_cap(svc, call.caller, sid, sms_counts, sms_for[1])
    if known and known[0] == reference:
        known = None  # this call's own incident (a retried webhook)
    ctx = steps.Context(
        policy, local_now, reference, record, svc.url, accepted, abusive, sms_ok, known
    )
    reply = steps.STEPS[step](call, ctx)
    perform(svc, sid, step, ctx, call.caller, reply.effects)
    return reply.response


def perform(svc: Services, sid: str, step: str, ctx: steps.Context, caller, effects) -> None:
    """Carry out a step's effects. Incidents and jobs are keyed by the call and by
    deterministic job ids, so a retried webhook never pages or texts twice; then one save
    records fields and events (an event with a once-key only the first time) and counts the
    follow-up SMS against its caps; it is enqueued only if they allow it."""
    fields, events, accepted, now, sms = {}, [], [], ctx.now, None
    at = now.isoformat()

    def note(text: str) -> dict:
        return {"at": at, "step": step, "text": text}

    def event(text: str, once: str | None = None) -> None:
        events.append((once, note(text)))

    for e in effects:
        if e.kind == "call":
            fields.update(e.data)
        elif e.kind == "event":
            event(e.data["text"], e.once)
        elif e.kind == "recording":
            fields["recording"] = e.data["url"]
            event(f"recording {e.data['url']}", e.once)
            if ctx.record.get("incident"):
                svc.incidents.event(
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
        elif e.kind == "caller_sms":  # counted against the caps again when saved: the caps
            sms = SmsAllowance(  # hold even when calls race
                e.data["caller"],
                now,
                SMS_PER_CALLER_PER_DAY,
                SMS_PER_HOUR,
                note("follow-up SMS allowed by the caps"),
                note("no follow-up SMS: rate limit reached"),
            )
    if fields or events or accepted or sms:
        if svc.store.save(sid, fields, events, accepted, sms):
            enqueue_caller_sms(svc.redis, sid)
        elif sms:
            log.warning(mask_text(f"follow-up SMS cap reached for {sms.caller}"))


def _log_cap(svc: Services, caller: str, sid: str, counts: tuple[int, int], now) -> None:
    """A warning the first time this process sees a cap reached (per caller per local day,
    or for everyone per hour); the calls refused after it, in a storm hundreds, are logged
    at debug level so the warning is not drowned."""
    if counts[1] >= SMS_PER_HOUR:
        cap, key = "hourly (all callers)", ("hour", hour_stamp(now))
    else:
        cap, key = "daily (this caller)", ("day", caller, day_stamp(now))
    first = key not in svc.caps_warned
    if first:
        if len(svc.caps_warned) > 10_000:
            svc.caps_warned.clear()
        svc.caps_warned.add(key)
    level = logging.WARNING if first else logging.DEBUG
    if log.isEnabledFor(level):
        log.log(level, mask_text(f"follow-up SMS {cap} cap reached for {caller} (call {sid})"))
