"""A vendor's policy history: versions newest first, one version with its document, and
restore (an earlier version again, as a NEW version; If-Match required), through
oncall.services.policies."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields as f

from oncall.services import policies
from oncall.web.api import access, writes
from oncall.web.api.common import blueprint, iso, vendor_policy
from oncall.web.context import services

bp = blueprint("history", "A vendor's policy versions and restore")


class HistoryArgs(ma.Schema):
    limit = f.Integer(load_default=50, validate=ma.validate.Range(1, policies.MAX_HISTORY))
    before = f.Integer(
        validate=ma.validate.Range(1, 10**12),
        metadata={"description": "versions older than this number (the next page)"},
    )


class VersionSchema(ma.Schema):
    number = f.Integer(required=True)
    author = f.String(required=True)
    at = f.String(required=True, metadata={"format": "date-time"})
    summary = f.String(required=True)
    changes = f.List(
        f.Dict(),
        required=True,
        metadata={"description": 'from the version before: {"op", "path", "old", "new"}'},
    )


class HistorySchema(ma.Schema):
    vendor = f.String(required=True)
    versions = f.List(f.Nested(VersionSchema), required=True)


class VersionDetailSchema(VersionSchema):
    vendor = f.String(required=True)
    text = f.String(required=True, metadata={"description": "the YAML text, as stored"})
    document = f.Dict(required=True)


def _version(version, tz: str) -> dict:
    return {
        "number": version.number,
        "author": version.author,
        "at": iso(version.at, tz),
        "summary": version.summary,
        "changes": version.changes,
    }


@bp.route("/vendors/<vendor_id:vendor>/history")
@bp.arguments(HistoryArgs, location="query")
@bp.response(200, HistorySchema)
def list_history(args: dict, vendor: str):
    """The vendor's versions, newest first (`before`: the next page)."""
    policy = vendor_policy(vendor)
    found = policies.history(
        services().redis, vendor, limit=args["limit"], before=args.get("before")
    )
    return {"vendor": vendor, "versions": [_version(v, policy.tz) for v in found]}


@bp.route("/vendors/<vendor_id:vendor>/history/<int:number>")
@bp.response(200, VersionDetailSchema, headers={"ETag": writes.ETAG_HEADER})
def get_version(vendor: str, number: int):
    """One version with its text and document."""
    policy = vendor_policy(vendor)
    found = policies.version(services().redis, vendor, number)
    if found is None:
        abort(404, message=f"{vendor} has no version {number}")
    body = {**_version(found, policy.tz), "vendor": vendor, "text": found.text,
            "document": found.document}  # fmt: skip
    return body, 200, {"ETag": f'"{number}"'}


@bp.route("/vendors/<vendor_id:vendor>/history/<int:number>/restore", methods=["POST"])
@writes.if_match(required=True)
@writes.documented(bp, 400, 403, 409, 422, 428)
@bp.response(200, writes.SavedSchema, headers={"ETag": writes.ETAG_HEADER})
def restore_version(vendor: str, number: int):
    """Version `number` again, saved as a new version (history is never rewritten)."""
    policy = vendor_policy(vendor)
    access.allow("edit_policy", vendor)
    base = writes.base_version(required=True)
    svc = services()
    try:  # Invalid (422): an old version the current rules refuse
        with writes.refusals_as_errors():
            result = policies.restore(
                svc.redis, vendor, number, base=base, author=access.user().username,
                clock=svc.clock,
            )  # fmt: skip
    except LookupError:
        abort(404, message=f"{vendor} has no version {number}")
    return writes.saved(result, policy.tz), 200, writes.etag_header(result)
