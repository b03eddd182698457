"""`python -m oncall ...` as a subprocess against a test's Redis, over the shipped vendor files
(the test run's ONCALL_CONFIG_DIR is left out)."""

from __future__ import annotations

import os
import subprocess
import sys

from oncall.store.redisconn import url_of
from tests.helpers.stack import ROOT


def run_oncall(redis_client, *argv: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The command's exit code, stdout and stderr; `env` adds to (or overrides) the inherited
    environment."""
    inherited = {k: v for k, v in os.environ.items() if k != "ONCALL_CONFIG_DIR"}
    return subprocess.run(
        [sys.executable, "-m", "oncall", *argv],
        cwd=ROOT,
        env={**inherited, "REDIS_URL": url_of(redis_client), **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
