"""Shift handoff confirmations: the incoming duty engineer gets an SMS at the start of each
duty shift (rotas/handoff.py says which and what), a reply of 1 confirms, and no confirmation
within `handoff_confirm_minutes` tells the vendor's lead by SMS, once. This is also the daily
end-to-end proof that the SMS path works: the lead hears about a silent failure before a
customer does.

The worker's sweep runs `handoff_pass` every few seconds. It looks for shift starts since the
instant it last checked (kept in Redis, so a shift that started while no worker ran is found
when one starts again, if the shift has not ended; at most one shift length back), claims
each handoff in Redis (once per vendor, layer, person and shift start) and enqueues its SMS
and its confirmation check under deterministic job ids: a restart or a second worker sends
nothing twice. A fresh deployment (nothing checked yet) starts from now.
"""

from __future__ import annotations

import logging

import pendulum

from oncall.masking import mask_text
from oncall.services import jobs
from oncall.services.pages import describe
from oncall.services.root import Services
from oncall.store.handoffs import Handoffs
from rotas.handoff import (
    announcement,
    confirmed_text,
    handoff_lead,
    handoffs_between,
    lead_text,
    longest_shift_s,
)

log = logging.getLogger(__name__)


def handoff_pass(svc: Services) -> int:
    """Claim and enqueue the handoffs of shifts that started since the last pass; the
    number of handoffs claimed now."""
    store = Handoffs(svc.redis)
    now = svc.clock.now()
    checked = store.checked()
    if checked is None:  # a fresh deployment: announce shifts from now on
        store.mark_checked(now.timestamp())
        return 0
    claimed = 0
    for policy in list(svc.vendors.values()):
        since = max(checked, now.timestamp() - longest_shift_s(policy))
        for handoff in handoffs_between(policy, pendulum.from_timestamp(since), now):
            key, first = store.claim(handoff, now.timestamp())
            if first:
                claimed += 1
                log.info("handoff %s claimed", key)
            # enqueued again after a pass that died in between: the job ids are unique
            jobs.enqueue_handoff_sms(svc.redis, key, clock=svc.clock)
            due = float(store.load(key)["claimed_at"]) + svc.settings.handoff_confirm_s
            jobs.enqueue_handoff_check(svc.redis, key, due, clock=svc.clock)
    store.mark_checked(now.timestamp())
    return claimed


def send_handoff(svc: Services, key: str, run: int = 0) -> str:
    """The handoff SMS to the incoming engineer, from the vendor's inbound number; a Twilio
    failure re-enqueues it with backoff while the shift lasts."""
    store = Handoffs(svc.redis)
    record, policy = store.load(key), None
    if record is not None:
        policy = svc.vendors.get(record["vendor"])
    if record is None or policy is None:
        return "gone"
    if record.get("sent_at") or record.get("confirmed_at"):
        return "already sent"
    now = svc.clock.now().timestamp()
    if record.end is not None and record.end <= now:
        return "shift ended"
    body = announcement(policy, record.handoff())
    store.awaiting_reply(record)
    try:
        sid = svc.telephony.send_sms(record["phone"], sender_of(policy, record["phone"]), body)
    except Exception as exc:  # Twilio unreachable or failing: try again later
        delay = jobs.retry_delay(run + 1, svc.settings.page_retry_cap_s)
        log.warning("handoff %s SMS try %d failed (%s)", key, run + 1, describe(exc))
        jobs.enqueue_handoff_sms(svc.redis, key, run + 1, now + delay, clock=svc.clock)
        return "retrying"
    store.sent(record, sid, svc.clock.now().timestamp())
    log.info("handoff %s SMS sent: %s", key, sid)
    return sid


def check_handoff(svc: Services, key: str, run: int = 0) -> str:
    """The confirmation window has passed: unless the engineer confirmed (or the shift is
    over), tell the vendor's lead by SMS, once; a Twilio failure retries with backoff."""
    store = Handoffs(svc.redis)
    record = store.load(key)
    policy = svc.vendors.get(record["vendor"]) if record else None
    if record is None or policy is None:
        return "gone"
    if record.get("confirmed_at"):
        return "confirmed"
    if record.get("lead_told_at"):
        return "already told"
    now = svc.clock.now()
    if record.end is not None and record.end <= now.timestamp():
        return "shift ended"
    lead = handoff_lead(policy, now)
    if lead is None:
        log.error("handoff %s unconfirmed, and %s names no lead to tell", key, policy.id)
        return "no lead"
    start = pendulum.from_timestamp(float(record["start"]))
    body = lead_text(policy, record["name"], record["layer"], start, lead.language)
    try:
        sid = svc.telephony.send_sms(lead.phone, sender_of(policy, lead.phone), body)
    except Exception as exc:
        delay = jobs.retry_delay(run + 1, svc.settings.page_retry_cap_s)
        log.warning("handoff %s lead notice try %d failed (%s)", key, run + 1, describe(exc))
        jobs.enqueue_handoff_check(
            svc.redis, key, now.timestamp() + delay, run + 1, clock=svc.clock
        )
        return "retrying"
    store.once(key, "lead_told_at", repr(svc.clock.now().timestamp()))
    log.warning("handoff %s not confirmed: lead %s told (%s)", key, lead.name, sid)
    return sid


def has_pending(svc: Services, phone: str) -> bool:
    """Whether a handoff SMS to `phone` waits for its confirmation."""
    return bool(Handoffs(svc.redis).pending(phone, svc.clock.now().timestamp()))


def confirm_by_sms(svc: Services, phone: str, language: str | None = None) -> str | None:
    """A reply of 1 from `phone`: confirms its newest pending handoff; the answer (in the
    engineer's language), or None when `phone` has no handoff waiting."""
    store = Handoffs(svc.redis)
    now = svc.clock.now().timestamp()
    pending = store.pending(phone, now)
    if not pending:
        return None
    record = pending[0]
    policy = svc.vendors.get(record["vendor"])
    if store.confirm(record, record["name"], now):
        log.info(mask_text(f"handoff {record.key} confirmed by SMS from {phone}"))
    name = policy.name if policy else record["vendor"]
    return confirmed_text(name, language or record["language"])


def sender_of(policy, phone: str) -> str:
    """The vendor's inbound number (replies come back to it), else the recipient's own."""
    return policy.inbound[0] if policy.inbound else phone
