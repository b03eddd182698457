"""Incidents as values, the page texts they send, and the replies engineers send back.

Page and reply texts stay GSM-7 (Norwegian and Swedish letters are GSM-7; an en dash, a curly
quote or a non-breaking space would turn the whole SMS into UCS-2 and double its segments) and
at most two segments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rotas.escalation import Plan

STATES = ("triggered", "acknowledged", "resolved")

# GSM 03.38 basic table (1 septet) and extension table (2 septets).
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXT = set("^{}\\[~]|€\f")
_REPLACE = {
    "–": "-",
    "—": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "«": '"',
    "»": '"',
    "á": "a",
    "ê": "e",
    "ô": "o",
    "ç": "c",
}
MAX_SEPTETS = 306  # two concatenated GSM-7 segments (153 septets each)


@dataclass(frozen=True)
class Incident:
    id: str  # the first call's reference, e.g. AIDN-2026-000123
    vendor: str
    severity: str
    rank: int  # the severity's menu digit: 1 is the most severe
    message: str
    caller: str
    state: str
    opened_at: float  # epoch seconds
    respond_by: float | None
    plan: Plan
    step: int  # the next plan step to run: the escalation's fencing token
    next_step_at: float | None
    calls: int = 1  # calls attached (a call storm attaches to one incident)
    extra: dict = field(default_factory=dict)  # acked_by, resolved_by, missed_respond_by ...

    @property
    def open(self) -> bool:
        return self.state != "resolved"


def to_gsm7(text: str) -> str:
    """Replace the usual non-GSM-7 characters; anything else left becomes '?'."""
    text = "".join(_REPLACE.get(c, c) for c in text)
    return "".join(c if c in _GSM_BASIC or c in _GSM_EXT else "?" for c in text)


def septets(text: str) -> int:
    return sum(2 if c in _GSM_EXT else 1 for c in text)


def is_gsm7(text: str) -> bool:
    return all(c in _GSM_BASIC or c in _GSM_EXT for c in text)


def fit(text: str) -> str:
    """GSM-7 and at most two segments: cut at the last character that fits, with '...'."""
    text = to_gsm7(text)
    return text if septets(text) <= MAX_SEPTETS else fit_to(text, MAX_SEPTETS)


_PAGE = {
    "nb": "{vendor} {severity}: {message}. Ref {token}, {time}. Svar 1=kvitter 2=eskaler 3=løst",
    "nn": "{vendor} {severity}: {message}. Ref {token}, {time}. Svar 1=kvitter 2=eskaler 3=løyst",
    "sv": "{vendor} {severity}: {message}. Ref {token}, {time}. Svara 1=kvittera 2=eskalera 3=löst",
    "en": "{vendor} {severity}: {message}. Ref {token}, {time}. Reply 1=ack 2=escalate 3=resolve",
}


def page_text(
    language: str, *, vendor: str, severity: str, message: str, token: str, time: str
) -> str:
    """The page SMS. `token` (reference/step) is unique per page: reconciliation finds a page
    that Twilio accepted but whose answer was lost by looking for it. A long message is cut,
    never the token, the time or how to answer."""
    template = _PAGE.get(language, _PAGE["en"])
    frame = to_gsm7(
        template.format(vendor=vendor, severity=severity, message="", token=token, time=time)
    )
    room = MAX_SEPTETS - septets(frame)
    message = to_gsm7(message)
    if septets(message) > room:
        message = fit_to(message, max(room, 3))
    return fit(
        template.format(vendor=vendor, severity=severity, message=message, token=token, time=time)
    )


def fit_to(text: str, limit: int) -> str:
    """`text` (GSM-7) cut to `limit` septets, ending in '...'."""
    out, used = [], 0
    for c in text:
        cost = 2 if c in _GSM_EXT else 1
        if used + cost > limit - 3:
            break
        out.append(c)
        used += cost
    return "".join(out) + "..."


COMMANDS = {
    "1": "ack",
    "ack": "ack",
    "2": "escalate",
    "esc": "escalate",
    "3": "resolve",
    "res": "resolve",
}
_REFERENCE = re.compile(r"^[A-Z0-9-]+-\d{4}-\d{6}$")

# What an engineer's SMS reply is answered with, per language (GSM-7; the help text fits one
# segment). {id} is the incident, {phone} the number to call when a reply could not be recorded.
REPLIES = {
    "nb": {
        "acknowledged": "{id} er kvittert. Svar 3 {id} når feilen er løst.",
        "already_acknowledged": "{id} var allerede kvittert.",
        "resolved": "{id} er løst.",
        "already_resolved": "{id} var allerede løst.",
        "escalated": "{id} er eskalert til neste trinn.",
        "not_escalating": "{id} er allerede kvittert og eskaleres ikke.",
        "not_paged": "Du ble ikke varslet om {id}.",
        "no_open": "Ingen åpen hendelse.",
        "help": "Svar 1 eller ACK = kvitter, 2 eller ESC = eskaler, 3 eller RES = løst. "
        "Legg til referansen for en bestemt hendelse: ACK AIDN-2026-000123",
        "not_recorded": "Svaret ditt ble IKKE registrert (teknisk feil), og varslingen "
        "fortsetter. Ring {phone} og si fra.",
    },
    "nn": {
        "acknowledged": "{id} er kvittert. Svar 3 {id} når feilen er løyst.",
        "already_acknowledged": "{id} var alt kvittert.",
        "resolved": "{id} er løyst.",
        "already_resolved": "{id} var alt løyst.",
        "escalated": "{id} er eskalert til neste steg.",
        "not_escalating": "{id} er alt kvittert og blir ikkje eskalert.",
        "not_paged": "Du vart ikkje varsla om {id}.",
        "no_open": "Inga open hending.",
        "help": "Svar 1 eller ACK = kvitter, 2 eller ESC = eskaler, 3 eller RES = løyst. "
        "Legg til referansen for ei bestemt hending: ACK AIDN-2026-000123",
        "not_recorded": "Svaret ditt vart IKKJE registrert (teknisk feil), og varslinga "
        "held fram. Ring {phone} og sei frå.",
    },
    "sv": {
        "acknowledged": "{id} är kvitterad. Svara 3 {id} när felet är löst.",
        "already_acknowledged": "{id} var redan kvitterad.",
        "resolved": "{id} är löst.",
        "already_resolved": "{id} var redan löst.",
        "escalated": "{id} är eskalerad till nästa steg.",
        "not_escalating": "{id} är redan kvitterad och eskaleras inte.",
        "not_paged": "Du larmades inte om {id}.",
        "no_open": "Ingen öppen incident.",
        "help": "Svara 1 eller ACK = kvittera, 2 eller ESC = eskalera, 3 eller RES = löst. "
        "Lägg till referensen för en viss incident: ACK AIDN-2026-000123",
        "not_recorded": "Ditt svar registrerades INTE (tekniskt fel) och larmet fortsätter. "
        "Ring {phone} och meddela det.",
    },
    "en": {
        "acknowledged": "{id} acknowledged. Reply 3 {id} when resolved.",
        "already_acknowledged": "{id} was already acknowledged.",
        "resolved": "{id} resolved.",
        "already_resolved": "{id} was already resolved.",
        "escalated": "{id} escalated to the next step.",
        "not_escalating": "{id} is already acknowledged: not escalating.",
        "not_paged": "You were not paged for {id}.",
        "no_open": "No open incident.",
        "help": "Reply 1 or ACK = acknowledge, 2 or ESC = escalate, 3 or RES = resolve. "
        "Add the reference for a given incident: ACK AIDN-2026-000123",
        "not_recorded": "Your reply was NOT recorded (technical fault); paging goes on. "
        "Call {phone} to report it.",
    },
}
# Not recorded, and neither the engineer's language nor a number to call is known.
NOT_RECORDED_ANY = (
    "IKKE registrert / INTE registrerat / NOT recorded (teknisk feil / technical fault). "
    "Ring vakta / Ring jouren / Call the duty phone."
)


def reply_text(kind: str, language: str, **fields) -> str:
    """The answer `kind` (a key of REPLIES) in `language` (English if unknown), GSM-7."""
    texts = REPLIES.get(language, REPLIES["en"])
    return fit(texts[kind].format(**fields))


def parse_reply(body: str) -> tuple[str | None, str | None]:
    """'ACK AIDN-2026-000123' -> ('ack', 'AIDN-2026-000123'); '1' -> ('ack', None);
    anything unreadable -> (None, None). Opt-out words (STOP...) are never commands."""
    words = body.strip().split()
    if not words or len(words) > 2:
        return None, None
    command = COMMANDS.get(words[0].lower())
    reference = words[1].upper().split("/")[0] if len(words) == 2 else None
    if command is None or (reference and not _REFERENCE.match(reference)):
        return None, None
    return command, reference
