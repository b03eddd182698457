"""gunicorn as the Procfile runs it (config/gunicorn.py), for end-to-end tests: started in
its own session on a free port with its output in a file, stopped with its whole group."""

from __future__ import annotations

import os
import signal
import subprocess
from contextlib import suppress
from pathlib import Path

from bench.processes import free_port, procfile_web
from tests.helpers.stack import ROOT


class Gunicorn:
    def __init__(self, env: dict, log: Path, port: int | None = None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                procfile_web(self.port),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def workers(self) -> list[int]:
        pid = self.proc.pid
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def output(self) -> str:
        return self.log.read_text()

    def stop(self) -> None:
        """SIGTERM to the group (gunicorn's graceful stop), SIGKILL after 30 s."""
        with suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
