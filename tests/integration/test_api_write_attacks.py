"""The API's writes attacked (issue 11, second round): a policy PUT that validates but would
break routing or the next start, bodies that pass YAML-special text into the stored text."""

from __future__ import annotations

import copy

import pytest

from oncall.services import policies
from oncall.services.tokens import create_token
from oncall.services.users import add_user
from tests.helpers.api import PASSWORD, bearer, error_of

LEAD = bearer("lead")
POLICY = "/api/v1/vendors/aidn/policy"
OVERRIDES = "/api/v1/vendors/aidn/overrides"


@pytest.fixture
def kari(api, app):
    """An engineer of aidn who is aidn's `kari` (same phone): her Authorization header."""
    svc = app.extensions["oncall"]
    add_user(svc.redis, "kari", name="Kari", password=PASSWORD, phone="+4740000101",
             roles={"aidn": "engineer"})  # fmt: skip
    token, _ = create_token(svc.redis, "kari", name="phone", clock=svc.clock)
    return {"Authorization": f"Bearer {token}"}


def read(api) -> tuple[dict, str]:
    response = api.get(POLICY, headers=LEAD)
    assert response.status_code == 200
    return response.json["document"], response.headers["ETag"]


def put(api, document, etag):
    return api.put(POLICY, json=document, headers={**LEAD, "If-Match": etag})


@pytest.mark.parametrize("inbound", [[], "absent"])
def test_a_put_without_an_inbound_number_is_422_and_saves_nothing(api, redis_client, inbound):
    """Without an inbound number nobody can call the vendor, its pages and SMS have no
    sender, and production's start-up gate refuses to start ANY process while such a
    version is stored: one lead's PUT must not take every vendor down at the next deploy."""
    document, etag = read(api)
    edited = copy.deepcopy(document)
    if inbound == "absent":
        edited.pop("inbound")
    else:
        edited["inbound"] = inbound
    error = error_of(put(api, edited, etag), 422)
    assert [d["path"] for d in error["details"]] == ["inbound"]
    assert "inbound number" in error["message"]
    stored = policies.current(redis_client, "aidn")
    assert stored.number == 1 and stored.document["inbound"] == document["inbound"]


@pytest.mark.parametrize(
    "text",
    ["*alias", "&anchor x", "!!python/object/apply:os.system", "<<: *merge", "null", "~",
     "yes", "0x1F", ".nan", "2026-12-24", "- item", "# not a comment", " padded ",
     "line\nbreak", "tab\there", "next\x85line", "sep\u2028line", "Ålesund æøå \U0001f600"],
)  # fmt: skip
def test_yaml_special_text_in_a_put_is_stored_as_text_and_reads_back_the_same(
    api, redis_client, text
):
    """Every string of a PUT's JSON reaches the stored YAML quoted or escaped: read back
    (GET, the stored version, an export imported again) it is the same string."""
    document, etag = read(api)
    edited = {**copy.deepcopy(document), "name": text}
    edited["people"]["kari"] = {**edited["people"]["kari"], "name": text}
    response = put(api, edited, etag)
    assert response.status_code == 200, response.json
    assert read(api)[0] == edited
    stored = policies.current(redis_client, "aidn")
    assert policies.parse_document(stored.text) == edited
    assert policies.parse_document(policies.document_text(stored.document)) == edited


def test_an_engineer_cannot_put_herself_on_past_shifts(api, app, redis_client, kari):
    """The weekly report counts each person's hours on duty from the rota, overrides
    included: an override that starts in January and ends in an hour would give kari ten
    months of everyone's primary shifts. Refused (403), nothing saved; from now on: 201."""
    now = app.extensions["oncall"].clock.now().in_timezone("Europe/Oslo")
    until = now.add(hours=1).strftime("%Y-%m-%dT%H:%M")
    body = {"layer": "primary", "person": "kari", "from": "2026-01-05T08:00", "to": until}
    error = error_of(api.post(OVERRIDES, json=body, headers=kari), 403)
    assert "cannot change past shifts" in error["message"]
    assert policies.current(redis_client, "aidn").number == 1
    from_now = {**body, "from": now.strftime("%Y-%m-%dT%H:%M")}
    assert api.post(OVERRIDES, json=from_now, headers=kari).status_code == 201


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("put", POLICY, {"If-Match": '"1"'}),
        ("post", OVERRIDES, {}),
        ("post", "/api/v1/simulate", {}),
        ("post", "/api/v1/me/tokens", {}),
        ("post", "/api/v1/users", None),
    ],
)
def test_an_integer_of_5000_digits_in_a_body_is_400_not_500(
    api, redis_client, method, path, headers
):
    """json.loads refuses an integer of more than 4,300 digits with a plain ValueError,
    which webargs let through as a 500 on every endpoint with a JSON body."""
    body = '{"name": ' + "9" * 5000 + "}"
    headers = {**bearer("admin")} if headers is None else {**LEAD, **headers}
    response = getattr(api, method)(path, data=body, content_type="application/json",
                                     headers=headers)  # fmt: skip
    error = error_of(response, 400)
    assert error["details"] == [{"path": "json", "message": "Invalid JSON body."}]
    assert policies.current(redis_client, "aidn").number == 1


def test_a_form_post_is_415_not_every_field_missing_and_saves_nothing(api, redis_client):
    before = policies.current(redis_client, "aidn").number
    form = {"layer": "primary", "person": "ola", "from": "2027-01-02T08:00",
            "to": "2027-01-03T08:00"}  # fmt: skip
    refused = api.post("/api/v1/vendors/aidn/overrides", data=form, headers=bearer("lead"))
    assert error_of(refused, 415)["message"] == "send the body as application/json"
    assert policies.current(redis_client, "aidn").number == before
    ok = api.post("/api/v1/vendors/aidn/overrides", json=form, headers=bearer("lead"))
    assert ok.status_code == 201, ok.json
