"""`/readyz`: 200 when a page would go out now, else 503; a JSON body names every check
(oncall/services/health.py). Unauthenticated, read-only, never cached."""

from __future__ import annotations

from flask import Blueprint, jsonify

from oncall.services.health import readiness
from oncall.web.context import services

bp = Blueprint("health", __name__)


@bp.get("/readyz")
def readyz():
    result = readiness(services())
    response = jsonify(result.to_json())
    response.status_code = 200 if result.ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
