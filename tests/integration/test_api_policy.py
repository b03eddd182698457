"""The API's policy writes with a real Redis: PUT /vendors/{vendor}/policy with If-Match
(428, 412, 409 with the service's message and nothing lost, two racing writers, 422 by field
path with nothing saved, 413 past its own larger body limit), history and restore, CSRF."""

from __future__ import annotations

import copy
import json
import threading
from datetime import date, timedelta

import pytest
import yaml

from oncall.services import policies
from oncall.web.api.policy import MAX_POLICY_BYTES
from tests.helpers.api import PASSWORD, authenticate, bearer, error_of
from tests.helpers.browser import BASE, Browser

LEAD, ENGINEER, ADMIN = bearer("lead"), bearer("engineer"), bearer("admin")
POLICY = "/api/v1/vendors/aidn/policy"


def read(api) -> tuple[dict, str]:
    response = api.get(POLICY, headers=LEAD)
    assert response.status_code == 200
    return response.json["document"], response.headers["ETag"]


def put(api, document, etag=None, headers=LEAD, **kwargs):
    extra = {} if etag is None else {"If-Match": etag}
    return api.put(POLICY, json=document, headers={**headers, **extra}, **kwargs)


def renamed(document: dict, name: str) -> dict:
    return {**copy.deepcopy(document), "name": name}


def current_number(redis_client, vendor="aidn") -> int:
    return policies.current(redis_client, vendor).number


# -- PUT ----------------------------------------------------------------------------------------


def test_put_saves_a_new_version_with_its_etag_and_warnings(api, redis_client):
    document, etag = read(api)
    assert etag == '"1"'
    edited = renamed(document, "Aidn AS")
    edited["duty"]["hours"] = {"mon-fri": "16:00-23:00"}  # nights and weekends: nobody paged
    response = put(api, edited, etag, query_string={"summary": "rename"})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["version"], body["etag"], response.headers["ETag"]) == (2, "2", '"2"')
    assert (body["author"], body["summary"]) == ("lead", "rename")
    assert body["at"].startswith("2026-11-24T20:00:00+01:00")
    # the duty window leaves nights uncovered: coverage gaps are warnings, saved anyway
    assert body["warnings"] and {w["level"] for w in body["warnings"]} == {"warning"}
    assert read(api) == (edited, '"2"')
    stored = policies.current(redis_client, "aidn")
    assert (stored.author, stored.summary, stored.document["name"]) == ("lead", "rename", "Aidn AS")
    assert {c["path"] for c in stored.changes} >= {"name"}


def test_a_put_document_is_stored_in_the_files_key_order_whatever_order_it_came_in(
    api, redis_client
):
    """GET -> PUT -> export gives a file laid out like the seed (id, name, ... severities),
    not the JSON's sorted keys or a set's order (which changed with each process's hash seed)."""
    document, etag = read(api)
    seeded = list(yaml.safe_load(policies.version(redis_client, "aidn", 1).text))
    shuffled = dict(reversed(list(renamed(document, "Aidn AS").items())))
    assert put(api, shuffled, etag).status_code == 200
    assert list(yaml.safe_load(policies.current(redis_client, "aidn").text)) == seeded


def test_put_without_if_match_is_428_and_saves_nothing(api, redis_client):
    document, _ = read(api)
    error = error_of(put(api, renamed(document, "x")), 428)
    assert "If-Match" in error["message"]
    assert current_number(redis_client) == 1


@pytest.mark.parametrize("etag", ["*", "1", 'W/"1"', '"abc"', '"0"', '"1", "2"', '"' + "9" * 30])
def test_put_with_a_malformed_if_match_is_400_and_saves_nothing(api, redis_client, etag):
    document, _ = read(api)
    error_of(put(api, renamed(document, "x"), etag), 400)
    assert current_number(redis_client) == 1


def test_a_stale_put_is_409_with_the_service_message_and_loses_nothing(api, redis_client, clock):
    document, etag = read(api)
    other = policies.save_document(
        redis_client, "aidn", renamed(document, "Aidn by Ola"), base=1, author="ola", clock=clock
    )
    response = put(api, renamed(document, "Aidn by Lead"), etag)
    error = error_of(response, 409)
    expected = policies.Conflict(other.version, "aidn").message
    assert error["message"] == expected
    assert error["message"].startswith("changed by ola at 2026-11-24 20:00 CET (version 2)")
    assert error["details"] == [{
        "path": "header.If-Match",
        "message": 'the current version is 2 (ETag "2"), by ola',
    }]  # fmt: skip
    assert response.headers["ETag"] == '"2"'
    assert read(api) == (renamed(document, "Aidn by Ola"), '"2"')  # ola's change is still there


def test_two_writers_on_one_etag_exactly_one_wins(app, api, redis_client):
    document, etag = read(api)
    start = threading.Barrier(2)
    statuses: dict[str, int] = {}

    def write(name: str) -> None:
        client = app.test_client()
        start.wait()
        statuses[name] = put(client, renamed(document, name), etag).status_code

    threads = [threading.Thread(target=write, args=(n,)) for n in ("Aidn A", "Aidn B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses.values()) == [200, 409], statuses
    winner = next(n for n, s in statuses.items() if s == 200)
    assert current_number(redis_client) == 2
    assert policies.current(redis_client, "aidn").document["name"] == winner


def test_an_invalid_document_is_422_by_field_path_and_saves_nothing(api, redis_client):
    document, etag = read(api)
    broken = copy.deepcopy(document)
    broken["rota"][0]["handoff"] = "25:00"
    broken["overrides"][0]["to"] = "2026-12-24T07:00"  # before its from
    error = error_of(put(api, broken, etag), 422)
    paths = {d["path"] for d in error["details"]}
    assert {"rota[0].handoff", "overrides[0].to"} <= paths, error
    assert error["message"].startswith("nothing saved: ")
    for body in ([1, 2], "text", None):
        error_of(put(api, body, etag), 422)
    assert current_number(redis_client) == 1


@pytest.mark.parametrize("depth", [500, 5000, 20_000])
def test_a_body_nested_too_deeply_is_400_not_500(api, redis_client, depth):
    body = '{"a":' * depth + "1" + "}" * depth
    response = api.put(POLICY, data=body, content_type="application/json",
                       headers={**LEAD, "If-Match": '"1"'})  # fmt: skip
    assert "nested too deeply" in error_of(response, 400)["message"]
    unbalanced = api.post("/api/v1/simulate", data="[" * depth, headers=LEAD,
                          content_type="application/json")  # fmt: skip
    error_of(unbalanced, 400)
    assert current_number(redis_client) == 1


def test_roles_an_engineer_cannot_put_and_a_lead_of_aidn_cannot_put_pindena(api, redis_client):
    document, etag = read(api)
    error_of(put(api, renamed(document, "x"), etag, headers=ENGINEER), 403)
    pindena = api.get("/api/v1/vendors/pindena/policy", headers=ADMIN).json["document"]
    response = api.put("/api/v1/vendors/pindena/policy", json=pindena,
                       headers={**LEAD, "If-Match": '"1"'})  # fmt: skip
    error_of(response, 403)
    error_of(api.put("/api/v1/vendors/nope/policy", json={}, headers={**ADMIN, "If-Match": '"1"'}),
             404)  # fmt: skip
    assert current_number(redis_client) == current_number(redis_client, "pindena") == 1


def with_overrides(document: dict, count: int) -> dict:
    """`document` with `count` day-long overrides on primary, one a day from 2027-01-01."""
    people = ["kari", "ola", "ingrid", "per"]
    days = [date(2027, 1, 1) + timedelta(days=i) for i in range(count)]
    items = [
        {"layer": "primary", "person": people[i % 4], "from": f"{day}T08:00", "to": f"{day}T20:00"}
        for i, day in enumerate(days)
    ]
    return {**copy.deepcopy(document), "overrides": items}


def test_a_policy_body_may_be_larger_than_the_apps_64_kib_up_to_its_own_limit(api, redis_client):
    document, etag = read(api)
    big = with_overrides(document, 2000)
    assert len(json.dumps(big)) > 150 * 1024  # over the app's 64 KiB
    response = put(api, big, etag)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert len(policies.current(redis_client, "aidn").document["overrides"]) == 2000
    too_big = {**big, "padding": "x" * MAX_POLICY_BYTES}
    error_of(put(api, too_big, '"2"'), 413)
    assert current_number(redis_client) == 2
    # every other endpoint keeps the app's 64 KiB
    item = {"layer": "primary", "person": "kari", "from": "2027-02-01T08:00",
            "to": "2027-02-02T08:00", "padding": "x" * 70_000}  # fmt: skip
    error_of(api.post("/api/v1/vendors/aidn/overrides", json=item, headers=LEAD), 413)
    assert current_number(redis_client) == 2


def browser_put(browser, document, headers):
    return browser.client.put(POLICY, json=document, base_url=BASE, environ_base=browser._env(),
                              headers={"Referer": f"{BASE}/", **headers})  # fmt: skip


def test_a_browser_session_put_needs_the_csrf_token(app, redis_client):
    authenticate(app)
    browser = Browser(app)
    assert browser.login("lead", PASSWORD).status_code == 302
    document = browser.get(POLICY).json["document"]
    refused = browser_put(browser, renamed(document, "x"), {"If-Match": '"1"'})
    assert refused.status_code == 400 and "CSRF" in refused.json["error"]["message"]
    assert current_number(redis_client) == 1
    done = browser_put(browser, renamed(document, "x"),
                       {"If-Match": '"1"', "X-CSRFToken": browser.csrf()})  # fmt: skip
    assert done.status_code == 200 and done.json["author"] == "lead"


# -- history and restore ------------------------------------------------------------------------


@pytest.fixture
def three_versions(api, redis_client, clock):
    document, _ = read(api)
    for n, name in ((1, "Aidn 2"), (2, "Aidn 3")):
        clock.advance(minutes=5)
        policies.save_document(redis_client, "aidn", renamed(document, name), base=n,
                               author=f"writer{n}", clock=clock, summary=name)  # fmt: skip
    return document


def test_history_lists_newest_first_in_pages(api, three_versions):
    body = api.get("/api/v1/vendors/aidn/history", headers=LEAD).json
    assert [v["number"] for v in body["versions"]] == [3, 2, 1]
    newest = body["versions"][0]
    assert (newest["author"], newest["summary"]) == ("writer2", "Aidn 3")
    assert newest["at"] == "2026-11-24T20:10:00+01:00"
    assert newest["changes"] == [{"op": "change", "path": "name", "old": "Aidn 2",
                                  "new": "Aidn 3"}]  # fmt: skip
    page = api.get("/api/v1/vendors/aidn/history?limit=1", headers=LEAD).json["versions"]
    assert [v["number"] for v in page] == [3]
    page = api.get("/api/v1/vendors/aidn/history?before=3", headers=LEAD).json["versions"]
    assert [v["number"] for v in page] == [2, 1]
    error_of(api.get("/api/v1/vendors/aidn/history?limit=0", headers=LEAD), 422)
    error_of(api.get("/api/v1/vendors/pindena/history", headers=LEAD), 403)


def test_a_version_with_its_document(api, three_versions):
    response = api.get("/api/v1/vendors/aidn/history/1", headers=LEAD)
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    assert response.json["document"] == three_versions
    assert response.json["text"].startswith("# Aidn")
    error_of(api.get("/api/v1/vendors/aidn/history/99", headers=LEAD), 404)


def test_restore_is_a_new_version_and_needs_the_current_etag(api, redis_client, three_versions):
    path = "/api/v1/vendors/aidn/history/1/restore"
    error_of(api.post(path, headers=LEAD), 428)
    stale = error_of(api.post(path, headers={**LEAD, "If-Match": '"2"'}), 409)
    assert stale["message"].startswith("changed by writer2 at ")
    assert stale["message"].endswith("(version 3); reload")
    error_of(api.post(path, headers={**ENGINEER, "If-Match": '"3"'}), 403)
    error_of(api.post("/api/v1/vendors/aidn/history/9/restore",
                      headers={**LEAD, "If-Match": '"3"'}), 404)  # fmt: skip
    assert current_number(redis_client) == 3
    response = api.post(path, headers={**LEAD, "If-Match": '"3"'})
    assert response.status_code == 200, response.json
    assert (response.json["version"], response.headers["ETag"]) == (4, '"4"')
    assert response.json["summary"] == "restored version 1"
    assert read(api) == (three_versions, '"4"')
    assert [v.number for v in policies.history(redis_client, "aidn")] == [4, 3, 2, 1]


def test_the_document_states_each_writes_statuses_and_if_match(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    put_policy = paths["/api/v1/vendors/{vendor}/policy"]["put"]
    assert {"200", "400", "403", "409", "422", "428"} <= set(put_policy["responses"])
    assert "ETag" in put_policy["responses"]["409"]["headers"]
    if_match = {p["name"]: p for p in put_policy["parameters"]}["If-Match"]
    assert if_match["in"] == "header" and if_match["required"] is True
    restore = paths["/api/v1/vendors/{vendor}/history/{number}/restore"]["post"]
    assert {"409", "428"} <= set(restore["responses"])
    create = paths["/api/v1/vendors/{vendor}/overrides"]["post"]
    assert "201" in create["responses"]
    assert {p["name"]: p for p in create["parameters"]}["If-Match"]["required"] is False
