"""What the benchmarks share: free ports, waiting for a listener, the gunicorn commands, the
worker process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent  # the project


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listening on port {port}")


def procfile_web(port: int, app: str = "oncall.wsgi:app") -> list[str]:
    """The Procfile's web command (config/gunicorn.py), bound to 127.0.0.1:`port`."""
    return [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py",
            "--bind", f"127.0.0.1:{port}", app]  # fmt: skip


def gunicorn(app: str, port: int) -> list[str]:
    """The Procfile's web command: 2 gthread workers x 4 threads."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]


def start_workers(env: dict, log: IO) -> subprocess.Popen:
    """`python -m workers.run` (the Procfile's worker) with its output in `log`, in its own
    process group: what it starts stays in it, so killpg stops them all."""
    return subprocess.Popen(
        [sys.executable, "-m", "workers.run"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
