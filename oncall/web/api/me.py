"""The signed-in user: GET /me, and their own API tokens (/me/tokens): any user may list,
make and revoke their own."""

from __future__ import annotations

from marshmallow import fields as f

from oncall.services import users
from oncall.web.api import access, tokens
from oncall.web.api.common import blueprint
from oncall.web.api.refusals import refusals
from oncall.web.api.users import UserSchema

bp = blueprint("me", "The signed-in user and their own API tokens")


class MeSchema(UserSchema):
    phone = f.String(allow_none=True, required=True, metadata={"description": "in full"})
    admin = f.Boolean(required=True)


@bp.route("/me")
@bp.response(200, MeSchema)
def me():
    """Who the request's user is: name, phone (in full: it is theirs), roles."""
    user = access.user()
    return {**users.user_json(user, full_phone=True), "admin": user.is_admin}


@bp.route("/me/tokens")
@bp.response(200, tokens.TokenSchema(many=True))
def list_my_tokens():
    """My API tokens (never the token itself)."""
    return tokens.listed(access.user().username)


@bp.route("/me/tokens", methods=["POST"])
@refusals(bp, tokens.CREATE_REFUSALS)
@bp.arguments(tokens.NewTokenArgs, example={"name": "laptop"})
@bp.response(201, tokens.NewTokenSchema)
def create_my_token(args: dict):
    """A new API token of mine: the token is in this answer only."""
    return tokens.create(access.user().username, args)


@bp.route("/me/tokens/<token_id:token_id>", methods=["DELETE"])
@refusals(bp, {404: "no such token of mine"})
@bp.response(204)
def revoke_my_token(token_id: str):
    """My token stops working at once."""
    tokens.revoke(access.user().username, token_id)
