"""Export -> import gives back the same policy and the same document: the five vendors, and
generated policies (overrides, people and rota layers drawn by hypothesis onto each vendor)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oncall.services import policies
from rotas.config import check_policy_file, check_policy_text

VENDORS = Path(__file__).resolve().parents[2] / "config" / "vendors"
NAMES = sorted(p.stem for p in VENDORS.glob("*.yaml"))


def policy_of(text: str, vendor: str):
    policy, problems = check_policy_text(text, "x", vendor)
    assert policy is not None, [str(p) for p in problems if p.level == "error"]
    return dataclasses.replace(policy, source="")


def export_then_import(client, clock, vendor, tmp_path):
    """The stored version exported to a file, the file checked and imported again."""
    exported = tmp_path / f"{vendor}.yaml"
    exported.write_text(policies.current(client, vendor).text, encoding="utf-8")
    loaded, problems = check_policy_file(exported)
    assert loaded is not None, [str(p) for p in problems]
    text = exported.read_text(encoding="utf-8")
    latest = policies.current(client, vendor)
    if latest.text != text:  # as `import` does: unchanged text makes no version
        policies.save_text(client, vendor, text, base=latest.number, author="t", clock=clock)
    return dataclasses.replace(loaded, source=""), policies.current(client, vendor)


@pytest.mark.parametrize("vendor", NAMES)
def test_every_vendor_round_trips_as_text_and_as_document(redis_client, clock, tmp_path, vendor):
    text = (VENDORS / f"{vendor}.yaml").read_text(encoding="utf-8")
    policies.save_text(redis_client, vendor, text, base=None, author="t", clock=clock)
    policy, latest = export_then_import(redis_client, clock, vendor, tmp_path)
    assert (policy, latest.number, latest.text) == (policy_of(text, vendor), 1, text)
    # the document through the API's path: a dict -> YAML -> stored -> exported -> imported
    document = latest.document
    saved = policies.save_document(redis_client, vendor, document, base=1, author="t", clock=clock)
    assert saved.version.changes == []
    policy, latest = export_then_import(redis_client, clock, vendor, tmp_path)
    assert policy == policy_of(text, vendor)
    assert (latest.number, latest.document) == (2, document)


def _people(draw, document):
    extra = draw(st.integers(0, 3))
    people = dict(document.get("people") or {})
    for i in range(extra):
        people[f"gen{i}"] = {"name": f"Generated {i} æøå", "phone": f"+47 400 09 {i:03d}"}
    return people


@st.composite
def generated(draw):
    vendor = draw(st.sampled_from(NAMES))
    text = (VENDORS / f"{vendor}.yaml").read_text(encoding="utf-8")
    document = policies.parse_document(text)
    people = _people(draw, document)
    layers = [dict(layer) for layer in document.get("rota") or []]
    names = sorted(people)
    for layer in layers:
        layer["members"] = draw(
            st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True)
        )
        layer["handoff"] = draw(st.sampled_from(["07:00", "08:00", "09:30", "12:00"]))
        layer["shift"] = draw(st.sampled_from(["1 week", "1 day", "3 days", "2 weeks"]))
    overrides = []
    for layer in layers:
        starts = draw(st.lists(st.integers(0, 2000), max_size=6, unique=True))
        for slot in sorted(starts):
            start = datetime(2027, 1, 1, 8) + timedelta(hours=6 * slot)
            end = start + timedelta(hours=draw(st.sampled_from([1, 3, 6])))
            overrides.append(
                {
                    "layer": layer["layer"],
                    "person": draw(st.sampled_from(names)),
                    "from": start.strftime("%Y-%m-%dT%H:%M"),
                    "to": end.strftime("%Y-%m-%dT%H:%M"),
                }
            )
    document = {**document, "people": people}
    if layers:
        document = {**document, "rota": layers, "overrides": draw(st.permutations(overrides))}
    return vendor, document


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(generated())
def test_generated_policies_round_trip(redis_client, clock, tmp_path, case):
    vendor, document = case
    redis_client.flushdb()
    saved = policies.save_document(
        redis_client, vendor, document, base=None, author="t", clock=clock
    )
    stored = policy_of(saved.version.text, vendor)
    policy, latest = export_then_import(redis_client, clock, vendor, tmp_path)
    assert policy == stored
    assert latest.number == 1
    assert latest.document == document  # every scalar drawn is a string, as read back
