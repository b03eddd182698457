"""Two writers at once against a real Redis: on the same base exactly one wins and the other
gets Conflict; override adds merge onto the latest version, none is lost."""

from __future__ import annotations

import threading
from pathlib import Path

from oncall.services import policies, policy_overrides
from oncall.services.policies import Conflict

AIDN = (Path(__file__).resolve().parents[2] / "config" / "vendors" / "aidn.yaml").read_text()
RACES = 50


def _together(*actions):
    """Run the actions in threads released at the same instant; -> their results or errors."""
    gate = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        gate.wait()
        try:
            results[i] = action()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each one got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_writers_on_the_same_version_one_wins_the_other_gets_conflict(redis_client, clock):
    policies.save_text(redis_client, "aidn", AIDN, base=None, author="seed", clock=clock)
    counted = policies.generation(redis_client)
    for race in range(RACES):
        base = race + 1
        texts = [AIDN.replace("name: Aidn", f"name: Aidn {race} {who}") for who in "ab"]
        results = _together(
            *(
                lambda t=t, who=who, base=base: policies.save_text(
                    redis_client, "aidn", t, base=base, author=who, clock=clock
                )
                for t, who in zip(texts, "ab", strict=True)
            )
        )
        won = [r for r in results if isinstance(r, policies.Saved)]
        lost = [r for r in results if isinstance(r, Conflict)]
        assert (len(won), len(lost)) == (1, 1), results
        assert won[0].version.number == base + 1
        assert lost[0].current.number == base + 1
        assert lost[0].message.startswith(f"changed by {won[0].version.author} at ")
        assert policies.current(redis_client, "aidn").text == won[0].version.text
    history = policies.history(redis_client, "aidn", limit=RACES + 1)
    assert [v.number for v in history] == list(range(RACES + 1, 0, -1))
    assert policies.generation(redis_client) == counted + RACES  # the losers are not counted


def test_concurrent_override_adds_are_all_kept(redis_client, clock):
    policies.save_text(redis_client, "aidn", AIDN, base=None, author="seed", clock=clock)
    adds = [
        {
            "layer": "primary",
            "person": who,
            "from": f"2027-02-0{d}T08:00",
            "to": f"2027-02-0{d}T20:00",
        }
        for d, who in ((1, "ola"), (2, "kari"), (3, "ingrid"), (4, "per"))
    ]
    results = _together(
        *(
            lambda o=o: policy_overrides.add_override(
                redis_client, "aidn", o, author="x", clock=clock
            )
            for o in adds
        )
    )
    assert all(isinstance(r, tuple) for r in results), results
    document = policies.current(redis_client, "aidn").document
    ids = {o["id"] for o in policy_overrides.overrides(document)}
    assert {oid for _, oid in results} <= ids
    assert len(document["overrides"]) == 1 + len(adds)
    assert policies.current_numbers(redis_client) == {"aidn": 1 + len(adds)}


def test_an_override_with_a_stale_base_is_a_conflict(redis_client, clock):
    policies.save_text(redis_client, "aidn", AIDN, base=None, author="seed", clock=clock)
    policies.save_text(redis_client, "aidn", AIDN + "\n", base=1, author="ola", clock=clock)
    override = {
        "layer": "primary",
        "person": "ola",
        "from": "2027-02-01T08:00",
        "to": "2027-02-01T20:00",
    }
    try:
        policy_overrides.add_override(
            redis_client, "aidn", override, author="x", clock=clock, base=1
        )
    except Conflict as exc:
        assert exc.current.number == 2
    else:
        raise AssertionError("no conflict")
    assert policies.current_numbers(redis_client) == {"aidn": 2}
