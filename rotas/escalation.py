"""Escalation plans: who is paged when, frozen when an incident opens.

The plan is a value: the severity's page steps with every target resolved to a person at the
moment the incident opens (Grafana OnCall's snapshot), so a rota edit mid-incident does not
change who is being paged. `step_at` walks it, repeats included.
"""

from __future__ import annotations

from dataclasses import dataclass

from rotas.policy import Rule, VendorPolicy
from rotas.rota import on_duty

EXHAUSTED_AFTER = 5  # minutes after the last step: the lead hears nobody acknowledged, and
# a repeated plan starts its next round


@dataclass(frozen=True)
class Target:
    name: str
    phone: str
    language: str


@dataclass(frozen=True)
class PlanStep:
    after: int  # minutes after the incident opened
    targets: tuple[Target, ...]  # paged in parallel


@dataclass(frozen=True)
class Plan:
    steps: tuple[PlanStep, ...]
    repeat: int = 0  # extra rounds of the whole plan
    lead: Target | None = None  # told when the plan is exhausted or a page cannot be sent

    @property
    def length(self) -> int:
        """Steps in all rounds."""
        return len(self.steps) * (self.repeat + 1)

    def step_at(self, n: int) -> PlanStep | None:
        """Step number `n` (0-based, counting repeats), its delay measured from the incident's
        start of that round; None when the plan is exhausted."""
        if not self.steps or n >= self.length:
            return None
        rounds, i = divmod(n, len(self.steps))
        span = self.steps[-1].after + EXHAUSTED_AFTER  # a new round starts after the last step
        step = self.steps[i]
        return PlanStep(step.after + rounds * span, step.targets)

    def next_due(self, step: int, opened_at: float, ran_at: float, minute: float) -> float:
        """When whatever follows step `step` (the next step, or the lead's "nobody
        acknowledged" after the last one) is due, given that `step` ran at `ran_at` (epoch
        seconds; `minute`: seconds per policy minute). On time, that is the plan's own instant
        counted from `opened_at`; a step that ran late (an outage, a past-opened incident)
        keeps the next one its full delay, counted from when it ran, so a backlog never fires
        at once. A step run early (ESC, a failed page) does not pull the next one forward."""
        current = self.step_at(step)
        following = self.step_at(step + 1)
        after = following.after if following else current.after + EXHAUSTED_AFTER
        return max(opened_at + after * minute, ran_at + (after - current.after) * minute)

    def to_json(self) -> dict:
        return {
            "repeat": self.repeat,
            "lead": _target_json(self.lead) if self.lead else None,
            "steps": [
                {"after": s.after, "targets": [_target_json(t) for t in s.targets]}
                for s in self.steps
            ],
        }

    @classmethod
    def from_json(cls, data: dict) -> Plan:
        steps = tuple(
            PlanStep(s["after"], tuple(Target(**t) for t in s["targets"])) for s in data["steps"]
        )
        lead = Target(**data["lead"]) if data.get("lead") else None
        return cls(steps, data.get("repeat", 0), lead)


def freeze_plan(policy: VendorPolicy, rule: Rule, at, *, covered: bool = True) -> Plan:
    """Resolve every target of `rule`'s page steps at instant `at`. A target nobody holds
    (an empty layer) is left out; a step left with no targets is dropped.

    Someone must know when a caller reached nobody on duty: when nobody is on duty at `at`
    (`covered` False: a coverage gap), the plan is the lead, paged at once (the rota's
    engineers are off duty); a plan that names no lead stays as resolved."""
    shifts = {s.layer: s for s in on_duty(policy.rota, at)}
    steps = []
    for step in rule.page:
        targets = tuple(t for t in (_resolve(policy, name, shifts) for name in step.targets) if t)
        if targets:
            steps.append(PlanStep(step.after, _unique(targets)))
    lead = lead_of(policy, rule, shifts)
    if lead is not None and not covered:
        return Plan((PlanStep(0, (lead,)),), rule.repeat, lead)
    return Plan(tuple(steps), rule.repeat, lead)


def lead_of(policy: VendorPolicy, rule: Rule, shifts) -> Target | None:
    """Whom to tell when paging fails: the last named person of the plan (the team lead or
    operations manager in the seed policies); None when the plan names nobody."""
    for step in reversed(rule.page):
        for name in reversed(step.targets):
            if not name.startswith("rota:") and name in policy.people:
                return _resolve(policy, name, shifts)
    return None


def _resolve(policy: VendorPolicy, name: str, shifts) -> Target | None:
    person = policy.person_for(name, shifts)
    return Target(person.name, person.phone, person.language) if person else None


def _unique(targets: tuple[Target, ...]) -> tuple[Target, ...]:
    seen, out = set(), []
    for t in targets:
        if t.phone not in seen:
            seen.add(t.phone)
            out.append(t)
    return tuple(out)


def _target_json(t: Target) -> dict:
    return {"name": t.name, "phone": t.phone, "language": t.language}


def first_response_minutes(rule: Rule) -> int | None:
    """'respond: immediately' for a rule that pages: minutes after opening by which someone
    must acknowledge, i.e. before the plan moves past its first step (the second step is due,
    repeats counted; with a single step, the lead's "nobody acknowledged"). None when the rule
    pages nobody."""
    if not rule.page:
        return None
    plan = Plan(tuple(PlanStep(s.after, ()) for s in rule.page), rule.repeat)
    following = plan.step_at(1)
    return following.after if following else plan.step_at(0).after + EXHAUSTED_AFTER
