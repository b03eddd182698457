"""Escalation: run plan steps on time, stop the moment someone acknowledges.

`escalate(id, n)` is fenced by the incident's `step`: a duplicate, stale or early timer finds
the token elsewhere and does nothing (Grafana OnCall's active_escalation_id). Pages are
enqueued before the token moves, both idempotently, so a crash anywhere re-runs safely.
`sweep()` is the safety net for lost timers and missed response deadlines.
"""

from __future__ import annotations

import logging

import pendulum
import redis

from config.settings import Settings
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
    now = pendulum.now("UTC").timestamp()
    plan_step = inc.plan.step_at(step)
    if plan_step is None:
        return exhausted(client, store, inc, now)
    for index, target in enumerate(plan_step.targets):
        jobs.enqueue_page(client, incident_id, step, index)
        store.mark_paged(incident_id, target.phone, now)
    # the next step keeps its full delay even when this one ran late (after an outage, or
    # for an incident opened in the past): a backlog never fires the whole chain at once
    due = inc.plan.next_due(step, inc.opened_at, now, settings.escalation_minute)
    jobs.enqueue_escalation(client, incident_id, step + 1, at=due)
    if store.advance(incident_id, step, due):
        names = ", ".join(t.name for t in plan_step.targets)
        store.event(incident_id, now, f"step {step}: paging {names}")
    if int(store.field(incident_id, "hurry") or -1) >= step + 1:  # a page of this step failed
        jobs.enqueue_escalation(client, incident_id, step + 1, now=True)
    return "paged"


def exhausted(client: redis.Redis, store: IncidentStore, inc, now: float) -> str:
    store.advance(inc.id, inc.step, None)  # nothing left to run; respond_by is still watched
    if store.once(inc.id, "exhausted"):
        store.event(inc.id, now, "escalation policy exhausted without acknowledgement")
        jobs.enqueue_lead_notice(
            client, inc.id, "exhausted", f"{inc.id}: nobody acknowledged; every step was paged"
        )
    return "exhausted"


def escalate_now(
    client: redis.Redis, incident_id: str, reason: str, failed_step: int | None = None
) -> bool:
    """Run the next step at once (ESC reply, failed delivery, missed deadline). True when the
    incident is escalating (a second request for the same step joins the first).

    `failed_step`: a page of that step failed. If the step itself has not run yet (its pages
    go out before its escalation job), the step after it is marked to run the moment the
    token reaches it, rather than waiting for its timer."""
    store = IncidentStore(client)
    inc = store.load(incident_id)
    if inc is None or inc.state != "triggered":
        return False
    store.event(incident_id, pendulum.now("UTC").timestamp(), f"escalated now: {reason}")
    if failed_step is not None and inc.step <= failed_step:
        store.set_fields(incident_id, hurry=failed_step + 1)
        inc = store.load(incident_id)  # the step may have run meanwhile
        if inc.step <= failed_step:
            return True
    jobs.enqueue_escalation(client, incident_id, inc.step, now=True)
    return True


def sweep(client: redis.Redis, settings: Settings, now: float | None = None) -> dict:
    """Re-enqueue every escalation step that is overdue (its timer was lost with a worker,
    the scheduler or Redis), and record incidents past their respond_by. A missed respond_by
    is the customer's promise broken: it is recorded and the lead is told, once; it never
    pages anyone (who is paged when follows the plan alone)."""
    now = pendulum.now("UTC").timestamp() if now is None else now
    store = IncidentStore(client)
    late, missed = [], []
    for incident_id in store.triggered_ids():  # each incident read once
        inc = store.load(incident_id)
        if inc is None or inc.state != "triggered":
            continue
        if inc.next_step_at is not None and inc.next_step_at <= now - SWEEP_GRACE:
            jobs.enqueue_escalation(client, incident_id, inc.step, now=True)
            late.append(incident_id)
        if inc.respond_by and inc.respond_by < now and store.once(incident_id, "respond_by"):
            missed_respond_by(client, store, inc, now)
            missed.append(incident_id)
    if late:
        log.warning("sweep re-enqueued %d overdue escalation step(s): %s", len(late), late)
    pages = retry_unsent(client, now, before=now - SWEEP_GRACE)
    return {"late": late, "missed": missed, "pages": pages}


def missed_respond_by(client: redis.Redis, store: IncidentStore, inc, now: float) -> None:
    """Record that the response deadline passed unacknowledged and tell the lead (once)."""
    store.set_fields(inc.id, missed_respond_by=now)
    store.event(inc.id, now, "respond_by passed without acknowledgement")
    log.warning("incident %s: respond_by passed, unacknowledged", inc.id)
    jobs.enqueue_lead_notice(
        client,
        inc.id,
        "respond-by",
        f"{inc.id}: response deadline passed, nobody has acknowledged yet",
    )
