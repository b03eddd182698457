"""Logs never show a full phone number: only the last 3 digits survive."""

from __future__ import annotations

import logging
import re

from rotas.phone import mask

# E.164 or spaced international numbers (+4797328634, +47 973 28 634) and bare national
# numbers of 8+ digits; dates (2026-04-02) and references (AIDN-2026-000123) are left alone.
_NUMBER = re.compile(r"\+\d[\d ]{5,17}\d|(?<![\w-])\d{8,15}(?![\w-])")


def mask_text(text: str) -> str:
    return _NUMBER.sub(lambda m: mask(m.group(0)), text)


class MaskingFilter(logging.Filter):
    """Rewrites every record's message with phone numbers masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(logger: logging.Logger | None = None) -> None:
    """Mask numbers on every handler of `logger` (root by default) and quiet twilio's
    HTTP logger, which logs full request bodies (with numbers) at INFO."""
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
