"""The page-attempt state machine (rotas/attempt.py): pure, no Redis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rotas.attempt import (
    FAILED,
    FINAL,
    NEW,
    RETRY,
    SENDING,
    SENT,
    STATES,
    UNKNOWN,
    Event,
    failure_event,
    needs_reconcile,
    next_state,
)

E = Event
TABLE = {  # (state, event) -> new state; every pair not listed is refused
    (NEW, E.CLAIM): SENDING,
    (RETRY, E.CLAIM): SENDING,
    (UNKNOWN, E.CLAIM): SENDING,
    (SENDING, E.CLAIM): SENDING,  # its run died: the hold passed
    (SENDING, E.SENT): SENT,
    (SENDING, E.REJECTED): FAILED,
    (SENDING, E.AMBIGUOUS): UNKNOWN,
    (SENDING, E.THROTTLED): RETRY,
}


@pytest.mark.parametrize("event", list(Event))
@pytest.mark.parametrize("state", STATES)
def test_every_state_and_event_moves_as_the_table_says(state, event):
    assert next_state(state, event) == TABLE.get((state, event))


def test_an_unknown_state_is_an_error():
    with pytest.raises(ValueError, match="unknown attempt state 'delivered'"):
        next_state("delivered", Event.CLAIM)


@pytest.mark.parametrize(
    ("previous", "reconcile"),
    [
        (NEW, False),
        (RETRY, False),
        (SENDING, True),
        (UNKNOWN, True),
        (SENT, False),
        (FAILED, False),
    ],
)
def test_only_a_lost_send_or_a_lost_answer_is_reconciled_first(previous, reconcile):
    assert needs_reconcile(previous) is reconcile


@pytest.mark.parametrize(
    ("kind", "status", "event"),
    [
        ("page", None, E.AMBIGUOUS),  # timeout, refused or dropped connection
        ("page", 500, E.AMBIGUOUS),
        ("page", 503, E.AMBIGUOUS),
        ("page", 429, E.THROTTLED),  # never processed: just send again
        ("page", 400, E.REJECTED),
        ("page", 404, E.REJECTED),
        ("voice", None, E.AMBIGUOUS),
        ("voice", 502, E.AMBIGUOUS),
        ("voice", 429, E.AMBIGUOUS),  # a call is placed again either way
        ("voice", 400, E.REJECTED),
    ],
)
def test_a_failed_try_counts_by_kind_and_http_status(kind, status, event):
    assert failure_event(kind, status) is event


OUTCOME = st.sampled_from([E.SENT, E.REJECTED, E.AMBIGUOUS, E.THROTTLED])
RUNS = st.lists(st.tuples(st.booleans(), st.one_of(st.none(), OUTCOME)), max_size=30)


def run_page(runs) -> list[tuple[str, str]]:
    """Simulate a chain of runs of one SMS page as pages.send_page drives the machine: each
    run claims; a run that must reconcile first asks Twilio (`found`: it had the page), then
    sends unless found; the send ends in `outcome`, or the run dies mid-send (None). The
    trace: (action, state after it)."""
    state, trace = NEW, []
    for found, outcome in runs:
        previous = state
        claimed = next_state(state, E.CLAIM)
        if claimed is None:
            trace.append(("refused", state))
            continue
        state = claimed
        trace.append(("claim", state))
        if needs_reconcile(previous):
            trace.append(("reconcile", state))
            if found:
                state = next_state(state, E.SENT)
                trace.append(("found", state))
                continue
        trace.append(("send", state))
        if outcome is not None:
            state = next_state(state, outcome)
            trace.append((outcome.value, state))
    return trace


@given(RUNS)
def test_no_path_leads_from_sent_back_to_sending(runs):
    states = [state for _, state in run_page(runs)]
    if SENT in states:
        assert set(states[states.index(SENT) :]) == {SENT}


@given(RUNS)
def test_a_resend_after_an_ambiguous_failure_is_always_reconciled_first(runs):
    """After a send whose answer never came (a 5xx, a timeout, the run died mid-send) no
    run sends again before asking Twilio whether it has the page."""
    actions = [action for action, _ in run_page(runs)]
    sends = [i for i, action in enumerate(actions) if action == "send"]
    for before, again in zip(sends, sends[1:], strict=False):
        answer = actions[before + 1]  # the send's outcome, or the next claim: it died
        if answer in (E.AMBIGUOUS.value, "claim"):
            assert "reconcile" in actions[before:again], actions


@given(st.sampled_from(sorted(FINAL)), st.lists(st.sampled_from(list(Event))))
def test_a_settled_attempt_refuses_every_event(state, events):
    for event in events:
        assert next_state(state, event) is None
