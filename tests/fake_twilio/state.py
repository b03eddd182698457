"""What the fake Twilio recorded, the failures it was told to inject, and its callbacks.

Every read and write goes through one lock: the fake serves each request in its own thread
and posts status callbacks from background threads.
"""

from __future__ import annotations

import logging
import operator
import threading
import uuid
from collections import deque
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

import pendulum
import requests
from twilio.request_validator import RequestValidator

from oncall.clock import SystemClock

log = logging.getLogger(__name__)

API_VERSION = "2010-04-01"
CALLBACK_TIMEOUT = 5  # seconds per status-callback POST
ANSWER_WAIT = 1  # seconds a callback waits for the create answer to be sent (test clients)
DEFAULT_CODES = {400: 21211, 401: 20003, 403: 20403, 404: 20404, 429: 20429}  # else 20500
ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}
# (event name for StatusCallbackEvent, CallStatus); the brief's default: initiated, completed
CALL_EVENTS = [
    ("initiated", "initiated"),
    ("ringing", "ringing"),
    ("answered", "in-progress"),
    ("completed", "completed"),
]
DEFAULT_CALL_EVENTS = ("initiated", "completed")
DATE_FILTERS = {"DateSent": operator.eq, "DateSent>": operator.ge, "DateSent<": operator.le}


def new_sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def twilio_error(status: int, code: int | None = None) -> dict:
    """A Twilio-style error body; the twilio client reads .code and .status from it."""
    code = code or DEFAULT_CODES.get(status, 20500)
    return {
        "code": code,
        "message": ERROR_MESSAGES.get(code, f"fake Twilio error {code}"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def sign(auth_token: str | None, url: str, params: dict) -> dict:
    """Headers for a webhook POST, signed like Twilio signs (none without a token)."""
    if not auth_token:
        return {}
    return {"X-Twilio-Signature": RequestValidator(auth_token).compute_signature(url, params)}


def message_params(m: dict) -> dict:
    params = {
        "MessageSid": m["sid"],
        "SmsSid": m["sid"],
        "MessageStatus": m["status"],
        "SmsStatus": m["status"],
        "To": m["to"],
        "From": m["from"],
        "AccountSid": m["account_sid"],
        "ApiVersion": API_VERSION,
    }
    if m["error_code"]:
        params["ErrorCode"] = str(m["error_code"])
    return params


def inbound_params(from_: str, to: str, body: str, account: str, sid: str | None = None) -> dict:
    """The form Twilio POSTs to a number's SMS webhook when a phone texts it."""
    sid = sid or new_sid("SM")
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": account,
        "From": from_,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": API_VERSION,
    }


def call_params(c: dict) -> dict:
    return {
        "CallSid": c["sid"],
        "CallStatus": c["status"],
        "To": c["to"],
        "From": c["from"],
        "AccountSid": c["account_sid"],
        "Direction": "outbound-api",
        "ApiVersion": API_VERSION,
    }


def sent_matches(message: dict, args) -> bool:
    """The DateSent filters, inclusive as Twilio's: a YYYY-MM-DD value compares dates."""
    sent = pendulum.instance(parsedate_to_datetime(message["date_sent"]))
    for name, compare in DATE_FILTERS.items():
        value = args.get(name)
        if value is None:
            continue
        wanted = pendulum.parse(value, tz="UTC")
        left, right = (sent.date(), wanted.date()) if len(value) == 10 else (sent, wanted)
        if not compare(left, right):
            return False
    return True


class FakeState:
    def __init__(self, auth_token: str | None = None, clock=None):
        self.auth_token = auth_token
        self.clock = clock or SystemClock()
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # set on shutdown: delayed requests answer at once
        self.idle = threading.Condition(self.lock)  # notified when `pending` drops
        self.pending = 0  # records whose status has not finished progressing
        self.generation = 0  # bumped by reset: callbacks of an earlier test are dropped
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.messages: list[dict] = []
            self.calls: list[dict] = []
            self.callbacks: list[dict] = []  # {url, params, status_code | error}
            self.failures: deque[tuple[int, int | None]] = deque()  # (HTTP status, code)
            self.delays: deque[float] = deque()
            self.rejected: dict[str, int] = {}  # To -> error code (HTTP 400)
            self.undeliverable: dict[str, int] = {}  # To -> ErrorCode in the callback

    def now(self) -> pendulum.DateTime:
        return pendulum.instance(self.clock.now()).in_timezone("UTC")

    # -- failure controls ------------------------------------------------------------------

    def fail(self, status: int, count: int = 1, code: int | None = None) -> None:
        with self.lock:
            self.failures.extend([(status, code)] * count)

    def delay(self, seconds: float, count: int = 1) -> None:
        with self.lock:
            self.delays.extend([seconds] * count)

    def reject(self, number: str, code: int = 21211) -> None:
        with self.lock:
            self.rejected[number] = code

    def make_undeliverable(self, number: str, code: int = 30003) -> None:
        with self.lock:
            self.undeliverable[number] = code

    def admit(self, to: str | None, message: bool) -> tuple[float, dict | None]:
        """For one create request: (seconds to sleep before answering, error body or None)."""
        with self.lock:
            delay = self.delays.popleft() if self.delays else 0.0
            if self.failures:
                return delay, twilio_error(*self.failures.popleft())
            if message and to in self.rejected:
                return delay, twilio_error(400, self.rejected[to])
            return delay, None

    # -- records ---------------------------------------------------------------------------

    def add(self, kind: str, record: dict) -> dict:
        """Keep `record`; the caller then progresses it with progress()."""
        with self.lock:
            getattr(self, kind).append(record)
            self.pending += 1  # so join() waits for callbacks not yet started
        return record

    def snapshot(self, kind: str) -> list[dict]:
        with self.lock:
            return [dict(r) for r in getattr(self, kind)]

    def message_steps(self, to: str) -> list[tuple[str, int | None, bool]]:
        """(status, error code, post a callback?) after a message was accepted."""
        with self.lock:
            code = self.undeliverable.get(to)
        final = ("undelivered", code, True) if code else ("delivered", None, True)
        return [("sent", None, True), final]

    @staticmethod
    def call_steps(events: list[str]) -> list[tuple[str, int | None, bool]]:
        wanted = set(events or DEFAULT_CALL_EVENTS)
        return [(status, None, event in wanted) for event, status in CALL_EVENTS]

    # -- status progression and callbacks ---------------------------------------------------

    def progress(self, record, steps, callback_url, params_for, answered: threading.Event):
        """Once `answered` is set, move a record added by add() through `steps` in a
        background thread, POSTing signed callbacks; steps: (status, error code, post?)."""
        with self.lock:
            generation = self.generation
        threading.Thread(
            target=self._progress,
            args=(generation, record, steps, callback_url, params_for, answered),
            name=f"fake-twilio-callbacks-{record['sid']}",
            daemon=True,
        ).start()

    def _progress(self, generation, record, steps, callback_url, params_for, answered):
        try:
            answered.wait(ANSWER_WAIT)  # a test client may never close the response
            for status, error_code, post in steps:
                with self.lock:
                    if generation != self.generation or self.stopping.is_set():
                        return
                    record.update(
                        status=status,
                        error_code=error_code,
                        date_updated=self.now().to_rfc2822_string(),
                    )
                    params = params_for(record)
                if callback_url and post:
                    self.post(callback_url, params)
        finally:
            with self.lock:
                self.pending -= 1
                self.idle.notify_all()

    def post(self, url: str, params: dict) -> requests.Response | None:
        """POST a signed webhook; a dead or slow app is logged, never raised."""
        url = url.split("#")[0]  # connection-override fragments are never sent
        entry = {"url": url, "params": params}
        try:
            response = requests.post(
                url,
                data=params,
                headers=sign(self.auth_token, url, params),
                timeout=CALLBACK_TIMEOUT,
            )
            entry["status_code"] = response.status_code
        except Exception as exc:  # the fake must outlive the app under test
            log.warning("fake Twilio: callback to %s failed: %s", url, exc)
            entry["error"] = repr(exc)
            response = None
        with self.lock:
            self.callbacks.append(entry)
        return response

    def deliver_inbound(self, url: str, params: dict) -> dict:
        """An inbound SMS: POST the signed webhook to `url`; each <Message> of the TwiML
        answer is recorded as an SMS to the sender, as Twilio would send it."""
        headers = sign(self.auth_token, url, params)
        try:
            response = requests.post(url, data=params, headers=headers, timeout=CALLBACK_TIMEOUT)
        except requests.RequestException as exc:  # the app is down: say so, like Twilio's log
            return {"sid": params["MessageSid"], "error": repr(exc), "replies": []}
        replies = []
        if response.status_code == 200 and response.text.strip():
            replies = [m.text or "" for m in ElementTree.fromstring(response.text).iter("Message")]
        now = self.now().to_rfc2822_string()
        with self.lock:
            for body in replies:
                sid = new_sid("SM")
                self.messages.append(
                    {
                        "sid": sid,
                        "account_sid": params["AccountSid"],
                        "to": params["From"],
                        "from": params["To"],
                        "body": body,
                        "status": "delivered",
                        "error_code": None,
                        "date_created": now,
                        "date_sent": now,
                        "date_updated": now,
                        "direction": "outbound-reply",
                        "in_reply_to": params["MessageSid"],
                    }
                )
        return {
            "sid": params["MessageSid"],
            "status_code": response.status_code,
            "replies": replies,
        }

    def join(self, timeout: float = CALLBACK_TIMEOUT * 2) -> bool:
        """Wait until every accepted record finished its callbacks; False on timeout."""
        with self.lock:
            return self.idle.wait_for(lambda: self.pending == 0, timeout)
