"""Engineers answering pages by SMS, and Twilio's delivery status callbacks.

From a paged number: 1/ACK acknowledges, 2/ESC escalates now, 3/RES resolves; a reference may
follow, else the reply applies to that person's newest open incident. Answers are in the
engineer's language (the frozen plan's, else the vendor file's). A reply from a number that
was never paged changes nothing and is logged, unanswered; an unreadable one gets the help.

Each inbound SMS acts once per MessageSid (Twilio retries webhooks). The first attempt pins
the incident it chose (and, for ESC, the step it escalates from) under the sid and stores its
answer there; a retry gets the stored answer and changes nothing. A retry after an attempt
that died before answering applies again, to the pinned incident and step: acknowledging and
resolving are transitions that happen once anyway, and an ESC whose step has moved on since
escalates no further. So an ACK is never lost to a crash, and nothing is applied twice.
"""

from __future__ import annotations

import logging

import redis

from oncall import metrics
from oncall.masking import mask_text
from oncall.services.escalation import escalate_now
from oncall.services.handoff import confirm_by_sms, has_pending
from oncall.services.incident_states import acknowledge, resolve
from oncall.services.jobs import enqueue_lead_notice
from oncall.services.root import Services
from oncall.store import keys
from oncall.store.attempts import Attempts
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import text, text_map
from rotas.delivery import FAILED, failure_escalates
from rotas.incident import NOT_RECORDED_ANY, parse_reply, reply_text

log = logging.getLogger(__name__)
# Twilio's own opt-out words: after one of them Twilio blocks every SMS to that phone.
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
INBOUND_TTL = 7 * keys.DAY  # a MessageSid is remembered this long (Twilio retries for minutes)


class Inbound:
    """What earlier attempts of one inbound SMS left under its MessageSid (`sid` None: no
    memory, every call applies: the voice page's key press, which is idempotent anyway)."""

    def __init__(self, client: redis.Redis, sid: str | None):
        self.client, self.key = client, keys.inbound_sms(sid) if sid else None
        self.seen = text_map(client.hgetall(self.key)) if self.key else {}

    def pin(self, field: str, value) -> str:
        """`value`, unless an earlier attempt pinned `field` already: the first one wins."""
        if self.key is None:
            return str(value)
        pipe = self.client.pipeline(transaction=True)
        pipe.hsetnx(self.key, field, str(value))
        pipe.expire(self.key, INBOUND_TTL)
        pipe.hget(self.key, field)
        return text(pipe.execute()[-1])


def handle_sms(svc: Services, sid: str, sender: str | None, to: str | None, body: str):
    """The answer to inbound SMS `sid` (None: no answer), applied once per sid."""
    inbound = Inbound(svc.redis, sid)
    if "answer" in inbound.seen:
        log.info("SMS %s seen before: answered as the first time, nothing applied", sid)
        return inbound.seen["answer"] or None
    answer = handle_reply(svc, sender, body, to=to, inbound=inbound)
    return inbound.pin("answer", answer or "") or None


def handle_reply(
    svc: Services,
    sender: str | None,
    body: str,
    *,
    to: str | None = None,
    inbound: Inbound | None = None,
    language: str | None = None,
) -> str | None:
    """The text to answer `sender` with (None: no answer). `language` overrides theirs."""
    store = svc.incidents
    paged = store.paged_to(sender) if sender else []
    command, reference = parse_reply(body)
    confirmed = _handoff_confirmation(svc, store, sender, (command, reference), paged, language)
    if confirmed:
        return confirmed
    if not paged:
        log.warning(mask_text(f"SMS from {sender or 'unknown'} who was never paged: ignored"))
        return None
    if body.strip().upper() in OPT_OUT:
        return _opted_out(svc, store, sender, paged)
    lang = language or engineer_language(svc, sender, to)
    if command is None:
        return reply_text("help", lang)
    if reference and reference not in paged:
        return f"{reply_text('not_paged', lang, id=reference)} {reply_text('help', lang)}"
    inbound = inbound or Inbound(svc.redis, None)
    inc = _incident_for(store, inbound, [reference] if reference else paged)
    if inc is None:
        return reply_text("no_open", lang)
    target = _target_of(inc, sender)  # the plan says who they are, as paged
    if target is not None:
        lang = language or target.language
    return _apply(svc, store, inbound, inc, command, target.name if target else sender, lang)


def _handoff_confirmation(svc, store, sender, parsed, paged, language) -> str | None:
    """A plain 1 (or ACK) (`parsed`: the reply's command and reference) confirms the
    sender's pending shift handoff, unless an incident paged to them is open: then it
    acknowledges that, as always. None: not a confirmation."""
    if not sender or parsed != ("ack", None) or not has_pending(svc, sender):
        return None
    if any(inc is not None and inc.open for inc in map(store.load, paged)):
        return None
    return confirm_by_sms(svc, sender, language)


def _incident_for(store: IncidentStore, inbound: Inbound, candidates: list[str]):
    """The incident this SMS acts on: the one an earlier attempt pinned, else the first open
    candidate (pinned now)."""
    pinned = inbound.seen.get("incident")
    if pinned:
        return store.load(pinned)
    for incident_id in candidates:
        inc = store.load(incident_id)
        if inc is not None and inc.open:
            chosen = inbound.pin("incident", inc.id)
            return inc if chosen == inc.id else store.load(chosen)
    return None


def _apply(svc, store: IncidentStore, inbound: Inbound, inc, command, who, lang) -> str:
    if command == "ack":
        if acknowledge(svc, inc, who, via="SMS"):
            return reply_text("acknowledged", lang, id=inc.id)
        done = "already_resolved" if inc.state == "resolved" else "already_acknowledged"
        return reply_text(done, lang, id=inc.id)
    if command == "resolve":
        if resolve(svc, inc, who, via="SMS"):
            return reply_text("resolved", lang, id=inc.id)
        return reply_text("already_resolved", lang, id=inc.id)
    from_step = int(inbound.pin("step", inc.step))
    if inc.state == "resolved":
        return reply_text("already_resolved", lang, id=inc.id)
    if inc.state == "triggered" and inc.step > from_step:
        return reply_text("escalated", lang, id=inc.id)  # this SMS's escalation already ran
    if escalate_now(svc, inc.id, f"{who} asked to escalate", from_step):
        return reply_text("escalated", lang, id=inc.id)
    return reply_text("not_escalating", lang, id=inc.id)


def _opted_out(svc: Services, store: IncidentStore, sender: str, paged: list[str]) -> None:
    """An engineer texted STOP: Twilio now blocks their pages. Tell the lead at once (and
    answer nothing: Twilio sends its own confirmation, and we could not reach them anyway)."""

    log.warning(mask_text(f"{sender} replied an opt-out word: SMS pages to them are blocked"))
    for incident_id in paged[:1]:
        inc = store.load(incident_id)
        target = _target_of(inc, sender)
        who = target.name if target else "an engineer"
        store.event(
            incident_id,
            svc.clock.now().timestamp(),
            f"{who} replied STOP: Twilio blocks SMS to them until they text START",
        )
        enqueue_lead_notice(
            svc.redis,
            incident_id,
            f"stop-{sender[-3:]}",
            f"{who} replied STOP to the paging number: they get no SMS pages "
            f"until they text START to it. Pages to them go by voice.",
        )
    return None


def _target_of(inc, phone: str):
    """The target of the incident's frozen plan with `phone` (name, language), or None."""
    targets = (t for s in inc.plan.steps for t in s.targets) if inc else ()
    return next((t for t in targets if t.phone == phone), None)


def engineer_language(svc: Services, phone: str | None, to: str | None) -> str:
    """`phone`'s language from the vendor files (no Redis): a person of the vendor whose
    number `to` is first, then of any vendor; else the vendor's language, else English."""
    vendor = svc.by_number.get(to)
    for policy in ([vendor] if vendor else []) + list(svc.vendors.values()):
        person = next((p for p in policy.people.values() if p.phone == phone), None)
        if person is not None:
            return person.language
    return vendor.language if vendor else "en"


def not_recorded(svc: Services, sender: str | None, to: str | None) -> str:
    """The answer when a reply could not be recorded (Redis down): say so, and whom to call
    (the vendor's duty phone, else its emergency or desk number). Needs no Redis."""
    vendor = svc.by_number.get(to)
    if vendor is None:
        return NOT_RECORDED_ANY
    emergency = (vendor.emergency,) if vendor.emergency else ()
    numbers = vendor.duty_phones + emergency + vendor.desk_phones
    if not numbers:
        return NOT_RECORDED_ANY
    return reply_text("not_recorded", engineer_language(svc, sender, to), phone=numbers[0])


# -- delivery status callbacks ------------------------------------------------------------------


def handle_status(svc: Services, sid: str, status: str, error: str) -> None:
    """A delivery status callback. The attempt's status only moves forward (rotas.delivery);
    `failed` or `undelivered` escalates at once, but only for a page of the incident's
    current step, while it is triggered, and once per step."""
    update = Attempts(svc.redis).record_status(sid, status, error or "")
    if update.key is None:
        log.info("status %s for unknown message %s", status, sid)
        return
    if not update.moved:
        log.info("status %s for message %s ignored: not a step forward", status, sid)
        return
    metrics.SMS_STATUSES.labels(status).inc()  # a step forward: a status we know
    incident_id, step = keys.attempt_parts(update.key)
    now = svc.clock.now().timestamp()
    svc.incidents.event(incident_id, now, f"message {sid}: {status}{' ' + error if error else ''}")
    if status in FAILED:
        _escalate_failed(svc, incident_id, step, f"page {sid} {status}", now)


def _escalate_failed(svc: Services, incident_id: str, step: int, why: str, now: float) -> None:
    store = svc.incidents
    inc = store.load(incident_id)
    if inc is None:
        return
    if not failure_escalates(step, inc.state, inc.step):
        store.event(incident_id, now, f"{why}: step {step} is no longer current, no escalation")
    elif store.once(incident_id, f"page-failed-{step}"):
        escalate_now(svc, incident_id, why, step + 1, failed=True)
    else:
        store.event(incident_id, now, f"{why}: step {step} already escalated early")
