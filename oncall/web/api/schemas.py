"""The API's response bodies (marshmallow): what each endpoint returns, as documented."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f


def time(metadata: dict | None = None, **kwargs):
    """An instant as ISO-8601 text with the vendor's offset."""
    return f.String(metadata={"format": "date-time", **(metadata or {})}, **kwargs)


class SeveritySchema(ma.Schema):
    id = f.String(required=True)
    digit = f.Integer(required=True)
    label = f.Dict(keys=f.String(), values=f.String(), required=True)


class VendorSchema(ma.Schema):
    id = f.String(required=True)
    name = f.String(required=True)
    timezone = f.String(required=True)
    language = f.String(required=True)
    layers = f.List(f.String(), required=True)
    severities = f.List(f.Nested(SeveritySchema), required=True)


class PolicySchema(ma.Schema):
    vendor = f.String(required=True)
    version = f.Integer(required=True)
    etag = f.String(required=True)
    document = f.Dict(required=True)


class PersonSchema(ma.Schema):
    id = f.String(required=True)
    name = f.String(required=True)
    phone = f.String(required=True)
    language = f.String(required=True)


class OverrideSchema(ma.Schema):
    person = f.Nested(PersonSchema, required=True)
    start = time(required=True)
    end = time(required=True)


class LayerSchema(ma.Schema):
    name = f.String(required=True)
    members = f.List(f.Nested(PersonSchema), required=True)
    start = f.String(required=True, metadata={"format": "date"})
    shift_days = f.Integer(required=True)
    handoff = f.String(required=True, metadata={"example": "08:00"})
    overrides = f.List(f.Nested(OverrideSchema), required=True)


class RotaSchema(ma.Schema):
    vendor = f.String(required=True)
    timezone = f.String(required=True)
    layers = f.List(f.Nested(LayerSchema), required=True)


class ShiftSchema(ma.Schema):
    layer = f.String(required=True)
    person = f.Nested(PersonSchema, allow_none=True, required=True)
    start = time(required=True)
    end = time(allow_none=True, required=True, metadata={"description": "null: open-ended"})
    override = f.Boolean(required=True)


class OnCallSchema(ma.Schema):
    vendor = f.String(required=True)
    at = time(required=True)
    layers = f.List(f.Nested(ShiftSchema), required=True)


class LayerShiftsSchema(ma.Schema):
    layer = f.String(required=True)
    shifts = f.List(f.Nested(ShiftSchema), required=True)


class ShiftsSchema(ma.Schema):
    vendor = f.String(required=True)
    start = time(required=True)
    end = time(required=True)
    layers = f.List(f.Nested(LayerShiftsSchema), required=True)


class ChangeSchema(ma.Schema):
    at = time(required=True)
    route = f.String(required=True)
    dial = f.List(f.String(), required=True)
    page = f.List(f.String(), required=True)
    open = f.Boolean(required=True)
    covered = f.Boolean(required=True)
    reason = f.String(required=True)


class TimetableSchema(ma.Schema):
    vendor = f.String(required=True)
    severity = f.String(required=True)
    start = time(required=True)
    end = time(required=True)
    changes = f.List(f.Nested(ChangeSchema), required=True)


class GapSchema(ma.Schema):
    severity = f.String(required=True)
    start = time(required=True)
    end = time(required=True)
    reason = f.String(required=True)


class GapsSchema(ma.Schema):
    vendor = f.String(required=True)
    start = time(required=True)
    end = time(required=True)
    gaps = f.List(f.Nested(GapSchema), required=True)
