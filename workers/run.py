"""`python -m workers.run`: an RQ worker with the scheduler, tuned so a lost job comes back
within ~90 s (rq's defaults take up to ~10 minutes), with twilio and the job modules imported
once in the parent so a forked job starts warm."""

from __future__ import annotations

import logging

from rq import Worker

import workers.followup  # noqa: F401  preload: the work horse forks with these imported
import workers.paging  # noqa: F401
from config.settings import Settings
from oncall import masking
from oncall.redisconn import connect
from workers.queues import ALL

WORKER_TTL = 30  # the idle dequeue wakes every worker_ttl - 15 s to run maintenance
MAINTENANCE_INTERVAL = 5
JOB_MONITORING_INTERVAL = 5


def main() -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    masking.install()
    worker = Worker(
        list(ALL),
        connection=connect(Settings.from_env()),
        worker_ttl=WORKER_TTL,
        maintenance_interval=MAINTENANCE_INTERVAL,
        job_monitoring_interval=JOB_MONITORING_INTERVAL,
    )
    worker.work(with_scheduler=True)


if __name__ == "__main__":
    main()
