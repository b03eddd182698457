"""The sweep's half for pages: every unsent page whose run should have settled it by now is
handed to a new run, unless its job is still waiting in the queue. A run that died (SIGKILL,
a crash mid-send), a retry timer lost with its scheduler, or a job removed from RQ all end
here; the attempt's run number (oncall/store/attempts.py) makes the old run stale if it ever
comes back, so taking over never sends twice.
"""

from __future__ import annotations

import logging

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job

from oncall.services import jobs
from oncall.store.attempts import Attempts
from oncall.store.incidents import IncidentStore

log = logging.getLogger(__name__)


def retry_unsent(client: redis.Redis, now: float, before: float, *, clock) -> list[str]:
    """Take over unsent pages due for a look before `before` (`now`, `before`: epoch s by
    the services' `clock`); the pages taken over."""
    attempts, store = Attempts(client), IncidentStore(client)
    taken = []
    for page in attempts.overdue(before):
        inc = store.load(page.incident_id)
        step = inc.plan.step_at(page.step) if inc else None
        if inc is None or inc.state != "triggered" or step is None:
            attempts.forget(page)  # acknowledged, resolved or gone: nobody needs it now
            continue
        if page.index >= len(step.targets):
            attempts.forget(page)
            continue
        key = page.key(step.targets[page.index].phone)
        run = attempts.run_of(key)
        if _status(client, jobs.page_job_id(page, run)) == "queued":
            continue  # waiting for a free worker: it will run
        new = attempts.take_over(page, key, run, now + jobs.JOB_TIMEOUT)
        if new is not None:
            jobs.enqueue_page_run(client, page, new, clock=clock)
            taken.append(page.member)
    if taken:
        log.warning("sweep took over %d unsent page(s): %s", len(taken), taken)
    return taken


def _status(client: redis.Redis, job_id: str) -> str | None:
    try:
        return Job.fetch(job_id, connection=client).get_status()
    except NoSuchJobError:
        return None
