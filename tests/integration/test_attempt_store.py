"""The attempt store (oncall/store/attempts.py) on a real Redis: its atomic writes follow the
pure machine in rotas/attempt.py, and it alone keeps the message-SID index."""

from __future__ import annotations

import pytest

from oncall.store import keys
from oncall.store.attempts import Attempts, Page
from rotas.attempt import NEW, STATES, Event, next_state

PHONE = "+4740000101"
NOW = 1_800_000_000.0
HOLD = 22.0


def page(kind: str = "page") -> tuple[Page, str]:
    p = Page(kind, "AIDN-2026-000123", 0, 0)
    return p, p.key(PHONE)


def claimed(redis_client, kind: str = "page", expected: bool = False):
    """The store and a page claimed for its first try (noted as expected first, as
    enqueueing it does, when `expected`)."""
    p, key = page(kind)
    attempts = Attempts(redis_client)
    if expected:
        attempts.expect(p, NOW)
    attempts.claim(p, key, 0, NOW, HOLD)
    return attempts, p, key


@pytest.mark.parametrize("state", STATES)
def test_a_claim_in_redis_moves_as_the_machine_says(redis_client, state):
    """A `sending` attempt whose hold has passed (its run died) is claimed like the rest."""
    p, key = page()
    if state != NEW:
        redis_client.hset(key, mapping={"state": state, "run": 0, "hold": NOW - 1})
    claim = Attempts(redis_client).claim(p, key, 0, NOW, HOLD)
    expected = next_state(state, Event.CLAIM)
    assert claim.previous == state
    assert claim.outcome == ("claimed" if expected else state)
    assert Attempts(redis_client).get(key).get("state", NEW) == (expected or state)


@pytest.mark.parametrize(
    ("event", "state"), [(Event.AMBIGUOUS, "unknown"), (Event.THROTTLED, "retry")]
)
def test_a_failed_try_is_rescheduled_in_the_state_its_event_leads_to(redis_client, event, state):
    attempts, p, key = claimed(redis_client)
    assert attempts.reschedule(p, key, 0, event, NOW + 4, NOW, "HTTP 503")
    record = attempts.get(key)
    assert (record["state"], record["run"], record["last_error"]) == (state, "1", "HTTP 503")


def test_a_settling_event_cannot_reschedule(redis_client):
    attempts, p, key = claimed(redis_client)
    with pytest.raises(ValueError, match="no outcome"):
        attempts.reschedule(p, key, 0, Event.CLAIM, NOW + 4, NOW, "?")
    assert attempts.get(key)["state"] == "sending"


def test_a_sent_sms_page_is_indexed_by_sid_and_its_status_moves_only_forward(redis_client):
    attempts, p, key = claimed(redis_client, expected=True)
    attempts.sent(p, key, "SM0001")
    assert attempts.get(key)["state"] == "sent" and not attempts.overdue(NOW + 3600)
    assert redis_client.ttl(keys.message_sid("SM0001")) > 29 * keys.DAY
    assert attempts.record_status("SM0001", "delivered", "").moved
    late = attempts.record_status("SM0001", "sent", "")
    assert (late.key, late.moved) == (key, False)
    assert attempts.get(key)["status"] == "delivered"
    assert attempts.record_status("SM9999", "failed", "30008").key is None


def test_a_placed_voice_page_is_not_indexed_as_a_message(redis_client):
    attempts, p, key = claimed(redis_client, "voice")
    attempts.sent(p, key, "CA0001")
    assert attempts.get(key)["sid"] == "CA0001"
    assert redis_client.get(keys.message_sid("CA0001")) is None


def test_a_refused_page_is_failed_with_its_error_and_leaves_the_unsent_index(redis_client):
    attempts, p, key = claimed(redis_client, expected=True)
    attempts.failed(p, key, "21211")
    assert (attempts.get(key)["state"], attempts.get(key)["error"]) == ("failed", "21211")
    assert attempts.overdue(NOW + 3600) == []
    assert attempts.run_of(key) == 0
