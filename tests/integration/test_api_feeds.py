"""Feed URLs through the API, with a real Redis: a person feed of my own phone (anyone), a
layer feed (a lead of that vendor or an admin); the owner, a lead of the feed's vendor or an
admin renews or revokes it. The URL is answered once; lists and logs never show it."""

from __future__ import annotations

import logging

import pytest

from oncall.services.feeds import create_feed, list_feeds
from tests.helpers.api import bearer, error_of
from tests.helpers.api_users import stored, user_with_token

ADMIN, LEAD, ENGINEER = bearer("admin"), bearer("lead"), bearer("engineer")
BASE = "https://oncall.example.com/feeds/"  # the settings fixture's PUBLIC_BASE_URL
FEED_FIELDS = {"id", "kind", "owner", "created", "vendor", "layer", "target"}
PERSON = {"kind": "person"}
AIDN_PRIMARY = {"kind": "layer", "vendor": "aidn", "layer": "primary"}


@pytest.fixture
def kari(api, app):
    """An engineer of aidn whose phone is kari's in aidn's people."""
    return user_with_token(app, "kari", {"aidn": "engineer"}, phone="+4740000101")


def make(api, headers, body) -> dict:
    response = api.post("/api/v1/feeds", headers=headers, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert set(response.json) == FEED_FIELDS | {"url"}
    assert response.json["url"].startswith(BASE) and response.json["url"].endswith(".ics")
    return response.json


def ics(api, url: str):
    return api.get(url.removeprefix("https://oncall.example.com"))


def test_an_engineer_makes_their_own_person_feed_not_a_layer_feed(api, kari, redis_client):
    made = make(api, kari, PERSON)
    assert (made["kind"], made["owner"], made["target"]) == ("person", "kari", "person +*******101")
    calendar = ics(api, made["url"])
    assert calendar.status_code == 200 and b"On call: Kari Nordmann (example)" in calendar.data
    listed = api.get("/api/v1/feeds", headers=kari)
    assert listed.json == [{k: made[k] for k in FEED_FIELDS}]
    assert made["url"].removeprefix(BASE).removesuffix(".ics") not in listed.get_data(as_text=True)
    before = stored(redis_client)
    refused = error_of(api.post("/api/v1/feeds", headers=kari, json=AIDN_PRIMARY), 403)
    assert refused["message"] == "an engineer manages only their own feed"
    assert stored(redis_client) == before


def test_a_person_feed_needs_a_phone_that_is_someone(api, app, redis_client):
    stranger = user_with_token(app, "stranger", {"aidn": "engineer"}, phone="+4790000123")
    before = stored(redis_client)
    error = error_of(api.post("/api/v1/feeds", headers=ENGINEER, json=PERSON), 422)
    assert error["details"] == [{"path": "json.kind", "message": "your user has no phone: a "
                                 "person feed shows the shifts of your phone"}]  # fmt: skip
    error = error_of(api.post("/api/v1/feeds", headers=stranger, json=PERSON), 422)
    assert error["message"] == "kind: your phone +*******123 is nobody in any vendor's people"
    assert list_feeds(redis_client) == [] and stored(redis_client) == before


def test_a_lead_makes_layer_feeds_of_their_vendor_only(api, redis_client):
    made = make(api, LEAD, AIDN_PRIMARY)
    assert (made["owner"], made["target"]) == ("lead", "aidn/primary")
    assert b"Aidn primary: " in ics(api, made["url"]).data
    before = stored(redis_client)
    itsl = {"kind": "layer", "vendor": "itsl", "layer": "primary"}
    assert error_of(api.post("/api/v1/feeds", headers=LEAD, json=itsl), 403)["message"] == (
        "you have no role for itsl"
    )
    tertiary = {**AIDN_PRIMARY, "layer": "tertiary"}
    unknown = error_of(api.post("/api/v1/feeds", headers=LEAD, json=tertiary), 422)
    assert unknown["details"][0]["path"] == "json.layer"
    assert "unknown layer 'tertiary' of aidn (valid: primary, secondary)" in unknown["message"]
    assert stored(redis_client) == before
    admin_itsl = make(api, ADMIN, itsl)
    assert admin_itsl["owner"] == "admin"


def test_what_each_user_lists(api, kari, redis_client):
    own = make(api, kari, PERSON)
    lead_layer = make(api, LEAD, AIDN_PRIMARY)
    admin_aidn = make(api, ADMIN, {**AIDN_PRIMARY, "layer": "secondary"})
    admin_itsl = make(api, ADMIN, {"kind": "layer", "vendor": "itsl", "layer": "primary"})

    def ids(headers) -> set[str]:
        return {f["id"] for f in api.get("/api/v1/feeds", headers=headers).json}

    assert ids(kari) == {own["id"]}
    assert ids(LEAD) == {lead_layer["id"], admin_aidn["id"]}  # their vendor's layer feeds
    assert ids(ADMIN) == {own["id"], lead_layer["id"], admin_aidn["id"], admin_itsl["id"]}
    assert ids(ENGINEER) == set()


def test_renew_gives_a_new_url_and_kills_the_old(api, caplog):
    caplog.set_level(logging.DEBUG)
    made = make(api, ADMIN, AIDN_PRIMARY)
    renewed = api.post(f"/api/v1/feeds/{made['id']}/renew", headers=LEAD)  # a lead of aidn
    assert renewed.status_code == 200 and renewed.json["id"] == made["id"]
    assert renewed.json["url"] != made["url"] and renewed.json["owner"] == "admin"
    assert ics(api, made["url"]).status_code == 404
    assert ics(api, renewed.json["url"]).status_code == 200
    for url in (made["url"], renewed.json["url"]):
        assert url.removeprefix(BASE).removesuffix(".ics") not in caplog.text
    assert f"api: lead renewed feed {made['id']}" in caplog.text


def test_who_may_revoke(api, app, kari, redis_client):
    pindena, _ = create_feed(redis_client, kind="layer", vendor="pindena", layer="drift",
                             owner="pindena-lead")  # fmt: skip
    (pindena_id,) = [f.id for f in list_feeds(redis_client)]
    for method, path in (("DELETE", ""), ("POST", "/renew")):
        refused = api.open(f"/api/v1/feeds/{pindena_id}{path}", method=method, headers=LEAD)
        assert error_of(refused, 403)["message"] == "you have no role for pindena"
    assert ics(api, f"{BASE}{pindena}.ics").status_code == 200
    karis = make(api, kari, PERSON)
    refused = api.delete(f"/api/v1/feeds/{karis['id']}", headers=LEAD)
    assert error_of(refused, 403)["message"] == "manage feeds needs a vendor"  # not theirs
    assert api.delete(f"/api/v1/feeds/{karis['id']}", headers=kari).status_code == 204
    assert ics(api, karis["url"]).status_code == 404
    assert api.delete(f"/api/v1/feeds/{pindena_id}", headers=ADMIN).status_code == 204
    assert ics(api, f"{BASE}{pindena}.ics").status_code == 404
    error_of(api.delete(f"/api/v1/feeds/{pindena_id}", headers=ADMIN), 404)
    error_of(api.post(f"/api/v1/feeds/{pindena_id}/renew", headers=ADMIN), 404)


@pytest.mark.parametrize(
    ("body", "paths"),
    [
        ({"kind": "calendar"}, ["json.kind"]),
        ({"kind": "layer"}, ["json.layer", "json.vendor"]),
        ({"kind": "layer", "vendor": "aidn"}, ["json.layer"]),
        ({"kind": "layer", "vendor": "Aidn", "layer": "primary"}, ["json.vendor"]),
        ({"kind": "layer", "vendor": "aidn", "layer": "x" * 41}, ["json.layer"]),
        ({"kind": "person", "vendor": "aidn"}, ["json.vendor"]),
        ({"kind": "person", "phone": "+4740000102"}, ["json.phone"]),
        ({}, ["json.kind"]),
    ],
)
def test_bad_feed_input_is_422_and_changes_nothing(api, redis_client, body, paths):
    before = stored(redis_client)
    error = error_of(api.post("/api/v1/feeds", headers=ADMIN, json=body), 422)
    assert sorted(d["path"] for d in error["details"]) == paths
    assert stored(redis_client) == before


def test_a_disabled_users_feeds_stop(api, kari):
    made = make(api, kari, PERSON)
    assert ics(api, made["url"]).status_code == 200
    assert api.post("/api/v1/users/kari/disable", headers=ADMIN).status_code == 200
    assert ics(api, made["url"]).status_code == 404
