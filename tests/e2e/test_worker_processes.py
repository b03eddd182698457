"""`python -m workers.run` leaves no process behind: a worker child killed outright takes
RQ's scheduler (which it forked) with it, the next child gets the scheduler lock and runs
scheduled jobs, and once the supervisor stops nothing of its process tree is left."""

from __future__ import annotations

import os
import signal
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

from rq import Queue

from bench.processes import start_workers
from oncall.services.jobs import PAGES
from oncall.store.redisconn import url_of
from tests.helpers import AUTH_TOKEN
from tests.helpers.stack import wait_for


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, process group) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    state, ppid, pgrp = text[text.rindex(")") + 2 :].split()[:3]
    return state, int(ppid), int(pgrp)


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has finished


def group(pgid: int) -> dict[int, int]:
    """Live processes of a process group (orphans included), pid -> parent pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        stat = _stat(int(entry.name)) if entry.name.isdigit() else None
        if stat and stat[0] != "Z" and stat[2] == pgid:
            found[int(entry.name)] = stat[1]
    return found


def children(pid: int, pgid: int) -> list[int]:
    return [p for p, parent in group(pgid).items() if parent == pid]


def child_and_scheduler(supervisor: int) -> tuple[int, int] | None:
    """The supervisor's worker child and the scheduler it forked, once both run."""
    kids = children(supervisor, supervisor)
    schedulers = children(kids[0], supervisor) if len(kids) == 1 else []
    return (kids[0], schedulers[0]) if len(schedulers) == 1 else None


def test_a_killed_worker_child_takes_its_scheduler_along_and_nothing_outlives_the_supervisor(
    redis_client, tmp_path
):
    env = {
        **os.environ,
        "REDIS_URL": url_of(redis_client),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE": "http://127.0.0.1:9",  # no Twilio needed: nothing is paged
        "PYTHONUNBUFFERED": "1",
    }
    with open(tmp_path / "workers.log", "w") as log:
        supervisor = start_workers(env, log)  # its own process group
    pid = supervisor.pid
    try:
        child, scheduler = wait_for(
            lambda: child_and_scheduler(pid), timeout=60, what="worker child and its scheduler"
        )
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: not alive(scheduler), timeout=30, what="the orphaned scheduler to stop")

        new_child, _ = wait_for(
            lambda: (found := child_and_scheduler(pid)) and found[0] != child and found,
            timeout=60,
            what="the next worker child with a scheduler",
        )
        job = Queue(PAGES, connection=redis_client).enqueue_in(timedelta(seconds=1), os.getpid)
        wait_for(
            lambda: job.get_status(refresh=True) == "finished",
            timeout=60,
            what="the scheduled job to run",
        )
        assert job.return_value() == new_child

        supervisor.send_signal(signal.SIGTERM)  # the supervisor alone, as a service manager may
        supervisor.wait(timeout=60)
        wait_for(lambda: not group(pid), timeout=30, what="every process of the tree to stop")
    finally:
        with suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        supervisor.wait()
        print((tmp_path / "workers.log").read_text())  # shown when the test fails
