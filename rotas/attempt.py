"""The state of one page attempt (an SMS page or a voice page), as a pure state machine.

A run of the paging job claims the attempt (state `sending`, written before Twilio is asked),
then reports one outcome:

    (new) | retry | unknown | sending* --claim--> sending
    sending --sent--> sent          Twilio took the page (or reconciliation found it there)
    sending --rejected--> failed    a 4xx for this number: it can never go out this way
    sending --ambiguous--> unknown  a 5xx, a timeout, a lost connection: Twilio may have it
    sending --throttled--> retry    a 429: Twilio never processed it

    * `sending` is claimed again only once its run's hold has passed (the run died mid-send).

`sent` and `failed` are final. A claim whose previous state is `sending` or `unknown` must
ask Twilio whether the page already exists before sending again (`needs_reconcile`): that is
what keeps an ambiguous failure from paging twice. A call has no token to look up, so a voice
page calls again instead (at worst the phone rings twice, never not at all).

Twilio's delivery status of a sent SMS (queued ... delivered) is a second, independent machine:
rotas/delivery.py.
"""

from __future__ import annotations

from enum import StrEnum

NEW = ""  # no attempt recorded yet
SENDING = "sending"
UNKNOWN = "unknown"
RETRY = "retry"
SENT = "sent"
FAILED = "failed"
STATES = (NEW, SENDING, UNKNOWN, RETRY, SENT, FAILED)
FINAL = frozenset({SENT, FAILED})
TOO_MANY_REQUESTS = 429


class Event(StrEnum):
    CLAIM = "claim"  # a run takes the attempt and is about to send
    SENT = "sent"  # Twilio accepted the page, or reconciliation found it there
    REJECTED = "rejected"  # Twilio refused this number (4xx)
    AMBIGUOUS = "ambiguous"  # 5xx, timeout, lost connection: Twilio may have the page
    THROTTLED = "throttled"  # 429: Twilio never processed the request


_OUTCOMES = {
    Event.SENT: SENT,
    Event.REJECTED: FAILED,
    Event.AMBIGUOUS: UNKNOWN,
    Event.THROTTLED: RETRY,
}


def next_state(state: str, event: Event) -> str | None:
    """The state after `event` in `state`; None when the machine refuses the event (a
    settled page is never claimed again; only a claimed, sending attempt has an outcome)."""
    if state not in STATES:
        raise ValueError(f"unknown attempt state {state!r}")
    if state in FINAL:
        return None
    if event is Event.CLAIM:
        return SENDING
    return _OUTCOMES[event] if state == SENDING else None


def needs_reconcile(previous: str) -> bool:
    """Whether a run that claimed an attempt left in `previous` must first ask Twilio whether
    the page already went out: its last run died mid-send or its answer was lost."""
    return previous in (SENDING, UNKNOWN)


def failure_event(kind: str, http_status: int | None) -> Event:
    """How a failed try counts: `http_status` is Twilio's HTTP status, None when no answer
    came (timeout, refused or dropped connection). `kind` "page" (SMS) or "voice": a 429
    means "never processed" to an SMS page; a voice page reports every failure to retry as
    ambiguous (it calls again either way)."""
    if http_status is None or http_status >= 500:
        return Event.AMBIGUOUS
    if http_status == TOO_MANY_REQUESTS:
        return Event.THROTTLED if kind == "page" else Event.AMBIGUOUS
    return Event.REJECTED
