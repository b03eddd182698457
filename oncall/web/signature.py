"""@twilio_signed: X-Twilio-Signature checked against PUBLIC_BASE_URL + the raw path and query.

The URL is rebuilt from configuration, never from the request's Host or scheme, so it is
right behind a TLS-terminating proxy; the query string is used byte for byte (re-encoding it
is the classic cause of false 403s). No auth token configured -> every request is refused.

A POST is signed over the URL and its form parameters. A GET (a number whose webhook method
is set to GET in Twilio's console) carries Twilio's parameters in the query and is signed
over the URL alone; once it is verified the views find those parameters in `request.form`,
as for a POST. POST stays the recommended method: a GET puts caller numbers and SMS texts in
the URL (the access log leaves the query out) and a long SMS may not fit in a request line.
"""

from __future__ import annotations

import logging
from functools import lru_cache, wraps

from flask import abort, request
from twilio.request_validator import RequestValidator, compare

from oncall.web.context import services

log = logging.getLogger(__name__)


def public_url() -> str:
    base = services().settings.public_base_url
    query = request.query_string.decode("latin-1")
    return base + request.path + (f"?{query}" if query else "")


def signed(token: str, url: str, form, signature: str) -> bool:
    """twilio's check: first the URL exactly as configured (one HMAC: the common case), then
    RequestValidator.validate's full rules (the URL with and without its default port, and
    the body hash of a JSON body)."""
    if not (token and signature):
        return False
    validator = _validator(token)
    if "bodySHA256" not in url and compare(validator.compute_signature(url, form), signature):
        return True
    return validator.validate(url, form, signature)


@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def twilio_signed(view):
    @wraps(view)
    def checked(*args, **kwargs):
        token = services().settings.twilio_auth_token
        signature = request.headers.get("X-Twilio-Signature", "")
        posted = request.method == "POST"
        if not signed(token, public_url(), request.form if posted else {}, signature):
            log.warning("403: bad or missing Twilio signature for %s", request.path)
            abort(403)
        if not posted:
            request.form = request.args  # Twilio's parameters, where the views read them
        return view(*args, **kwargs)

    return checked
