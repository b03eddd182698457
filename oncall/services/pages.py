"""Pages: one SMS to one engineer, sent exactly once, never given up while it matters.

The attempt record (oncall/store/attempts.py, states in rotas/attempt.py) is the source of
truth. A page is sent by a chain of runs: each run claims the attempt (`sending` is written
before Twilio is asked), and a run that finds `sending` (a run died) or `unknown` (a 5xx, a
timeout, a lost connection) asks Twilio whether the page (its unique token "REFERENCE/step"
is in the body) already exists before sending again; after a 429 (never processed) it just
sends. No Twilio or network error, the reconciliation's included, ends a page: the run hands
it to the next run with capped exponential backoff and jitter (2, 4, 8 ... s, at most
`page_retry_cap_s`) for as long as the incident is triggered, and the sweep
(services/pagesweep.py) takes over a page whose run died or whose job is gone. After MAX_TRIES
failed tries the engineer is also called and the page read out (the SMS keeps trying). A page
that goes out more than LATE_AFTER seconds after its first try says so on the timeline and to
the lead. A 4xx for a bad number skips to the next step and tells the lead; 21610 (the
engineer replied STOP) also tells the lead and calls instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pendulum
from twilio.base.exceptions import TwilioRestException

from ivr.voicepage import voice_page_twiml
from oncall import metrics
from oncall.masking import mask_text
from oncall.services import jobs
from oncall.services.escalation import escalate_now
from oncall.services.root import Services
from oncall.store.attempts import Attempts, Claim, Page
from oncall.store.incidents import IncidentStore
from rotas.attempt import Event, failure_event, needs_reconcile
from rotas.escalation import Target
from rotas.incident import Incident, page_text
from rotas.phone import mask

log = logging.getLogger(__name__)
MAX_TRIES = jobs.RETRIES  # failed SMS tries before the engineer is also called
HOLD = jobs.JOB_TIMEOUT + 4  # seconds a run owns a claimed page: RQ kills a job after
# JOB_TIMEOUT, so a page still `sending` after HOLD belongs to a dead run
LATE_AFTER = 60.0  # seconds after its first try: a page sent later is reported late
STOPPED = 21610  # the recipient replied STOP: Twilio blocks every SMS to them


@dataclass(frozen=True)
class _Run:
    """One claimed run of a page, with what it needs."""

    rt: Services
    store: IncidentStore
    attempts: Attempts
    page: Page
    run: int
    inc: Incident
    target: Target
    key: str
    claim: Claim

    @property
    def client(self):
        return self.store.redis


def _now(svc: Services) -> float:
    return svc.clock.now().timestamp()


def _begin(svc: Services, page: Page, run: int) -> _Run | str:
    """Claim run `run` of `page`, or the reason there is nothing to do."""
    client, rt = svc.redis, svc
    store, attempts = IncidentStore(client), Attempts(client)
    inc = store.load(page.incident_id)
    plan_step = inc.plan.step_at(page.step) if inc else None
    if plan_step is None or page.index >= len(plan_step.targets):
        attempts.forget(page)
        return "gone"
    if inc.state != "triggered":
        attempts.forget(page)
        return "not needed"  # acknowledged or resolved before this page went out
    target = plan_step.targets[page.index]
    key = page.key(target.phone)
    claim = attempts.claim(page, key, run, _now(svc), HOLD)
    if claim.outcome != "claimed":
        return claim.outcome  # sent or failed already, a newer run owns it, or one is sending
    return _Run(rt, store, attempts, page, run, inc, target, key, claim)


def send_page(svc: Services, incident_id: str, step: int, index: int, run: int = 0) -> str:
    r = _begin(svc, Page("page", incident_id, step, index), run)
    if isinstance(r, str):
        return r
    token = f"{incident_id}/{step}"
    if needs_reconcile(r.claim.previous):  # a run died mid-send, or an answer was lost
        try:
            sid = _find_sent(r.rt.telephony.client, r.target.phone, token, r.inc.opened_at)
        except Exception as exc:  # Twilio still unreachable: whether it has the page is unknown
            return _try_later(r, Event.AMBIGUOUS, exc)
        if sid:
            return _sent(r, sid, "found at Twilio")
    r.store.mark_paged(incident_id, r.target.phone, _now(r.rt))  # replies from this phone find it
    policy = r.rt.vendors[r.inc.vendor]
    body = _text(policy, r.inc, r.target, token)
    try:
        sid = r.rt.telephony.send_sms(
            r.target.phone,
            sender(policy, r.target),
            body,
            status_callback=r.rt.urls.status(),
        )
    except Exception as exc:  # incl. a timeout, a refused or dropped connection
        return _failed(r, exc)
    return _sent(r, sid, "sent")


def _sent(r: _Run, sid: str, how: str) -> str:
    now = _now(r.rt)
    r.attempts.sent(r.page, r.key, sid)
    metrics.PAGES_SENT.labels(r.inc.vendor, metrics.channel(r.page.kind)).inc()
    what = r.page.label
    r.store.event(r.inc.id, now, f"{what} {how} to {r.target.name} ({mask(r.target.phone)}): {sid}")
    log.info(mask_text(f"{what} {sid} {how} to {r.target.phone} for {r.inc.id}"))
    _report_late(r, now)
    return "sent"


def _report_late(r: _Run, now: float) -> None:
    """A page that went out LATE_AFTER or more after its first try: the timeline and the lead
    hear how late (once per page)."""
    late = now - (r.claim.due or now)  # as the claim read them: only this run changes them
    if late < LATE_AFTER:
        return
    policy = r.rt.vendors[r.inc.vendor]
    since = r.claim.since
    why = ""
    if since:
        at = pendulum.from_timestamp(since, tz=policy.tz).format("HH:mm")
        why = f" (Twilio unreachable since {at})"
    what = r.page.label
    r.store.event(r.inc.id, now, f"{what} sent {_minutes(late)} late{why}")
    jobs.enqueue_lead_notice(
        r.client,
        r.inc.id,
        f"late-{r.page.kind}-{r.page.step}-{r.page.index}",
        f"{r.inc.id}: {what} to {r.target.name} went out {_minutes(late)} late{why}",
    )


def _minutes(seconds: float) -> str:
    return f"{max(1, round(seconds / 60))} min"


def _failed(r: _Run, exc: Exception) -> str:
    """The send failed: retry later (a 429, a 5xx, no answer), or the number was refused."""
    status = exc.status if isinstance(exc, TwilioRestException) else None
    event = failure_event(r.page.kind, status)
    if event is Event.REJECTED:
        return _rejected(r, exc)
    return _try_later(r, event, exc)


def _try_later(r: _Run, event: Event, exc: Exception) -> str:
    """This try failed: the next run owns the page after a capped, jittered backoff."""
    now, tries, why = _now(r.rt), r.claim.tries, describe(exc)
    delay = jobs.retry_delay(tries, r.rt.settings.page_retry_cap_s)
    if not r.attempts.reschedule(r.page, r.key, r.run, event, now + delay, now, why):
        return "taken over"  # the sweep gave the page to a newer run meanwhile
    jobs.enqueue_page_run(r.client, r.page, r.run + 1, at=now + delay, clock=r.rt.clock)
    metrics.PAGE_RETRIES.labels(r.inc.vendor, metrics.channel(r.page.kind)).inc()
    what = r.page.label
    log.warning("%s %s/%d try %d failed (%s)", what, r.inc.id, r.page.step, tries, why)
    if tries <= MAX_TRIES or tries % 10 == 0:
        r.store.event(
            r.inc.id, now, f"{what} try {tries} failed ({why}); retrying in {delay:.0f} s"
        )
    if r.page.kind == "page" and tries == MAX_TRIES:
        r.store.event(r.inc.id, now, f"page failed {tries} times; calling {r.target.name} as well")
        jobs.enqueue_voice_page(r.client, r.inc.id, r.page.step, r.page.index, clock=r.rt.clock)
    return "retrying"


def _rejected(r: _Run, exc: TwilioRestException) -> str:
    """Twilio refused the number (4xx): the page can never go out this way."""
    inc, target, step = r.inc, r.target, r.page.step
    r.attempts.failed(r.page, r.key, str(exc.code))
    metrics.PAGES_FAILED.labels(inc.vendor, metrics.channel(r.page.kind)).inc()
    what = (
        "replied STOP, so Twilio blocks every SMS to this phone; they must text START"
        if exc.code == STOPPED
        else f"cannot get SMS (Twilio error {exc.code})"
    )
    if r.page.kind == "voice":
        what = f"cannot be called (Twilio error {exc.code})"
    r.store.event(inc.id, _now(r.rt), f"{r.page.kind} to {target.name} failed: {what}")
    jobs.enqueue_lead_notice(
        r.client,
        inc.id,
        f"rejected-{r.page.kind}-{target.phone[-3:]}-{exc.code}",
        f"{inc.id}: {target.name} {what}",
    )
    if r.page.kind == "voice":
        return "failed"
    if exc.code == STOPPED:
        jobs.enqueue_voice_page(r.client, inc.id, step, r.page.index, clock=r.rt.clock)
    escalate_now(r.rt, inc.id, f"page to {target.name} failed", step + 1, failed=True)
    return "failed"


def _find_sent(twilio, phone: str, token: str, since: float) -> str | None:
    """The SID of a message to `phone` whose body carries `token`, if Twilio has one."""
    after = pendulum.from_timestamp(since).subtract(days=1).date()
    for message in twilio.messages.list(to=phone, date_sent_after=after, limit=50):
        if token in (message.body or ""):
            return message.sid
    return None


def call_page(svc: Services, incident_id: str, step: int, index: int, run: int = 0) -> str:
    """Call the engineer and read the page (SMS failed or is blocked), retried like an SMS
    page. A call has no token to look up, so after an ambiguous failure (a 5xx, a timeout)
    the next try calls again: at worst the phone rings twice, never not at all."""
    r = _begin(svc, Page("voice", incident_id, step, index), run)
    if isinstance(r, str):
        return r
    policy = r.rt.vendors[r.inc.vendor]
    text = _text(policy, r.inc, r.target, f"{incident_id}/{step}")
    ack_url = r.rt.urls.page_ack(incident_id)
    twiml = voice_page_twiml(text, r.target.language, ack_url)
    try:
        sid = r.rt.telephony.place_call(r.target.phone, sender(policy, r.target), twiml)
    except Exception as exc:  # incl. a timeout or a lost connection
        return _failed(r, exc)
    return _sent(r, sid, "placed")


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


def sender(policy, target) -> str:
    return policy.inbound[0] if policy.inbound else target.phone


def describe(exc) -> str:
    if isinstance(exc, TwilioRestException):
        return f"HTTP {exc.status}, Twilio error {exc.code}"
    return type(exc).__name__
