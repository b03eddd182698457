"""When the plan's steps fall due, what `respond: immediately` / `N minutes` promise, and the
page retry backoff: the pure pieces behind issue 9 items 1-3."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from oncall.services.jobs import retry_delay
from rotas.config import load_policy
from rotas.escalation import Plan, PlanStep, first_response_minutes
from rotas.policy import PageStep, ResponseTarget, Rule
from rotas.routing import decide
from rotas.workingtime import deadline
from tests.helpers.vendor_files import BASE, check, errors, mutate

VENDORS = Path(__file__).resolve().parents[2] / "config" / "vendors"
MINUTE = 60.0
OPENED = 1_800_000_000.0  # any instant: plan times are offsets from it


def aidn_a_plan(repeat: int = 0) -> Plan:
    """aidn A's night plan: primary now, secondary +10, drift +20 (targets left out)."""
    return Plan((PlanStep(0, ()), PlanStep(10, ()), PlanStep(20, ())), repeat)


# -- 3. the next step keeps its full delay -------------------------------------------------


def test_a_step_run_on_time_keeps_the_plans_own_schedule():
    plan = aidn_a_plan()
    assert plan.next_due(0, OPENED, OPENED, MINUTE) == OPENED + 10 * MINUTE
    # RQ fires up to a second early: the plan's instant holds, no drift accumulates
    assert plan.next_due(1, OPENED, OPENED + 599.5, MINUTE) == OPENED + 20 * MINUTE


def test_an_incident_opened_in_the_past_gets_full_delays_from_now():
    plan = aidn_a_plan()
    now = OPENED + 3600  # opened an hour ago: every step of the plan is long overdue
    assert plan.next_due(0, OPENED, now, MINUTE) == now + 10 * MINUTE
    step1 = now + 10 * MINUTE
    assert plan.next_due(1, OPENED, step1, MINUTE) == step1 + 10 * MINUTE
    step2 = step1 + 10 * MINUTE
    # the lead's "nobody acknowledged" comes 5 minutes after the last step ran, not at once
    assert plan.next_due(2, OPENED, step2, MINUTE) == step2 + 5 * MINUTE


def test_a_step_run_late_by_an_outage_delays_only_what_follows():
    plan = aidn_a_plan()
    ran = OPENED + 10 * MINUTE + 240  # step 1 ran 4 minutes late (no worker)
    assert plan.next_due(1, OPENED, ran, MINUTE) == ran + 10 * MINUTE


def test_a_step_run_early_does_not_pull_the_next_one_forward():
    plan = aidn_a_plan()
    # ESC at +2 min runs step 1 early; step 2 stays at +20 (the plan's instant)
    assert plan.next_due(1, OPENED, OPENED + 2 * MINUTE, MINUTE) == OPENED + 20 * MINUTE


def test_repeats_and_shortened_minutes():
    plan = aidn_a_plan(repeat=1)
    # round two starts 5 minutes after the last step: step 3 at +25
    assert plan.next_due(2, OPENED, OPENED + 20 * 0.3, 0.3) == OPENED + 25 * 0.3
    now = OPENED + 100
    assert plan.next_due(2, OPENED, now, 0.3) == now + 5 * 0.3


# -- 2. what 'immediately' and 'N minutes' promise --------------------------------------------


def rule(*afters: int, repeat: int = 0) -> Rule:
    return Rule("duty", tuple(PageStep(a, ("rota:primary",)) for a in afters), repeat)


@pytest.mark.parametrize(
    ("page", "repeat", "minutes"),
    [
        ((0, 10, 20), 0, 10),  # before the second step is due
        ((0, 15, 30), 0, 15),
        ((5, 10), 0, 10),
        ((0,), 0, 5),  # one step: before the lead hears "nobody acknowledged"
        ((3,), 0, 8),
        ((0,), 2, 5),  # one step repeated: before its second round
    ],
)
def test_immediately_is_before_the_plan_moves_past_its_first_step(page, repeat, minutes):
    assert first_response_minutes(rule(*page, repeat=repeat)) == minutes


def test_immediately_on_a_rule_that_pages_nobody_has_no_plan_answer():
    assert first_response_minutes(Rule("desk")) is None


def aidn():
    return load_policy(VENDORS / "aidn.yaml")


def at(text: str):
    return pendulum.parse(text, tz="Europe/Oslo")


def test_aidn_a_at_night_is_due_before_the_secondary_is_paged():
    policy = aidn()
    sev = policy.severity("a")
    saturday_night = at("2026-03-14T23:00")
    due = deadline(policy, saturday_night, sev.respond, rule=sev.closed)
    assert due == saturday_night.add(minutes=10)  # not Monday 08:00
    assert decide(policy, "a", saturday_night).respond_by == due
    # in desk hours the desk takes the call: 'immediately' is now
    tuesday = at("2026-03-10T10:00")
    assert decide(policy, "a", tuesday).respond_by == tuesday


def test_immediately_without_a_rule_is_the_next_opening():
    policy = aidn()
    due = deadline(policy, at("2026-03-14T23:00"), policy.severity("a").respond)
    assert due.isoformat() == "2026-03-16T08:00:00+01:00"


@pytest.mark.parametrize(
    ("text", "minutes"), [("15 minutes", 15), ("1 minute", 1), ("90  Minutes", 90)]
)
def test_respond_in_minutes_is_elapsed_time(tmp_path, text, minutes):
    _path, policy, problems = check(
        tmp_path, BASE.replace("respond: immediately", f"respond: {text}")
    )
    assert errors(problems) == []
    target = policy.severity("a").respond
    assert (target.unit, target.amount) == ("minutes", minutes)
    # across the spring-forward gap: elapsed minutes, not wall-clock ones
    night = at("2026-03-29T01:55")
    due = deadline(policy, night, target, rule=policy.severity("a").closed)
    assert due.timestamp() - night.timestamp() == minutes * 60
    assert decide(policy, "a", night).respond_by == due


@pytest.mark.parametrize("text", ["0 minutes", "ten minutes", "15 mins", "99999 minutes"])
def test_a_bad_respond_is_one_located_error(tmp_path, text):
    path, policy, problems = check(tmp_path, mutate({44: f"    respond: {text}"}))
    assert policy is None
    (problem,) = errors(problems)
    assert (problem.line, problem.field) == (44, "severities.a.respond"), str(problem)
    assert str(problem).startswith(f"{path}:44: ")
    assert "minutes" in problem.message


def test_immediately_is_its_own_unit():
    assert aidn().severity("a").respond == ResponseTarget("immediately", "immediately", 0)


# -- 1. page retry backoff ------------------------------------------------------------------


def test_retry_delay_doubles_and_is_capped():
    for tries, nominal in ((1, 2), (2, 4), (3, 8), (4, 16), (5, 32)):
        delays = [retry_delay(tries, cap=60) for _ in range(50)]
        assert all(0.7 * nominal <= d <= nominal for d in delays), (tries, delays)
    for tries in (6, 7, 50, 5000):
        assert all(42 <= retry_delay(tries, cap=60) <= 60 for _ in range(50))
    assert all(retry_delay(10, cap=5) <= 5 for _ in range(50))
