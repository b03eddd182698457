"""`python -m workers.run`: the paging worker.

A supervisor process keeps one worker child alive (restarted at once if it dies). The child
is an RQ SimpleWorker with the scheduler: jobs run in-process with twilio already imported,
so a page leaves in milliseconds (a forking worker pays a fork, and without preloading a
twilio import, per job). A job that raises is caught by RQ and retried; a child that crashes
hard is restarted by the supervisor, and RQ's maintenance (every 5 s, heartbeat 5 s + RQ's
fixed 60 s) hands its abandoned job to the retry. A sweep thread re-enqueues overdue
escalation steps every few seconds, also when the worker holding the scheduler died.

No process outlives its parent (Linux: PR_SET_PDEATHSIG): RQ forks the scheduler from the
worker child, and a child killed outright (SIGKILL, OOM) would leave that scheduler running,
holding the scheduler lock, after the supervisor stops. The scheduler gets SIGTERM when the
child dies (it releases its lock, so the next child's scheduler takes over at once), and the
child gets SIGTERM when the supervisor dies (RQ's warm shutdown, which stops its scheduler).
"""

from __future__ import annotations

import argparse
import ctypes
import inspect
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial

from rq import SimpleWorker

import workers.escalation
import workers.followup
import workers.handoff
import workers.notices
import workers.paging  # noqa: F401  imported once: jobs start warm
from config.settings import Settings
from oncall import logs
from oncall.services import escalation, handoff, startup
from oncall.services.jobs import ALL
from oncall.store import health
from workers.runtime import services

WORKER_TTL = 20  # the idle dequeue wakes every worker_ttl - 15 s to run maintenance
MAINTENANCE_INTERVAL = 5
JOB_MONITORING_INTERVAL = 5
SWEEP_EVERY = 5.0  # seconds

log = logging.getLogger("workers.run")


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_prctl = getattr(ctypes.CDLL(None), "prctl", None)  # None where there is no prctl


def die_with_parent(parent: int) -> None:
    """In a process just forked by `parent`: SIGTERM when `parent` dies (kernel-delivered,
    whatever kills it); at once if it died before we asked."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


class Worker(SimpleWorker):
    """Every line logged while a job runs carries its job_id and what its first argument
    names: the incident (incident_id) or the caller's call (call_sid)."""

    def execute_job(self, job, queue):
        services().refresh()  # live config: the job runs on the latest saved policies
        with logs.bound(job_id=job.id, **job_context(job)):
            return super().execute_job(job, queue)


CONTEXT_OF_ARGUMENT = {"incident_id": "incident", "call_sid": "call_sid"}


def job_context(job) -> dict[str, str]:
    try:
        first = next(iter(inspect.signature(job.func).parameters))
        field = CONTEXT_OF_ARGUMENT.get(first)
        return {field: str(job.args[0])} if field and job.args else {}
    except Exception:  # a job whose function cannot be imported: RQ reports that itself
        return {}


def child() -> None:
    os.register_at_fork(after_in_child=partial(die_with_parent, os.getpid()))  # the scheduler
    svc = services()  # one composition per process: vendors load before the first job
    threading.Thread(target=_sweep_forever, args=(svc,), daemon=True, name="sweep").start()
    worker = Worker(
        list(ALL),
        connection=svc.redis,
        worker_ttl=WORKER_TTL,
        maintenance_interval=MAINTENANCE_INTERVAL,
        job_monitoring_interval=JOB_MONITORING_INTERVAL,
    )
    worker.work(with_scheduler=True, logging_level="INFO")


def _sweep_forever(svc) -> None:
    while True:
        time.sleep(SWEEP_EVERY)  # real seconds; what is due is judged by svc.clock
        svc.refresh()  # never raises
        try:
            escalation.sweep(svc)
            health.record_sweep(svc.redis, svc.clock.now().timestamp())  # /readyz
        except Exception:  # Redis restarting: try again next round
            log.exception("sweep failed")
        try:  # shift handoffs: announce the shifts that started since the last pass
            handoff.handoff_pass(svc)
        except Exception:
            log.exception("handoff pass failed")


def supervise() -> int:
    """Run the worker child; restart it whenever it dies, until told to stop."""
    stopping = False
    proc: subprocess.Popen | None = None

    def stop(signum, _frame):
        nonlocal stopping
        stopping = True
        if proc and proc.poll() is None:
            proc.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while not stopping:
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers.run", "--child"],
            preexec_fn=partial(die_with_parent, os.getpid()),  # we have no threads: safe
        )
        log.info("worker child %d started", proc.pid)
        code = proc.wait()
        if not stopping:
            log.warning("worker child %d exited with %s; restarting", proc.pid, code)
            time.sleep(0.5)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = Settings.from_env()
    logs.configure(settings)
    if args.child:
        child()
        return 0
    refusal = startup.check(settings)  # production mode: one line, and no worker starts
    if refusal:
        log.critical(refusal)
        return 1
    return supervise()


if __name__ == "__main__":
    sys.exit(main())
