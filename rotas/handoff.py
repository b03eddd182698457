"""Shift handoffs: which duty shifts started in a window, and what their SMS say.

A duty layer is a rota layer that some severity's page plan names (`rota:<layer>`); a layer
nobody is ever paged from has no handoff to confirm. Every shift of a duty layer (rotation or
override) that starts in [since, now) and has not ended at `now` is announced to its
engineer: "You are on duty for Aidn until Mon 12 Jan 08:00. Reply 1 to confirm", the end in
vendor-local time (DST-correct: instants come from the rota), in the engineer's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from rotas.escalation import Target, lead_of
from rotas.incident import fit
from rotas.policy import VendorPolicy
from rotas.rota import Person, on_duty, shifts_between

DAY = 86400


@dataclass(frozen=True)
class Handoff:
    vendor: str
    layer: str
    person: Person
    start: object  # aware DateTime (UTC)
    end: object | None  # None: open-ended
    override: bool = False

    @property
    def start_ts(self) -> int:
        return int(self.start.timestamp())


def duty_layers(policy: VendorPolicy) -> tuple[str, ...]:
    """Names of the layers some severity's page plan (desk open or closed) names."""
    named = {
        target[5:]
        for severity in policy.severities
        for rule in (severity.open, severity.closed)
        for step in rule.page
        for target in step.targets
        if target.startswith("rota:")
    }
    return tuple(layer.name for layer in policy.rota.layers if layer.name in named)


def handoff_lead(policy: VendorPolicy, at) -> Target | None:
    """Whom to tell about an unconfirmed handoff: the lead of the most severe severity that
    pages (its closed-desk plan first: that is the duty plan, else its open-desk plan), as
    resolved at `at`; None when no paging plan names a lead."""
    shifts = {s.layer: s for s in on_duty(policy.rota, at)}
    for severity in sorted(policy.severities, key=lambda s: s.digit):
        for rule in (severity.closed, severity.open):
            if rule.page:
                lead = lead_of(policy, rule, shifts)
                if lead is not None:
                    return lead
    return None


def longest_shift_s(policy: VendorPolicy) -> int:
    """How far back a handoff can lie and its shift still run: the longest layer's shift,
    or the longest override (at least one day)."""
    days = [layer.shift_days * DAY for layer in policy.rota.layers]
    spans = [
        int(o.end.timestamp() - o.start.timestamp())
        for layer in policy.rota.layers
        for o in layer.overrides
    ]
    return max(days + spans + [DAY])


def handoffs_between(policy: VendorPolicy, since, now) -> list[Handoff]:
    """Shifts of the duty layers that start in [since, now), held by someone, not ended at
    `now`; in order of start."""
    if now.timestamp() <= since.timestamp():
        return []
    duty = set(duty_layers(policy))
    out = []
    for layer in policy.rota.layers:
        if layer.name not in duty:
            continue
        for shift in shifts_between(layer, since, now):
            if (
                shift.person is not None
                and shift.start.timestamp() >= since.timestamp()
                and (shift.end is None or shift.end.timestamp() > now.timestamp())
            ):
                out.append(
                    Handoff(
                        policy.id, layer.name, shift.person, shift.start, shift.end, shift.override
                    )
                )
    return sorted(out, key=lambda h: (h.start_ts, h.layer))


_TEXTS = {
    "nb": {
        "announce": "Du har vakt for {vendor} til {until}. Svar 1 for å bekrefte.",
        "announce_open": "Du har vakt for {vendor}. Svar 1 for å bekrefte.",
        "confirmed": "Takk, vakten for {vendor} er bekreftet.",
        "lead": "{name} har ikke bekreftet vakten for {vendor} ({layer}) som startet {start}. "
        "Sjekk at vakta nås på SMS.",
    },
    "nn": {
        "announce": "Du har vakt for {vendor} til {until}. Svar 1 for å stadfeste.",
        "announce_open": "Du har vakt for {vendor}. Svar 1 for å stadfeste.",
        "confirmed": "Takk, vakta for {vendor} er stadfesta.",
        "lead": "{name} har ikkje stadfesta vakta for {vendor} ({layer}) som starta {start}. "
        "Sjekk at vakta kan nåast på SMS.",
    },
    "sv": {
        "announce": "Du har jour för {vendor} till {until}. Svara 1 för att bekräfta.",
        "announce_open": "Du har jour för {vendor}. Svara 1 för att bekräfta.",
        "confirmed": "Tack, jouren för {vendor} är bekräftad.",
        "lead": "{name} har inte bekräftat jouren för {vendor} ({layer}) som började {start}. "
        "Kontrollera att jouren nås via SMS.",
    },
    "en": {
        "announce": "You are on duty for {vendor} until {until}. Reply 1 to confirm",
        "announce_open": "You are on duty for {vendor}. Reply 1 to confirm",
        "confirmed": "Thank you, your {vendor} duty shift is confirmed.",
        "lead": "{name} has not confirmed the {vendor} duty shift ({layer}) that started "
        "{start}. Check that the duty engineer gets SMS.",
    },
}


def local_label(at, tz: str, language: str) -> str:
    """`at` in vendor-local time, e.g. "Mon 12 Jan 08:00" (weekday and month in `language`)."""
    locale = language if language in _TEXTS else "en"
    return at.in_timezone(tz).format("ddd D MMM HH:mm", locale=locale)


def _text(kind: str, language: str, **fields) -> str:
    return fit(_TEXTS.get(language, _TEXTS["en"])[kind].format(**fields))


def announcement(policy: VendorPolicy, handoff: Handoff) -> str:
    """The SMS to the engineer whose shift starts, in their language (GSM-7)."""
    lang = handoff.person.language
    if handoff.end is None:
        return _text("announce_open", lang, vendor=policy.name)
    until = local_label(handoff.end, policy.tz, lang)
    return _text("announce", lang, vendor=policy.name, until=until)


def confirmed_text(vendor_name: str, language: str) -> str:
    return _text("confirmed", language, vendor=vendor_name)


def lead_text(policy: VendorPolicy, name: str, layer: str, start, language: str) -> str:
    """The lead's notice: `name` did not confirm the shift of `layer` that began at `start`."""
    label = local_label(start, policy.tz, language)
    return _text("lead", language, name=name, vendor=policy.name, layer=layer, start=label)
