"""The API's writes attacked (issue 11, second round): a policy PUT that validates but would
break routing or the next start, bodies that pass YAML-special text into the stored text."""

from __future__ import annotations

import copy

import pytest

from oncall.services import policies
from tests.helpers.api import bearer, error_of

LEAD = bearer("lead")
POLICY = "/api/v1/vendors/aidn/policy"


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

