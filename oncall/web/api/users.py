"""Users, their roles and their API tokens, for admins ("manage_users"): list, add (a
password given, or generated and shown once), disable, set roles, tokens of any user.
No answer ever holds a password hash or a stored token digest; phones are masked."""

from __future__ import annotations

import logging

import marshmallow as ma
from flask_smorest import abort
from marshmallow import fields as f

from oncall.services import users
from oncall.services.vendors import known_vendor_ids
from oncall.web.api import access, tokens
from oncall.web.api.common import bad_field, blueprint
from oncall.web.api.refusals import refusals
from oncall.web.context import services
from rotas.permissions import ADMIN, ANY_VENDOR, ROLES
from rotas.phone import InvalidNumber, to_e164

bp = blueprint("users", "Users, roles and their API tokens (admins)")
log = logging.getLogger(__name__)
NEW_USER = {"username": "kari", "name": "Kari Nordmann", "phone": "+4740000101",
            "roles": {"aidn": "engineer"}}  # fmt: skip
NOT_ADMIN = "only an admin manages users"
NO_USER = "no such user"
BAD_ROLES = "bad input, each problem by field (an unknown vendor: json.roles): nothing changed"
ROLES_DOC = {"description": 'vendor id -> "lead" | "engineer"; {"*": "admin"} for an admin'}


def _roles_field(**kwargs):
    return f.Dict(
        keys=f.String(validate=ma.validate.Length(1, 40)),
        values=f.String(validate=ma.validate.OneOf(ROLES)),
        metadata={**ROLES_DOC, "example": {"aidn": "lead", "pindena": "engineer"}},
        **kwargs,
    )


def _checked_roles(value: dict) -> None:
    try:
        users.check_roles(value)
    except users.UserError as exc:
        raise ma.ValidationError(str(exc)) from None


def _phone(value: str) -> None:
    try:
        to_e164(value, "NO")
    except InvalidNumber:
        raise ma.ValidationError("not a valid number (E.164, like +4791234567)") from None


class UserSchema(ma.Schema):
    username = f.String(required=True)
    name = f.String(required=True)
    phone = f.String(allow_none=True, required=True, metadata={"description": "masked"})
    roles = _roles_field(required=True)
    disabled = f.Boolean(required=True)


class NewUserSchema(UserSchema):
    password = f.String(metadata={"description": "only when generated: shown this once"})


class NewUserArgs(ma.Schema):
    username = f.String(required=True, validate=ma.validate.Regexp(users.USERNAME.pattern))
    name = f.String(required=True, validate=ma.validate.Length(1, users.MAX_NAME))
    phone = f.String(
        validate=[ma.validate.Length(max=30), _phone],
        metadata={"description": "E.164: who the user is in the vendors' people"},
    )
    roles = _roles_field(required=True, validate=_checked_roles)
    password = f.String(
        validate=ma.validate.Length(users.MIN_PASSWORD, users.MAX_PASSWORD),
        metadata={"description": "left out: one is generated and answered once"},
    )


class RolesArgs(ma.Schema):
    roles = _roles_field(required=True, validate=_checked_roles)


def _known_roles(roles: dict) -> dict:
    """422 when a role names a vendor the store (or, without one, the files) does not know."""
    known = known_vendor_ids(services().redis, services().settings.config_dir)
    unknown = sorted(v for v in roles if v != ANY_VENDOR and v not in known)
    if unknown:
        problem = f"unknown vendor {', '.join(unknown)} (valid: {', '.join(sorted(known))})"
        bad_field("roles", problem)
    return roles


def _existing(username: str) -> users.User:
    access.allow("manage_users")
    user = users.get_user(services().redis, username)
    if user is None:
        abort(404, message=f"no user {username!r}")
    return user


@bp.route("/users")
@bp.response(200, UserSchema(many=True))
@refusals(bp, {403: NOT_ADMIN})
def list_users():
    """Every user (admins only)."""
    access.allow("manage_users")
    return [users.user_json(u) for u in users.list_users(services().redis)]


@bp.route("/users", methods=["POST"])
@refusals(bp, {403: NOT_ADMIN, 409: "the username exists: nothing changed", 422: BAD_ROLES})
@bp.arguments(NewUserArgs, example=NEW_USER)
@bp.response(201, NewUserSchema)
def add_user(args: dict):
    """A new user; without `password` one is generated and answered this once."""
    access.allow("manage_users")
    roles = _known_roles(args["roles"])
    svc = services()
    if users.get_user(svc.redis, args["username"]) is not None:
        abort(409, message=f"user {args['username']!r} exists")  # before paying for a hash
    password = args.get("password") or users.generated_password()
    try:
        user = users.add_user(
            svc.redis,
            args["username"],
            name=args["name"],
            password=password,
            phone=args.get("phone"),
            roles=roles,
            clock=svc.clock,
        )
    except users.UserError as exc:
        abort(409, message=str(exc))  # the schema checked the rest: made meanwhile
    log.info("api: %s added user %s", access.user().username, user.username)
    return {**users.user_json(user), **({} if args.get("password") else {"password": password})}


@bp.route("/users/<username:username>")
@refusals(bp, {403: NOT_ADMIN, 404: NO_USER})
@bp.response(200, UserSchema)
def get_user(username: str):
    return users.user_json(_existing(username))


@bp.route("/users/<username:username>/disable", methods=["POST"])
@refusals(bp, {403: NOT_ADMIN, 404: NO_USER, 409: "yourself: ask another admin"})
@bp.response(200, UserSchema)
def disable_user(username: str):
    """No sign-in from now on; the user's sessions and API tokens stop at once."""
    _existing(username)
    if username == access.user().username:
        abort(409, message="you cannot disable yourself; ask another admin")
    user = users.disable_user(services().redis, username)
    log.info("api: %s disabled user %s", access.user().username, username)
    return users.user_json(user)


@bp.route("/users/<username:username>/roles", methods=["PUT"])
@refusals(
    bp,
    {403: NOT_ADMIN, 404: NO_USER, 409: "your own admin role: ask another admin", 422: BAD_ROLES},
)
@bp.arguments(RolesArgs)
@bp.response(200, UserSchema)
def set_roles(args: dict, username: str):
    """Replace the user's roles (used from their next request on)."""
    _existing(username)
    roles = _known_roles(args["roles"])
    if username == access.user().username and roles.get(ANY_VENDOR) != ADMIN:
        abort(409, message="you cannot take away your own admin role; ask another admin")
    user = users.set_roles(services().redis, username, roles)
    log.info("api: %s set the roles of %s", access.user().username, username)
    return users.user_json(user)


@bp.route("/users/<username:username>/tokens")
@refusals(bp, {403: NOT_ADMIN, 404: NO_USER})
@bp.response(200, tokens.TokenSchema(many=True))
def list_tokens(username: str):
    """The user's API tokens (never the token itself)."""
    _existing(username)
    return tokens.listed(username)


@bp.route("/users/<username:username>/tokens", methods=["POST"])
@refusals(bp, {403: NOT_ADMIN, 404: NO_USER, **tokens.CREATE_REFUSALS})
@bp.arguments(tokens.NewTokenArgs, example={"name": "laptop"})
@bp.response(201, tokens.NewTokenSchema)
def create_token(args: dict, username: str):
    """A new API token of the user: the token is in this answer only."""
    _existing(username)
    return tokens.create(username, args)


@bp.route("/users/<username:username>/tokens/<token_id:token_id>", methods=["DELETE"])
@refusals(bp, {403: NOT_ADMIN, 404: "no such user, or no such token of theirs"})
@bp.response(204)
def revoke_token(username: str, token_id: str):
    """The token stops working at once."""
    _existing(username)
    tokens.revoke(username, token_id)
