"""Escalation: run plan steps on time, stop the moment someone acknowledges.

`escalate(id, n)` is fenced by the incident's `step`: a duplicate, stale or early timer finds
the token elsewhere and does nothing (Grafana OnCall's active_escalation_id). Pages are
enqueued before the token moves, both idempotently, so a crash anywhere re-runs safely.
`sweep()` is the safety net for lost timers and missed response deadlines. Every time is
the services' clock: after the offset clock is fast-forwarded (tests, the demo), the sweep
and `enqueue_due` run what became due, and the step's RQ timer, which still fires at its old
system time, finds the token moved on and does nothing.
"""

from __future__ import annotations

import logging
import time

from oncall import metrics
from oncall.services import jobs
from oncall.services.pagesweep import retry_unsent
from oncall.services.root import Services
from oncall.store.incidents import IncidentStore

log = logging.getLogger(__name__)
SWEEP_GRACE = 5.0  # seconds a step may be late before the sweep re-enqueues it


def escalate(svc: Services, incident_id: str, step: int) -> str:
    client, settings = svc.redis, svc.settings
    store = IncidentStore(client)
    inc = store.load(incident_id)
    if inc is None or inc.state != "triggered" or inc.step != step:
        return "stale"  # acknowledged, resolved, or another run already took this step
    clock = svc.clock
    now = clock.now().timestamp()
    plan_step = inc.plan.step_at(step)
    if plan_step is None:
        return exhausted(svc, store, inc, now)
    for index, target in enumerate(plan_step.targets):
        jobs.enqueue_page(client, incident_id, step, index, clock=clock)
        store.mark_paged(incident_id, target.phone, now)
    # the next step keeps its full delay even when this one ran late (after an outage, or
    # for an incident opened in the past): a backlog never fires the whole chain at once
    due = inc.plan.next_due(step, inc.opened_at, now, settings.escalation_minute)
    jobs.enqueue_escalation(client, incident_id, step + 1, at=due, clock=clock)
    if store.advance(incident_id, step, due):
        names = ", ".join(t.name for t in plan_step.targets)
        store.event(incident_id, now, f"step {step}: paging {names}")
        if step > 0:
            metrics.ESCALATIONS.labels(inc.vendor).inc()
    if int(store.field(incident_id, "hurry") or -1) >= step + 1:  # a page of this step failed
        jobs.enqueue_escalation(client, incident_id, step + 1, now=True)
    return "paged"


def exhausted(svc: Services, store: IncidentStore, inc, now: float) -> str:
    store.advance(inc.id, inc.step, None)  # nothing left to run; respond_by is still watched
    if store.once(inc.id, "exhausted"):
        store.event(inc.id, now, "escalation policy exhausted without acknowledgement")
        jobs.enqueue_lead_notice(
            svc.redis, inc.id, "exhausted", f"{inc.id}: nobody acknowledged; every step was paged"
        )
    return "exhausted"


def escalate_now(
    svc: Services, incident_id: str, reason: str, step: int, *, failed: bool = False
) -> bool:
    """Run escalation step `step` at once (ESC reply, failed delivery), fenced: only while
    the incident's token is still at `step`. The caller names the step it saw (an ESC reply:
    the step it pinned; a failed page of step n: n + 1), so a timer that moves the token in
    between is never followed by a second, early step. True when the incident is escalating
    (a second request for the same step joins the first, a step that ran meanwhile counts).

    `failed`: a page of step `step - 1` failed. If that step has not run yet (its pages go
    out before its escalation job), `step` is marked to run the moment the token reaches it,
    rather than waiting for its timer."""
    store = IncidentStore(svc.redis)
    inc = store.load(incident_id)
    if inc is None or inc.state != "triggered":
        return False
    store.event(incident_id, svc.clock.now().timestamp(), f"escalated now: {reason}")
    if failed and inc.step < step:
        store.set_fields(incident_id, hurry=step)
        inc = store.load(incident_id)  # the step may have run meanwhile
        if inc.step < step:
            return True
    if inc.step == step:  # the job itself is fenced too: it runs only while the token is here
        jobs.enqueue_escalation(svc.redis, incident_id, step, now=True)
    return True


def sweep(svc: Services, now: float | None = None) -> dict:
    """Re-enqueue every escalation step that is overdue (its timer was lost with a worker,
    the scheduler or Redis), and record incidents past their respond_by. A missed respond_by
    is the customer's promise broken: it is recorded and the lead is told, once; it never
    pages anyone (who is paged when follows the plan alone)."""
    now = svc.clock.now().timestamp() if now is None else now
    store = IncidentStore(svc.redis)
    late, missed = [], []
    for inc in _triggered(store):  # each incident read once
        if _enqueue_if_due(svc, inc, now - SWEEP_GRACE):
            late.append(inc.id)
        if inc.respond_by and inc.respond_by < now and store.once(inc.id, "respond_by"):
            missed_respond_by(svc, store, inc, now)
            missed.append(inc.id)
    if late:
        log.warning("sweep re-enqueued %d overdue escalation step(s): %s", len(late), late)
    pages = retry_unsent(svc.redis, now, before=now - SWEEP_GRACE, clock=svc.clock)
    return {"late": late, "missed": missed, "pages": pages}


def enqueue_due(svc: Services) -> list[str]:
    """Enqueue at once every step due by the services' clock, with no grace (after a
    fast-forward of the offset clock: `oncall clock advance`); the incidents."""
    now = svc.clock.now().timestamp()
    return [
        inc.id for inc in _triggered(IncidentStore(svc.redis)) if _enqueue_if_due(svc, inc, now)
    ]


def fast_forward(svc: Services, seconds: float) -> list[str]:
    """Move the offset clock `seconds` ahead for every process, then enqueue what became due
    (the incidents). It first waits out the clocks' cache (OffsetClock.REFRESH, real time):
    a step must not run on a worker that still reads the old time, or it would schedule the
    next step early by the whole advance."""
    svc.clock.advance(seconds)
    time.sleep(svc.clock.REFRESH)
    return enqueue_due(svc)


def _triggered(store: IncidentStore):
    for incident_id in store.triggered_ids():
        inc = store.load(incident_id)
        if inc is not None and inc.state == "triggered":
            yield inc


def _enqueue_if_due(svc: Services, inc, before: float) -> bool:
    """Run the incident's next step now if it was due by `before` (fenced by its step)."""
    if inc.next_step_at is None or inc.next_step_at > before:
        return False
    jobs.enqueue_escalation(svc.redis, inc.id, inc.step, now=True)
    return True


def missed_respond_by(svc: Services, store: IncidentStore, inc, now: float) -> None:
    """Record that the response deadline passed unacknowledged and tell the lead (once)."""
    store.set_fields(inc.id, missed_respond_by=now)
    metrics.RESPOND_BY_MISSED.labels(inc.vendor, inc.severity).inc()
    store.event(inc.id, now, "respond_by passed without acknowledgement")
    log.warning("incident %s: respond_by passed, unacknowledged", inc.id)
    jobs.enqueue_lead_notice(
        svc.redis,
        inc.id,
        "respond-by",
        f"{inc.id}: response deadline passed, nobody has acknowledged yet",
    )
