"""The JSON API's read endpoints, its OpenAPI document, its error shape and its auth, with a
real Redis and the app's test client (the schemathesis run is test_api_schemathesis.py)."""

from __future__ import annotations

import re

import pendulum
import pytest
from openapi_spec_validator import validate

from oncall.services import policies
from oncall.services.vendors import load_vendor
from rotas.rota import on_duty
from rotas.timetable import coverage_gaps, timetable
from tests.helpers.api import bearer, error_of

ADMIN, LEAD = bearer("admin"), bearer("lead")
AIDN_LAYERS = ["primary", "secondary"]


def aidn(app):
    return load_vendor(app.extensions["oncall"].settings.config_dir, "aidn")


# -- the document -----------------------------------------------------------------------------


def test_the_openapi_document_is_served_without_auth_and_validates(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)  # OpenAPI 3.1 (openapi-spec-validator picks the version from the document)
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert "default" in operation["responses"], (method, path)


def test_every_status_an_operation_describes_is_one_it_documents(client):
    """A status named in an operation's text (e.g. "412 a malformed one") is in its responses:
    the text a client reads and the statuses it codes against agree."""
    spec = client.get("/api/v1/openapi.json").json
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            described = set(re.findall(r"\b([1-5]\d\d)\b", operation.get("description", "")))
            assert described <= set(operation["responses"]), (method, path, described)


# a valid value of each path parameter (an unknown one: the user is checked first)
PATH_SAMPLES = {
    "vendor": "aidn",
    "incident_id": "AIDN-2026-000001",
    "sid": "CA" + "0" * 32,
    "username": "lead",
    "token_id": "0" * 12,
    "feed_id": "0" * 8,
    "number": "1",
    "override_id": "0" * 12,
}


def operations(client) -> list[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").json
    return [
        (method, re.sub(r"{(\w+)}", lambda m: PATH_SAMPLES[m[1]], path))
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete")
    ]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, bearer("disabled"),
                                     {"Authorization": "Basic YWRtaW46YWRtaW4="}])  # fmt: skip
def test_every_endpoint_needs_a_user(api, headers):
    ops = operations(api)
    assert len(ops) >= 15
    for method, path in ops:
        response = api.open(path, method=method.upper(), headers=headers, json={})
        error_of(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


# -- vendors, policy --------------------------------------------------------------------------


def test_vendors_lists_what_the_user_may_view(api):
    everyone = api.get("/api/v1/vendors", headers=ADMIN).json
    assert [v["id"] for v in everyone] == ["aidn", "amido", "itsl", "kommune-ikt", "pindena"]
    mine = api.get("/api/v1/vendors", headers=LEAD).json
    assert [v["id"] for v in mine] == ["aidn"]
    assert mine[0] == api.get("/api/v1/vendors/aidn", headers=LEAD).json
    assert mine[0]["timezone"] == "Europe/Oslo" and mine[0]["layers"] == AIDN_LAYERS
    assert [s["id"] for s in mine[0]["severities"]][:3] == ["a", "b", "c"]


def test_unknown_vendor_is_404_and_another_vendor_403(api):
    assert "nope" in error_of(api.get("/api/v1/vendors/nope", headers=ADMIN), 404)["message"]
    error_of(api.get("/api/v1/vendors/nope/shifts", headers=LEAD), 404)
    error_of(api.get("/api/v1/vendors/Bad..id", headers=ADMIN), 404)
    for path in ("", "/policy", "/rota", "/oncall", "/shifts", "/gaps"):
        error_of(api.get(f"/api/v1/vendors/pindena{path}", headers=LEAD), 403)


def test_policy_is_the_document_with_its_version_tag(api):
    response = api.get("/api/v1/vendors/aidn/policy", headers=LEAD)
    assert response.status_code == 200
    body = response.json
    assert body["document"]["id"] == "aidn" and body["document"]["timezone"] == "Europe/Oslo"
    assert body["document"]["overrides"][0]["person"] == "per"
    assert response.headers["ETag"] == f'"{body["etag"]}"'
    assert body["version"] == 1  # imported from its file at the app's first start


def test_policy_of_a_stored_vendor_is_its_current_version(api, app, redis_client, clock):
    text = (app.extensions["oncall"].settings.config_dir / "aidn.yaml").read_text()
    first = api.get("/api/v1/vendors/aidn/policy", headers=LEAD)
    assert (first.json["version"], first.headers["ETag"]) == (1, '"1"')
    assert first.json["document"] == policies.parse_document(text)
    edited = text.replace("name: Aidn", "name: Aidn AS", 1)
    policies.save_text(redis_client, "aidn", edited, base=1, author="lead", clock=clock)
    second = api.get("/api/v1/vendors/aidn/policy", headers=LEAD)
    assert (second.json["version"], second.headers["ETag"]) == (2, '"2"')
    assert second.json["document"]["name"] == "Aidn AS"


# -- rota, on call, shifts --------------------------------------------------------------------


def test_rota_layers(api, app):
    rota = api.get("/api/v1/vendors/aidn/rota", headers=LEAD).json
    assert [layer["name"] for layer in rota["layers"]] == AIDN_LAYERS
    primary = rota["layers"][0]
    assert primary["handoff"] == "08:00"
    assert primary["members"][0]["phone"].startswith("+47")
    assert primary["overrides"][0]["start"] == "2026-12-24T08:00:00+01:00"


def test_oncall_now_and_at(api, app, clock):
    now = api.get("/api/v1/vendors/aidn/oncall", headers=LEAD).json
    expected = on_duty(aidn(app).rota, clock.now())
    assert now["at"] == clock.now().in_timezone("Europe/Oslo").isoformat()
    assert [(s["layer"], s["person"]["id"]) for s in now["layers"]] == [
        (s.layer, s.person.id) for s in expected
    ]
    assert now["layers"][0]["end"] == expected[0].end.in_timezone("Europe/Oslo").isoformat()
    christmas = api.get("/api/v1/vendors/aidn/oncall?at=2026-12-25T12:00", headers=LEAD).json[
        "layers"
    ][0]
    assert (christmas["person"]["id"], christmas["override"]) == ("per", True)
    assert christmas["end"] == "2026-12-27T08:00:00+01:00"


def test_shifts_tile_the_range_and_mark_overrides(api):
    body = api.get("/api/v1/vendors/aidn/shifts?start=2026-12-20&end=2027-01-03", headers=LEAD).json
    assert body["start"] == "2026-12-20T00:00:00+01:00"
    for layer in body["layers"]:
        shifts = layer["shifts"]
        assert shifts[0]["start"] <= body["start"] and shifts[-1]["end"] >= body["end"]
        for a, b in zip(shifts, shifts[1:], strict=False):
            assert a["end"] == b["start"]
    primary = body["layers"][0]["shifts"]
    assert [s["person"]["id"] for s in primary if s["override"]] == ["per"]


@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("start=2026-12-20&end=2026-12-19", "query.end"),
        ("start=2026-01-01&end=2026-12-31", "query.end"),  # over 26 weeks
        ("start=yesterday", "query.start"),
        ("start=2026-02-30", "query.start"),
        ("start=1600-01-01", "query.start"),
        ("end=" + "9" * 41, "query.end"),
    ],
)
def test_a_bad_range_is_422_with_the_field(api, query, path):
    for what in ("shifts", "gaps", "timetable"):
        response = api.get(f"/api/v1/vendors/aidn/{what}?severity=a&{query}", headers=LEAD)
        error = error_of(response, 422)
        assert path in [d["path"] for d in error["details"]]


# -- timetable, gaps --------------------------------------------------------------------------


def test_timetable_is_the_routing_changes(api, app):
    body = api.get(
        "/api/v1/vendors/aidn/timetable?severity=a&start=2026-12-01&end=2026-12-03", headers=LEAD
    ).json
    start = pendulum.datetime(2026, 12, 1, tz="Europe/Oslo")
    expected = timetable(aidn(app), "a", start, start.add(days=2))
    assert [c["at"] for c in body["changes"]] == [c.at.isoformat() for c in expected]
    assert [c["dial"] for c in body["changes"]] == [list(c.decision.dial) for c in expected]


def test_timetable_needs_a_known_severity(api):
    missing = error_of(api.get("/api/v1/vendors/aidn/timetable", headers=LEAD), 422)
    assert missing["details"][0]["path"] == "query.severity"
    unknown = error_of(api.get("/api/v1/vendors/aidn/timetable?severity=zz", headers=LEAD), 422)
    assert unknown["details"] == [
        {"path": "query.severity", "message": unknown["details"][0]["message"]}
    ]
    assert "a, b, c" in unknown["message"]


def test_gaps_are_the_coverage_gaps(api, app):
    body = api.get(
        "/api/v1/vendors/pindena/gaps?start=2026-12-01&end=2027-02-01", headers=ADMIN
    ).json
    policy = load_vendor(app.extensions["oncall"].settings.config_dir, "pindena")
    start = pendulum.datetime(2026, 12, 1, tz=policy.tz)
    expected = coverage_gaps(policy, start, pendulum.datetime(2027, 2, 1, tz=policy.tz))
    assert [(g["severity"], g["start"], g["end"]) for g in body["gaps"]] == [
        (g.severity, g.start.isoformat(), g.end.isoformat()) for g in expected
    ]


# -- the error shape everywhere under /api/v1, and only there ---------------------------------


def test_errors_keep_one_shape(api, app):
    error_of(api.get("/api/v1/nothing-here", headers=ADMIN), 404)
    error_of(api.get("/api/v1", headers=ADMIN), 404)
    response = api.delete("/api/v1/vendors", headers=ADMIN)
    error_of(response, 405)
    assert "GET" in response.headers["Allow"]
    big = api.post("/api/v1/simulate", headers=ADMIN, data="x" * 70_000,
                   content_type="application/json")  # fmt: skip
    error_of(big, 413)
    bad_json = api.post(
        "/api/v1/simulate", headers=ADMIN, data="{", content_type="application/json"
    )
    assert bad_json.json["error"]["status"] in (400, 422)
    error_of(bad_json, bad_json.status_code)


def test_an_unexpected_failure_is_500_in_the_shape_without_internals(app):
    def boom():
        raise RuntimeError("secret internals +4740000101")

    app.add_url_rule("/api/v1/boom", view_func=boom)
    app.add_url_rule("/not-api/boom", view_func=boom)
    client = app.test_client()
    error = error_of(client.get("/api/v1/boom"), 500)
    assert "secret" not in error["message"]
    other = client.get("/not-api/boom")
    assert other.status_code == 500 and not other.is_json  # outside the API: Flask's own


def test_redis_down_is_503(no_redis_app):
    response = no_redis_app.test_client().get("/api/v1/incidents", headers=ADMIN)
    error_of(response, 503)
    assert response.headers["Retry-After"]


def test_other_paths_keep_flask_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and not response.is_json
