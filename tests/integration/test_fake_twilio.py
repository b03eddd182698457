"""The fake Twilio against the real twilio client: callbacks, injected failures, list filters."""

from __future__ import annotations

import queue
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pendulum
import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from config.settings import Settings
from oncall.clock import FrozenClock
from oncall.telephony import make_twilio_client
from tests.fake_twilio import FakeTwilio

TOKEN = "fake-twilio-test-token-0123456789"
OURS = "+4721000011"
ALICE, BOB = "+4740000101", "+4740000102"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.server.received.put(
            {
                "url": f"{self.server.url}{self.path}",
                "form": dict(parse_qsl(body, keep_blank_values=True)),
                "signature": self.headers.get("X-Twilio-Signature"),
            }
        )
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Receiver:
    """The app's side: an HTTP server in a thread that keeps every POST it gets."""

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.received = queue.Queue()
        self.url = self.server.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def next(self, timeout: float = 5) -> dict:
        post = self.server.received.get(timeout=timeout)
        assert RequestValidator(TOKEN).validate(post["url"], post["form"], post["signature"])
        return post["form"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def clock():
    return FrozenClock(pendulum.datetime(2026, 11, 23, 10, 0, tz="UTC"))


@pytest.fixture
def fake(clock):
    with FakeTwilio(auth_token=TOKEN, clock=clock) as fake:
        yield fake
    assert not [t.name for t in threading.enumerate() if t.name.startswith("fake-twilio")]


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def twilio(fake):
    return make_twilio_client(Settings(twilio_api_base=fake.base_url, twilio_auth_token=TOKEN))


def send(twilio, to=ALICE, **kwargs):
    return twilio.messages.create(to=to, from_=OURS, body="Page: fault at Ryen", **kwargs)


def test_message_status_callbacks_arrive_signed_sent_then_delivered(fake, twilio, receiver):
    url = f"{receiver.url}/twilio/sms/status?page=7&x=a+b"
    message = send(twilio, status_callback=url)
    assert message.status == "queued" and message.sid.startswith("SM")

    statuses = [receiver.next(), receiver.next()]
    assert [s["MessageStatus"] for s in statuses] == ["sent", "delivered"]
    for s in statuses:
        assert (s["MessageSid"], s["To"], s["From"]) == (message.sid, ALICE, OURS)
        assert s["AccountSid"] == message.account_sid and "ErrorCode" not in s
    assert not RequestValidator("another-token").validate(url, statuses[1], "bad")
    assert fake.join_callbacks()
    assert twilio.messages(message.sid).fetch().status == "delivered"
    assert [c["status_code"] for c in fake.callbacks] == [204, 204]


def test_call_status_callbacks_initiated_then_completed(fake, twilio, receiver):
    call = twilio.calls.create(
        to=ALICE, from_=OURS, twiml="<Response/>", status_callback=f"{receiver.url}/twilio/call"
    )
    statuses = [receiver.next(), receiver.next()]
    assert [(s["CallSid"], s["CallStatus"]) for s in statuses] == [
        (call.sid, "initiated"),
        (call.sid, "completed"),
    ]
    assert fake.join_callbacks() and fake.calls[0]["status"] == "completed"


def test_three_503s_then_success(fake, twilio):
    fake.control("fail", status=503, count=3)
    for _ in range(3):
        with pytest.raises(TwilioRestException) as failed:
            send(twilio)
        assert (failed.value.status, failed.value.code) == (503, 20500)
    assert send(twilio).sid
    assert len(fake.messages) == 1


def test_429_and_an_overridden_code(fake, twilio):
    fake.control("fail", status=429)
    fake.control("fail", status=400, code=21610)
    with pytest.raises(TwilioRestException) as throttled:
        send(twilio)
    assert (throttled.value.status, throttled.value.code) == (429, 20429)
    with pytest.raises(TwilioRestException) as stopped:
        send(twilio)
    assert (stopped.value.status, stopped.value.code) == (400, 21610)
    assert fake.messages == []


def test_rejected_number_fails_until_reset(fake, twilio):
    fake.control("reject", number=BOB, code=21610)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as rejected:
            send(twilio, to=BOB)
        assert (rejected.value.status, rejected.value.code) == (400, 21610)
    assert send(twilio, to=ALICE).to == ALICE
    fake.control("reset")
    assert fake.messages == []
    assert send(twilio, to=BOB).to == BOB


def test_delay_makes_the_client_time_out_but_the_message_was_sent(fake, monkeypatch):
    monkeypatch.setattr("oncall.telephony.HTTP_TIMEOUT", 0.3)
    twilio = make_twilio_client(Settings(twilio_api_base=fake.base_url, twilio_auth_token=TOKEN))
    fake.control("delay", seconds=3, count=1)
    with pytest.raises(requests.exceptions.Timeout):
        send(twilio)
    assert send(twilio).status == "queued"  # only the next request was late
    assert len(fake.messages_to(ALICE)) == 2  # the timed-out one went out too: a duplicate


def test_undeliverable_number_reports_30003(fake, twilio, receiver):
    fake.control("undeliverable", number=BOB)
    message = send(twilio, to=BOB, status_callback=f"{receiver.url}/twilio/sms/status")
    assert message.status == "queued"
    sent, final = receiver.next(), receiver.next()
    assert sent["MessageStatus"] == "sent" and "ErrorCode" not in sent
    assert (final["MessageStatus"], final["ErrorCode"]) == ("undelivered", "30003")
    assert fake.join_callbacks()
    fetched = twilio.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == ("undelivered", 30003)


def test_list_filters_by_recipient_and_date_sent_newest_first(fake, twilio, clock):
    clock.at = pendulum.datetime(2026, 11, 22, 23, 30, tz="UTC")
    first = send(twilio, to=ALICE).sid
    clock.advance(hours=10)
    send(twilio, to=BOB)
    clock.advance(hours=1)
    second = send(twilio, to=ALICE).sid
    clock.advance(days=1)
    third = send(twilio, to=ALICE).sid

    assert [m.sid for m in twilio.messages.list(to=ALICE)] == [third, second, first]
    on_23rd = twilio.messages.list(to=ALICE, date_sent_after=date(2026, 11, 23))
    assert [m.sid for m in on_23rd] == [third, second]
    assert on_23rd[1].date_sent == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    assert on_23rd[1].body == "Page: fault at Ryen" and on_23rd[1].error_code is None
    between = twilio.messages.list(date_sent_after="2026-11-23", date_sent_before="2026-11-23")
    assert [m.to for m in between] == [ALICE, BOB]
    before = twilio.messages.list(date_sent_before=datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert [m.sid for m in before] == [first]
    assert twilio.messages.list(from_="+4700000000") == []


def test_inbound_sms_is_signed(fake, receiver):
    response = fake.send_inbound_sms(f"{receiver.url}/twilio/sms", ALICE, OURS, "ACK 7")
    assert response.status_code == 204
    form = receiver.next()
    assert (form["From"], form["To"], form["Body"], form["NumMedia"]) == (ALICE, OURS, "ACK 7", "0")
    assert form["MessageSid"].startswith("SM")


def test_a_dead_app_does_not_break_the_fake(fake, twilio):
    dead = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    url = f"http://127.0.0.1:{dead.server_port}/twilio/sms/status"
    dead.server_close()  # nothing listens there any more
    send(twilio, status_callback=url)
    assert fake.join_callbacks()
    assert [("error" in c, c["params"]["MessageStatus"]) for c in fake.callbacks] == [
        (True, "sent"),
        (True, "delivered"),
    ]
    assert send(twilio).sid and fake.messages[0]["status"] == "delivered"


def test_fetching_an_unknown_message_is_a_20404(twilio):
    with pytest.raises(TwilioRestException) as missing:
        twilio.messages("SM" + "0" * 32).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
