"""The delivery status machine and when a failed page escalates (pure: no Redis)."""

import pytest

from rotas.delivery import failure_escalates, moves_forward


@pytest.mark.parametrize(
    ("current", "new", "moves"),
    [
        (None, "sent", True),
        ("queued", "sending", True),
        ("queued", "sent", True),
        ("sent", "delivered", True),
        ("sent", "undelivered", True),
        ("sending", "failed", True),
        ("queued", "failed", True),
        ("sent", "sent", False),  # a repeated callback
        ("sent", "sending", False),  # late
        ("delivered", "sent", False),
        ("delivered", "failed", False),  # delivered is final
        ("delivered", "undelivered", False),
        ("failed", "undelivered", False),
        ("undelivered", "failed", False),
        ("failed", "delivered", False),
        ("sent", "read", False),  # statuses we do not page on
        ("sent", "canceled", False),
        ("sent", "", False),
    ],
)
def test_status_only_moves_forward(current, new, moves):
    assert moves_forward(current, new) is moves


@pytest.mark.parametrize(
    ("page_step", "state", "token", "escalates"),
    [
        (1, "triggered", 2, True),  # step 1's pages are out, the token waits at 2
        (1, "triggered", 1, True),  # step 1's pages went before its token moved
        (0, "triggered", 2, False),  # an earlier step: passed
        (0, "triggered", 5, False),
        (1, "acknowledged", 2, False),
        (1, "resolved", 2, False),
    ],
)
def test_only_a_failure_of_the_current_step_escalates(page_step, state, token, escalates):
    assert failure_escalates(page_step, state, token) is escalates
