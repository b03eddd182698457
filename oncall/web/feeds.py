"""`GET /feeds/<token>.ics`: an iCal feed, opened by its token alone (calendar apps send no
login). An unknown, revoked, renewed or malformed token gets a bare 404 that tells nothing;
Redis not answering gets 503 with Retry-After (a client keeps the copy it has).
The token is a secret in the path: every log line masks it (oncall/masking.py)."""

from __future__ import annotations

import logging

import redis
from flask import Blueprint, Response

from oncall.services.feeds import MAX_TOKEN_CHARS, feed_for_token, render_feed
from oncall.web.context import services

bp = Blueprint("feeds", __name__, url_prefix="/feeds")
log = logging.getLogger("oncall.feeds")

CACHE = "private, max-age=300"  # a client may keep it 5 minutes; shared caches never


@bp.get("/<name>")
def feed(name: str):
    token = name.removesuffix(".ics")
    if token == name or len(token) > MAX_TOKEN_CHARS:
        return _not_found()
    svc = services()
    try:
        info = feed_for_token(svc.redis, token)
    except (redis.RedisError, OSError) as exc:
        log.warning("feed not served: Redis unavailable (%s)", type(exc).__name__)
        return _plain("unavailable; try again later\n", 503, **{"Retry-After": "60"})
    if info is None:
        return _not_found()
    body = render_feed(svc, info, svc.clock.now())
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = CACHE
    return response


def _not_found() -> Response:
    return _plain("not found\n", 404)


def _plain(text: str, status: int, **headers: str) -> Response:
    response = Response(text, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers)
    return response
