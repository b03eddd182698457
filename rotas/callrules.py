"""Routing rules the call flow applies between its steps, beside `routing.decide`.

- A caller who cannot use the menu still reaches a human (`phone_in_severity`).
- The desk did not answer: a severity whose closed-desk route is the duty rota goes on to
  the duty rota (`desk_unanswered_rings_duty`); any other severity leaves a voicemail.
- Call storms: an open incident covers a call of the same or a less severe severity
  (`covers`): such a call attaches to it instead of opening a second incident and paging
  again, and is not put through to the engineer a second time.

The storm rule is also carried out in Redis, atomically, by the open-or-attach script in
oncall/store/incidents.py (`tonumber(f[2]) <= rank`, the same comparison of the same ranks);
tests/integration/test_storm_rule.py checks that both agree on every pair of ranks.
"""

from __future__ import annotations

from rotas.policy import Severity, VendorPolicy
from rotas.routing import decide


def rank(sev: Severity) -> int:
    """How severe a severity is: its menu digit, 1 the most severe (an incident's `rank`)."""
    return sev.digit


def covers(incident_rank: int, call_rank: int) -> bool:
    """Whether an open incident of `incident_rank` covers a call of `call_rank`: the
    incident is of the same or a more severe severity (a smaller or equal rank)."""
    return incident_rank <= call_rank


def phone_in_severity(policy: VendorPolicy, at) -> Severity:
    """The most severe severity that reaches a human at `at` (else the most severe one)."""
    for sev in policy.severities:
        if decide(policy, sev.id, at, with_deadline=False).dial:
            return sev
    return policy.severities[0]


def desk_unanswered_rings_duty(sev: Severity) -> bool:
    """The desk did not answer a call of `sev`: whether the duty rota is rung next (the
    severity goes to the duty rota while the desk is closed), else a voicemail."""
    return sev.closed.route == "duty"
