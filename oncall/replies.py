"""Engineers answering pages by SMS, and Twilio's delivery status callbacks.

From a paged number: 1/ACK acknowledges, 2/ESC escalates now, 3/RES resolves; a reference may
follow, else the reply applies to that person's newest open incident. A reply from a number
that was never paged changes nothing and is logged; an unreadable one gets a short help text.
"""

from __future__ import annotations

import logging

from oncall import keys
from oncall.incidents import IncidentStore
from oncall.masking import mask_text
from oncall.redisconn import text
from oncall.services import Services
from rotas.incident import HELP, parse_reply
from workers.escalation import escalate_now

log = logging.getLogger(__name__)
# Twilio's own opt-out words: after one of them Twilio blocks every SMS to that phone.
OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
ORDER = {
    "queued": 0,
    "accepted": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 4,
    "failed": 4,
}


def handle_reply(svc: Services, sender: str | None, body: str) -> str | None:
    """The text to answer with (None: no answer)."""
    store = svc.incidents
    paged = store.paged_to(sender) if sender else []
    if not paged:
        log.warning(mask_text(f"SMS from {sender or 'unknown'} who was never paged: ignored"))
        return None
    if body.strip().upper() in OPT_OUT:
        return _opted_out(svc, store, sender, paged)
    command, reference = parse_reply(body)
    if command is None:
        return HELP
    candidates = [reference] if reference else paged
    if reference and reference not in paged:
        return f"{reference}: you were not paged for it. {HELP}"
    now = svc.clock.now().timestamp()
    for incident_id in candidates:
        inc = store.load(incident_id)
        if inc is None or not inc.open:
            continue
        return _apply(svc, store, inc, command, sender, now)
    return f"No open incident{' ' + reference if reference else ''}."


def _apply(svc: Services, store: IncidentStore, inc, command: str, sender: str, now) -> str:
    who = _name_of(inc, sender, default=sender)
    if command == "ack":
        if store.set_state(inc, "acknowledged", who, now):
            store.event(inc.id, now, f"acknowledged by {who} (SMS)")
            return f"{inc.id} acknowledged. Reply 3 {inc.id} when resolved."
        return f"{inc.id} was already acknowledged."
    if command == "resolve":
        store.set_state(inc, "resolved", who, now)
        store.event(inc.id, now, f"resolved by {who} (SMS)")
        return f"{inc.id} resolved."
    if escalate_now(svc.redis, inc.id, f"{who} asked to escalate"):
        return f"{inc.id} escalated to the next step."
    return f"{inc.id} is not escalating (already acknowledged)."


def _opted_out(svc: Services, store: IncidentStore, sender: str, paged: list[str]) -> None:
    """An engineer texted STOP: Twilio now blocks their pages. Tell the lead at once (and
    answer nothing: Twilio sends its own confirmation, and we could not reach them anyway)."""
    from workers.queues import enqueue_lead_notice

    log.warning(mask_text(f"{sender} replied an opt-out word: SMS pages to them are blocked"))
    for incident_id in paged[:1]:
        inc = store.load(incident_id)
        who = _name_of(inc, sender, default="an engineer")
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


def _name_of(inc, phone: str, default: str) -> str:
    """The name the incident's plan gives `phone`."""
    targets = (t for s in inc.plan.steps for t in s.targets) if inc else ()
    return next((t.name for t in targets if t.phone == phone), default)


def handle_status(svc: Services, sid: str, status: str, error: str) -> None:
    """A delivery status callback: the attempt moves only forward; failed or undelivered
    escalates at once (a page that cannot arrive must not wait for its timer)."""
    attempt_key = svc.redis.get(keys.message_sid(sid))
    if attempt_key is None:
        log.info("status %s for unknown message %s", status, sid)
        return
    attempt_key = text(attempt_key)
    current = svc.redis.hget(attempt_key, "status")
    current = text(current) if current is not None else None
    if ORDER.get(status, -1) <= ORDER.get(current or "queued", 0):
        return
    svc.redis.hset(attempt_key, mapping={"status": status, "error": error or ""})
    incident_id, step = keys.attempt_parts(attempt_key)
    now = svc.clock.now().timestamp()
    svc.incidents.event(incident_id, now, f"message {sid}: {status}{' ' + error if error else ''}")
    if status in ("failed", "undelivered"):
        escalate_now(svc.redis, incident_id, f"page {sid} {status}", failed_step=step)
