"""What every API resource module shares: its blueprint (authenticated, Redis errors as 503),
the path converters with their patterns, bounded query fields, and time in a vendor's zone."""

from __future__ import annotations

import json
import logging

import marshmallow as ma
import pendulum
import redis
from flask import request
from flask_smorest import Blueprint, abort
from webargs.flaskparser import FlaskParser
from werkzeug.routing import BaseConverter

from oncall.web.api import access
from oncall.web.api.errors import PREFIX, error_body
from oncall.web.context import services
from rotas.hours import parse_instant

log = logging.getLogger(__name__)
MAX_RANGE_DAYS = 26 * 7


class JsonBodyParser(FlaskParser):
    """webargs' parser, with every body json.loads refuses a 400: webargs answers only a
    JSONDecodeError so, and an integer of more than 4,300 digits raises a plain ValueError
    (Python's limit on int-from-text), which was a 500 on every JSON endpoint. A body that
    is not JSON (a form post) is 415, not a 422 listing every field as missing."""

    def _raw_load_json(self, req):
        if req.content_length and not req.is_json:  # a form post, say: not read as "{}"
            abort(415, message="send the body as application/json")
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except ValueError as exc:
            raise json.JSONDecodeError(str(exc), doc="(the body)", pos=0) from None


def blueprint(name: str, description: str) -> Blueprint:
    """A resource's blueprint under /api/v1: every view needs a user (access.require_user);
    Redis unreachable -> 503 in the error shape."""
    bp = Blueprint(name, __name__, url_prefix=PREFIX, description=description)
    bp.ARGUMENTS_PARSER = JsonBodyParser()
    bp.before_request(access.require_user)
    bp.register_error_handler(redis.RedisError, _redis_down)
    bp.register_error_handler(RecursionError, _too_deep)
    return bp


def _too_deep(_exc):
    """A body nested past Python's recursion limit (json.loads, or what walks the document)
    is bad input, not a server error."""
    log.info("api: %s %s: a body nested too deeply", request.method, request.path)
    return error_body(400, "the JSON body is nested too deeply"), 400


def _redis_down(exc):
    log.error("api: redis unavailable: %s", type(exc).__name__)
    return error_body(503, "the store is unavailable; try again"), 503, {"Retry-After": "5"}


class VendorId(BaseConverter):
    regex = r"[a-z0-9][a-z0-9-]{0,39}"
    schema = {"type": "string", "pattern": f"^{regex}$", "maxLength": 40, "examples": ["aidn"]}


class IncidentId(BaseConverter):
    regex = r"[A-Z0-9][A-Z0-9-]{0,59}"
    schema = {"type": "string", "pattern": f"^{regex}$", "maxLength": 60}


class CallSid(BaseConverter):
    regex = r"CA[0-9a-f]{32}"
    schema = {"type": "string", "pattern": f"^{regex}$", "minLength": 34, "maxLength": 34}


CONVERTERS = {"vendor_id": VendorId, "incident_id": IncidentId, "call_sid": CallSid}


class When(ma.fields.String):
    """An ISO-8601 date-time (with or without an offset: without one it is the vendor's
    local time) or a date (its local midnight); kept as text until the zone is known."""

    def __init__(self, metadata: dict | None = None, **kwargs):
        metadata = {
            "format": "date-time",
            "example": "2026-12-01T08:00:00+01:00",
            **(metadata or {}),
        }
        super().__init__(validate=ma.validate.Length(max=40), metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            parse_instant(text, "UTC")  # the CLI's rule: a supported year, a real date
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from None
        return text


def instant(text: str | None, tz: str, default=None):
    """`text` (validated by When) as an instant in zone `tz`; `default` when None."""
    if text is None:
        return default
    return parse_instant(text, tz).in_timezone(tz)


def iso(at, tz: str) -> str | None:
    """An instant (or epoch seconds, or ISO-8601 text as the stores keep it) as ISO-8601 with
    the offset of zone `tz`."""
    if at is None:
        return None
    if isinstance(at, int | float):
        return pendulum.from_timestamp(at, tz=tz).isoformat()
    if isinstance(at, str):
        return pendulum.parse(at).in_timezone(tz).isoformat()
    return pendulum.instance(at).in_timezone(tz).isoformat()


class RangeArgs(ma.Schema):
    """?start=&end=: start defaults to now, end to a week after start; at most 26 weeks."""

    start = When()
    end = When()

    @ma.validates_schema
    def _bounded(self, data, **kwargs):
        if "start" not in data or "end" not in data:
            return
        start, end = parse_instant(data["start"], "UTC"), parse_instant(data["end"], "UTC")
        if end <= start:
            raise ma.ValidationError("must be after start", "end")
        if (end - start).in_days() > MAX_RANGE_DAYS:
            raise ma.ValidationError(f"at most {MAX_RANGE_DAYS} days after start", "end")


def time_range(args: dict, policy, *, default_days: int = 7):
    """(start, end) of RangeArgs in the vendor's zone, bounded again once the zone is known."""
    now = services().clock.now().in_timezone(policy.tz)
    start = instant(args.get("start"), policy.tz, now)
    end = instant(args.get("end"), policy.tz, start.add(days=default_days))
    if end <= start or (end - start).in_days() > MAX_RANGE_DAYS:
        bad_field("end", f"must be after start and at most {MAX_RANGE_DAYS} days after it", "query")
    return start, end


def vendor_policy(vendor: str):
    """The vendor's loaded policy after checking the user may view it: 404 unknown, 403."""
    policy = services().vendors.get(vendor)  # dict.get: no stand-in for an unknown id
    if policy is None:
        abort(404, message=f"no vendor {vendor!r}")
    access.allow("view", vendor)
    return policy


def vendors_shown(vendor: str | None) -> list[str]:
    """The vendors a list covers: `vendor` alone (404 unknown, 403 not viewable), else every
    vendor the user may view."""
    if vendor:
        vendor_policy(vendor)
        return [vendor]
    return access.visible(dict.keys(services().vendors))


def bad_field(field: str, problem: str, location: str = "json", message: str | None = None):
    """422 for one field, in the shape of webargs' own: {location: {field: [problem]}};
    the message is `message`, else "field: problem"."""
    abort(422, message=message or f"{field}: {problem}", messages={location: {field: [problem]}})
