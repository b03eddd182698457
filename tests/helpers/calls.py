"""Signed call flows through the voice webhooks: the vendors as the tests expect them (written
out from config/vendors/*.yaml and the policies, not computed by the code under test), who is
rung and paged on the dates the tests use, and a scripted Simulator that answers each <Dial>.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

import pendulum
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue

from oncall.services.jobs import PAGES
from oncall.services.simulator import Simulator
from oncall.store import keys
from oncall.store.incidents import IncidentStore

NO_RETRY = Retry(NoBackoff(), 0)
OSLO, STOCKHOLM = "Europe/Oslo", "Europe/Stockholm"
MOBILE_NO = "+4790000123"
MOBILE_SE = "+46701234567"
CALLERS = ["+4790000121", "+4790000122", "+4790000123", "+4790000124", "+4790000125"]
BASE = "https://oncall.example.com"  # the tests' PUBLIC_BASE_URL
NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")  # Tuesday: desks closed


@dataclass(frozen=True)
class Vendor:
    id: str
    inbound: str
    tz: str
    language: str  # <Say language=...>
    greeting: str  # a word only the vendor's own language uses in the greeting
    open_word: str
    closed_word: str
    labels: tuple[str, ...]  # severity labels, in digit order
    desk: tuple[str, ...]
    emergency: str
    channels: tuple[str, ...]  # written channels the caller must hear
    report: str  # "please also send a written report" in the vendor language
    invalid: str  # "that is not one of the choices"
    spelled_prefix: str  # the vendor part of the reference, read letter by letter


AIDN = Vendor(
    "aidn", "+4721000011", OSLO, "nb-NO", "Velkommen", "åpent", "stengt",
    ("A-feil", "B-feil", "C-feil", "Brukerstøtte", "Forslag til forbedring"),
    ("+4797328634",), "+4775988062",
    ("support@aidn.no", "Hjelp-knappen i Aidn"),
    "Send også en skriftlig rapport", "Beklager, det valget finnes ikke", "A I D N",
)  # fmt: skip
AMIDO = Vendor(
    "amido", "+46846500401", STOCKHOLM, "sv-SE", "Välkommen", "öppen", "stängd",
    ("Brådskande", "Hög", "Medel", "Låg"),
    ("+46846500410",), "+46846500410",
    ("https://support.amido.se",),
    "Skicka också en skriftlig rapport", "Tyvärr, det valet finns inte", "A M I D O",
)  # fmt: skip
ITSL = Vendor(
    "itsl", "+46313900601", STOCKHOLM, "sv-SE", "Välkommen", "öppen", "stängd",
    ("Prioritet 1", "Prioritet 2", "Prioritet 3", "Prioritet 4"),
    ("+46607851410",), "+46607851410",
    ("https://itsl.se/supportportal", "support@itsl.se"),
    "Skicka också en skriftlig rapport", "Tyvärr, det valet finns inte", "I T S L",
)  # fmt: skip
KOMMUNE = Vendor(
    "kommune-ikt", "+4721000014", OSLO, "nb-NO", "Velkomen", "open no", "stengd",
    ("Kritisk", "Høg", "Medium", "Lav"),
    ("+4770162999",), "+4770162446",
    ("https://serviceportal.kommune-ikt.no",),
    "Send også ein skriftleg rapport", "Orsak, det valet finst ikkje", "K O M M U N E, I K T",
)  # fmt: skip
PINDENA = Vendor(
    "pindena", "+4721000012", OSLO, "nb-NO", "Velkommen", "åpent", "stengt",
    ("Kritisk feil", "Alvorlig feil", "Mindre alvorlig feil"),
    ("+4721000022",), "+4721000022",
    ("support@pindena.no",),
    "Send også en skriftlig rapport", "Beklager, det valget finnes ikke", "P I N D E N A",
)  # fmt: skip
VENDORS = (AIDN, AMIDO, ITSL, KOMMUNE, PINDENA)
BY_ID = {v.id: v for v in VENDORS}

# Who is rung for duty on Tuesday 2026-11-24 evening: rotas start Monday 2026-01-05 with
# weekly 08:00 handoffs, so the week of 2026-11-23 is shift 46 -> members[46 % 3] = members[1]
# of each layer; then the vendor's duty phones.
DUTY_NOV_24 = {
    "aidn": ("+4740000102", "+4740000101", "+4775988062"),  # ola, kari, duty phone
    "itsl": ("+46701740612", "+46701740611"),  # erik, anna (no duty phone)
    "kommune-ikt": ("+4740000402", "+4740000401", "+4770162446"),  # torbjorn, solveig, duty
}
# Pages sent when the call is routed: closed -> rota:primary; itsl p1 open -> development
# and the service owner in parallel.
PAGE_NIGHT = {"aidn": ("+4740000102",), "itsl": ("+46701740612",), "kommune-ikt": ("+4740000402",)}
ITSL_OPEN_P1_PAGES = ("+46701740615", "+46701740616")
# Ascension Day, Thursday 2026-05-14, is shift 18 -> members[0]: kari/per, anna/johan, ...
DUTY_ASCENSION = {
    "aidn": ("+4740000101", "+4740000104", "+4775988062"),
    "itsl": ("+46701740611", "+46701740614"),
    "kommune-ikt": ("+4740000401", "+4740000404", "+4770162446"),
}


def local(v: Vendor, *args) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=v.tz)


def weekday_day(v):  # Tuesday 10:00: every desk is open
    return local(v, 2026, 11, 24, 10, 0)


def weekday_night(v):  # Tuesday 22:00: every desk is closed
    return local(v, 2026, 11, 24, 22, 0)


def set_time(clock, at: pendulum.DateTime) -> None:
    """Move the frozen clock; it answers in UTC, as the production SystemClock does."""
    clock.at = at.in_timezone("UTC")


def xml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype in ("application/xml", "text/xml")
    root = ET.fromstring(response.data)
    assert root.tag == "Response"
    return root


def says(root: ET.Element) -> list[str]:
    return [s.text or "" for s in root.iter("Say")]


def spoken(root: ET.Element) -> str:
    return " | ".join(says(root))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE, url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def queued(redis_client, queue: str) -> list:
    q = Queue(queue, connection=redis_client)
    return [q.fetch_job(i) for i in q.get_job_ids()]


def pages(redis_client, sid: str) -> tuple[int, list[str]]:
    """(escalation jobs queued, phones the call's incident pages at once). No worker runs
    here: the first escalation step is what the call enqueued."""
    incident = redis_client.hget(keys.call(sid), "incident")
    escalations = [j for j in queued(redis_client, PAGES) if j.func_name.endswith(".escalate")]
    jobs = len(escalations)
    if not incident:
        return jobs, []
    first = IncidentStore(redis_client).load(incident.decode()).plan.step_at(0)
    return jobs, sorted(t.phone for t in first.targets) if first else []


def spelled_reference(v: Vendor, n: int, year: int = 2026) -> str:
    return f"{v.spelled_prefix}, {' '.join(str(year))}, {' '.join(f'{n:06d}')}"


def params(sid: str, v: Vendor, caller: str | None = MOBILE_NO, **extra) -> dict:
    return {
        "CallSid": sid,
        "AccountSid": "AC00000000000000000000000000000000",
        "From": caller or "anonymous",
        "To": v.inbound,
        "CallStatus": "in-progress",
        **extra,
    }


def texts(store, sid: str) -> list[str]:
    """The texts of a call's events, oldest first (`store`: a CallStore)."""
    return [e["text"] for e in store.events(sid)]


def new_sid() -> str:
    return "CA" + uuid.uuid4().hex


class ScriptedCall(Simulator):
    """The Simulator, but each <Dial> is answered as scripted, one entry per <Dial>:
    "answer"    - a desk phone picks up (no screening), DialCallStatus=completed
    "1" / "9"   - an engineer answers and presses that key in the screening whisper
    "voicemail" - a voicemail box picks up: hears the whisper, presses nothing (completed)
    "no-answer" / "busy" - the phone is not answered
    Missing entries ring out ("no-answer")."""

    def __init__(self, app, *, legs=(), **kw):
        kw.setdefault("caller", MOBILE_NO)
        super().__init__(app, **kw)
        self.legs = list(legs)
        self.whispers: list[ET.Element] = []
        self.dials: list[ET.Element] = []

    def dial(self, verb):
        self.dials.append(verb)
        numbers = [n for n in verb if n.tag == "Number"]
        self.transcript.dialled.extend((n.text or "").strip() for n in numbers)
        leg = self.legs.pop(0) if self.legs else "no-answer"
        status = leg if leg in ("no-answer", "busy") else "completed"
        if status == "completed":
            for number in numbers:
                if number.get("url"):
                    self.whisper(number.get("url"), leg)
        return self.post(verb.get("action"), {"DialCallStatus": status, "DialCallSid": new_sid()})

    def whisper(self, url: str, leg: str) -> None:
        sid = new_sid()  # the engineer's leg has its own CallSid
        root = self.post(url, {"ParentCallSid": self.sid}, sid=sid)
        self.whispers.append(root)
        gather = root.find("Gather")
        if leg in ("1", "9") and gather is not None:
            self.post(gather.get("action"), {"Digits": leg, "ParentCallSid": self.sid}, sid=sid)


def run_call(app, v: Vendor, presses: str, **kw):
    sim = ScriptedCall(app, to=v.inbound, presses=presses, **kw)
    transcript = sim.run()
    svc = app.extensions["oncall"]
    return sim, transcript, svc.store.record(sim.sid)


def twiml_of(transcript, path_prefix: str, index: int = 0) -> ET.Element:
    bodies = [s["twiml"] for s in transcript.steps if s["path"].startswith(path_prefix)]
    return ET.fromstring(bodies[index])
