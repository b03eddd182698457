"""Pages: one SMS to one engineer, sent exactly once.

At-least-once jobs plus an attempt record per (incident, step, phone): `sending` is written
before Twilio is asked; a re-run that finds `sending` (the run died) or `unknown` (a 5xx or
a timeout) asks Twilio whether the page (its unique token "REFERENCE/step" is in the body)
already exists before sending again; after a 429 (never processed) it just sends. 429 and
5xx/timeouts are retried with backoff and jitter; after the last try the engineer is called
and the page read out. A 4xx for a bad number skips to the next step and tells the lead;
21610 (the engineer replied STOP) also tells the lead and calls instead.
"""

from __future__ import annotations

import logging

import pendulum
import requests
from twilio.base.exceptions import TwilioRestException

from oncall import keys
from oncall.incidents import IncidentStore
from oncall.masking import mask_text
from oncall.redisconn import text_map
from oncall.telephony import HTTP_TIMEOUT
from rotas.incident import fit, page_text
from rotas.phone import mask
from workers import queues
from workers.escalation import escalate_now
from workers.runtime import connection, runtime

log = logging.getLogger(__name__)
MAX_TRIES = queues.RETRIES  # sends of one page before the engineer is called instead: the
# job's retries give it that many runs, and one more for the call
SENDING_TIMEOUT = HTTP_TIMEOUT + 4.0  # seconds: longer than the Twilio HTTP timeout
STOPPED = 21610  # the recipient replied STOP: Twilio blocks every SMS to them


def send_page(incident_id: str, step: int, index: int) -> str:
    client, rt = connection(), runtime()
    store = IncidentStore(client)
    inc = store.load(incident_id)
    plan_step = inc.plan.step_at(step) if inc else None
    if plan_step is None or index >= len(plan_step.targets):
        return "gone"
    if inc.state != "triggered":
        return "not needed"  # acknowledged or resolved before this page went out
    target = plan_step.targets[index]
    key = keys.attempt(incident_id, step, target.phone)
    attempt = text_map(client.hgetall(key))
    if attempt.get("state") in ("sent", "failed", "called"):
        return attempt["state"]
    token = f"{incident_id}/{step}"
    now = pendulum.now("UTC").timestamp()
    state = attempt.get("state")
    if state == "sending" and now - float(attempt.get("t", 0)) < SENDING_TIMEOUT:
        raise RuntimeError(f"page {token} is being sent by another run; retry later")
    if state in ("sending", "unknown"):  # a run died mid-send, or Twilio's answer was lost
        sid = _find_sent(rt.telephony.client, target.phone, token, inc.opened_at)
        if sid:
            return _sent(client, store, key, incident_id, target, sid, now, "found at Twilio")
    store.mark_paged(incident_id, target.phone, now)  # replies from this phone find it
    tries = client.hincrby(key, "tries", 1)
    client.hset(key, mapping={"state": "sending", "t": now})
    policy = rt.vendors[inc.vendor]
    body = _text(policy, inc, target, token)
    try:
        sid = rt.telephony.send_sms(
            target.phone, _sender(policy, target), body, status_callback=_status_url(rt.settings)
        )
    except TwilioRestException as exc:
        if exc.status == 429 or exc.status >= 500:
            return _retry_or_call(client, store, key, inc, step, index, tries, exc)
        return _rejected(client, store, key, inc, step, index, exc)
    except requests.RequestException as exc:  # timeout or connection: Twilio may have it
        return _retry_or_call(client, store, key, inc, step, index, tries, exc)
    return _sent(client, store, key, incident_id, target, sid, now, "sent")


def _sent(client, store, key, incident_id, target, sid, now, how) -> str:
    client.hset(key, mapping={"state": "sent", "sid": sid, "status": "queued"})
    client.set(keys.message_sid(sid), key, ex=30 * keys.DAY)
    store.event(incident_id, now, f"page {how} to {target.name} ({mask(target.phone)}): {sid}")
    log.info(mask_text(f"page {sid} {how} to {target.phone} for {incident_id}"))
    return "sent"


def _retry_or_call(client, store, key, inc, step, index, tries, exc) -> str:
    now = pendulum.now("UTC").timestamp()
    # 429 is never processed by Twilio; a 5xx or a timeout may have sent it: ask first
    unprocessed = isinstance(exc, TwilioRestException) and exc.status == 429
    client.hset(key, "state", "retry" if unprocessed else "unknown")
    if tries < MAX_TRIES:
        store.event(inc.id, now, f"page try {tries} failed ({_why(exc)}); retrying")
        raise RuntimeError(f"Twilio failed: {_why(exc)}") from exc  # RQ retries with backoff
    client.hset(key, mapping={"state": "called", "error": _why(exc)})
    store.event(inc.id, now, f"page failed {tries} times ({_why(exc)}); calling instead")
    queues.enqueue_voice_page(client, inc.id, step, index)
    return "called"


def _rejected(client, store, key, inc, step: int, index: int, exc: TwilioRestException) -> str:
    target = inc.plan.step_at(step).targets[index]
    now = pendulum.now("UTC").timestamp()
    client.hset(key, mapping={"state": "failed", "error": str(exc.code)})
    what = (
        "replied STOP, so Twilio blocks every SMS to this phone; they must text START"
        if exc.code == STOPPED
        else f"cannot get SMS (Twilio error {exc.code})"
    )
    store.event(inc.id, now, f"page to {target.name} failed: {what}")
    queues.enqueue_lead_notice(
        client,
        inc.id,
        f"rejected-{target.phone[-3:]}-{exc.code}",
        f"{inc.id}: {target.name} {what}",
    )
    if exc.code == STOPPED:
        queues.enqueue_voice_page(client, inc.id, step, index)
    escalate_now(client, inc.id, f"page to {target.name} failed", failed_step=step)
    return "failed"


def _find_sent(twilio, phone: str, token: str, since: float) -> str | None:
    """The SID of a message to `phone` whose body carries `token`, if Twilio has one."""
    after = pendulum.from_timestamp(since).subtract(days=1).date()
    for message in twilio.messages.list(to=phone, date_sent_after=after, limit=50):
        if token in (message.body or ""):
            return message.sid
    return None


def send_summary(incident_id: str) -> str:
    """'+N more calls' to everyone paged so far (at most one per window, see queues)."""
    client, rt = connection(), runtime()
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
        rt.telephony.send_sms(target.phone, _sender(policy, target), body)
    store.event(
        incident_id,
        pendulum.now("UTC").timestamp(),
        f"summary +{count} calls to {len(paged)} engineer(s)",
    )
    return "sent"


def notify_lead(incident_id: str, key: str, text: str) -> str:
    client, rt = connection(), runtime()
    store = IncidentStore(client)
    inc = store.load(incident_id)
    lead = inc.plan.lead if inc else None
    now = pendulum.now("UTC").timestamp()
    if lead is None:
        log.error("incident %s has no lead to tell: %s", incident_id, text)
        return "no lead"
    policy = rt.vendors[inc.vendor]
    sid = rt.telephony.send_sms(lead.phone, _sender(policy, lead), fit(text))
    store.event(incident_id, now, f"lead {lead.name} told ({key}): {sid}")
    return sid


def call_page(incident_id: str, step: int, index: int) -> str:
    """Call the engineer and read the page twice (SMS failed or is blocked)."""
    client, rt = connection(), runtime()
    store = IncidentStore(client)
    inc = store.load(incident_id)
    if inc is None or inc.state != "triggered":
        return "not needed"
    target = inc.plan.step_at(step).targets[index]
    policy = rt.vendors[inc.vendor]
    text = _text(policy, inc, target, f"{incident_id}/{step}")
    ack_url = f"{rt.settings.public_base_url}/twilio/page-ack?incident={incident_id}"
    sid = rt.telephony.place_call(
        target.phone, _sender(policy, target), text, target.language, ack_url=ack_url
    )
    store.event(
        incident_id,
        pendulum.now("UTC").timestamp(),
        f"called {target.name} ({mask(target.phone)}) to read the page: {sid}",
    )
    return sid


def _text(policy, inc, target, token: str) -> str:
    sev = policy.severity(inc.severity)
    local = pendulum.from_timestamp(inc.opened_at, tz=policy.tz).format("DD.MM HH:mm")
    caller = f" ({inc.caller})" if inc.caller else ""
    return page_text(
        target.language,
        vendor=policy.name,
        severity=sev.text("label", target.language) if sev else inc.severity,
        message=f"{inc.message}{caller}",
        token=token,
        time=local,
    )


def _sender(policy, target) -> str:
    return policy.inbound[0] if policy.inbound else target.phone


def _status_url(settings) -> str:
    return f"{settings.public_base_url}/twilio/status"


def _why(exc) -> str:
    if isinstance(exc, TwilioRestException):
        return f"HTTP {exc.status}, Twilio error {exc.code}"
    return type(exc).__name__
