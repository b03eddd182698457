"""Helpers shared by the tests (fixtures live in the conftest.py files): the test auth token,
what a request wrote to Redis, and the scan for full phone numbers. Submodules: calls (signed
call flows through the voice webhooks), stack (the end-to-end paging stack), paging (its
observers), vendor_files (vendor YAML to mutate and check), factories (rotas values and small
policies), strategies (hypothesis instants over every DST night), production (production-mode
settings and the processes' command lines), cli (`python -m oncall` in a subprocess), and
the others the API and live-reload tests use.
No test module imports another (tests/unit/test_test_layout.py).
"""

from __future__ import annotations

import re

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
TEST_REDIS_ENV = "ONCALL_TEST_REDIS_URL"


def stored_keys(client) -> list[bytes]:
    """The keys in Redis but the policy store's, which the first app start fills (it imports
    the vendor files: oncall/services/live.py), and the rate-limit counters (each write
    counts): what a request wrote."""
    ignored = (b"oncall:policy:", b"oncall:policies:", b"oncall:limits")
    return [k for k in client.keys("*") if not k.startswith(ignored)]


# -- no full phone number in any log line -------------------------------------------------------

# A phone number in full: international (+4790000123, +47 900 00 123, URL-encoded %2B4790000123)
# or a bare Nordic one (8-digit Norwegian, 0-prefixed Swedish, or with 46/47 before it). Masked
# numbers (+*******123), references (AIDN-2026-000123), SIDs, dates (2026-11-24, 20261124) and
# epoch seconds do not match.
FULL_NUMBER = re.compile(
    r"(?:\+|%2[Bb])\d(?: ?\d){7,14}"
    r"|(?<![\w*.:/-])(?!20\d\d[01]\d[0-3]\d\b)(?:0|46|47)?[2-9]\d{7,8}(?![\w.:-])"
)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # what the processes print


def full_numbers(text: str) -> list[str]:
    return FULL_NUMBER.findall(text)


# -- no secret in any log line ------------------------------------------------------------------

# An API token (oc_ + 43 urlsafe characters), a feed URL's token, a password hash, or a password
# the tests sign in with: never in a log line (the feed path is logged as /feeds/***.ics).
SECRET = re.compile(
    r"oc_[A-Za-z0-9_-]{20,}|/feeds/[A-Za-z0-9_-]{20,}|\$argon2(?:id|i|d)\$"
    r"|correct horse battery|test-password-1234"
)


def secrets_in(text: str) -> list[str]:
    return SECRET.findall(text)


def assert_no_full_number(text: str, where: str) -> None:
    lines = [line for line in text.splitlines() if full_numbers(line)]
    assert not lines, f"full phone numbers in {where}:\n" + "\n".join(lines[:20])
