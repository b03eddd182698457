"""Logs never show a full phone number: in the message, URL-encoded in a URL, or in the
traceback of a logged exception. And the suite's log scan finds one that slips through."""

from __future__ import annotations

import logging

import pytest

from oncall.masking import mask_text
from tests.helpers import full_numbers, secrets_in

log = logging.getLogger("tests.masking")
LOOKUP = "/2010-04-01/Accounts/AC0/Messages.json?To=%2B4790000123&PageSize=20"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (LOOKUP, "/2010-04-01/Accounts/AC0/Messages.json?To=%2B*******123&PageSize=20"),
        ("From=%2b46701740615&Body=1", "From=%2B********615&Body=1"),
        ("To=%2B47%20900%2000%20123", "To=%2B*******123"),
        (
            "+4790000123, +47 900 00 124, 90000125, %2B4790000126",
            "+*******123, +*******124, *****125, %2B*******126",
        ),
    ],
)
def test_numbers_are_masked_also_url_encoded(text, masked):
    assert mask_text(text) == masked


def test_a_logged_traceback_shows_no_full_number(caplog):
    caplog.set_level(logging.INFO)
    try:
        raise ConnectionError(f"Max retries exceeded with url: {LOOKUP} (To +4790000124)")
    except ConnectionError:
        log.exception("reconciliation for %s failed", "+4790000125")
    text = caplog.text
    assert "reconciliation for +*******125 failed" in text
    assert "Messages.json?To=%2B*******123&PageSize=20 (To +*******124)" in text
    assert "Traceback" in text and not full_numbers(text)


def test_a_logged_stack_shows_no_full_number(caplog):
    caplog.set_level(logging.INFO)

    def page(number):  # the number is in the source line the stack shows
        log.info("paging", stack_info=True)

    page("+4790000126")
    assert 'page("+*******126")' in caplog.text and not full_numbers(caplog.text)


def test_the_log_scan_finds_a_number_that_slipped_through(no_full_number_in_logs):
    scan = no_full_number_in_logs
    raw = logging.makeLogRecord({"name": "x", "msg": "To=%2B4790000123", "levelno": 40})
    logging.getLogger().handle(raw)  # made by hand: the masking never saw it
    assert scan.leaks and "%2B4790000123" in scan.leaks[0]
    scan.leaks.clear()


@pytest.mark.parametrize(
    "secret",
    [
        "Authorization: Bearer oc_Jq3vV0x9w2bq8dYtq5M1mZ6kE4rS7uL0aPzXcVbNnHg",
        "GET /feeds/Jq3vV0x9w2bq8dYtq5M1mZ6kE4rS7uL0aPzXcVbNnHg.ics 200",
        "record {'password': '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'}",
        "form username=kari password=correct horse battery",
    ],
)
def test_the_log_scan_finds_a_token_or_password_that_slipped_through(
    no_full_number_in_logs, secret
):
    scan = no_full_number_in_logs
    logging.getLogger().handle(logging.makeLogRecord({"name": "x", "msg": secret, "levelno": 40}))
    assert len(scan.leaks) == 1 and secrets_in(scan.leaks[0])
    scan.leaks.clear()


def test_the_log_scan_ignores_a_masked_feed_path_and_token_ids():
    text = "GET /feeds/***.ics 404; token 3f9c0a1b2c4d revoked; feed 7a87f230; oc_ tokens"
    assert secrets_in(text) == []


def test_the_log_scan_ignores_what_is_not_a_phone_number():
    text = (
        "AIDN-2026-000123 SM0123456789abcdef0123456789abcdef at 1764612345.123 on 2026-04-02 "
        "20261124 port 50001 pid 1234567 +*******123 %2B*******123 *****123 esc-AIDN_2026_777001-0"
    )
    assert full_numbers(text) == []
    assert full_numbers("to 97328634, 4797328634, 0701740615 or +46 70 174 06 15") == [
        "97328634",
        "4797328634",
        "0701740615",
        "+46 70 174 06 15",
    ]
