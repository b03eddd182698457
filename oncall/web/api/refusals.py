"""The error statuses an operation documents beside the `default` (always the one error
shape): `@refusals(bp, {403: "why", 404: "why"})`, with `headers` for a status that sends some
(a write's 409 names the current ETag: oncall/web/api/writes.py)."""

from __future__ import annotations

from oncall.web.api import errors


def refusals(bp, why: dict[int, str], *, headers: dict[int, dict] | None = None):
    def decorator(view):
        for status in sorted(why, reverse=True):
            document = bp.alt_response(
                status,
                schema=errors.ErrorSchema,
                description=why[status],
                headers=(headers or {}).get(status),
            )
            view = document(view)
        return view

    return decorator
