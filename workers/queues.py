"""Queue names and the enqueue helpers that build deterministic job ids.

Job ids make enqueueing idempotent: a retried webhook enqueues the same id, and RQ's
`unique=True` refuses the duplicate (rq >= 2.8; ids may hold letters, digits, '_' and '-').
"""

from __future__ import annotations

import re

import redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError

PAGES = "pages"  # pages to engineers: always first
SMS = "sms"  # follow-up SMS to callers
ALL = (PAGES, SMS)
RETRY = Retry(max=4, interval=[2, 5, 15, 30])


def _job_id(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_]", "_", p) for p in parts)


def _enqueue(client: redis.Redis, queue: str, func: str, job_id: str, *args) -> bool:
    """True if enqueued now, False if that job already exists."""
    try:
        Queue(queue, connection=client).enqueue(
            func, *args, job_id=job_id, unique=True, retry=RETRY, result_ttl=86400
        )
    except DuplicateJobError:
        return False
    return True


def enqueue_call_page(client: redis.Redis, call_sid: str, once: str, index: int) -> bool:
    """Page the `index`-th number of the call's page list `once`. Numbers stay out of job ids
    and arguments, which RQ logs and keeps."""
    job_id = _job_id("page", call_sid, once, str(index))
    return _enqueue(client, PAGES, "workers.paging.send_call_page", job_id, call_sid, once, index)


def enqueue_caller_sms(client: redis.Redis, call_sid: str) -> bool:
    return _enqueue(
        client, SMS, "workers.followup.send_followup_sms", _job_id("sms", call_sid), call_sid
    )
