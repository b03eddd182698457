"""Messages about an incident that are not pages: the "+N more calls" summary to the
engineers paged so far, and notices to the lead (a page that failed or went out late, the
plan exhausted, the response deadline passed).
"""

from __future__ import annotations

import logging

from oncall.services import jobs
from oncall.services.pages import describe, sender
from oncall.services.root import Services
from oncall.store.incidents import IncidentStore
from rotas.incident import fit

log = logging.getLogger(__name__)


def send_summary(svc: Services, incident_id: str) -> str:
    """'+N more calls' to everyone paged so far (at most one per window, see queues)."""
    client, rt = svc.redis, svc
    store = IncidentStore(client)
    inc = store.load(incident_id)
    if inc is None or not inc.open:
        return "closed"
    count = store.take_unsummarised(incident_id)
    if not count:
        return "nothing new"
    policy = rt.vendors[inc.vendor]
    paged = {
        t.phone: t
        for i in range(min(inc.step, inc.plan.length))
        for t in inc.plan.step_at(i).targets
    }
    body = fit(
        f"{policy.name} {incident_id}: +{count} more calls (total {inc.calls}). "
        f"Reply 1=ack 2=escalate 3=resolve"
    )
    for target in paged.values():
        rt.telephony.send_sms(target.phone, sender(policy, target), body)
    now = svc.clock.now().timestamp()
    store.event(incident_id, now, f"summary +{count} calls to {len(paged)} engineer(s)")
    return "sent"


def notify_lead(svc: Services, incident_id: str, key: str, text: str, run: int = 0) -> str:
    """Tell the lead; a Twilio failure re-enqueues the notice with backoff while the incident
    is open (after a timeout the lead may get it twice, never not at all)."""
    client, rt = svc.redis, svc
    store = IncidentStore(client)
    inc = store.load(incident_id)
    lead = inc.plan.lead if inc else None
    if lead is None:
        log.error("incident %s has no lead to tell: %s", incident_id, text)
        return "no lead"
    policy = rt.vendors[inc.vendor]
    try:
        sid = rt.telephony.send_sms(lead.phone, sender(policy, lead), fit(text))
    except Exception as exc:  # Twilio unreachable or failing: try again later
        if not inc.open:
            return "closed"
        delay = jobs.retry_delay(run + 1, rt.settings.page_retry_cap_s)
        log.warning(
            "lead notice %s/%s try %d failed (%s)", incident_id, key, run + 1, describe(exc)
        )
        at = svc.clock.now().timestamp() + delay
        jobs.enqueue_lead_notice(client, incident_id, key, text, run + 1, at, clock=svc.clock)
        return "retrying"
    store.event(incident_id, svc.clock.now().timestamp(), f"lead {lead.name} told ({key}): {sid}")
    return sid
