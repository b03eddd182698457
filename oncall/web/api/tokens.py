"""API tokens through the API: the schemas and what /me/tokens and /users/{username}/tokens
share. A token is in the 201 answer once; lists never show it. Every token expires: by
default DEFAULT_DAYS after it is made, at most MAX_DAYS."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from datetime import datetime, timedelta

import marshmallow as ma
import pendulum
from flask_smorest import abort
from marshmallow import fields as f

from oncall.services import users
from oncall.services.tokens import create_token, list_tokens, revoke_token
from oncall.web.api import access
from oncall.web.api.common import bad_field
from oncall.web.context import services

log = logging.getLogger(__name__)
DEFAULT_DAYS, MAX_DAYS = 90, 365
MAX_TOKENS = 50  # per user
CREATE_REFUSALS = {
    409: f"the user has {MAX_TOKENS} tokens: revoke one first",
    422: "bad input (name, expires), each problem by field: nothing changed",
}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T.+)?$")


class NewTokenArgs(ma.Schema):
    name = f.String(
        required=True,
        validate=ma.validate.Length(1, users.MAX_NAME),
        metadata={"description": "what it is for, e.g. laptop", "example": "laptop"},
    )
    expires = f.String(
        validate=ma.validate.Length(max=40),
        metadata={
            "description": f"a date (valid through that day, UTC) or a date-time (no offset: "
            f"UTC); at most {MAX_DAYS} days ahead; default {DEFAULT_DAYS} days from now",
            "example": "2027-03-01",
        },
    )

    @ma.validates("name")
    def _not_blank(self, value, **kwargs):
        if not value.strip():
            raise ma.ValidationError("a name is not blank")


class TokenSchema(ma.Schema):
    id = f.String(required=True)
    username = f.String(required=True)
    name = f.String(required=True)
    created = f.String(required=True, metadata={"format": "date-time"})
    expires = f.String(allow_none=True, required=True, metadata={"format": "date-time"})
    last_used = f.String(allow_none=True, required=True, metadata={"format": "date-time"})


class NewTokenSchema(TokenSchema):
    token = f.String(
        required=True,
        metadata={"description": "shown this once: Authorization: Bearer <token>"},
    )


def listed(username: str) -> list[dict]:
    return [asdict(t) for t in list_tokens(services().redis, username)]


def create(username: str, args: dict) -> dict:
    """A new token of `username` (201 body: the token this once)."""
    svc = services()
    now = svc.clock.now()
    expires = expiry(args.get("expires"), now)
    if len(list_tokens(svc.redis, username)) >= MAX_TOKENS:
        abort(409, message=f"{username} has {MAX_TOKENS} tokens; revoke one first")
    try:
        token, info = create_token(
            svc.redis, username, name=args["name"], expires=expires, clock=svc.clock
        )
    except users.UserError as exc:
        bad_field("name", str(exc), message=str(exc))
    log.info("api: %s made token %s of %s", access.user().username, info.id, username)
    return {**asdict(info), "token": token}


def revoke(username: str, token_id: str) -> None:
    if not revoke_token(services().redis, username, token_id):
        abort(404, message=f"{username} has no token {token_id!r}")
    log.info("api: %s revoked token %s of %s", access.user().username, token_id, username)


def expiry(text: str | None, now):
    """The instant a token stops working: `text` (a date: the end of that UTC day), bounded
    to (now, now + MAX_DAYS]; 422 otherwise."""
    if text is None:
        return now + timedelta(days=DEFAULT_DAYS)
    if not DATE_TIME.match(text):
        _bad_expiry("not an ISO-8601 date or date-time")
    try:
        at = pendulum.parse(text, tz="UTC", exact=False)
    except (ValueError, OverflowError, TypeError):
        at = None
    if not isinstance(at, datetime):
        _bad_expiry("not an ISO-8601 date or date-time")
    if DATE.match(text):
        at = at.add(days=1)
    if at <= now:
        _bad_expiry("is in the past")
    if at > now + timedelta(days=MAX_DAYS):
        _bad_expiry(f"at most {MAX_DAYS} days from now")
    return at


def _bad_expiry(problem: str):
    bad_field("expires", problem)
