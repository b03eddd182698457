"""What an IVR step is given: the parsed webhook (`Call`) and what the shell loaded
(`Context`). Plain values: a step is a function of these two."""

from __future__ import annotations

from dataclasses import dataclass, field

from rotas.policy import VendorPolicy


@dataclass(frozen=True)
class Call:
    """One voice webhook request, parsed at the edge."""

    sid: str
    caller: str | None  # E.164, or None when anonymous or invalid
    to: str
    query: dict[str, str] = field(default_factory=dict)  # step state from the action URL
    digits: str = ""
    dial_status: str = ""
    recording_url: str = ""


@dataclass(frozen=True, kw_only=True)
class Context:
    policy: VendorPolicy
    now: object  # aware instant of this request, vendor-local
    reference: str
    record: dict[str, str]  # the call record so far
    url: object  # url(step, **query) -> absolute webhook URL
    accepted: bool = False  # the screened leg for this attempt pressed 1
    abusive: bool = False  # caller on the block list: reject
    limited: bool = False  # caller over the call-rate limit: a short recording only
    sms_ok: bool = False  # the caller may get the follow-up SMS (mobile, allowed, under caps)
    known_incident: tuple[str, int] | None = None  # (id, rank) of an open incident (storms)
