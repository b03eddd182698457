"""Which webhook signatures oncall.web.signature.signed accepts: Twilio's over the URL as
configured (one HMAC), else twilio's full rules (port 443 either way, JSON bodies by hash);
anything else is refused.

Signatures are computed here with twilio's RequestValidator.compute_signature (what Twilio
does); hashes of JSON bodies with hashlib.
"""

from __future__ import annotations

from hashlib import sha256

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from oncall.web.signature import signed

TOKEN = "test-auth-token-0123456789abcdef"
URL = "https://oncall.example.com/twilio/voice/menu?attempt=1"
URL_443 = "https://oncall.example.com:443/twilio/voice/menu?attempt=1"
FORM = {"CallSid": "CA0123", "From": "+4790000123", "To": "+4721000011", "Digits": "1"}


def sign(url: str, form, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


@pytest.fixture
def validate_calls(monkeypatch):
    """The URLs RequestValidator.validate was asked about (it still answers)."""
    calls: list[str] = []
    original = RequestValidator.validate

    def spy(self, uri, params, signature, algorithm=None):
        calls.append(uri)
        return original(self, uri, params, signature, algorithm)

    monkeypatch.setattr(RequestValidator, "validate", spy)
    return calls


def test_the_exact_url_is_accepted_with_one_hmac(validate_calls):
    assert signed(TOKEN, URL, FORM, sign(URL, FORM)) is True
    assert validate_calls == []  # the fast path answered


def test_a_flask_multidict_form_is_signed_like_a_dict():
    form = MultiDict(FORM)
    assert signed(TOKEN, URL, form, sign(URL, FORM)) is True
    assert signed(TOKEN, URL, form, sign(URL, {**FORM, "Digits": "2"})) is False


def test_a_signature_on_the_url_with_port_443_falls_back_to_validate(validate_calls):
    assert signed(TOKEN, URL, FORM, sign(URL_443, FORM)) is True
    assert validate_calls == [URL]


def test_a_configured_port_443_accepts_twilios_url_without_it(validate_calls):
    assert signed(TOKEN, URL_443, FORM, sign(URL, FORM)) is True
    assert validate_calls == [URL_443]


def test_another_port_is_not_the_default_port():
    other = "https://oncall.example.com:8443/twilio/voice/menu?attempt=1"
    assert signed(TOKEN, URL, FORM, sign(other, FORM)) is False


@pytest.mark.parametrize(
    "how",
    ["wrong-token", "other-url", "http", "changed-param", "extra-param", "truncated", "garbage"],
)
def test_a_wrong_signature_is_refused(how, validate_calls):
    signature = {
        "wrong-token": sign(URL, FORM, token="another-token"),
        "other-url": sign(URL.replace("attempt=1", "attempt=2"), FORM),
        "http": sign(URL.replace("https:", "http:"), FORM),
        "changed-param": sign(URL, {**FORM, "Digits": "3"}),
        "extra-param": sign(URL, {**FORM, "Foo": "bar"}),
        "truncated": sign(URL, FORM)[:-1],
        "garbage": "not-a-signature",
    }[how]
    assert signed(TOKEN, URL, FORM, signature) is False
    assert validate_calls == [URL]  # refused only after twilio's full rules


def test_an_empty_signature_is_refused():
    assert signed(TOKEN, URL, FORM, "") is False


def test_an_empty_token_refuses_even_a_signature_made_with_it(validate_calls):
    assert signed("", URL, FORM, sign(URL, FORM, token="")) is False
    assert validate_calls == []


def test_validators_are_per_token():
    signature = sign(URL, FORM)
    assert signed(TOKEN, URL, FORM, signature) is True
    assert signed("another-token", URL, FORM, signature) is False
    assert signed(TOKEN, URL, FORM, signature) is True


# -- JSON bodies: bodySHA256 in the query -------------------------------------------------------

BODY = '{"CallSid": "CA0123", "Digits": "1"}'


def _json_url(body: str, url: str = URL) -> str:
    return f"{url}&bodySHA256={sha256(body.encode()).hexdigest()}"


def test_a_json_body_with_its_hash_is_accepted(validate_calls):
    url = _json_url(BODY)
    assert signed(TOKEN, url, BODY, sign(url, {})) is True
    assert validate_calls == [url]


def test_a_json_body_with_a_wrong_hash_is_refused(validate_calls):
    url = _json_url(BODY)
    tampered = BODY.replace('"1"', '"2"')
    assert signed(TOKEN, url, tampered, sign(url, {})) is False
    assert validate_calls == [url]


def test_a_body_hash_url_is_never_accepted_by_the_url_hmac_alone(validate_calls):
    # An empty body adds nothing to the HMAC, so the URL-only signature matches it: only
    # validate's body-hash check can tell that the body is not the one that was hashed.
    url = _json_url(BODY)
    assert RequestValidator(TOKEN).compute_signature(url, "") == sign(url, {})
    assert signed(TOKEN, url, "", sign(url, {})) is False
    assert validate_calls == [url]
