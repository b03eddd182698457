"""rotas.docdiff (changes between two documents, the one-line summary) and rotas.fieldpath
(config field names as index paths)."""

from __future__ import annotations

from pathlib import Path

import yaml

from rotas.docdiff import diff, summarize
from rotas.fieldpath import index_path
from rotas.yamlsource import load_yaml

AIDN_TEXT = (Path(__file__).resolve().parents[2] / "config" / "vendors" / "aidn.yaml").read_text()


def aidn() -> dict:
    return yaml.load(AIDN_TEXT, Loader=yaml.BaseLoader)


XMAS = {"layer": "primary", "person": "per", "from": "2026-12-24T08:00", "to": "2026-12-27T08:00"}
NEW = {"layer": "primary", "person": "ola", "from": "2027-01-02T08:00", "to": "2027-01-03T08:00"}


def test_an_override_added_in_front_is_one_add_not_a_change_of_every_later_one():
    old, new = aidn(), aidn()
    new["overrides"] = [NEW, *old["overrides"]]
    changes = diff(old, new)
    assert changes == [{"op": "add", "path": "overrides[0]", "new": NEW}]
    assert (
        summarize(changes) == "overrides: +1 (ola on primary 2027-01-02 08:00 to 2027-01-03 08:00)"
    )


def test_a_removed_override_names_its_old_index():
    old, new = aidn(), aidn()
    new["overrides"] = []
    assert diff(old, new) == [{"op": "remove", "path": "overrides[0]", "old": XMAS}]
    assert summarize(diff(old, new)) == (
        "overrides: -1 (per on primary 2026-12-24 08:00 to 2026-12-27 08:00)"
    )


def test_layers_and_severities_are_matched_by_name_and_id():
    old, new = aidn(), aidn()
    new["rota"][1]["handoff"] = "09:00"
    new["severities"].pop(2)  # c
    new["people"]["kari"]["phone"] = "+47 400 00 199"
    changes = diff(old, new)
    assert changes == [
        {
            "op": "change",
            "path": "people.kari.phone",
            "old": "+47 400 00 101",
            "new": "+47 400 00 199",
        },
        {"op": "change", "path": "rota[1].handoff", "old": "08:00", "new": "09:00"},
        {"op": "remove", "path": "severities[2]", "old": old["severities"][2]},
    ]
    assert summarize(changes) == (
        "people: ~1 (kari.phone); rota: ~1 ([1].handoff); severities: -1 (c)"
    )


def test_a_reordered_list_is_an_order_change():
    old, new = aidn(), aidn()
    new["rota"].reverse()
    assert diff(old, new) == [
        {
            "op": "change",
            "path": "rota",
            "old": ["primary", "secondary"],
            "new": ["secondary", "primary"],
        }
    ]


def test_no_changes():
    assert diff(aidn(), aidn()) == []
    assert summarize([]).startswith("no changes")


def test_field_names_become_index_paths():
    data, _ = load_yaml(AIDN_TEXT, "aidn.yaml")
    overrides_line = data["overrides"].lines[0]
    assert index_path("rota.secondary.handoff", data) == "rota[1].handoff"
    assert (
        index_path("severities.b.closed.page[1].after", data)
        == "severities[1].closed.page[1].after"
    )
    assert index_path("overrides", data, overrides_line) == "overrides[0]"
    assert index_path("people.kari.phone", data) == "people.kari.phone"
    assert index_path("rota.nope.handoff", data) == "rota.nope.handoff"
    assert index_path("file", data) == "file"


def test_an_override_changed_in_the_middle_of_many_is_one_remove_and_one_add():
    many = [
        {**XMAS, "from": f"2027-03-{d:02d}T08:00", "to": f"2027-03-{d:02d}T09:00"}
        for d in range(1, 29)
    ]
    edited = [*many[:10], {**many[10], "person": "ola"}, *many[11:]]
    assert diff({"overrides": many}, {"overrides": edited}) == [
        {"op": "remove", "path": "overrides[10]", "old": many[10]},
        {"op": "add", "path": "overrides[10]", "new": edited[10]},
    ]
    twice = [*many, many[0]]  # the same override twice: one of them is removed
    assert diff({"overrides": twice}, {"overrides": many}) == [
        {"op": "remove", "path": "overrides[28]", "old": many[0]}
    ]
