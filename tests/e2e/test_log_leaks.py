"""No full phone number in the worker's tracebacks or in gunicorn's logs, and no request
body larger than Twilio's reaches the app: real `python -m workers.run` and a real gunicorn
started from the Procfile's settings (config/gunicorn.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import urllib.request
from contextlib import suppress
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode

import pytest
from rq import Queue
from twilio.request_validator import RequestValidator

from bench.processes import free_port
from oncall.services.feeds import create_feed, revoke_feed
from oncall.services.jobs import PAGES
from oncall.store.redisconn import url_of
from tests.helpers import AUTH_TOKEN, assert_no_full_number, full_numbers, stored_keys
from tests.helpers.stack import ROOT, wait_for
from tests.helpers.web import Gunicorn

TWILIO_LOOKUP = "/2010-04-01/Accounts/AC0/Messages.json?To=%2B4790000123&PageSize=20"


def test_a_worker_traceback_with_a_url_encoded_number_is_masked(stack):
    """A request that fails with the number in its URL (as the twilio client's message
    lookup does), run as a job by the real worker: RQ logs the job and its traceback."""
    url = "http://127.0.0.1:9" + TWILIO_LOOKUP  # nothing listens there
    job = Queue(PAGES, connection=stack.redis).enqueue("requests.get", url, timeout=10)
    wait_for(lambda: job.get_status(refresh=True) == "failed", timeout=60, what="the job to fail")
    masked = "Messages.json?To=%2B*******123&PageSize=20"
    wait_for(
        lambda: "Traceback" in stack.log_text() and masked in stack.log_text(),
        what="the job's traceback in the worker's log",
    )
    assert_no_full_number(stack.log_text(), "the worker output")  # the stack checks it too


# -- gunicorn -------------------------------------------------------------------------------------


class Web(Gunicorn):
    def get(self, path_and_query: str, signed: bool = True) -> tuple[int, bytes]:
        url = self.base + path_and_query
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = RequestValidator(AUTH_TOKEN).compute_signature(url, {})
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as r:
                return r.status, r.read()
        except HTTPError as error:
            return error.code, b""


@pytest.fixture
def web(redis_client, tmp_path):
    """gunicorn as the Procfile runs it (config/gunicorn.py), on a free port."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "REDIS_URL": url_of(redis_client),
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE": "http://127.0.0.1:9",  # nothing is sent to Twilio here
        "PUBLIC_BASE_URL": base_url,
    }
    server = Web(env, tmp_path / "gunicorn.log", port)
    try:
        wait_for(lambda: _healthy(base_url), timeout=60, what="gunicorn to answer")
        wait_for(lambda: len(server.workers()) == 2, timeout=60, what="both gunicorn workers")
        yield server
    finally:
        server.stop()
        print("--- gunicorn output ---", server.output(), sep="\n")  # shown when a test fails


def _healthy(base_url: str) -> bool:
    with suppress(OSError), urllib.request.urlopen(base_url + "/healthz", timeout=2) as r:
        return r.status == 200
    return False


def test_get_webhooks_are_answered_and_the_access_log_shows_no_number(web):
    sms = urlencode({"MessageSid": "SM1", "From": "+4790000123", "To": "+4721000011", "Body": "1"})
    call = urlencode({"CallSid": "CA1", "From": "+4790000124", "To": "+4721000011"})
    status, body = web.get(f"/twilio/voice/incoming?{call}")
    assert status == 200 and b"<Gather" in body
    assert web.get(f"/twilio/sms?{sms}")[0] == 200
    assert web.get(f"/twilio/sms?{sms}", signed=False)[0] == 403
    wait_for(
        lambda: web.output().count('"GET /twilio/') >= 3, what="the requests in the access log"
    )
    assert '"GET /twilio/sms HTTP/1.1" 200' in web.output()
    assert '"GET /twilio/sms HTTP/1.1" 403' in web.output()
    assert "+*******123" in web.output()  # the app's own line about the SMS, masked
    assert_no_full_number(web.output(), "gunicorn's output")


def test_a_feed_is_served_and_gunicorn_logs_no_token(web, redis_client):
    token, info = create_feed(redis_client, kind="person", phone="+4740000101", owner="kari")
    status, body = web.get(f"/feeds/{token}.ics", signed=False)
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    revoke_feed(redis_client, info.id)
    assert web.get(f"/feeds/{token}.ics", signed=False)[0] == 404
    wait_for(lambda: web.output().count('"GET /feeds/') >= 2, what="the requests in the log")
    assert '"GET /feeds/***.ics HTTP/1.1" 200' in web.output()
    assert '"GET /feeds/***.ics HTTP/1.1" 404' in web.output()
    assert token not in web.output()


def _peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


def test_a_50_mb_unsigned_post_is_refused_before_it_is_read(web, redis_client):
    """Refused from its Content-Length: the body is neither read nor parsed, and no worker's
    peak memory grows (a parsed 50 MB form of short fields costs a worker over a GB)."""
    size = 50 * 1024 * 1024
    before = {pid: _peak_rss_kib(pid) for pid in web.workers()}
    head = (
        "POST /twilio/sms HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {size}\r\nConnection: close\r\n\r\n"
    )
    chunk = b"a=1&" * (256 * 1024)  # 1 MiB of short fields
    with socket.create_connection(("127.0.0.1", web.port)) as conn:
        conn.settimeout(120)

        def send_body():
            with suppress(OSError):  # the server closes once it has answered
                conn.sendall(head.encode())
                for _ in range(size // len(chunk)):
                    conn.sendall(chunk)

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        answer = conn.recv(200)
        sender.join(timeout=120)
    assert answer.startswith(b"HTTP/1.1 413"), answer
    growth = max(_peak_rss_kib(pid) - kib for pid, kib in before.items())
    print(f"peak RSS growth of a gunicorn worker: {growth} KiB")
    assert growth < 16 * 1024
    assert stored_keys(redis_client) == []
    assert not full_numbers(web.output())


def test_the_fake_twilio_request_log_shows_no_number(tmp_path):
    """`make run` runs the fake Twilio as a process; its request log has the client's
    message lookups, whose query holds the number."""
    port = free_port()
    log = tmp_path / "fake.log"
    with open(log, "w") as out:
        fake = subprocess.Popen(
            [sys.executable, "-m", "tests.fake_twilio", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}{TWILIO_LOOKUP}"
        wait_for(lambda: _answers(url), timeout=60, what="the fake Twilio to answer")
        wait_for(lambda: "Messages.json" in log.read_text(), what="its request log line")
    finally:
        fake.terminate()
        fake.wait(timeout=30)
    assert "Messages.json?To=%2B*******123" in log.read_text()
    assert_no_full_number(log.read_text(), "the fake Twilio's log")


def _answers(url: str) -> bool:
    with suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
        return r.status == 200
    return False
