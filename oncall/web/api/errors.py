"""The API's one error shape, for every status and every cause:

    {"error": {"status": 404, "code": "not_found", "message": "...", "details": [...]}}

`details` holds field problems {"path": "query.start", "message": "..."} (422), else is empty.
Only paths under the API's prefix get it: the webhooks and health checks keep Flask's own.
"""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import request
from werkzeug.exceptions import HTTPException

PREFIX = "/api/v1"
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    428: "precondition_required",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
log = logging.getLogger(__name__)


class ErrorDetailSchema(ma.Schema):
    path = ma.fields.String(required=True, metadata={"description": "e.g. query.start"})
    message = ma.fields.String(required=True)


class ErrorBodySchema(ma.Schema):
    status = ma.fields.Integer(required=True)
    code = ma.fields.String(required=True, metadata={"description": "stable, e.g. not_found"})
    message = ma.fields.String(required=True)
    details = ma.fields.List(ma.fields.Nested(ErrorDetailSchema), required=True)


class ErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorBodySchema, required=True)


def error_body(status: int, message: str, details: list[dict] | None = None) -> dict:
    code = CODES.get(status) or ("server_error" if status >= 500 else "client_error")
    return {"error": {"status": status, "code": code, "message": message, "details": details or []}}


def handle_http_exception(error: HTTPException):
    """Every HTTP error under the API prefix in the one shape (500 included: Flask passes
    an unhandled exception here as InternalServerError); other paths keep Flask's answer."""
    if not _in_api():
        return error
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details = flatten(data.get("messages") or data.get("errors") or {})
    message = data.get("message") or _message(error, status, details)
    headers = dict(data.get("headers") or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="oncall"')
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    return error_body(status, message, details), status, headers


def _in_api() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _message(error: HTTPException, status: int, details: list[dict]) -> str:
    if status == 422 and details:
        return "invalid input: " + "; ".join(f"{d['path']}: {d['message']}" for d in details[:5])
    if status >= 500:
        return "internal error" if status == 500 else (error.description or "unavailable")
    return error.description or error.name


def flatten(messages, path: str = "") -> list[dict]:
    """webargs/marshmallow messages ({"query": {"start": ["..."]}}) as [{path, message}]."""
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = "" if key == ma.exceptions.SCHEMA else str(key)
            out += flatten(value, f"{path}.{name}" if path and name else name or path)
        return out
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return [{"path": path, "message": m} for m in messages]
        return [d for m in messages for d in flatten(m, path)]
    return [{"path": path, "message": str(messages)}]
