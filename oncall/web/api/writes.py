"""What the API's policy writes share: the If-Match precondition, the policy service's
refusals as API errors (Conflict -> 409 with the current ETag, Invalid -> 422 by field path),
and a saved version as the response (its number is the new ETag).

If-Match carries the ETag a client read (GET /vendors/{vendor}/policy): `"3"`. Missing where
required -> 428; anything but one quoted version number (`*`, a weak tag, `"abc"`, a list)
-> 400 (it is not what the document's pattern allows); a version that is no longer the
current one -> 409 (nothing saved).
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import marshmallow as ma
from flask import request
from flask_smorest import abort
from marshmallow import fields as f

from oncall.services.policies import Conflict, Invalid, Saved
from oncall.web.api.common import iso
from oncall.web.api.refusals import refusals

ETAG = re.compile(r'"([1-9][0-9]{0,11})"')
ETAG_PATTERN = '^"[1-9][0-9]{0,11}"$'  # the same, as the document states it
CURRENT_ETAG = {"description": "the current version's tag", "schema": {"type": "string"}}
ETAG_HEADER = {"description": "the new version's tag (the If-Match of a later write)",
               "schema": {"type": "string"}}  # fmt: skip


def if_match_parameter(required: bool) -> dict:
    """The If-Match header as an OpenAPI parameter (read by `base_version`)."""
    need = "required" if required else "optional: without it the change applies to the latest"
    return {
        "in": "header",
        "name": "If-Match",
        "required": required,
        "description": f'the ETag of the version the change is based on, like "3" ({need})',
        "schema": {"type": "string", "pattern": ETAG_PATTERN, "examples": ['"1"']},
    }


WHY = {
    400: "a malformed If-Match (not one quoted version number)",
    403: "the user may not make this change (role, vendor, or an engineer's override rules)",
    409: "the vendor changed since the version named in If-Match: nothing saved; details and "
    "the ETag header name the current version",
    422: "the document (or override) has errors, each by field path: nothing saved",
    428: "If-Match missing",
}


def documented(bp, *statuses: int):
    """Documents a write's error statuses (WHY; the one error shape) beside the default."""
    return refusals(bp, {s: WHY[s] for s in statuses}, headers={409: {"ETag": CURRENT_ETAG}})


def if_match(*, required: bool):
    """Documents the If-Match header of a view (read by `base_version`, not by webargs: a
    missing one is 428, not 422)."""

    def decorator(view):
        arguments = view.__dict__.setdefault("_apidoc", {}).setdefault("arguments", {})
        arguments.setdefault("parameters", []).append(if_match_parameter(required))
        return view

    return decorator


def base_version(*, required: bool) -> int | None:
    """The version number the request's If-Match names (None when absent and optional)."""
    value = request.headers.get("If-Match")
    if value is None:
        if required:
            abort(428, message='If-Match is required: the ETag of the version you read, like "3"'
                  " (GET /api/v1/vendors/{vendor}/policy)")  # fmt: skip
        return None
    match = ETAG.fullmatch(value.strip())
    if match is None:
        abort(400, message=f'If-Match must be one version\'s ETag, like "3"; got {value[:40]!r}')
    return int(match[1])


@contextmanager
def refusals_as_errors():
    """The policy service's refusals of a write as API errors: Conflict -> 409, Invalid ->
    422 (nothing was saved)."""
    try:
        yield
    except Conflict as exc:
        conflict(exc)
    except Invalid as exc:
        invalid(exc)


def conflict(exc: Conflict):
    """409: the service's message as is; the current version in details and the ETag header."""
    current = exc.current
    if current is None:
        abort(409, message=exc.message)
    tag = f'"{current.number}"'
    detail = f"the current version is {current.number} (ETag {tag}), by {current.author}"
    abort(409, message=exc.message, messages={"header": {"If-Match": [detail]}},
          headers={"ETag": tag})  # fmt: skip


def invalid(exc: Invalid):
    """422: every error by its field path (rota[0].handoff); nothing was saved."""
    by_path: dict[str, list[str]] = {}
    for problem in exc.problems:
        by_path.setdefault(problem.path, []).append(problem.message)
    shown = "; ".join(str(p) for p in exc.problems[:5])
    more = f" (and {len(exc.problems) - 5} more)" if len(exc.problems) > 5 else ""
    abort(422, message=f"nothing saved: {shown}{more}", messages=by_path)


class ProblemSchema(ma.Schema):
    path = f.String(required=True, metadata={"example": "rota[0].handoff"})
    message = f.String(required=True)
    level = f.String(required=True, validate=ma.validate.OneOf(("error", "warning")))


class SavedSchema(ma.Schema):
    vendor = f.String(required=True)
    version = f.Integer(required=True)
    etag = f.String(required=True)
    author = f.String(required=True)
    at = f.String(required=True, metadata={"format": "date-time"})
    summary = f.String(required=True)
    warnings = f.List(
        f.Nested(ProblemSchema),
        required=True,
        metadata={"description": "coverage gaps and DST handoffs: saved anyway"},
    )


def saved(result: Saved, tz: str, **extra) -> dict:
    """The saved version as a response body (SavedSchema, plus `extra`)."""
    version = result.version
    return {
        "vendor": version.vendor,
        "version": version.number,
        "etag": str(version.number),
        "author": version.author,
        "at": iso(version.at, tz),
        "summary": version.summary,
        "warnings": [
            {"path": w.path, "message": w.message, "level": w.level} for w in result.warnings
        ],
        **extra,
    }


def etag_header(result: Saved) -> dict:
    return {"ETag": f'"{result.version.number}"'}
