"""Path converters of the users, tokens and feeds endpoints (with their OpenAPI schemas)."""

from __future__ import annotations

from werkzeug.routing import BaseConverter


class Username(BaseConverter):
    regex = r"[a-z0-9][a-z0-9._-]{0,63}"
    schema = {"type": "string", "pattern": f"^{regex}$", "maxLength": 64, "examples": ["lead"]}


class TokenId(BaseConverter):
    regex = r"[0-9a-f]{12}"
    schema = {"type": "string", "pattern": f"^{regex}$", "minLength": 12, "maxLength": 12}


class FeedId(BaseConverter):
    regex = r"[0-9a-f]{8}"
    schema = {"type": "string", "pattern": f"^{regex}$", "minLength": 8, "maxLength": 8}


CONVERTERS = {"username": Username, "token_id": TokenId, "feed_id": FeedId}
