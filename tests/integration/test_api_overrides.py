"""The API's overrides with a real Redis: list (ids, names), create and delete as a lead, with
and without If-Match; an engineer's own rules (themselves on a shift, their shift handed to a
colleague; nothing else); another vendor's lead; bad input by field."""

from __future__ import annotations

import pytest

from oncall.services import policies, policy_overrides
from oncall.services.tokens import create_token
from oncall.services.users import add_user
from rotas.rota import shifts_between
from tests.helpers.api import PASSWORD, bearer, error_of

LEAD, ADMIN = bearer("lead"), bearer("admin")
OVERRIDES = "/api/v1/vendors/aidn/overrides"
KARI_PHONE = "+4740000101"  # kari in aidn's people


@pytest.fixture
def kari(api, app):
    """An engineer of aidn who is aidn's `kari` (same phone): her Authorization header."""
    svc = app.extensions["oncall"]
    add_user(svc.redis, "kari", name="Kari", password=PASSWORD, phone=KARI_PHONE,
             roles={"aidn": "engineer"})  # fmt: skip
    token, _ = create_token(svc.redis, "kari", name="phone", clock=svc.clock)
    return {"Authorization": f"Bearer {token}"}


def override(layer, person, start, end) -> dict:
    return {"layer": layer, "person": person, "from": local(start), "to": local(end)}


def local(at) -> str:
    return at.strftime("%Y-%m-%dT%H:%M")


def shift_of(app, person: str, layer: str = "primary"):
    """The next whole shift of `person` in aidn's `layer` after the test's now."""
    svc = app.extensions["oncall"]
    policy = svc.vendors["aidn"]
    rota_layer = next(x for x in policy.rota.layers if x.name == layer)
    now = svc.clock.now().in_timezone(policy.tz)
    shifts = shifts_between(rota_layer, now, now.add(weeks=6))
    return next(s for s in shifts if s.person.id == person and s.start > now)


def number(redis_client) -> int:
    return policies.current(redis_client, "aidn").number


def test_the_list_has_each_override_with_its_id_and_person(api, redis_client):
    response = api.get(OVERRIDES, headers=LEAD)
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    (item,) = response.json["overrides"]
    written = policies.current(redis_client, "aidn").document["overrides"][0]
    assert item == {
        "id": policy_overrides.override_id(written),
        "layer": "primary",
        "person": "per",
        "name": "Per Hansen (example)",
        "from": "2026-12-24T08:00",
        "to": "2026-12-27T08:00",
        "start": "2026-12-24T08:00:00+01:00",
        "end": "2026-12-27T08:00:00+01:00",
    }
    error_of(api.get("/api/v1/vendors/pindena/overrides", headers=LEAD), 403)


def test_a_lead_creates_and_deletes_overrides(api, redis_client):
    body = {"layer": "secondary", "person": "ola", "from": "2026-12-01T08:00",
            "to": "2026-12-02T08:00+01:00"}  # fmt: skip
    response = api.post(OVERRIDES, json=body, headers=LEAD)
    assert response.status_code == 201, response.json
    created = response.json
    assert (created["version"], response.headers["ETag"]) == (2, '"2"')
    assert created["override"]["id"] == policy_overrides.override_id(body)
    assert created["override"]["end"] == "2026-12-02T08:00:00+01:00"
    assert created["summary"].startswith("overrides: +1 (ola on secondary")
    ids = [o["id"] for o in api.get(OVERRIDES, headers=LEAD).json["overrides"]]
    assert created["override"]["id"] in ids and len(ids) == 2

    gone = api.delete(f"{OVERRIDES}/{created['override']['id']}", headers=LEAD)
    assert gone.status_code == 200 and gone.headers["ETag"] == '"3"'
    assert len(api.get(OVERRIDES, headers=LEAD).json["overrides"]) == 1
    error_of(api.delete(f"{OVERRIDES}/{created['override']['id']}", headers=LEAD), 404)
    error_of(api.delete(f"{OVERRIDES}/not-an-id", headers=LEAD), 404)
    assert number(redis_client) == 3


def test_without_if_match_an_override_merges_onto_the_latest(api, redis_client, clock):
    latest = policies.current(redis_client, "aidn")
    edited = {**latest.document, "name": "Aidn AS"}
    policies.save_document(redis_client, "aidn", edited, base=1, author="ola", clock=clock)
    body = {"layer": "primary", "person": "ola", "from": "2027-01-04", "to": "2027-01-05"}
    stale = api.post(OVERRIDES, json=body, headers={**LEAD, "If-Match": '"1"'})
    assert error_of(stale, 409)["message"].startswith("changed by ola at ")
    assert number(redis_client) == 2
    response = api.post(OVERRIDES, json=body, headers=LEAD)
    assert response.status_code == 201 and response.json["version"] == 3
    document = policies.current(redis_client, "aidn").document
    assert document["name"] == "Aidn AS" and len(document["overrides"]) == 2  # nothing lost
    with_tag = api.post(OVERRIDES, headers={**LEAD, "If-Match": '"3"'},
                        json={**body, "from": "2027-01-06", "to": "2027-01-07"})  # fmt: skip
    assert with_tag.status_code == 201 and with_tag.json["version"] == 4


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"layer": "nope", "person": "ola", "from": "2027-01-04", "to": "2027-01-05"},
         "overrides[1].layer"),
        ({"layer": "primary", "person": "nobody", "from": "2027-01-04", "to": "2027-01-05"},
         "overrides[1].person"),
        ({"layer": "primary", "person": "ola", "from": "2027-01-05", "to": "2027-01-04"},
         "json.to"),
        ({"layer": "primary", "person": "ola", "from": "someday", "to": "2027-01-04"},
         "json.from"),
        ({"layer": "primary", "person": "ola", "from": "2027-01-04"}, "json.to"),
    ],
)  # fmt: skip
def test_a_bad_override_is_422_by_field_and_saves_nothing(api, redis_client, body, path):
    error = error_of(api.post(OVERRIDES, json=body, headers=LEAD), 422)
    assert path in [d["path"] for d in error["details"]], error
    assert number(redis_client) == 1


def test_an_engineer_may_put_themselves_on_a_shift(api, app, kari):
    theirs = shift_of(app, "ola")  # kari takes a day of ola's primary week
    body = override("primary", "kari", theirs.start, theirs.start.add(days=1))
    response = api.post(OVERRIDES, json=body, headers=kari)
    assert response.status_code == 201, response.json
    assert response.json["author"] == "kari"


def test_an_engineer_may_not_put_someone_else_on_a_shift(api, app, redis_client, kari):
    not_hers = shift_of(app, "ingrid")
    body = override("primary", "ola", not_hers.start, not_hers.start.add(days=1))
    error = error_of(api.post(OVERRIDES, json=body, headers=kari), 403)
    assert "only take a shift themselves or hand their own shift" in error["message"]
    assert number(redis_client) == 1


def test_an_engineer_may_hand_their_own_shift_to_a_colleague(api, app, redis_client, kari):
    hers = shift_of(app, "kari")
    body = override("primary", "ola", hers.start.add(days=2), hers.start.add(days=3))
    response = api.post(OVERRIDES, json=body, headers=kari)
    assert response.status_code == 201, response.json
    # ...and may take it back: removing it is judged on what lies under it (her shift)
    gone = api.delete(f"{OVERRIDES}/{response.json['override']['id']}", headers=kari)
    assert gone.status_code == 200 and gone.json["version"] == 3
    # per's Christmas override lies over someone else's shift: not hers to remove
    (christmas,) = api.get(OVERRIDES, headers=kari).json["overrides"]
    error_of(api.delete(f"{OVERRIDES}/{christmas['id']}", headers=kari), 403)
    assert number(redis_client) == 3


def test_an_engineer_cannot_put_the_policy(api, kari):
    document = api.get("/api/v1/vendors/aidn/policy", headers=kari).json["document"]
    response = api.put("/api/v1/vendors/aidn/policy", json=document,
                       headers={**kari, "If-Match": '"1"'})  # fmt: skip
    assert "cannot edit its policy" in error_of(response, 403)["message"]


def test_a_lead_of_aidn_cannot_change_pindenas_overrides(api, redis_client):
    pindena = "/api/v1/vendors/pindena/overrides"
    body = {"layer": "primary", "person": "kari", "from": "2027-01-04", "to": "2027-01-05"}
    error_of(api.post(pindena, json=body, headers=LEAD), 403)
    error_of(api.delete(f"{pindena}/{'0' * 12}", headers=LEAD), 403)
    assert policies.current(redis_client, "pindena").number == 1
