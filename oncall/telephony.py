"""Telephony over the real twilio client; TWILIO_API_BASE points it at the fake Twilio."""

from __future__ import annotations

from urllib.parse import urlsplit

from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from config.settings import Settings

HTTP_TIMEOUT = 8  # seconds; the twilio client has no timeout by default
SMS_VALIDITY = 600  # seconds: a page that arrives hours late is worse than none


class _BaseUrlHttp(TwilioHttpClient):
    """Send every Twilio REST call to base_url (the fake Twilio in tests and the demo)."""

    def __init__(self, base_url: str):
        super().__init__(timeout=HTTP_TIMEOUT)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        return super().request(method, self.base_url + path, *args, **kwargs)


def make_twilio_client(settings: Settings) -> Client:
    http = (
        _BaseUrlHttp(settings.twilio_api_base)
        if settings.twilio_api_base
        else TwilioHttpClient(timeout=HTTP_TIMEOUT)
    )
    return Client(
        settings.twilio_account_sid, settings.twilio_auth_token or "unset", http_client=http
    )


class Telephony:
    def __init__(self, client: Client):
        self.client = client

    def send_sms(self, to: str, sender: str, body: str, status_callback: str | None = None):
        """Send one SMS; returns Twilio's message SID. Raises TwilioRestException."""
        kwargs = {"status_callback": status_callback} if status_callback else {}
        message = self.client.messages.create(
            to=to, from_=sender, body=body, validity_period=SMS_VALIDITY, **kwargs
        )
        return message.sid

    def place_call(self, to: str, sender: str, twiml: str) -> str:
        """Call `to` and run `twiml` (ivr.voicepage builds the voice page's). Returns the
        call SID. Raises TwilioRestException."""
        call = self.client.calls.create(to=to, from_=sender, twiml=twiml, timeout=30)
        return call.sid
