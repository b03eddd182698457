"""Signed end-to-end call flows through the voice webhooks, with a real Redis.

Every request is signed the way Twilio signs it. Expected numbers, texts and rota members are
written out from config/vendors/*.yaml and the policies, not computed by the code under test.
The clock is a FrozenClock that, like the production SystemClock, returns UTC instants.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import pendulum
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from rq import Queue
from twilio.request_validator import RequestValidator

from oncall.cli.simulator import Simulator
from oncall.cli.simulator import signed_post as post_signed
from oncall.services.jobs import PAGES, SMS
from oncall.store import keys
from oncall.store.incidents import IncidentStore
from oncall.web import create_app
from tests.conftest import stored_keys

NO_RETRY = Retry(NoBackoff(), 0)
OSLO, STOCKHOLM = "Europe/Oslo", "Europe/Stockholm"
MOBILE_NO = "+4790000123"
MOBILE_SE = "+46701234567"


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
    assert f"{parts.scheme}://{parts.netloc}" == "https://oncall.example.com", url
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


@pytest.fixture
def at(clock):
    return lambda when: set_time(clock, when)


@pytest.fixture
def no_redis_app(settings, clock):
    """The app with a Redis that cannot be reached (nothing listens on the socket)."""
    dead = redis.Redis(
        unix_socket_path="/nonexistent/redis.sock", socket_connect_timeout=0.2, retry=NO_RETRY
    )
    return create_app(settings, clock=clock, redis_client=dead)


# -- greeting and menu ---------------------------------------------------------------------------


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
@pytest.mark.parametrize("when", ["day", "night"])
def test_greeting_in_vendor_language_says_open_or_closed_and_lists_menu_in_digit_order(
    v, when, at, signed_post
):
    at(weekday_day(v) if when == "day" else weekday_night(v))
    root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), v)))

    assert {s.get("language") for s in root.iter("Say")} == {v.language}
    texts = says(root)
    assert v.greeting in texts[0]
    assert (v.open_word if when == "day" else v.closed_word) in texts[1]
    assert (v.closed_word if when == "day" else v.open_word) not in texts[1]
    verbs = [child.tag for child in root]
    assert verbs == ["Say", "Say", "Gather", "Redirect"]
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert path_of(gather.get("action")) == "/twilio/voice/menu?attempt=1"
    items = says(gather)
    assert len(items) == len(v.labels)
    for digit, (item, label) in enumerate(zip(items, v.labels, strict=True), start=1):
        assert label in item
        assert re.search(rf"\b{digit}\.$", item), item
    # no key pressed: Twilio falls through to the Redirect, which counts as a failed try
    assert path_of(root.find("Redirect").text) == "/twilio/voice/menu?attempt=1"


def test_nynorsk_vendor_is_read_in_nynorsk_with_the_norwegian_voice(at, signed_post):
    at(weekday_night(KOMMUNE))
    root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), KOMMUNE)))
    assert says(root)[0] == "Velkomen til brukarstøtta for Kommune-IKT."
    assert says(root)[1] == "Brukarstøtta er stengd no."
    assert all(s.get("language") == "nb-NO" for s in root.iter("Say"))


# -- desk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
def test_desk_hours_dial_the_desk_and_say_reference_and_written_report(v, at, app, redis_client):
    at(weekday_day(v))
    sim, transcript, record = run_call(app, v, "1", legs=["answer"])

    assert record["route"] == "desk"
    assert transcript.dialled == list(v.desk)
    assert record["outcome"] == "connected desk"
    assert record["reference"] == f"{v.id.upper()}-2026-000001"
    menu = twiml_of(transcript, "/twilio/voice/menu")
    text = spoken(menu)
    assert spelled_reference(v, 1) in text
    assert v.report in text and all(c in text for c in v.channels)
    dial = menu.find("Dial")
    assert [n.text for n in dial.findall("Number")] == list(v.desk)
    assert all(n.get("url") is None for n in dial.findall("Number"))  # no screening at desk
    assert path_of(dial.get("action")).startswith("/twilio/voice/dial_result?")
    assert len(queued(redis_client, SMS)) == 1
    expected = sorted(ITSL_OPEN_P1_PAGES) if v is ITSL else []
    assert pages(redis_client, sim.sid) == (1 if expected else 0, expected)


def test_desk_closes_at_a_pindena_lunch_break_and_is_open_until_16_at_kommune_ikt(at, app):
    at(local(PINDENA, 2026, 11, 24, 11, 45))  # lunch 11:30-12:00
    assert run_call(app, PINDENA, "1")[2]["route"] == "written"
    at(local(KOMMUNE, 2026, 11, 24, 15, 45))  # duty starts 15:30, desk still open to 16:00
    assert run_call(app, KOMMUNE, "1", legs=["answer"])[2]["route"] == "desk"
    at(local(KOMMUNE, 2026, 11, 24, 16, 0))
    assert run_call(app, KOMMUNE, "1", legs=["1"])[2]["route"] == "oncall"


@pytest.mark.parametrize(
    "v, digit, status",
    [(AIDN, "1", "no-answer"), (AIDN, "2", "busy"), (ITSL, "1", "no-answer"),
     (KOMMUNE, "1", "busy")],
    ids=lambda x: getattr(x, "id", x),
)  # fmt: skip
def test_desk_not_answering_sends_duty_severities_to_the_rota_and_pages(
    v, digit, status, at, app, redis_client
):
    at(weekday_day(v))
    sim, transcript, record = run_call(app, v, digit, legs=[status, "1"])

    # the desk first, then the first duty phone (the same rota week as tonight), screened
    primary = DUTY_NOV_24[v.id][0]
    assert transcript.dialled == [*v.desk, primary]
    numbers = sim.dials[1].findall("Number")
    assert [n.text for n in numbers] == [primary]
    assert path_of(numbers[0].get("url")).startswith("/twilio/voice/screen?")
    assert record["outcome"] == "connected oncall"
    # one incident per call: itsl p1 already paged development and the service owner when
    # the call was routed to the desk; the others page the duty engineer now
    expected = sorted(ITSL_OPEN_P1_PAGES) if v is ITSL else [primary]
    assert pages(redis_client, sim.sid) == (1, expected)


@pytest.mark.parametrize(
    "v, digit",
    [(AMIDO, "1"), (PINDENA, "1"), (ITSL, "2"), (KOMMUNE, "2")],
    ids=lambda x: getattr(x, "id", x),
)
def test_desk_not_answering_takes_a_voicemail_for_written_severities(
    v, digit, at, app, redis_client
):
    at(weekday_day(v))
    sim, transcript, record = run_call(app, v, digit, legs=["no-answer"])

    assert transcript.dialled == list(v.desk)
    after_desk = twiml_of(transcript, "/twilio/voice/dial_result")
    assert [c.tag for c in after_desk][-3:] == ["Record", "Say", "Hangup"]
    assert path_of(after_desk.find("Record").get("action")) == "/twilio/voice/recorded"
    assert queued(redis_client, PAGES) == []
    assert record["outcome"] == "voicemail"
    assert record["recording"].startswith("https://api.twilio.com/recordings/RE")
    closing = spoken(twiml_of(transcript, "/twilio/voice/recorded"))
    assert spelled_reference(v, 1) in closing
    assert all(c in closing for c in v.channels)


def test_busy_desk_is_handled_like_no_answer_step_by_step(at, signed_post, redis_client):
    at(weekday_day(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, Digits="1")))
    action = path_of(menu.find("Dial").get("action"))
    result = xml(signed_post(action, params(sid, AIDN, DialCallStatus="busy")))
    numbers = result.find("Dial").findall("Number")
    assert [n.text for n in numbers] == [DUTY_NOV_24["aidn"][0]]
    assert pages(redis_client, sid) == (1, [DUTY_NOV_24["aidn"][0]])


# -- on call -------------------------------------------------------------------------------------


ONCALL = [AIDN, ITSL, KOMMUNE]


@pytest.mark.parametrize("v", ONCALL, ids=lambda v: v.id)
def test_after_hours_rings_the_rota_one_at_a_time_with_screening(v, at, app, redis_client):
    at(weekday_night(v))
    sim, transcript, record = run_call(app, v, "1", legs=["no-answer", "1"])

    assert record["route"] == "oncall"
    assert transcript.dialled == list(DUTY_NOV_24[v.id][:2])
    for i, dial in enumerate(sim.dials):
        numbers = dial.findall("Number")
        assert len(numbers) == 1  # one person at a time, in rota order
        assert numbers[0].text == DUTY_NOV_24[v.id][i]
        screen_url = path_of(numbers[0].get("url"))
        assert screen_url.startswith("/twilio/voice/screen?")
        assert f"call={sim.sid}" in screen_url
    assert record["outcome"] == "connected oncall"
    menu_text = spoken(twiml_of(transcript, "/twilio/voice/menu"))
    assert spelled_reference(v, 1) in menu_text
    assert v.report in menu_text
    assert pages(redis_client, sim.sid) == (1, sorted(PAGE_NIGHT[v.id]))
    assert len(queued(redis_client, SMS)) == 1


def test_screening_whisper_says_who_calls_and_gathers_one_digit(at, app):
    at(weekday_night(AIDN))
    sim, transcript, record = run_call(app, AIDN, "1", legs=["1"])
    whisper = sim.whispers[0]
    gather = whisper.find("Gather")
    assert gather.get("numDigits") == "1"
    assert path_of(gather.get("action")).startswith("/twilio/voice/screen_result?")
    text = spoken(gather)
    assert "Aidn" in text and "A-feil" in text and spelled_reference(AIDN, 1) in text
    assert "Trykk 1" in text
    assert [c.tag for c in whisper] == ["Gather", "Hangup"]  # no key: the leg hangs up
    accepted = next(s for s in transcript.steps if "screen_result" in s["path"])
    assert len(ET.fromstring(accepted["twiml"])) == 0  # empty TwiML: legs are bridged


def test_voicemail_or_declining_engineer_does_not_count_as_connected(at, app):
    at(weekday_night(AIDN))
    sim, transcript, record = run_call(app, AIDN, "1", legs=["voicemail", "9", "1"])
    assert transcript.dialled == list(DUTY_NOV_24["aidn"])
    assert record["outcome"] == "connected oncall"
    declined = next(s for s in transcript.steps if "screen_result" in s["path"])
    assert ET.fromstring(declined["twiml"]).find("Hangup") is not None


def test_completed_dial_without_pressing_1_moves_to_the_next_person(at, signed_post):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, Digits="1")))
    action = path_of(menu.find("Dial").get("action"))
    nxt = xml(signed_post(action, params(sid, AIDN, DialCallStatus="completed")))
    assert [n.text for n in nxt.find("Dial").findall("Number")] == [DUTY_NOV_24["aidn"][1]]


@pytest.mark.parametrize("v", ONCALL, ids=lambda v: v.id)
def test_nobody_on_the_rota_answers_then_voicemail_is_recorded_and_stored(v, at, app, redis_client):
    at(weekday_night(v))
    sim, transcript, record = run_call(app, v, "1", legs=["no-answer", "voicemail", "9"])

    assert transcript.dialled == list(DUTY_NOV_24[v.id])
    last = twiml_of(transcript, "/twilio/voice/dial_result", -1)
    assert last.find("Dial") is None and last.find("Record") is not None
    recorded = transcript.steps[-1]
    assert recorded["path"] == "/twilio/voice/recorded"
    assert record["recording"] == recorded["params"]["RecordingUrl"]
    assert record["outcome"] == "voicemail"
    closing = spoken(ET.fromstring(recorded["twiml"]))
    assert spelled_reference(v, 1) in closing
    assert pages(redis_client, sim.sid)[0] == 1  # one incident, paged once


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
@pytest.mark.parametrize(
    "when", [(2026, 5, 14, 10, 0), (2026, 11, 28, 12, 0)], ids=["ascension-day", "saturday"]
)
def test_closed_days_send_the_most_severe_to_duty_or_written(v, when, at, app, redis_client):
    at(local(v, *when))
    sim, transcript, record = run_call(app, v, "1", legs=["1"])
    greeting = twiml_of(transcript, "/twilio/voice/incoming")
    assert v.closed_word in says(greeting)[1]
    if v.id in DUTY_NOV_24:
        assert record["route"] == "oncall"
        rota = DUTY_ASCENSION if when[1] == 5 else DUTY_NOV_24  # Saturday: week of 23 Nov
        assert transcript.dialled == [rota[v.id][0]]
        assert record["outcome"] == "connected oncall"
    else:
        assert record["route"] == "written"
        assert transcript.dialled == []


@pytest.mark.parametrize(
    "when", [(2026, 7, 15, 10, 0), (2026, 12, 28, 10, 0)], ids=["july-week-29", "romjul"]
)
def test_pindena_vendor_closures_are_written(when, at, app):
    at(local(PINDENA, *when))
    sim, transcript, record = run_call(app, PINDENA, "1")
    assert record["route"] == "written"
    assert transcript.dialled == []


# -- written -------------------------------------------------------------------------------------


WRITTEN = [
    (AIDN, "3", "day"), (AIDN, "5", "night"), (AMIDO, "1", "night"), (ITSL, "2", "night"),
    (KOMMUNE, "3", "day"), (PINDENA, "1", "night"),
]  # fmt: skip


@pytest.mark.parametrize("v, digit, when", WRITTEN, ids=lambda x: getattr(x, "id", x))
def test_written_route_reads_channels_and_reference_then_ends(
    v, digit, when, at, app, redis_client
):
    at(weekday_day(v) if when == "day" else weekday_night(v))
    sim, transcript, record = run_call(app, v, digit)

    assert record["route"] == "written"
    assert transcript.dialled == []
    menu = twiml_of(transcript, "/twilio/voice/menu")
    assert menu.find("Dial") is None and menu.find("Record") is None
    assert [c.tag for c in menu][-1] == "Hangup"
    text = spoken(menu)
    assert all(c in text for c in v.channels)
    assert spelled_reference(v, 1) in text
    assert transcript.ended_by == "hangup"
    assert len(transcript.steps) == 2
    assert len(queued(redis_client, SMS)) == 1
    assert queued(redis_client, PAGES) == []


# -- menu retries --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "v, when, presses, route, dialled",
    [
        (AIDN, "night", "", "oncall", DUTY_NOV_24["aidn"][:1]),
        (AIDN, "day", "", "desk", AIDN.desk),
        (AIDN, "night", "90*", "oncall", DUTY_NOV_24["aidn"][:1]),
        (ITSL, "night", "7", "oncall", DUTY_NOV_24["itsl"][:1]),
        (KOMMUNE, "night", "", "oncall", DUTY_NOV_24["kommune-ikt"][:1]),
        (PINDENA, "day", "4#", "desk", PINDENA.desk),
        (AMIDO, "night", "", "written", ()),
    ],
    ids=lambda x: getattr(x, "id", repr(x)),
)
def test_three_failed_menu_tries_reach_the_most_severe_phone_in_severity(
    v, when, presses, route, dialled, at, app
):
    at(weekday_day(v) if when == "day" else weekday_night(v))
    sim, transcript, record = run_call(
        app, v, presses, legs=["1" if route == "oncall" else "answer"]
    )

    menu_steps = [s for s in transcript.steps if s["path"].startswith("/twilio/voice/menu")]
    assert [s["path"] for s in menu_steps] == [
        "/twilio/voice/menu?attempt=1", "/twilio/voice/menu?attempt=2",
        "/twilio/voice/menu?attempt=3",
    ]  # fmt: skip
    for step in menu_steps[:2]:  # re-prompts: sorry, and the whole menu again
        root = ET.fromstring(step["twiml"])
        assert v.invalid in says(root)[0]
        assert len(says(root.find("Gather"))) == len(v.labels)
    assert record["severity"] == _first_severity(v)
    assert record["route"] == route
    assert transcript.dialled == list(dialled)


def _first_severity(v: Vendor) -> str:
    return {"aidn": "a", "amido": "bradskande", "itsl": "p1", "kommune-ikt": "kritisk",
            "pindena": "kritisk"}[v.id]  # fmt: skip


def test_an_invalid_key_then_a_valid_one_routes_the_chosen_severity(at, app):
    at(weekday_night(AIDN))
    sim, transcript, record = run_call(app, AIDN, "83")
    assert record["severity"] == "c"
    assert record["route"] == "written"


# -- references and the follow-up SMS ------------------------------------------------------------


def test_references_count_per_vendor_and_are_read_digit_by_digit(at, app):
    at(weekday_night(AIDN))
    refs = [run_call(app, v, "3")[2]["reference"] for v in (AIDN, AMIDO, AIDN, KOMMUNE)]
    assert refs == [
        "AIDN-2026-000001", "AMIDO-2026-000001", "AIDN-2026-000002", "KOMMUNE-IKT-2026-000001",
    ]  # fmt: skip
    sim, transcript, record = run_call(app, AIDN, "3")
    assert record["reference"] == "AIDN-2026-000003"
    text = spoken(twiml_of(transcript, "/twilio/voice/menu"))
    assert "A I D N, 2 0 2 6, 0 0 0 0 0 3" in text
    assert "AIDN-2026" not in text  # never read as a word or a number


def test_reference_year_is_the_vendors_local_year(at, app):
    at(local(AIDN, 2027, 1, 1, 0, 30))  # New Year's Day in Oslo, still 2026 in UTC
    record = run_call(app, AIDN, "3")[2]
    assert record["reference"] == "AIDN-2027-000001"


@pytest.mark.parametrize(
    "caller, sms",
    [
        (MOBILE_NO, 1), (MOBILE_SE, 1), ("+4520123456", 1), ("+358401234567", 1),
        ("anonymous", 0), ("+266696687", 0), ("", 0),
        ("+4722123456", 0),  # Oslo landline
        ("+46812345678", 0),  # Stockholm landline
        ("+35891234567", 0),  # Helsinki landline
        ("+447400123456", 0),  # UK mobile
        ("+447911123456", 0),  # +44 7911: a Guernsey mobile to libphonenumber
        ("+447700900123", 0),  # not a valid number
    ],
)  # fmt: skip
def test_follow_up_sms_only_for_nordic_mobiles(caller, sms, at, app, redis_client):
    at(weekday_day(AIDN))
    sim, transcript, record = run_call(app, AIDN, "3", caller=caller)
    jobs = queued(redis_client, SMS)
    assert len(jobs) == sms
    if sms:
        assert jobs[0].args == (sim.sid,)
        assert jobs[0].func_name == "workers.followup.send_followup_sms"


@pytest.mark.parametrize("caller", ["+4722123456", "+447911123456"])
def test_written_route_promises_an_sms_only_when_one_is_sent(caller, at, app, redis_client):
    at(weekday_day(AIDN))
    sim, transcript, record = run_call(app, AIDN, "3", caller=caller)
    assert queued(redis_client, SMS) == []
    assert "SMS" not in spoken(twiml_of(transcript, "/twilio/voice/menu"))


def test_written_route_promises_the_sms_to_a_nordic_mobile(at, app, redis_client):
    at(weekday_day(AIDN))
    sim, transcript, record = run_call(app, AIDN, "3")
    assert "Du får en SMS" in spoken(twiml_of(transcript, "/twilio/voice/menu"))
    anon = run_call(app, AIDN, "3", caller="anonymous")[1]
    assert "SMS" not in spoken(twiml_of(anon, "/twilio/voice/menu"))


def test_at_most_three_follow_up_sms_per_caller_per_day(at, app, redis_client, clock):
    at(local(AIDN, 2026, 11, 24, 9, 0))
    for _ in range(4):
        run_call(app, AIDN, "3")
        clock.advance(hours=2)  # well clear of the call-rate limit
    assert len(queued(redis_client, SMS)) == 3
    run_call(app, AIDN, "3", caller=MOBILE_SE)  # another caller is not affected
    assert len(queued(redis_client, SMS)) == 4
    at(local(AIDN, 2026, 11, 25, 9, 0))  # the next day
    run_call(app, AIDN, "3")
    assert len(queued(redis_client, SMS)) == 5


def test_the_daily_sms_cap_follows_the_local_day(at, app, redis_client, clock):
    at(local(AIDN, 2026, 11, 25, 0, 10))  # 23:10 UTC on the 24th
    for _ in range(3):
        run_call(app, AIDN, "3")
        clock.advance(minutes=15)
    at(local(AIDN, 2026, 11, 25, 10, 0))  # same Oslo day
    run_call(app, AIDN, "3")
    assert len(queued(redis_client, SMS)) == 3


# -- signatures ----------------------------------------------------------------------------------


def _state(redis_client) -> dict:
    """Every key and its serialized value: any write shows up as a difference."""
    return {k: redis_client.dump(k) for k in sorted(redis_client.keys("*"))}


def _signature(url: str, form: dict, token: str = "test-auth-token-0123456789abcdef") -> str:
    return RequestValidator(token).compute_signature(url, form)


BASE = "https://oncall.example.com"


@pytest.mark.parametrize(
    "how",
    ["missing", "empty", "wrong-token", "http-url", "other-path", "changed-param",
     "dropped-param", "extra-param", "changed-query"],
)  # fmt: skip
def test_a_bad_signature_is_refused_and_changes_nothing(how, at, client, signed_post, redis_client):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    before = _state(redis_client)

    path = "/twilio/voice/menu?attempt=1"
    form = params(sid, AIDN, Digits="1")
    signed_form, signed_url = dict(form), BASE + path
    if how == "wrong-token":
        headers = {"X-Twilio-Signature": _signature(signed_url, form, token="another-token")}
    elif how == "http-url":
        headers = {"X-Twilio-Signature": _signature("http://oncall.example.com" + path, form)}
    elif how == "other-path":
        headers = {"X-Twilio-Signature": _signature(BASE + "/twilio/voice/incoming", form)}
    elif how == "changed-query":
        headers = {"X-Twilio-Signature": _signature(BASE + "/twilio/voice/menu?attempt=2", form)}
    else:
        if how == "changed-param":
            signed_form["Digits"] = "3"
        elif how == "dropped-param":
            del form["From"]
        elif how == "extra-param":
            form["Foo"] = "bar"
        headers = {"X-Twilio-Signature": _signature(signed_url, signed_form)}
        if how == "missing":
            headers = {}
        elif how == "empty":
            headers = {"X-Twilio-Signature": ""}
    response = client.post(path, data=form, headers=headers)

    assert response.status_code == 403
    assert _state(redis_client) == before
    assert queued(redis_client, PAGES) == [] and queued(redis_client, SMS) == []


@pytest.mark.parametrize("path", ["/twilio/voice/incoming", "/twilio/voice/fallback"])
def test_unsigned_first_webhook_stores_and_enqueues_nothing(path, client, redis_client):
    response = client.post(path, data=params(new_sid(), AIDN))
    assert response.status_code == 403
    assert stored_keys(redis_client) == []


def test_no_auth_token_configured_refuses_every_request(settings, clock, redis_client):
    app = create_app(
        replace(settings, twilio_auth_token=""), clock=clock, redis_client=redis_client
    )
    form = params(new_sid(), AIDN)
    signature = _signature(BASE + "/twilio/voice/incoming", form, token="")
    response = app.test_client().post(
        "/twilio/voice/incoming", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403
    assert stored_keys(redis_client) == []


@pytest.mark.parametrize(
    "query", ["attempt=1&note=a+b%20c%2F", "z=1&attempt=1", "attempt=1&x=%C3%B8&y=@:"]
)
def test_urls_with_query_strings_validate_on_the_raw_query(query, at, signed_post):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    root = xml(signed_post(f"/twilio/voice/menu?{query}", params(sid, AIDN, Digits="3")))
    assert root.find("Hangup") is not None


def test_port_443_in_public_base_url_still_validates(settings, clock, redis_client):
    app = create_app(
        replace(settings, public_base_url="https://oncall.example.com:443"),
        clock=clock, redis_client=redis_client,
    )  # fmt: skip
    form = params(new_sid(), AIDN)
    signature = _signature(BASE + "/twilio/voice/incoming", form)  # Twilio's URL, no port
    response = app.test_client().post(
        "/twilio/voice/incoming", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert xml(response).find("Gather") is not None


# -- Twilio retries ------------------------------------------------------------------------------


def test_replayed_menu_press_pages_texts_and_references_once(at, signed_post, redis_client):
    at(weekday_night(AIDN))
    sid = new_sid()
    first_in = signed_post("/twilio/voice/incoming", params(sid, AIDN))
    again_in = signed_post("/twilio/voice/incoming", params(sid, AIDN))
    assert first_in.data == again_in.data
    press = params(sid, AIDN, Digits="1")
    first = signed_post("/twilio/voice/menu?attempt=1", press)
    for _ in range(2):
        again = signed_post("/twilio/voice/menu?attempt=1", press)
        assert again.status_code == 200 and again.data == first.data
    record = redis_client.hgetall(keys.call(sid))
    assert record[b"reference"] == b"AIDN-2026-000001"
    assert redis_client.get(keys.reference_counter("aidn", 2026)) == b"1"
    assert pages(redis_client, sid) == (1, list(PAGE_NIGHT["aidn"]))
    assert len(queued(redis_client, SMS)) == 1
    texts = [json.loads(e)["text"] for e in redis_client.lrange(keys.call_events(sid), 0, -1)]
    assert texts.count("incoming call") == 1
    assert texts.count("follow-up SMS allowed by the caps") == 1


def test_replayed_desk_no_answer_pages_the_duty_engineer_once(at, signed_post, redis_client):
    at(weekday_day(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, Digits="1")))
    action = path_of(menu.find("Dial").get("action"))
    no_answer = params(sid, AIDN, DialCallStatus="no-answer")
    first = signed_post(action, no_answer)
    again = signed_post(action, no_answer)
    assert first.data == again.data
    assert pages(redis_client, sid) == (1, [DUTY_NOV_24["aidn"][0]])
    assert len(queued(redis_client, SMS)) == 1


def test_replayed_recording_keeps_one_recording(at, signed_post, redis_client):
    at(weekday_day(AMIDO))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AMIDO)))
    xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AMIDO, Digits="1")))
    url = "https://api.twilio.com/recordings/RE0123"
    for _ in range(2):
        root = xml(signed_post("/twilio/voice/recorded", params(sid, AMIDO, RecordingUrl=url)))
        assert spelled_reference(AMIDO, 1) in spoken(root)
    assert redis_client.hget(keys.call(sid), "recording") == url.encode()
    assert redis_client.get(keys.reference_counter("amido", 2026)) == b"1"


def test_a_retried_first_webhook_is_not_counted_as_another_call(at, signed_post):
    at(local(AIDN, 2026, 11, 24, 22, 0))
    for _ in range(7):
        xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
    eighth = params(new_sid(), AIDN)
    assert xml(signed_post("/twilio/voice/incoming", eighth)).find("Reject") is None
    retry = xml(signed_post("/twilio/voice/incoming", eighth))
    assert retry.find("Reject") is None


# -- fallback and Redis outages ------------------------------------------------------------------


def _assert_dials_emergency(root: ET.Element, v: Vendor) -> None:
    dial = root.find("Dial")
    assert dial is not None, ET.tostring(root)
    assert [n.text for n in dial.findall("Number")] == [v.emergency]
    assert {s.get("language") for s in root.iter("Say")} == {v.language}
    assert root.find("Record") is not None  # nobody answers: still a message, never silence


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
def test_fallback_url_dials_the_emergency_number_without_redis(v, settings, no_redis_app):
    form = params(new_sid(), v, ErrorCode="11200", ErrorUrl=BASE + "/twilio/voice/incoming")
    response = post_signed(no_redis_app.test_client(), settings, "/twilio/voice/fallback", form)
    _assert_dials_emergency(xml(response), v)


def test_fallback_url_does_not_write_to_redis(signed_post, redis_client):
    form = params(new_sid(), KOMMUNE, ErrorCode="11205")
    _assert_dials_emergency(xml(signed_post("/twilio/voice/fallback", form)), KOMMUNE)
    assert stored_keys(redis_client) == []


@pytest.mark.parametrize("step", ["incoming", "menu?attempt=1", "dial_result?route=desk&i=0"])
def test_redis_unreachable_still_answers_with_the_emergency_number(step, settings, no_redis_app):
    form = params(new_sid(), AIDN, Digits="1", DialCallStatus="no-answer")
    response = post_signed(no_redis_app.test_client(), settings, f"/twilio/voice/{step}", form)
    _assert_dials_emergency(xml(response), AIDN)


def test_redis_stopped_mid_call_the_next_webhook_dials_the_emergency_number(
    tmp_path, settings, clock
):
    from oncall.store.redisconn import start_embedded

    set_time(clock, weekday_night(ITSL))
    own = start_embedded(tmp_path / "mid-call.rdb")  # a server of its own, to stop
    # the app talks to it without redis-py's retry backoff, to keep the test fast
    app_redis = redis.Redis(unix_socket_path=own.socket_file, socket_timeout=1, retry=NO_RETRY)
    app = create_app(settings, clock=clock, redis_client=app_redis)
    client = app.test_client()
    sid = new_sid()
    first = xml(post_signed(client, settings, "/twilio/voice/incoming", params(sid, ITSL)))
    assert first.find("Gather") is not None
    with contextlib.suppress(redis.exceptions.ConnectionError):  # gone before it answered
        app_redis.shutdown(nosave=True)
    press = params(sid, ITSL, Digits="1")
    response = post_signed(client, settings, "/twilio/voice/menu?attempt=1", press)
    _assert_dials_emergency(xml(response), ITSL)
    with pytest.raises(redis.exceptions.ConnectionError):  # it really was down
        app_redis.ping()


def test_unknown_to_number_gets_a_voicemail_and_a_masked_log_line(
    signed_post, caplog, redis_client
):
    # its vendor's file may be the broken one: with no ONCALL_FALLBACK_NUMBER set, a voicemail
    caplog.set_level(logging.INFO)
    form = params(new_sid(), AIDN, To="+4799999999")
    root = xml(signed_post("/twilio/voice/incoming", form))
    assert root.find("Say").get("language") == "en-GB"
    assert root.find("Record") is not None and root.find("Dial") is None
    lines = [r.getMessage() for r in caplog.records if "unknown number" in r.getMessage()]
    assert lines and "999" in lines[0]
    assert "+4799999999" not in lines[0] and "99999999" not in lines[0]
    assert stored_keys(redis_client) == []


# -- abuse ---------------------------------------------------------------------------------------


def _limited(root: ET.Element) -> bool:
    """Over the call-rate limit: no menu, a recording with the reference read out."""
    record = root.find("Record")
    return (
        root.find("Gather") is None
        and record is not None
        and path_of(record.get("action")) == "/twilio/voice/recorded"
    )


def test_more_than_8_calls_in_10_minutes_go_straight_to_a_recording(
    at, signed_post, clock, redis_client
):
    at(local(AIDN, 2026, 11, 24, 22, 0))
    for n in range(8):
        root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
        assert root.find("Gather") is not None, n
        clock.advance(seconds=60)
    response = signed_post("/twilio/voice/incoming", params(new_sid(), AIDN))
    assert response.status_code == 200
    root = xml(response)
    assert _limited(root) and root.find("Reject") is None
    assert "A I D N, 2 0 2 6, 0 0 0 0 0 9" in spoken(root)
    other_caller = params(new_sid(), AIDN, caller=MOBILE_SE)
    assert xml(signed_post("/twilio/voice/incoming", other_caller)).find("Gather") is not None
    assert queued(redis_client, SMS) == [] and queued(redis_client, PAGES) == []
    clock.advance(minutes=20)  # the window has passed: the caller gets through again
    again = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
    assert again.find("Gather") is not None


def test_steady_callers_below_the_rate_are_never_rejected(at, signed_post, clock):
    at(local(AIDN, 2026, 11, 24, 22, 0))
    for n in range(15):  # one call every 2 minutes: at most 5 in any 10 minutes
        root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN)))
        assert root.find("Reject") is None and root.find("Gather") is not None, n
        clock.advance(minutes=2)


def test_call_rate_limit_is_a_rolling_ten_minutes(at, signed_post, clock):
    at(local(AIDN, 2026, 11, 24, 22, 5))
    roots = []
    for _ in range(10):
        roots.append(xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN))))
        clock.advance(seconds=60)  # 10 calls in 9 minutes
    assert [_limited(r) for r in roots] == [False] * 8 + [True] * 2


def test_blocked_numbers_are_rejected(signed_post, redis_client):
    redis_client.sadd(keys.blocked(), MOBILE_NO)
    response = signed_post("/twilio/voice/incoming", params(new_sid(), AIDN))
    assert response.status_code == 200
    assert [c.tag for c in xml(response)] == ["Reject"]
    other = xml(signed_post("/twilio/voice/incoming", params(new_sid(), AIDN, caller=MOBILE_SE)))
    assert other.find("Gather") is not None


# -- logs ----------------------------------------------------------------------------------------


def test_logs_never_show_a_full_phone_number(
    at, app, caplog, clock, client, signed_post, settings, no_redis_app
):
    caplog.set_level(logging.DEBUG)
    at(weekday_day(AIDN))
    run_call(app, AIDN, "1", legs=["no-answer", "9", "voicemail", "no-answer"])
    for _ in range(4):  # the 4th is over the follow-up SMS cap
        run_call(app, AIDN, "3")
        clock.advance(minutes=20)
    signed_post("/twilio/voice/incoming", params(new_sid(), AIDN, To="+4799999999"))
    signed_post("/twilio/voice/fallback", params(new_sid(), AIDN))
    client.post("/twilio/voice/incoming", data=params(new_sid(), AIDN))  # unsigned: 403
    post_signed(no_redis_app.test_client(), settings, "/twilio/voice/menu?attempt=1",
                params(new_sid(), AIDN, Digits="1"))  # fmt: skip
    at(weekday_night(KOMMUNE))
    run_call(app, KOMMUNE, "", legs=["voicemail"], caller=MOBILE_SE)

    messages = [r.getMessage() for r in caplog.records]
    assert any("unknown number" in m for m in messages)  # the log lines were captured
    numbers = {MOBILE_NO, MOBILE_SE, "+4799999999", *AIDN.desk, *DUTY_NOV_24["aidn"],
               *DUTY_NOV_24["kommune-ikt"]}  # fmt: skip
    for message in messages:
        for number in numbers:
            assert number not in message and number[3:] not in message, message
