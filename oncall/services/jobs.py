"""Queue names and the enqueue helpers that build deterministic job ids.

Job ids make enqueueing idempotent: a retried webhook or a re-run job enqueues the same id,
and RQ's `unique=True` refuses the duplicate (rq >= 2.8; ids hold letters, digits, '_' and
'-'). Numbers never go into ids or arguments: RQ logs and keeps both.

Times (`at`) are epoch seconds by the services' clock. RQ's scheduler runs on the system
time, so a job due at `at` is scheduled as far ahead of the system time as `at` lies ahead
of the clock. After the offset clock is fast-forwarded (tests, the demo), a job already
scheduled still fires at its old system time, later than the clock says it is due: the
sweep runs escalation steps and pages by the clock instead (escalation.enqueue_due), and the
fencing step (escalation) or the attempt's run number (pages) makes the late timer a no-op.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

from oncall.store.attempts import Attempts, Page
from oncall.telephony import HTTP_TIMEOUT

PAGES = "pages"  # pages, escalation steps and lead notices: always first
SMS = "sms"  # follow-up SMS to callers
ALL = (PAGES, SMS)
RESULT_TTL = 86400  # a finished job's id stays taken this long: duplicates are refused
# A job does one Twilio request (8 s timeout) and maybe one reconciliation list. The timeout
# also bounds recovery: a SimpleWorker sends no heartbeat while a job runs, so RQ declares a
# job abandoned at its start + timeout + 60 s; 18 s keeps a lost page's retry near 80 s.
JOB_TIMEOUT = HTTP_TIMEOUT + 10  # a send that hangs is killed, then retried
RETRIES = 4  # RQ's retries of a failing job (so a page gets 1 + RETRIES runs)


def queue_depths(client: redis.Redis) -> dict[str, int]:
    """Jobs waiting in each queue, in one round trip (readiness and the metrics scrape)."""
    pipe = client.pipeline(transaction=False)
    for name in ALL:
        pipe.llen(Queue(name, connection=client).key)
    return dict(zip(ALL, pipe.execute(), strict=True))


def jittered_retry(max_tries: int = RETRIES, base: float = 2.0) -> Retry:
    """Exponential backoff with jitter (RQ's Retry has none): 2, 4, 8, 16 s, each +-30%."""
    return Retry(
        max=max_tries,
        interval=[max(1, round(base * 2**i * random.uniform(0.7, 1.3))) for i in range(max_tries)],
    )


def job_id(*parts) -> str:
    """A job id from its parts: deterministic, so a job is never enqueued twice."""
    return "-".join(re.sub(r"[^A-Za-z0-9_]", "_", str(p)) for p in parts)


def _enqueue(
    client: redis.Redis, queue: str, func: str, jid: str, *args, at=None, clock=None
) -> bool:
    """True if enqueued now, False if that job id already exists. `at`: epoch seconds by
    `clock` (None: at once)."""
    q = Queue(queue, connection=client)
    job = q.create_job(
        func,
        args=args,
        job_id=jid,
        retry=jittered_retry(),
        result_ttl=RESULT_TTL,
        timeout=JOB_TIMEOUT,
    )
    try:
        delay = None if at is None else at - clock.now().timestamp()
        if delay is None or delay <= 0:
            q.enqueue_job(job, unique=True)
        else:  # enqueue_at ignores unique=True: schedule the created job uniquely
            q.schedule_job(job, system_time_in(delay), unique=True)
    except DuplicateJobError:
        return False
    return True


def system_time_in(seconds: float) -> datetime:
    """The system time `seconds` from now: when RQ's scheduler (which runs on the system
    time, whatever the services' clock says) must release a job due that far ahead."""
    return datetime.now(UTC) + timedelta(seconds=seconds)


def enqueue_caller_sms(client: redis.Redis, call_sid: str) -> bool:
    return _enqueue(
        client, SMS, "workers.followup.send_followup_sms", job_id("sms", call_sid), call_sid
    )


def enqueue_escalation(
    client: redis.Redis,
    incident_id: str,
    step: int,
    at: float | None = None,
    *,
    now: bool = False,
    clock=None,
) -> bool:
    """Run escalation step `step` of the incident at `at` (epoch s by `clock`; None: at
    once). `now`: an extra, immediate run (ESC reply, failed delivery, the sweep) beside the
    scheduled one; the incident's fencing step makes whichever runs second a no-op."""
    jid = job_id("esc", incident_id, step, "now" if now else "due")
    func = "workers.escalation.escalate"
    return _enqueue(client, PAGES, func, jid, incident_id, step, at=at, clock=clock)


PAGE_FUNCS = {"page": "workers.paging.send_page", "voice": "workers.paging.call_page"}


def page_job_id(page: Page, run: int = 0) -> str:
    """Run `run` of a page: run 0 is "page-ID-step-index" (or "voice-..."), later runs (each
    retry, each sweep take-over) add "-rN": every run has its own id, never reused."""
    parts = (page.kind, page.incident_id, page.step, page.index)
    return job_id(*parts) if run == 0 else job_id(*parts, f"r{run}")


def enqueue_page_run(
    client: redis.Redis, page: Page, run: int = 0, at: float | None = None, *, clock
) -> bool:
    """Run `run` of a page, at `at` (epoch s by `clock`; None: now). Run 0 also puts the
    page in the unsent index, so that even a job lost before its first run is found by the
    sweep."""
    if run == 0:
        Attempts(client).expect(page, clock.now().timestamp() + JOB_TIMEOUT)
    args = (page.incident_id, page.step, page.index, run)
    jid = page_job_id(page, run)
    return _enqueue(client, PAGES, PAGE_FUNCS[page.kind], jid, *args, at=at, clock=clock)


def enqueue_page(client: redis.Redis, incident_id: str, step: int, index: int, *, clock) -> bool:
    """Page target `index` of plan step `step` (numbers are read from the frozen plan)."""
    return enqueue_page_run(client, Page("page", incident_id, step, index), clock=clock)


def retry_delay(tries: int, cap: float, base: float = 2.0) -> float:
    """Seconds before the next try of a page that failed `tries` times: 2, 4, 8, ... capped
    at `cap`, each shortened by up to 30% at random (pages that failed together spread)."""
    nominal = min(max(cap, 1.0), base * 2 ** min(tries - 1, 30))  # a cap below 1 s: 1 s
    return nominal * random.uniform(0.7, 1.0)


def enqueue_summary(
    client: redis.Redis, incident_id: str, now: float, every_s: float, *, clock
) -> bool:
    """At most one "+N more calls" SMS per window of `every_s` seconds (`now`: the call's
    time by `clock`). A call whose window's summary already ran (RQ fires up to a second
    early) is counted in the next window's."""
    window = int(now // every_s)
    for w in (window, window + 1):
        if _enqueue(
            client,
            PAGES,
            "workers.notices.send_summary",
            job_id("summary", incident_id, w),
            incident_id,
            at=(w + 1) * every_s,
            clock=clock,
        ):
            return True
    return False


def enqueue_lead_notice(
    client: redis.Redis, incident_id: str, key: str, text: str, run: int = 0, at=None, clock=None
) -> bool:
    """Tell the incident's lead something, once per `key` (`run` > 0: a retry, at `at` by
    `clock`)."""
    parts = ("lead", incident_id, key) + ((f"r{run}",) if run else ())
    return _enqueue(
        client,
        PAGES,
        "workers.notices.notify_lead",
        job_id(*parts),
        incident_id,
        key,
        text,
        run,
        at=at,
        clock=clock,
    )


def enqueue_voice_page(
    client: redis.Redis, incident_id: str, step: int, index: int, *, clock
) -> bool:
    """Call the engineer and read the page (SMS could not be sent)."""
    return enqueue_page_run(client, Page("voice", incident_id, step, index), clock=clock)


def _handoff_id(kind: str, key: str, run: int) -> str:
    """`kind` + the handoff key's parts (vendor, layer, person id, shift start): no numbers."""
    parts = (kind, *key.split(":")[2:]) + ((f"r{run}",) if run else ())
    return job_id(*parts)


def enqueue_handoff_sms(
    client: redis.Redis, key: str, run: int = 0, at=None, *, clock=None
) -> bool:
    """Send the handoff SMS of handoff `key` (run > 0: a retry after a Twilio
    failure, at `at` by `clock`)."""
    jid = _handoff_id("handoff", key, run)
    return _enqueue(
        client, PAGES, "workers.handoff.send_handoff", jid, key, run, at=at, clock=clock
    )


def enqueue_handoff_check(client: redis.Redis, key: str, at: float, run: int = 0, *, clock) -> bool:
    """At `at` by `clock`, tell the lead if handoff `key` is still unconfirmed (run > 0: a
    retry)."""
    jid = _handoff_id("handoff-check", key, run)
    return _enqueue(
        client, PAGES, "workers.handoff.check_handoff", jid, key, run, at=at, clock=clock
    )
