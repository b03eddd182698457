"""Logs never show a full phone number: only the last 3 digits survive.

`install()` makes every log record of the process masked when it is created (a log record
factory), so every logger and handler sees the masked text: ours, RQ's, gunicorn's error and
access logs, werkzeug's, and handlers added later. The message is masked, and so are the
traceback (formatted once, here, instead of by each handler's Formatter) and the stack.
"""

from __future__ import annotations

import logging
import re

from rotas.phone import mask

# E.164 or spaced international numbers (+4797328634, +47 973 28 634), the same URL-encoded
# as the twilio client sends them (To=%2B4797328634) and bare national numbers of 8+ digits;
# dates (2026-04-02) and references (AIDN-2026-000123) are left alone.
_NUMBER = re.compile(r"(?:\+|%2[Bb])\d(?:[\d ]|%20){5,17}\d|(?<![\w-])\d{8,15}(?![\w-])")
# A feed URL's token is a secret (oncall/web/feeds.py): its path is logged as /feeds/***.ics.
_FEED_TOKEN = re.compile(r"(/feeds/)[^\s/?#\"']+?(\.ics)?(?=[\s?#\"']|$)")
_URL_PLUS = "%2B"
_TRACEBACKS = logging.Formatter()


def _masked(match: re.Match) -> str:
    number = match.group(0).replace("%20", " ")
    if number[:3].upper() == _URL_PLUS:
        return _URL_PLUS + mask(number[3:])
    return mask(number)


def mask_text(text: str) -> str:
    return _NUMBER.sub(_masked, _FEED_TOKEN.sub(r"\1***\2", text))


def mask_record(record: logging.LogRecord) -> None:
    """Mask the record in place: message, traceback (kept as exc_text, which every Formatter
    prints, with exc_info dropped so no handler formats the raw one) and stack."""
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it when the record is emitted
        return
    masked = mask_text(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info:
        record.exc_text = record.exc_text or _TRACEBACKS.formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


def _masking(factory):
    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        mask_record(record)
        return record

    make_record.masks_numbers = True
    return make_record


def install() -> None:
    """Mask phone numbers in every log record this process creates (idempotent), and quiet
    twilio's HTTP logger, which logs full request bodies at INFO."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "masks_numbers", False):
        logging.setLogRecordFactory(_masking(factory))
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
