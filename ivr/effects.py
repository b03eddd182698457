"""What an IVR step asks the shell to do: one small frozen class per effect, and the `Reply`.

A step never does IO: it returns the TwiML to answer with and these values, which the shell
(oncall/web/callflow.py `perform`) carries out in order. A `once` key makes an event
idempotent within the call: Twilio retries webhooks, and the event is logged the first time.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

_CALL_FIELDS = ("severity", "route", "dial", "reason", "outcome")


@dataclass(frozen=True)
class SaveCall:
    """Fields to write on the call record; None leaves a field as it is."""

    severity: str | None = None
    route: str | None = None  # desk | oncall | written
    dial: str | None = None  # the numbers the call rings, space-separated ("": none)
    reason: str | None = None  # the routing decision's reason
    outcome: str | None = None  # "voicemail", "connected desk", "known fault", ...

    def fields(self) -> dict[str, str]:
        values = ((name, getattr(self, name)) for name in _CALL_FIELDS)
        return {name: value for name, value in values if value is not None}


@dataclass(frozen=True)
class LogEvent:
    """A line in the call's log."""

    text: str
    once: str | None = None


@dataclass(frozen=True)
class OpenIncident:
    """Open an incident, or attach to the vendor's open one (call storms): the paging plan
    of the severity's rule for the desk being `desk` ("open" or "closed"); with nobody on
    duty (`covered` False) the lead is paged at once."""

    severity: str
    desk: str
    covered: bool
    once: str


@dataclass(frozen=True)
class CallerSms:
    """Send the caller the follow-up SMS (counted against its caps when saved)."""

    caller: str


@dataclass(frozen=True)
class AcceptScreening:
    """The engineer of duty attempt `attempt` pressed 1: the call counts as connected."""

    attempt: str


@dataclass(frozen=True)
class Recording:
    """The caller left a recording at `url`: on the record, the log and the incident."""

    url: str
    once: str = "recording"


Effect = SaveCall | LogEvent | OpenIncident | CallerSms | AcceptScreening | Recording


@dataclass(frozen=True)
class Reply:
    response: VoiceResponse | str  # TwiML, or TwiML already rendered
    effects: tuple[Effect, ...] = ()
    # The answer instead, when the incident this reply opens or attaches to was already put
    # through to the engineer by another call: its effects are carried out in addition.
    if_known: Reply | None = None
