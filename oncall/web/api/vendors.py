"""Vendors and their policy documents: GET /vendors, /vendors/{vendor}, /vendors/{vendor}/policy."""

from __future__ import annotations

from flask_smorest import abort

from oncall.services.documents import current_document
from oncall.web.api import access, present
from oncall.web.api.common import blueprint, vendor_policy
from oncall.web.api.schemas import PolicySchema, VendorSchema
from oncall.web.context import services

bp = blueprint("vendors", "Vendors and their policy documents")


@bp.route("/vendors")
@bp.response(200, VendorSchema(many=True))
def list_vendors():
    """The vendors the user may view."""
    vendors = services().vendors
    return [present.vendor(vendors[v]) for v in access.visible(dict.keys(vendors))]


@bp.route("/vendors/<vendor_id:vendor>")
@bp.response(200, VendorSchema)
def get_vendor(vendor: str):
    return present.vendor(vendor_policy(vendor))


ETAG = {
    "description": "the policy's version tag (If-Match of a later PUT)",
    "schema": {"type": "string"},
}


@bp.route("/vendors/<vendor_id:vendor>/policy")
@bp.response(200, PolicySchema, headers={"ETag": ETAG})
def get_policy(vendor: str):
    """The vendor's policy document (the parsed YAML, every value as written)."""
    vendor_policy(vendor)
    doc = current_document(services().redis, vendor)
    if doc is None:
        abort(404, message=f"no policy document kept for vendor {vendor!r}")
    body = {"vendor": vendor, "version": doc.version, "etag": doc.etag, "document": doc.document}
    return body, 200, {"ETag": f'"{doc.etag}"'}
