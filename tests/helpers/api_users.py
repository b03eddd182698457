"""More API users than tests.helpers.api's four: made on demand with a phone (who they are
in the vendors' people), each with one API token."""

from __future__ import annotations

from oncall.services.tokens import create_token
from oncall.services.users import add_user
from tests.helpers.api import PASSWORD


def user_with_token(app, username: str, roles: dict, phone: str | None = None) -> dict:
    """A real user and token in the app's Redis; the Authorization header of that token."""
    svc = app.extensions["oncall"]
    add_user(
        svc.redis, username, name=username.title(), password=PASSWORD, phone=phone, roles=roles
    )
    token, _ = create_token(svc.redis, username, name="tests", clock=svc.clock)
    return token_header(token)


def token_header(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def stored(redis_client) -> dict:
    """Every key and its value (dumped), but the tokens' own records (each request with a
    token notes when it was last used) and the rate-limit counters (each write counts):
    what a refused request must leave as it was."""
    ignored = (b"oncall:token:", b"oncall:limits")
    keys = sorted(k for k in redis_client.scan_iter() if not k.startswith(ignored))
    return {key: redis_client.dump(key) for key in keys}
