"""The JSON API under /api/v1 (flask-smorest): one blueprint per resource, the OpenAPI 3.1
document at /api/v1/openapi.json, one error shape (errors.py), one authentication and
authorisation module (access.py)."""

from __future__ import annotations

from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from oncall.web import auth
from oncall.web.api import (
    calls,
    errors,
    feeds,
    history,
    ids,
    incidents,
    me,
    overrides,
    policy,
    schedule,
    simulate,
    users,
    vendors,
)
from oncall.web.api.common import CONVERTERS as COMMON_CONVERTERS

BLUEPRINTS = (vendors.bp, schedule.bp, incidents.bp, calls.bp, simulate.bp)
POLICY_BLUEPRINTS = (policy.bp, history.bp, overrides.bp)  # writes: policy, history, overrides
ADMIN_BLUEPRINTS = (me.bp, users.bp, feeds.bp)  # the signed-in user, users and tokens, feeds
CONVERTERS = {**COMMON_CONVERTERS, **overrides.CONVERTERS, **ids.CONVERTERS}
BEARER = {"type": "http", "scheme": "bearer", "description": "an API token of a user"}


class OncallApi(Api):
    ERROR_SCHEMA = errors.ErrorSchema

    def _register_error_handlers(self):
        self._app.register_error_handler(HTTPException, errors.handle_http_exception)


def init_app(app, limiter=None) -> Api:
    """The API on `app`; its writes limited per user with `limiter` (settings:
    ONCALL_API_WRITES_PER_USER). Without one (a bare Flask app that only serves the
    OpenAPI document) nothing is limited."""
    app.config.update(
        API_TITLE="oncall",
        API_VERSION="v1",
        OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX=errors.PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    for name, converter in CONVERTERS.items():
        app.url_map.converters[name] = converter
    api = OncallApi(app, spec_kwargs={"security": [{"bearerAuth": []}]})
    api.spec.components.security_scheme("bearerAuth", BEARER)
    for converter in CONVERTERS.values():
        api.register_converter(converter, lambda c: dict(type(c).schema))
    for bp in BLUEPRINTS + POLICY_BLUEPRINTS + ADMIN_BLUEPRINTS:
        if limiter is not None:
            auth.limit_writes(limiter, bp, app.extensions["oncall"].settings.api_writes_per_user)
        api.register_blueprint(bp)
    return api
