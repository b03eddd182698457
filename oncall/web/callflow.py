"""The call-flow shell: load the call, run one pure IVR step, carry out its effects."""

from __future__ import annotations

import logging

from twilio.twiml.voice_response import VoiceResponse

from ivr.call import Call, Context
from ivr.effects import (
    AcceptScreening,
    CallerSms,
    LogEvent,
    OpenIncident,
    Recording,
    Reply,
    SaveCall,
)
from ivr.steps import STEPS
from oncall import logs, metrics
from oncall.masking import mask_text
from oncall.services.incidents import open_incident
from oncall.services.jobs import enqueue_caller_sms
from oncall.services.root import Services
from oncall.store.calls import CallState, SmsAllowance, day_stamp, hour_stamp
from rotas.phone import mask, sms_eligible

log = logging.getLogger(__name__)


def handle_voice(svc: Services, step: str, call: Call) -> VoiceResponse | str:
    """One voice webhook: the first is one Redis round trip (start the call), later ones
    are two (load, then save) plus whatever the step's effects enqueue."""
    sid = call.query.get("call") or call.sid  # screening runs on the engineer's leg
    now = svc.clock.now()
    dialled = svc.by_number.get(call.to)
    sms_for = open_for = None
    if step == "menu" and dialled and sms_eligible(call.caller, svc.settings.sms_countries):
        sms_for = (call.caller, now.in_timezone(dialled.zone))
    if step in ("menu", "recorded"):  # storms; a rate-limited caller's recording
        since = now.timestamp() - svc.settings.storm_window_s
        open_for = (dialled.id if dialled else "", since)
    state = CallState()  # the first webhook: the call starts below
    if step != "incoming":
        state = svc.store.load(sid, call.query.get("i"), sms_for, open_for)
    record = state.record
    policy = svc.vendors.get(record.get("vendor", "")) or dialled
    if policy is None:  # no live version (or vendor file) for this number loads
        metrics.FALLBACK_ANSWERS.labels("unknown_number").inc()
        return svc.fallback(call)
    local_now = sms_for[1] if sms_for and policy is dialled else now.in_timezone(policy.zone)
    reference, blocked = record.get("reference"), False
    if not reference:
        first = {"at": local_now.isoformat(), "step": step, "text": "incoming call"}
        reference, blocked, record = svc.store.start(
            sid,
            policy.id,
            local_now,
            call.caller,
            call.to,
            first if step == "incoming" else None,
            svc.settings.calls_per_caller_per_10_min,
        )
    logs.bind(reference=reference, incident=record.get("incident"))
    s, counts = svc.settings, state.sms_counts
    under_caps = counts[0] < s.sms_per_caller_per_day and counts[1] < s.sms_per_hour
    # A retried webhook answers as the first attempt did: its own SMS raised the counts.
    sms_ok = bool(sms_for) and (under_caps if state.sms_taken is None else state.sms_taken)
    if sms_for and not sms_ok:
        _log_cap(svc, call.caller, sid, counts, sms_for[1])
    known = state.newest_open
    if known and known[0] == reference:
        known = None  # this call's own incident (a retried webhook)
    ctx = Context(
        policy=policy,
        now=local_now,
        reference=reference,
        record=record,
        url=svc.url,
        accepted=state.accepted,
        abusive=step == "incoming" and blocked,
        limited=record.get("limited") == "1",
        sms_ok=sms_ok,
        known_incident=known,
    )
    return perform(svc, sid, step, ctx, call.caller, STEPS[step](call, ctx))


class _Results:
    """What a step's effects add up to: saved in one round trip at the end."""

    def __init__(self, step: str, ctx: Context, response):
        self.step, self.at, self.response = step, ctx.now.isoformat(), response
        self.fields, self.events, self.accepted = {}, [], []
        self.sms: SmsAllowance | None = None

    def note(self, text: str) -> dict:
        return {"at": self.at, "step": self.step, "text": text}

    def event(self, text: str, once: str | None = None) -> None:
        self.events.append((once, self.note(text)))


def perform(svc: Services, sid: str, step: str, ctx: Context, caller, reply: Reply):
    """Carry out a step's effects and return the TwiML to answer with. Incidents and jobs
    are keyed by the call and by deterministic job ids, so a retried webhook never pages or
    texts twice; then one save records fields and events (an event with a once-key only the
    first time) and counts the follow-up SMS against its caps; it is enqueued only if they
    allow it. A reply that rings the duty rota after its incident effect rings only if this
    call holds the incident's ring (the first call of the incident); else its `if_known`
    answer is given and its effects are carried out too."""
    out = _Results(step, ctx, reply.response)
    pending = list(reply.effects)
    while pending:
        match pending.pop(0):
            case OpenIncident() as e:
                incident_id = _incident(svc, sid, ctx, caller, e, out)
                if reply.if_known and not svc.store.claim_ring(incident_id, sid):
                    out.response = reply.if_known.response
                    pending += reply.if_known.effects
                    out.event(f"incident {incident_id} already rung: not put through", "known")
            case SaveCall() as e:
                out.fields.update(e.fields())
            case LogEvent(text, once):
                out.event(text, once)
            case Recording(url, once):
                _recording(svc, ctx, caller, url, once, out)
            case AcceptScreening(attempt):
                out.accepted.append(attempt)
            case CallerSms(number):
                out.sms = _sms_allowance(svc, ctx, number, out)
    _count_call(svc, step, ctx, caller, out.fields)
    if out.fields or out.events or out.accepted or out.sms:
        if svc.store.save(sid, out.fields, out.events, out.accepted, out.sms):
            enqueue_caller_sms(svc.redis, sid)
        elif out.sms:
            metrics.CALLER_SMS_REFUSED.labels(ctx.policy.id).inc()  # another call took it
            log.warning(mask_text(f"follow-up SMS cap reached for {out.sms.caller}"))
    return out.response


def _count_call(svc: Services, step: str, ctx: Context, caller, fields: dict) -> None:
    """Metrics, once per call: its route and severity when the menu decides them (a retried
    webhook finds them on the record already) and the follow-up SMS the caps refused it; a
    caller limited or blocked at the greeting."""
    vendor = ctx.policy.id
    if fields.get("severity") and not ctx.record.get("severity"):
        metrics.CALLS.labels(vendor, fields["route"]).inc()
        metrics.MENU_CHOICES.labels(vendor, fields["severity"]).inc()
        if not ctx.sms_ok and caller and sms_eligible(caller, svc.settings.sms_countries):
            metrics.CALLER_SMS_REFUSED.labels(vendor).inc()
    elif step == "incoming" and (ctx.abusive or ctx.limited):
        metrics.CALLS.labels(vendor, "blocked" if ctx.abusive else "limited").inc()


def _incident(svc: Services, sid: str, ctx: Context, caller, e: OpenIncident, out: _Results):
    incident_id, attached = open_incident(
        svc.redis,
        svc.settings,
        ctx.policy,
        e.severity,
        ctx.now,
        clock=svc.clock,
        reference=ctx.reference,
        caller=caller or "",
        desk=e.desk,
        call=sid,
        covered=e.covered,
        store=svc.incidents,
    )
    out.fields["incident"] = incident_id
    logs.bind(incident=incident_id)
    what = "attached to" if attached else "opened"
    log.info("call %s %s incident %s (severity %s)", sid, what, incident_id, e.severity)
    out.event(f"{what} incident {incident_id}", e.once)
    return incident_id


def _recording(svc: Services, ctx: Context, caller, url: str, once: str, out: _Results):
    out.fields["recording"] = url
    out.event(f"recording {url}", once)
    _file_recording(svc, ctx, caller, url)


def _sms_allowance(svc: Services, ctx: Context, caller: str, out: _Results) -> SmsAllowance:
    """The follow-up SMS, counted against the caps again when saved: the caps hold even
    when calls race."""
    return SmsAllowance(
        caller,
        ctx.now,
        svc.settings.sms_per_caller_per_day,
        svc.settings.sms_per_hour,
        out.note("follow-up SMS allowed by the caps"),
        out.note("no follow-up SMS: rate limit reached"),
    )


def _file_recording(svc: Services, ctx: Context, caller, url: str) -> None:
    """A recording goes on its call's incident timeline. A rate-limited caller's call has no
    incident (it pages nobody): its recording goes on the vendor's open incident, if there is
    one, else a warning in the log, so that staff hear a possibly critical fault."""
    now = ctx.now.timestamp()
    if ctx.record.get("incident"):
        text = f"recording from call {ctx.reference}: {url}"
        svc.incidents.event(ctx.record["incident"], now, text)
    elif ctx.limited and ctx.known_incident:
        text = f"recording from rate-limited call {ctx.reference} ({mask(caller)}): {url}"
        svc.incidents.event(ctx.known_incident[0], now, text)
    elif ctx.limited:
        log.warning(
            mask_text(
                f"recording from rate-limited caller {caller or 'anonymous'} "
                f"({ctx.policy.id}, {ctx.reference}), no open incident: {url}"
            )
        )


def _log_cap(svc: Services, caller: str, sid: str, counts: tuple[int, int], now) -> None:
    """A warning the first time this process sees a cap reached (per caller per local day,
    or for everyone per hour); the calls refused after it, in a storm hundreds, are logged
    at debug level so the warning is not drowned."""
    if counts[1] >= svc.settings.sms_per_hour:
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
