"""A YAML typo in one vendor file, with real processes (issue 9, item 9).

gunicorn is started as the Procfile starts it, and `python -m workers.run` as `make run`
does, on copies of config/vendors in which aidn has a typo (its live version, which a first
start imported into the policy store of the same Redis, serves) and amido has a typo and was
never imported (its calls reach the fallback). Before the fix gunicorn exited ("Worker failed
to boot") and the worker restarted its child in a loop.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from contextlib import suppress
from dataclasses import replace

import pendulum
import requests
from twilio.request_validator import RequestValidator

from bench.processes import free_port
from config.settings import DEFAULT_CONFIG_DIR
from oncall.clock import SystemClock
from oncall.services.incidents import open_incident
from oncall.services.vendors import load_vendor
from oncall.store.incidents import IncidentStore
from oncall.store.redisconn import url_of
from oncall.web import create_app
from tests.fake_twilio import FakeTwilio
from tests.helpers import AUTH_TOKEN
from tests.helpers.stack import ROOT, wait_for
from tests.helpers.web import Gunicorn

AIDN_IN, AMIDO_IN, KOMMUNE_IN = "+4721000011", "+46846500401", "+4721000014"
FALLBACK = "+4722334455"


class Proc:
    """A subprocess in its own process group whose output is collected by a thread."""

    def __init__(self, argv: list[str], env: dict):
        self.lines: list[str] = []
        self.popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.popen.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        with suppress(ProcessLookupError):  # anything left in the group (the scheduler)
            os.killpg(self.popen.pid, signal.SIGKILL)


def _break(directory, vendor: str) -> None:
    path = directory / f"{vendor}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\ntimezone: ", "\ntimezone: [", 1), encoding="utf-8")


def _post(base: str, step: str, to: str) -> ET.Element:
    form = {"CallSid": f"CA{os.urandom(16).hex()}", "From": "+4790000123", "To": to}
    url = f"{base}/twilio/voice/{step}"
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 200, response.text
    return ET.fromstring(response.content)


def _dialled(root: ET.Element) -> list[str]:
    return [n.text for dial in root.iter("Dial") for n in dial.iter("Number")]


def _up(web: Gunicorn, base: str) -> bool:
    assert web.proc.poll() is None, f"gunicorn exited:\n{web.output()}"
    try:
        return requests.get(f"{base}/healthz", timeout=1).ok
    except requests.RequestException:
        return False


def test_a_yaml_typo_in_one_file_stops_no_other_vendor_and_nothing_crash_loops(
    tmp_path, settings, redis_client
):
    directory = tmp_path / "vendors"
    shutil.copytree(DEFAULT_CONFIG_DIR, directory)
    amido = (directory / "amido.yaml").read_text(encoding="utf-8")
    (directory / "amido.yaml").unlink()  # amido: not there at the first start, never imported
    create_app(replace(settings, config_dir=directory), redis_client=redis_client)  # good start
    (directory / "amido.yaml").write_text(amido, encoding="utf-8")
    _break(directory, "aidn")
    _break(directory, "amido")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake = FakeTwilio(auth_token=AUTH_TOKEN).start()
    env = {
        "REDIS_URL": url_of(redis_client),
        "ONCALL_CONFIG_DIR": str(directory),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE": fake.base_url,
        "PUBLIC_BASE_URL": base,
        "ONCALL_FALLBACK_NUMBER": FALLBACK,
        "PYTHONUNBUFFERED": "1",
    }
    web = Gunicorn({**os.environ, **env}, tmp_path / "gunicorn.log", port)
    worker = Proc([sys.executable, "-m", "workers.run"], env)
    try:
        wait_for(lambda: _up(web, base), timeout=90, what="gunicorn answering /healthz")

        kommune = _post(base, "incoming", KOMMUNE_IN)  # a good file: untouched
        assert kommune.find("Gather") is not None
        aidn = _post(base, "incoming", AIDN_IN)  # its live version
        assert aidn.find("Gather") is not None and "Aidn" in ET.tostring(aidn, "unicode")
        for step in ("incoming", "fallback"):  # never imported: the fallback
            amido = _post(base, step, AMIDO_IN)
            assert _dialled(amido) == [FALLBACK] and amido.find("Record") is not None
        assert f"{directory / 'aidn.yaml'}:" in web.output() and "yaml: " in web.output()
        assert f"{directory / 'aidn.yaml'} differs from its live version 1" in web.output()
        assert "vendor amido: " in web.output() and "the store has no version of it" in web.output()

        # the worker runs on the same files: aidn from its live version; a page goes out
        policy = load_vendor(DEFAULT_CONFIG_DIR, "aidn")
        incident_id, _ = open_incident(
            redis_client,
            settings,
            policy,
            "a",
            pendulum.now(policy.tz),
            clock=SystemClock(),
            reference="AIDN-2026-990001",
            message="broken config e2e",
            desk="closed",
        )
        engineer = IncidentStore(redis_client).load(incident_id).plan.step_at(0).targets[0]
        sms = wait_for(lambda: fake.messages_to(engineer.phone), timeout=60, what="the page")
        assert sms[0]["from"] == AIDN_IN
        assert f"{directory / 'aidn.yaml'} differs from its live version 1" in worker.text
        assert worker.popen.poll() is None and "Worker failed to boot" not in web.output()
        assert worker.text.count("worker child") == 1, worker.text  # started once, never again
    finally:
        web.stop()
        worker.stop()
        fake.stop()
        print("--- gunicorn ---", web.output(), "--- worker ---", worker.text, sep="\n")
