"""A vendor's overrides: list, create, delete, through oncall.services.policies (each change is
a new version; without If-Match it applies to the latest version, merged with concurrent
saves). Every change is authorised as "edit_override" with the override itself: a lead may
make any; an engineer only one that puts themselves on a shift, or hands their own shift to a
colleague (oncall.services.access, rules in rotas.permissions)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields as f
from werkzeug.routing import BaseConverter

from oncall.services import policies, policy_overrides
from oncall.web.api import access, writes
from oncall.web.api.common import When, blueprint, instant, iso, vendor_policy
from oncall.web.context import services
from rotas.hours import parse_instant

bp = blueprint("overrides", "Overrides of a vendor's rota layers")


class OverrideId(BaseConverter):
    regex = r"[0-9a-f]{12}"
    schema = {"type": "string", "pattern": f"^{regex}$", "minLength": 12, "maxLength": 12}


CONVERTERS = {"override_id": OverrideId}
NAME = ma.validate.Length(min=1, max=64)


class OverrideArgs(ma.Schema):
    layer = f.String(required=True, validate=NAME, metadata={"example": "primary"})
    person = f.String(required=True, validate=NAME, metadata={"description": "a people id"})
    start = When(
        required=True,
        data_key="from",
        metadata={"description": "local time of the vendor's zone unless it has an offset"},
    )
    end = When(required=True, data_key="to")

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if "start" not in data or "end" not in data:
            return
        if parse_instant(data["end"], "UTC") <= parse_instant(data["start"], "UTC"):
            raise ma.ValidationError("must be after from", "to")


class OverrideItemSchema(ma.Schema):
    id = f.String(required=True, metadata={"description": "stable: made from its content"})
    layer = f.String(required=True)
    person = f.String(required=True)
    name = f.String(allow_none=True, required=True, metadata={"description": "the person's"})
    from_ = f.String(required=True, data_key="from", metadata={"description": "as written"})
    to = f.String(required=True, metadata={"description": "as written"})
    start = f.String(required=True, metadata={"format": "date-time"})
    end = f.String(required=True, metadata={"format": "date-time"})


class OverridesSchema(ma.Schema):
    vendor = f.String(required=True)
    version = f.Integer(required=True)
    etag = f.String(required=True)
    overrides = f.List(f.Nested(OverrideItemSchema), required=True)


class OverrideCreatedSchema(writes.SavedSchema):
    override = f.Nested(OverrideItemSchema, required=True)


def _present(item: dict, document: dict, tz: str) -> dict:
    person = (document.get("people") or {}).get(item.get("person"))
    return {
        "id": item["id"],
        "layer": item.get("layer"),
        "person": item.get("person"),
        "name": person.get("name") if isinstance(person, dict) else None,
        "from_": item.get("from"),
        "to": item.get("to"),
        "start": iso(parse_instant(item["from"], tz), tz),
        "end": iso(parse_instant(item["to"], tz), tz),
    }


def _current(vendor: str):
    found = policies.current(services().redis, vendor)
    if found is None:
        abort(404, message=f"no policy stored for vendor {vendor!r}")
    return found


@bp.route("/vendors/<vendor_id:vendor>/overrides")
@bp.response(200, OverridesSchema, headers={"ETag": writes.ETAG_HEADER})
def list_overrides(vendor: str):
    """The overrides of the vendor's current version, each with its id."""
    policy = vendor_policy(vendor)
    version = _current(vendor)
    document = version.document
    items = [_present(o, document, policy.tz) for o in policy_overrides.overrides(document)]
    body = {"vendor": vendor, "version": version.number, "etag": str(version.number),
            "overrides": items}  # fmt: skip
    return body, 200, {"ETag": f'"{version.number}"'}


@bp.route("/vendors/<vendor_id:vendor>/overrides", methods=["POST"])
@writes.if_match(required=False)
@writes.documented(bp, 400, 403, 409, 422)
@bp.arguments(OverrideArgs)
@bp.response(201, OverrideCreatedSchema, headers={"ETag": writes.ETAG_HEADER})
def create_override(args: dict, vendor: str):
    """Put `person` on `layer` from `from` to `to` (a new version)."""
    policy = vendor_policy(vendor)
    svc = services()
    start, end = instant(args["start"], policy.tz), instant(args["end"], policy.tz)
    wanted = {"layer": args["layer"], "person": args["person"], "start": start, "end": end}
    access.allow("edit_override", vendor, policy=policy, override=wanted, now=svc.clock.now())
    base = writes.base_version(required=False)
    item = {"layer": args["layer"], "person": args["person"], "from": args["start"].strip(),
            "to": args["end"].strip()}  # fmt: skip
    try:
        with writes.refusals_as_errors():
            result, override_id = policy_overrides.add_override(
                svc.redis, vendor, item, author=access.user().username, clock=svc.clock,
                base=base,
            )  # fmt: skip
    except LookupError as exc:
        abort(404, message=str(exc))
    created = _present({**item, "id": override_id}, result.version.document, policy.tz)
    body = writes.saved(result, policy.tz, override=created)
    return body, 201, writes.etag_header(result)


@bp.route("/vendors/<vendor_id:vendor>/overrides/<override_id:override_id>", methods=["DELETE"])
@writes.if_match(required=False)
@writes.documented(bp, 400, 403, 409, 422)
@bp.response(200, writes.SavedSchema, headers={"ETag": writes.ETAG_HEADER})
def delete_override(vendor: str, override_id: str):
    """Remove the override with this id (a new version)."""
    policy = vendor_policy(vendor)
    svc = services()
    listed = policy_overrides.overrides(_current(vendor).document)
    found = next((o for o in listed if o["id"] == override_id), None)
    if found is None:
        abort(404, message=f"{vendor} has no override {override_id!r}")
    wanted = {
        "layer": found.get("layer"),
        "person": found.get("person"),
        "start": instant(found["from"], policy.tz),
        "end": instant(found["to"], policy.tz),
    }
    access.allow("edit_override", vendor, policy=policy, override=wanted, now=svc.clock.now())
    base = writes.base_version(required=False)
    try:  # Invalid (422): the version without it breaks a rule (e.g. a number now taken)
        with writes.refusals_as_errors():
            result = policy_overrides.remove_override(
                svc.redis, vendor, override_id, author=access.user().username,
                clock=svc.clock, base=base,
            )  # fmt: skip
    except LookupError:
        abort(404, message=f"{vendor} has no override {override_id!r}")
    return writes.saved(result, policy.tz), 200, writes.etag_header(result)
