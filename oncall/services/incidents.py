"""Opening incidents: from a call whose route pages, or from `python -m oncall page`.

The plan is frozen at open time; step 0 is enqueued at once. A call during an open incident
of the same vendor and the same or a more severe severity attaches to it instead (call
storm; the rule is rotas.callrules.covers): no new page, at most one "+N more calls" summary
per window.
"""

from __future__ import annotations

import redis

from config.settings import Settings
from oncall.services import jobs
from oncall.store.incidents import IncidentStore
from rotas.callrules import rank
from rotas.escalation import freeze_plan
from rotas.incident import Incident
from rotas.phone import mask
from rotas.policy import VendorPolicy
from rotas.workingtime import deadline


def open_incident(
    client: redis.Redis,
    settings: Settings,
    policy: VendorPolicy,
    severity_id: str,
    at,
    *,
    clock,
    reference: str,
    caller: str = "",
    message: str = "",
    desk: str | None = None,
    call: str | None = None,
    covered: bool = True,
    store: IncidentStore | None = None,
) -> tuple[str, bool]:
    """Open (or attach to) an incident; returns (incident id, attached). `desk` ("open" or
    "closed") picks the rule whose page plan applies; default: the desk's state at `at`.
    `covered` False: nobody is on duty, the lead is paged at once (see freeze_plan). Without
    `call` it is a manual page: attached, its message goes on the incident's timeline.
    `clock`: the services' clock (`at` may lie in the past: a manual page `--at`). `store`:
    the process's incident store (it remembers the storm's incidents between calls)."""
    sev = policy.severity(severity_id)
    desk_open = policy.calendar.is_open(at) if desk is None else desk == "open"
    rule = sev.open if desk_open else sev.closed
    now = at.timestamp()
    respond_by = deadline(policy, at, sev.respond, rule=rule)
    inc = Incident(
        id=reference,
        vendor=policy.id,
        severity=sev.id,
        rank=rank(sev),
        message=message or f"{sev.text('label', 'en')} call",
        caller=caller,
        state="triggered",
        opened_at=now,
        respond_by=respond_by.timestamp() if respond_by else None,
        plan=freeze_plan(policy, rule, at, covered=covered),
        step=0,
        next_step_at=now,
    )
    store = store or IncidentStore(client)
    window = settings.storm_window_s
    incident_id, attached, new = store.open_or_attach(inc, window, call or f"manual-{reference}")
    if attached and new:
        if call is None:
            store.event(incident_id, now, f"manual page {reference} attached: {inc.message}")
        else:
            store.event(incident_id, now, f"call {reference} attached ({mask(caller)})")
        every = settings.summary_minutes * settings.escalation_minute
        jobs.enqueue_summary(client, incident_id, now, every, clock=clock)
    elif not attached:  # also on a retry: the job ids are unique, a lost enqueue comes back
        if new:
            store.event(incident_id, now, f"opened: {inc.message}")
        first = inc.plan.step_at(0)
        if first is not None and first.after == 0:  # step 0 pages now: skip a job hop
            for index in range(len(first.targets)):
                jobs.enqueue_page(client, incident_id, 0, index, clock=clock)
        jobs.enqueue_escalation(client, incident_id, 0)
    return incident_id, attached
