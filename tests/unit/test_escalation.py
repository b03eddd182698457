"""Escalation plans (rotas.escalation): step_at with repeats, and freeze_plan resolving the
rota at one instant into a value that later rota edits cannot touch. Pure: no Redis."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotas.escalation import Plan, PlanStep, Target, freeze_plan
from tests.helpers.factories import VENDOR_DIR, make_policy, vendor

OSLO = ZoneInfo("Europe/Oslo")
A, B, C = (Target(n, f"+4740000{i:03d}", "nb") for i, n in enumerate("ABC", start=1))


def oslo(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


# -- step_at --------------------------------------------------------------------------------------


def test_step_at_walks_three_steps_then_is_exhausted():
    plan = Plan((PlanStep(0, (A,)), PlanStep(10, (B,)), PlanStep(20, (C,))))
    assert plan.length == 3
    assert [plan.step_at(n) for n in range(3)] == list(plan.steps)
    assert plan.step_at(3) is None
    assert plan.step_at(100) is None


def test_step_at_with_repeats_starts_each_round_five_minutes_after_the_last_step():
    plan = Plan((PlanStep(0, (A,)), PlanStep(10, (B, C))), repeat=2)
    assert plan.length == 6
    got = [(s.after, s.targets) for s in map(plan.step_at, range(6))]
    assert got == [
        (0, (A,)),
        (10, (B, C)),  # round 1
        (15, (A,)),
        (25, (B, C)),  # round 2 starts 10 + 5 minutes in
        (30, (A,)),
        (40, (B, C)),  # round 3
    ]
    assert plan.step_at(6) is None


def test_empty_plan_has_no_steps():
    assert Plan(()).length == 0
    assert Plan((), repeat=3).step_at(0) is None


@st.composite
def plans(draw):
    gaps = draw(st.lists(st.integers(0, 60), min_size=1, max_size=5))
    afters = [sum(gaps[: i + 1]) - gaps[0] for i in range(len(gaps))]  # starts at 0, sorted
    people = [Target(f"p{i}", f"+474000{i:04d}", "en") for i in range(len(afters))]
    steps = tuple(PlanStep(a, (p,)) for a, p in zip(afters, people, strict=True))
    return Plan(steps, repeat=draw(st.integers(0, 4)), lead=people[-1])


@given(plans())
def test_step_at_properties(plan):
    n_steps = len(plan.steps)
    span = plan.steps[-1].after + 5
    walked = [plan.step_at(n) for n in range(plan.length)]
    assert all(s is not None for s in walked)
    assert plan.step_at(plan.length) is None
    for n, step in enumerate(walked):
        rounds, i = divmod(n, n_steps)
        assert step.targets == plan.steps[i].targets
        assert step.after == plan.steps[i].after + rounds * span
    afters = [s.after for s in walked]
    assert afters == sorted(afters)  # never back in time, also across rounds
    # a later round starts strictly after the previous round's last step
    for r in range(1, plan.repeat + 1):
        assert walked[r * n_steps].after > walked[r * n_steps - 1].after


@given(plans())
def test_plan_survives_its_json_form(plan):
    assert Plan.from_json(json.loads(json.dumps(plan.to_json()))) == plan


# -- freeze_plan ----------------------------------------------------------------------------------


def aidn_a_closed():
    policy = vendor("aidn")
    return policy, policy.severity("a").closed


def who(plan: Plan) -> list[list[str]]:
    return [[t.name.split(" (")[0] for t in s.targets] for s in plan.steps]


@pytest.mark.parametrize(
    ("at", "primary", "secondary"),
    [
        # rota from Mon 5 Jan 2026 08:00, weekly: primary kari, ola, ingrid; secondary per,
        # kari, ola
        (oslo(2026, 1, 5, 8, 0), "Kari Nordmann", "Per Hansen"),
        (oslo(2026, 1, 12, 7, 59), "Kari Nordmann", "Per Hansen"),  # a minute before handoff
        (oslo(2026, 1, 12, 8, 0), "Ola Nordmann", "Kari Nordmann"),
        (oslo(2026, 1, 21, 3, 0), "Ingrid Berg", "Ola Nordmann"),
        (oslo(2026, 1, 26, 8, 0), "Kari Nordmann", "Per Hansen"),  # round again
        # the override: per is primary 24 Dec 08:00 - 27 Dec 08:00
        (oslo(2026, 12, 25, 2, 0), "Per Hansen", None),
    ],
)
def test_freeze_plan_resolves_the_rota_at_the_instant(at, primary, secondary):
    policy, rule = aidn_a_closed()
    plan = freeze_plan(policy, rule, at)
    assert [s.after for s in plan.steps] == [0, 10, 20]
    names = who(plan)
    assert names[0] == [primary]
    if secondary:
        assert names[1] == [secondary]
    assert names[2] == ["Driftsansvarlig"]
    assert plan.lead == plan.steps[2].targets[0]  # drift: told when the plan is exhausted
    assert plan.repeat == rule.repeat


def test_frozen_plan_is_unaffected_by_a_later_rota_change():
    policy, rule = aidn_a_closed()
    at = oslo(2026, 1, 12, 9, 0)
    frozen = freeze_plan(policy, rule, at)
    stored = json.dumps(frozen.to_json())  # as the incident keeps it
    assert who(frozen)[:2] == [["Ola Nordmann"], ["Kari Nordmann"]]

    # the rota is edited mid-incident: another primary order and a new override
    text = (VENDOR_DIR / "aidn.yaml").read_text(encoding="utf-8")
    edited_text = text.replace("members: [kari, ola, ingrid]", "members: [ingrid, kari, ola]")
    edited_text = edited_text.replace(
        "overrides:\n",
        'overrides:\n  - {layer: secondary, person: drift, from: "2026-01-12T08:00", '
        'to: "2026-01-13T08:00"}\n',
    )
    assert edited_text != text
    edited = make_policy(edited_text, "aidn.yaml")
    refrozen = freeze_plan(edited, edited.severity("a").closed, at)
    assert who(refrozen)[:2] == [["Kari Nordmann"], ["Driftsansvarlig"]]  # the edit is real

    assert who(frozen)[:2] == [["Ola Nordmann"], ["Kari Nordmann"]]
    assert Plan.from_json(json.loads(stored)) == frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen.steps = refrozen.steps  # type: ignore[misc]


def test_freeze_plan_pages_a_person_named_twice_once():
    text = (VENDOR_DIR / "aidn.yaml").read_text(encoding="utf-8")
    # the primary of the week of 5 Jan is kari: named twice, paged once
    text = text.replace(
        "      page:\n        - notify: [rota:primary]\n        - after: 10m\n"
        "          notify: [rota:secondary]\n        - after: 20m\n          notify: [drift]\n"
        "    respond: immediately",
        "      page:\n        - notify: [rota:primary, kari]\n        - after: 10m\n"
        "          notify: [rota:secondary]\n        - after: 20m\n          notify: [drift]\n"
        "    respond: immediately",
        1,
    )
    edited = make_policy(text, "aidn.yaml")
    assert edited.severity("a").closed.page[0].targets == ("rota:primary", "kari")
    plan = freeze_plan(edited, edited.severity("a").closed, oslo(2026, 1, 5, 9, 0))
    assert who(plan)[0] == ["Kari Nordmann"]  # one page, not two, to the same phone
    assert len(plan.steps[0].targets) == 1


def test_freeze_plan_at_instants_an_hour_apart_across_a_handoff():
    policy, rule = aidn_a_closed()
    before = freeze_plan(policy, rule, oslo(2026, 1, 19, 7, 30))
    after = freeze_plan(policy, rule, oslo(2026, 1, 19, 7, 30) + timedelta(hours=1))
    assert who(before)[0] == ["Ola Nordmann"]
    assert who(after)[0] == ["Ingrid Berg"]
