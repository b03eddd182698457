"""Versioned vendor policies in Redis: save, versions, diff, restore, the conflict, validation
by field path (oncall/services/policies.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall.services import policies, policy_overrides
from oncall.services.policies import Conflict, Invalid

VENDORS = Path(__file__).resolve().parents[2] / "config" / "vendors"
AIDN = (VENDORS / "aidn.yaml").read_text(encoding="utf-8")
OVERRIDE = {
    "layer": "primary",
    "person": "ola",
    "from": "2027-01-02T08:00",
    "to": "2027-01-03T08:00",
}


def save(client, clock, text=AIDN, base=None, author="kari", vendor="aidn", **kw):
    return policies.save_text(client, vendor, text, base=base, author=author, clock=clock, **kw)


def test_versions_count_up_and_keep_who_when_and_text(redis_client, clock):
    first = save(redis_client, clock)
    counted = policies.generation(redis_client)
    edited = AIDN.replace("name: Aidn", "name: Aidn AS")
    second = save(redis_client, clock, edited, base=1, author="ola")
    assert (first.version.number, second.version.number) == (1, 2)
    assert policies.current(redis_client, "aidn").text == edited
    assert policies.version(redis_client, "aidn", 1).text == AIDN
    assert second.version.author == "ola"
    assert second.version.at == clock.now().in_timezone("UTC").to_iso8601_string()
    assert second.version.changes == [
        {"op": "change", "path": "name", "old": "Aidn", "new": "Aidn AS"}
    ]
    assert second.version.summary == "name: ~1"
    assert policies.vendor_ids(redis_client) == ["aidn"]
    assert policies.current_numbers(redis_client) == {"aidn": 2}
    assert policies.generation(redis_client) == counted + 1  # every save counted once


def test_a_stale_base_is_a_conflict_naming_who_when_and_which_version(redis_client, clock):
    save(redis_client, clock)
    save(redis_client, clock, AIDN.replace("name: Aidn", "name: Aidn AS"), base=1, author="Ola")
    with pytest.raises(Conflict) as caught:
        save(redis_client, clock, AIDN.replace("name: Aidn", "name: X"), base=1)
    # the clock fixture: 2026-11-24 20:00 in Oslo, winter time
    assert caught.value.message == "changed by Ola at 2026-11-24 20:00 CET (version 2); reload"
    assert caught.value.current.number == 2
    assert policies.current(redis_client, "aidn").number == 2
    with pytest.raises(Conflict):
        save(redis_client, clock, AIDN, base=None)  # "must not exist yet"


def test_errors_are_reported_by_index_path_and_nothing_is_saved(redis_client, clock):
    save(redis_client, clock)
    counted = policies.generation(redis_client)
    bad = AIDN.replace('handoff: "08:00"', 'handoff: "8"', 2).replace(
        'to: "2026-12-27T08:00"', 'to: "2026-12-20T08:00"'
    )
    bad = bad.replace("- after: 10m", "- after: soon")
    with pytest.raises(Invalid) as caught:
        save(redis_client, clock, bad, base=1)
    paths = [p.path for p in caught.value.problems]
    assert paths == [
        "rota[0].handoff",
        "rota[1].handoff",
        "overrides[0].to",
        "severities[0].closed.page[1].after",
    ]
    assert all(p.level == "error" for p in caught.value.problems)
    assert str(caught.value.problems[0]) == "rota[0].handoff: '8' is not a time of day like '08:00'"
    assert policies.current_numbers(redis_client) == {"aidn": 1}
    assert policies.generation(redis_client) == counted  # a refused save is not counted


def test_restore_is_a_new_version_and_history_is_unchanged(redis_client, clock):
    save(redis_client, clock)
    save(redis_client, clock, AIDN.replace("name: Aidn", "name: Aidn AS"), base=1)
    restored = policies.restore(redis_client, "aidn", 1, base=2, author="lead", clock=clock)
    assert restored.version.number == 3
    assert restored.version.text == AIDN
    assert restored.version.summary == "restored version 1"
    history = policies.history(redis_client, "aidn")
    assert [v.number for v in history] == [3, 2, 1]
    assert history[1].text == AIDN.replace("name: Aidn", "name: Aidn AS")
    assert [v.number for v in policies.history(redis_client, "aidn", limit=1, before=3)] == [2]


def test_overrides_add_and_remove_by_stable_id(redis_client, clock):
    save(redis_client, clock)
    saved, oid = policy_overrides.add_override(
        redis_client, "aidn", OVERRIDE, author="ola", clock=clock
    )
    assert saved.version.summary == (
        "overrides: +1 (ola on primary 2027-01-02 08:00 to 2027-01-03 08:00)"
    )
    listed = policy_overrides.overrides(saved.version.document)
    assert [o["id"] for o in listed][1] == oid == policy_overrides.override_id(OVERRIDE)
    removed = policy_overrides.remove_override(redis_client, "aidn", oid, author="ola", clock=clock)
    assert removed.version.number == 3
    assert [o["id"] for o in policy_overrides.overrides(removed.version.document)] == [
        listed[0]["id"]
    ]
    assert removed.version.changes[0]["op"] == "remove"


def test_an_inbound_number_of_another_vendor_is_an_error(redis_client, clock):
    save(redis_client, clock)
    other = (VENDORS / "pindena.yaml").read_text(encoding="utf-8")
    taken = other.replace('inbound: ["+47 21 00 00 12"]', 'inbound: ["+47 21 00 00 11"]')
    assert taken != other
    with pytest.raises(Invalid) as caught:
        save(redis_client, clock, taken, vendor="pindena")
    assert [p.path for p in caught.value.problems] == ["inbound[0]"]
    assert "inbound number of aidn" in caught.value.problems[0].message
    assert "21000011" not in caught.value.problems[0].message.replace(" ", "")


def test_a_nightly_gap_is_listed_a_few_times_then_counted_not_365_times(redis_client, clock):
    nightly = AIDN.replace("  hours: when-desk-closed", '  hours:\n    mon-sun: "16:00-24:00"')
    saved = save(redis_client, clock, nightly)
    gaps = [w for w in saved.warnings if w.message.startswith("coverage gap")]
    for path in ("severities[0]", "severities[1]"):  # a and b page; c and the rest are written
        mine = [w for w in gaps if w.path == path]
        assert len(mine) == 6, [str(w) for w in mine]
        assert "more gap(s) in the next 12 months" in mine[-1].message
        assert "python -m oncall check lists them all" in mine[-1].message
    assert all(w.level == "warning" for w in saved.warnings)
    assert policies.current(redis_client, "aidn").number == 1  # gaps never stop a save


def test_a_store_that_lost_its_data_never_repeats_a_generation(redis_client, clock):
    """A process compares the generation it last read: a store emptied (Redis restarted
    without its data) and saved into again must not land on a number a process has seen."""
    before = save(redis_client, clock).version
    seen = policies.generation(redis_client)
    redis_client.flushdb()  # this test's own embedded Redis
    after = save(redis_client, clock).version
    assert (before.number, after.number) == (1, 1)
    assert policies.generation(redis_client) > seen
