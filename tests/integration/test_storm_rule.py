"""The storm rule "same or more severe" has one definition, rotas.callrules.covers; the
open-or-attach script in Redis carries it out atomically, and must agree on every pair."""

from __future__ import annotations

import pytest

from oncall.store.incidents import IncidentStore
from rotas.callrules import covers
from rotas.escalation import Plan
from rotas.incident import Incident

RANKS = (1, 2, 3)
NOW = 1_800_000_000.0


def _incident(reference: str, rank: int, at: float) -> Incident:
    return Incident(
        id=reference,
        vendor="aidn",
        severity=f"rank-{rank}",
        rank=rank,
        message="a call",
        caller="",
        state="triggered",
        opened_at=at,
        respond_by=None,
        plan=Plan(steps=()),
        step=0,
        next_step_at=at,
    )


@pytest.mark.parametrize("open_rank", RANKS)
@pytest.mark.parametrize("call_rank", RANKS)
def test_a_call_attaches_to_an_open_incident_exactly_when_the_rule_says_it_covers_it(
    redis_client, open_rank, call_rank
):
    store = IncidentStore(redis_client)
    first, attached, _ = store.open_or_attach(_incident("AIDN-1", open_rank, NOW), 1800, "CA1")
    assert (first, attached) == ("AIDN-1", False)
    found, attached, _ = store.open_or_attach(_incident("AIDN-2", call_rank, NOW + 60), 1800, "CA2")
    assert attached == covers(open_rank, call_rank)
    assert found == ("AIDN-1" if attached else "AIDN-2")
