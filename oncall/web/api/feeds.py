"""iCal feed URLs through the API. A person feed shows the shifts of the user's own phone
(any user, for themselves); a layer feed every shift of one vendor's rota layer (a lead of
that vendor, or an admin). The owner, a lead of the feed's vendor or an admin renews or
revokes it ("manage_feeds", oncall.services.access). The URL is answered once, at creation
and at renewal; lists never show it."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields as f

from oncall.services import feeds
from oncall.web.api import access
from oncall.web.api.common import VendorId, bad_field, blueprint
from oncall.web.api.refusals import refusals
from oncall.web.context import services
from rotas.feeds import person_name
from rotas.phone import mask

bp = blueprint("feed_urls", "iCal feed URLs of duty shifts")
log = logging.getLogger(__name__)
MAX_FEEDS = 50  # per owner
NOT_YOURS = "not yours, not a layer feed of a vendor you lead, and you are no admin"


class NewFeedArgs(ma.Schema):
    kind = f.String(required=True, validate=ma.validate.OneOf(feeds.KINDS))
    vendor = f.String(
        validate=ma.validate.Regexp(f"^{VendorId.regex}$"), metadata={"description": "layer"}
    )
    layer = f.String(validate=ma.validate.Length(1, 40), metadata={"description": "layer"})

    @ma.validates_schema
    def _target(self, data, **kwargs):
        if data.get("kind") == "layer":
            missing = [k for k in ("vendor", "layer") if not data.get(k)]
            if missing:
                raise ma.ValidationError({k: ["a layer feed needs it"] for k in missing})
        elif data.get("kind") == "person":
            extra = [k for k in ("vendor", "layer") if k in data]
            if extra:
                message = "a person feed shows your own shifts in every vendor: leave it out"
                raise ma.ValidationError({k: [message] for k in extra})


class FeedSchema(ma.Schema):
    id = f.String(required=True)
    kind = f.String(required=True, validate=ma.validate.OneOf(feeds.KINDS))
    owner = f.String(required=True, metadata={"description": "the username it belongs to"})
    created = f.String(required=True, metadata={"format": "date-time"})
    vendor = f.String(allow_none=True, required=True)
    layer = f.String(allow_none=True, required=True)
    target = f.String(required=True, metadata={"example": "aidn/primary"})


class NewFeedSchema(FeedSchema):
    url = f.String(required=True, metadata={"description": "shown this once", "format": "uri"})


def _with_url(info: feeds.FeedInfo, token: str) -> dict:
    return {
        **feeds.feed_json(info),
        "url": feeds.feed_url(services().settings.public_base_url, token),
    }


def _feed(feed_id: str) -> feeds.FeedInfo:
    """The feed after checking the user may manage it: 404 unknown, 403."""
    info = feeds.get_feed(services().redis, feed_id)
    if info is None:
        abort(404, message=f"no feed {feed_id!r}")
    access.allow("manage_feeds", info.vendor, feed=info)
    return info


@bp.route("/feeds")
@bp.response(200, FeedSchema(many=True))
def list_feeds():
    """The feeds I may manage: my own, a lead's vendors' layer feeds, every feed for an admin."""
    found = feeds.list_feeds(services().redis)
    return [feeds.feed_json(i) for i in found if access.may("manage_feeds", i.vendor, feed=i)]


@bp.route("/feeds", methods=["POST"])
@refusals(bp, {
    403: "a layer feed of a vendor you do not lead (an engineer: only a person feed)",
    409: f"you have {MAX_FEEDS} feeds: revoke one first",
    422: "bad input by field (an unknown vendor or layer; no phone, or a phone of nobody, "
    "for a person feed): nothing changed",
})  # fmt: skip
@bp.arguments(NewFeedArgs, example={"kind": "layer", "vendor": "aidn", "layer": "primary"})
@bp.response(201, NewFeedSchema)
def create_feed(args: dict):
    """A new feed of mine: {kind: person} (my own shifts, by my phone) or {kind: layer,
    vendor, layer} (a lead of that vendor, or an admin). The URL is in this answer only."""
    user, svc = access.user(), services()
    if args["kind"] == "person":
        phone = _own_phone(user, svc.vendors)
        access.allow("manage_feeds", feed={"owner": user.username, "phone": phone})
    else:
        access.allow("manage_feeds", args["vendor"])  # no feed given: an engineer is refused
    if len(feeds.list_feeds(svc.redis, owner=user.username)) >= MAX_FEEDS:
        abort(409, message=f"you have {MAX_FEEDS} feeds; revoke one first")
    try:
        token, info = feeds.create_feed(
            svc.redis,
            kind=args["kind"],
            phone=user.phone if args["kind"] == "person" else None,
            vendor=args.get("vendor"),
            layer=args.get("layer"),
            owner=user.username,
            vendors=svc.vendors,
            clock=svc.clock,
        )
    except feeds.UnknownTarget as exc:
        field = "vendor" if str(exc).startswith("unknown vendor") else "layer"
        bad_field(field, str(exc), message=str(exc))
    log.info("api: %s made feed %s (%s)", user.username, info.id, feeds.target_text(info))
    return _with_url(info, token)


def _own_phone(user, vendors) -> str:
    if not user.phone:
        problem = "your user has no phone: a person feed shows the shifts of your phone"
        bad_field("kind", problem)
    if person_name(list(vendors.values()), user.phone) is None:
        problem = f"your phone {mask(user.phone)} is nobody in any vendor's people"
        bad_field("kind", problem)
    return user.phone


@bp.route("/feeds/<feed_id:feed_id>/renew", methods=["POST"])
@refusals(bp, {403: NOT_YOURS, 404: "no such feed"})
@bp.response(200, NewFeedSchema)
def renew_feed(feed_id: str):
    """A new URL for the feed; the old one answers 404 from now on."""
    _feed(feed_id)
    try:
        token, info = feeds.renew_feed(services().redis, feed_id)
    except LookupError:
        abort(404, message=f"no feed {feed_id!r}")
    log.info("api: %s renewed feed %s", access.user().username, feed_id)
    return _with_url(info, token)


@bp.route("/feeds/<feed_id:feed_id>", methods=["DELETE"])
@refusals(bp, {403: NOT_YOURS, 404: "no such feed"})
@bp.response(204)
def revoke_feed(feed_id: str):
    """The feed's URL answers 404 from now on."""
    _feed(feed_id)
    if not feeds.revoke_feed(services().redis, feed_id):
        abort(404, message=f"no feed {feed_id!r}")
    log.info("api: %s revoked feed %s", access.user().username, feed_id)
