"""Delivery status of a page SMS: a forward-only state machine, and when a failure escalates.

Twilio's status callbacks are at-least-once and unordered. A message goes queued -> sending
-> sent -> delivered | undelivered | failed; the three last are final (`delivered` is the good
one), so a late `sent`, a repeated `failed` or a `failed` after `delivered` changes nothing.
Statuses we do not page on (read, canceled, received...) are ignored.
"""

from __future__ import annotations

RANK = {"accepted": 0, "queued": 0, "scheduled": 0, "sending": 1, "sent": 2}
FAILED = frozenset({"failed", "undelivered"})
FINAL = FAILED | {"delivered"}


def moves_forward(current: str | None, new: str) -> bool:
    """Whether a message in status `current` (None: just created) takes status `new`."""
    current = current or "queued"
    if current in FINAL or (new not in RANK and new not in FINAL):
        return False
    return new in FINAL or RANK[new] > RANK.get(current, 0)


def failure_escalates(page_step: int, incident_state: str, incident_step: int) -> bool:
    """A page of step `page_step` cannot arrive: escalate now only while the incident is
    triggered and that step is the current one. `incident_step` is the fencing token, the
    next step to run: the current step's pages are out once it moved on to page_step + 1,
    and may already be out while it is still page_step (pages go before the token moves).
    An earlier step's failure is stale: its step was answered or passed."""
    return incident_state == "triggered" and page_step >= incident_step - 1
