"""FakeTwilio: the fake Twilio app (app.py) served from a background thread, for tests."""

from __future__ import annotations

import itertools
import logging
import threading

import requests
from werkzeug.serving import make_server

from tests.fake_twilio.app import create_fake_app
from tests.fake_twilio.inbound import DEFAULT_ACCOUNT
from tests.fake_twilio.responses import STATE
from tests.fake_twilio.state import FakeState, inbound_params, sign


class FakeTwilio:
    """The fake served from a background thread on 127.0.0.1 and a free port."""

    _ids = itertools.count()

    def __init__(self, port: int = 0, auth_token: str | None = None, clock=None):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.app = create_fake_app(auth_token, clock)
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one interval
            name=f"fake-twilio-{next(self._ids)}",
            daemon=True,
        )

    def start(self) -> FakeTwilio:
        self.thread.start()
        return self

    def go_offline(self) -> None:
        """An outage: stop listening, so every request is refused (connection refused, as
        when Twilio's API is unreachable); records and injected failures are kept."""
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()

    def go_online(self) -> None:
        """End an outage: listen again on the same port."""
        port = self.server.server_port
        self.server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-twilio-{next(self._ids)}",
            daemon=True,
        )
        self.thread.start()

    def stop(self) -> None:
        """Stop serving; delayed answers return at once, pending callbacks are awaited."""
        self.state.stopping.set()
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join()
        self.server.server_close()
        self.state.join()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def state(self) -> FakeState:
        return self.app.extensions[STATE]

    @property
    def messages(self) -> list[dict]:
        return self.state.snapshot("messages")

    @property
    def calls(self) -> list[dict]:
        return self.state.snapshot("calls")

    @property
    def callbacks(self) -> list[dict]:
        """Status callbacks posted so far: {url, params, status_code} or {..., error}."""
        return self.state.snapshot("callbacks")

    def messages_to(self, number: str) -> list[dict]:
        return [m for m in self.messages if m["to"] == number]

    def control(self, name: str, **params) -> None:
        """POST a /_fake/<name> control over HTTP, e.g. control("fail", status=503, count=3)."""
        requests.post(f"{self.base_url}/_fake/{name}", data=params, timeout=5).raise_for_status()

    def join_callbacks(self, timeout: float = 10) -> bool:
        """Wait until every status callback so far was posted; False on timeout."""
        return self.state.join(timeout)

    def send_inbound_sms(
        self,
        app_url: str,
        from_: str,
        to: str,
        body: str,
        account_sid: str = DEFAULT_ACCOUNT,
        sid: str | None = None,
    ) -> requests.Response:
        """POST a signed inbound-SMS webhook to the app at the absolute `app_url` (`sid`:
        its MessageSid, default a new one; repeat one to replay, as Twilio's retry does). The
        raw response; /_fake/sms also records the answer as SMS."""
        params = inbound_params(from_, to, body, account_sid, sid)
        headers = sign(self.state.auth_token, app_url, params)
        return requests.post(app_url, data=params, headers=headers, timeout=5)
