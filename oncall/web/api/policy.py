"""PUT /vendors/{vendor}/policy: save a whole policy document (If-Match required), through
oncall.services.policies.save_document (validation, optimistic concurrency, history).

The app refuses bodies over 64 KiB (oncall.web.MAX_REQUEST_BYTES: Twilio's webhooks); a
document with 2,000 overrides is ~170 KiB of JSON, so this endpoint alone reads up to
MAX_POLICY_BYTES (set before anything reads the body; over it: 413).
"""

from __future__ import annotations

import marshmallow as ma
from flask import request
from marshmallow import fields as f

from oncall.services import policies
from oncall.web.api import access, writes
from oncall.web.api.common import blueprint, vendor_policy
from oncall.web.context import services

bp = blueprint("policy", "Saving a vendor's policy document")
MAX_POLICY_BYTES = 512 * 1024
LARGE_BODY_ENDPOINTS = frozenset({"policy.put_policy"})


@bp.url_value_preprocessor
def _larger_body(endpoint, _values):  # runs before every before_request (CSRF reads the form)
    if endpoint in LARGE_BODY_ENDPOINTS:
        request.max_content_length = MAX_POLICY_BYTES


class DocumentBody(ma.Schema):
    """The policy document, as GET .../policy returns it in `document` (checked by the
    service exactly like `oncall check`)."""

    class Meta:
        unknown = ma.INCLUDE


class SummaryArgs(ma.Schema):
    summary = f.String(
        validate=ma.validate.Length(max=policies.MAX_SUMMARY),
        metadata={"description": "one line for the history (default: made from the changes)"},
    )


@bp.route("/vendors/<vendor_id:vendor>/policy", methods=["PUT"])
@writes.if_match(required=True)
@writes.documented(bp, 400, 403, 409, 422, 428)
@bp.arguments(SummaryArgs, location="query")
@bp.arguments(DocumentBody, description="the whole policy document (a JSON object)")
@bp.response(200, writes.SavedSchema, headers={"ETag": writes.ETAG_HEADER})
def put_policy(args: dict, document: dict, vendor: str):
    """Save the vendor's policy document as a new version (If-Match: the version read).

    Errors: 428 without If-Match, 400 a malformed one, 409 when the vendor changed since
    (nothing saved), 422 per field path (nothing saved). Coverage gaps are warnings."""
    policy = vendor_policy(vendor)
    access.allow("edit_policy", vendor)
    base = writes.base_version(required=True)
    svc = services()
    with writes.refusals_as_errors():
        result = policies.save_document(
            svc.redis, vendor, document, base=base, author=access.user().username,
            clock=svc.clock, summary=args.get("summary"),
        )  # fmt: skip
    return writes.saved(result, policy.tz), 200, writes.etag_header(result)
