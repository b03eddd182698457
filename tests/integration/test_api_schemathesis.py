"""Schemathesis against the API in-process (WSGI), authenticated as a lead of aidn (the
users endpoints as an admin, whom they are for): a bounded number of generated requests per
operation; no 5xx, and every response (status,
headers, body) conforms to the OpenAPI document (its own checks re-send some requests
without credentials and expect 401).

The document is taken from the API alone at import (it needs no Redis; pytest parametrizes
at collection), the requests go to the full app of the `app` fixture with its real Redis.
(schemathesis.pytest.from_fixture fails under pytest 9: it sets `request.node._nodeid`.)
"""

from __future__ import annotations

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from oncall.web import api
from tests.helpers.api import authenticate, bearer

LEAD, ADMIN = bearer("lead"), bearer("admin")
# Rules the document cannot state (a range of at most 26 weeks, a severity of this vendor, a
# number phonenumbers accepts) answer schema-valid input with 422: not a failure here.
SEMANTIC = [schemathesis.checks.positive_data_acceptance]


def _document() -> dict:
    bare = Flask(__name__)
    api.init_app(bare)
    return bare.test_client().get("/api/v1/openapi.json").json


class _TestsApp:
    """WSGI: the app of the running test (the schema is made at collection, each test's app
    with its Redis later)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


# A missing If-Match (required on PUT /policy and restore) is 428 Precondition Required
# (RFC 6585), the status made for it; schemathesis expects 400/401/403/406/415/422 by default.
CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422,
                                                                  428]}}}
)  # fmt: skip
CURRENT = _TestsApp()
schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)
schema.app = CURRENT


@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)
def test_api_conforms(case, app):
    authenticate(app)
    CURRENT.app = app
    headers = ADMIN if case.operation.path.startswith("/api/v1/users") else LEAD
    response = case.call_and_validate(headers=headers, excluded_checks=SEMANTIC)
    assert response.status_code < 500
