"""Logging of every process: one JSON object per line (or text, for a terminal), each line
carrying what is known of the call it serves: call_sid, reference, incident and job_id (and
message_sid for an SMS webhook).

The web binds call_sid and reference while it answers a webhook, and incident once the call
opens or joins one; the worker binds job_id and the job's incident (or call_sid). So one call
can be followed from its webhooks to the worker's pages: filter on call_sid, then on the
incident it opened. The fields live in a context variable (per thread and per task) and are
added to each record when it is created, as the phone numbers are masked (oncall/masking.py).
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from config.settings import Settings
from oncall import masking

FIELDS = ("call_sid", "message_sid", "reference", "incident", "job_id")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
CONTEXT = "oncall_context"  # the record attribute holding the fields
JSON_NAMES = {"asctime": "time", "levelname": "level", "name": "logger"}

_context: ContextVar[dict[str, str] | None] = ContextVar("oncall_log_context", default=None)


def context() -> dict[str, str]:
    """The fields bound in this thread or task."""
    return dict(_context.get() or {})


def bind(**fields) -> None:
    """Add fields (None or empty: left out) to every record logged from here on, in this
    thread or task, until `clear()`."""
    given = {k: str(v) for k, v in fields.items() if k in FIELDS and v}
    if given:
        _context.set({**context(), **given})


def clear() -> None:
    _context.set(None)


@contextmanager
def bound(**fields):
    """The fields bound for the block only."""
    token = _context.set(context())
    bind(**fields)
    try:
        yield
    finally:
        _context.reset(token)


def _with_context(factory):
    def make_record(*args, **kwargs) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.oncall_context = _context.get() or {}  # one attribute: extras keep their names
        return record

    make_record.adds_context = True
    # masking.install() wraps only a factory that does not mask yet: keep its mark visible
    make_record.masks_numbers = getattr(factory, "masks_numbers", False)
    return make_record


class JsonLines(JsonFormatter):
    """time, level, logger, message, the context fields, and exc_info with a traceback."""

    def __init__(self):
        super().__init__(JSON_FORMAT, rename_fields=JSON_NAMES, json_ensure_ascii=False)

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_record, record, message_dict)
        log_record.pop(CONTEXT, None)
        for name, value in getattr(record, CONTEXT, {}).items():
            log_record.setdefault(name, value)  # a record's own extra of that name wins


class Text(logging.Formatter):
    """The classic line, the context fields after it in brackets."""

    def __init__(self):
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, CONTEXT, {})
        known = [f"{name}={fields[name]}" for name in FIELDS if name in fields]
        if not known:
            return line
        first, newline, rest = line.partition("\n")  # after the message, before a traceback
        return f"{first} [{' '.join(known)}]{newline}{rest}"


FORMATTERS = {"json": JsonLines, "text": Text}


class _Stderr(logging.StreamHandler):
    """sys.stderr as it is when a record is written (a test runner swaps it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def install() -> None:
    """Masked records (oncall/masking.py) that carry the context fields (idempotent)."""
    masking.install()
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "adds_context", False):
        logging.setLogRecordFactory(_with_context(factory))


def configure(settings: Settings, level: int = logging.INFO) -> None:
    """The process's log output: records at `level` and above to stderr in settings.log_format.
    Like logging.basicConfig, it adds no handler when the root logger already has one (a
    test runner's, or one configured before); the masking and the context fields are always
    installed."""
    install()
    root = logging.getLogger()
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    if not root.handlers:
        handler = _Stderr()
        handler.setFormatter(FORMATTERS[settings.log_format]())
        root.addHandler(handler)


def gunicorn_logconfig(settings: Settings) -> dict:
    """gunicorn's `logconfig_dict`: its error and access logs in settings.log_format."""
    formatter = {"()": FORMATTERS[settings.log_format]}
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "oncall",
        "stream": "ext://sys.stderr",
    }
    access = {**handler, "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"oncall": formatter},
        "handlers": {"error_console": handler, "console": access},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
        "root": {"level": "INFO", "handlers": ["error_console"]},
    }
