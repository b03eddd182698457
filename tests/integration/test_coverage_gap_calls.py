"""A coverage gap never ends a call in silence (issue 9, item 10): signed webhooks, a real
Redis, a vendor config with a gap and the clock frozen inside it.

aidn with the seed's literal duty window (all days 16:00-08:00) leaves weekend days
08:00-16:00 uncovered: an A fault on Saturday 2026-11-28 at 12:00 has nobody on duty. The
caller reaches the duty phone (else the emergency number, else a voicemail), and the lead
(driftsansvarlig) is paged at once.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from dataclasses import replace

import pendulum
import pytest

from oncall.store.incidents import IncidentStore
from oncall.web import create_app
from tests.helpers.calls import AIDN, ScriptedCall, pages, set_time, spoken
from tests.helpers.factories import VENDOR_DIR

GAP = pendulum.datetime(2026, 11, 28, 12, 0, tz="Europe/Oslo")  # Saturday noon
WEEKDAY = pendulum.datetime(2026, 11, 24, 10, 0, tz="Europe/Oslo")  # the desk is open
DUTY_PHONE, DRIFT = "+4775988062", "+4740000109"
OTHER_EMERGENCY = "+4775988099"


def _config(tmp_path, *replacements: tuple[str, str]):
    for path in VENDOR_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    aidn = tmp_path / "aidn.yaml"
    text = aidn.read_text(encoding="utf-8")
    for old, new in replacements:
        assert text.count(old) >= 1, old
        text = text.replace(old, new)
    aidn.write_text(text, encoding="utf-8")
    return tmp_path


LITERAL_WINDOW = ("  hours: when-desk-closed", '  hours: {daily: ["00:00-08:00", "16:00-24:00"]}')
NO_DUTY_PHONE = ('  phones: ["+47 75 98 80 62"]', "  phones: []")
OTHER_EMERGENCY_LINE = ('emergency: "+47 75 98 80 62"', 'emergency: "+47 75 98 80 99"')
NO_EMERGENCY = ('emergency: "+47 75 98 80 62"', "")
ROTA_NOT_STARTED = ('start: "2026-01-05"', 'start: "2027-01-04"')


@pytest.fixture
def gap_app(tmp_path, settings, clock, redis_client):
    def make(*replacements):
        config = _config(tmp_path, *replacements)
        return create_app(
            replace(settings, config_dir=config), clock=clock, redis_client=redis_client
        )

    return make


def _lead_paged_at_once(redis_client, sid: str, record) -> None:
    jobs, first = pages(redis_client, sid)
    assert jobs == 1 and first == [DRIFT]
    plan = IncidentStore(redis_client).load(record["incident"]).plan
    assert [(s.after, [t.phone for t in s.targets]) for s in plan.steps] == [(0, [DRIFT])]


def _run(app, clock, at, presses: str, legs):
    set_time(clock, at)
    sim = ScriptedCall(app, to=AIDN.inbound, presses=presses, legs=legs)
    transcript = sim.run()
    return sim, transcript, app.extensions["oncall"].store.record(sim.sid)


@pytest.mark.parametrize(
    ("replacements", "rung"),
    [
        ((LITERAL_WINDOW,), [DUTY_PHONE]),
        ((LITERAL_WINDOW, NO_DUTY_PHONE, OTHER_EMERGENCY_LINE), [OTHER_EMERGENCY]),
    ],
    ids=["duty-phone", "emergency"],
)
def test_a_caller_in_a_gap_reaches_a_phone_and_the_lead_is_paged(
    replacements, rung, gap_app, clock, redis_client
):
    app = gap_app(*replacements)
    sim, transcript, record = _run(app, clock, GAP, "1", ["1"])

    assert transcript.dialled == rung
    assert sim.whispers  # screened like every duty call: a voicemail box does not take it
    assert record["route"] == "oncall" and record["outcome"] == "connected oncall"
    assert "Meld saken skriftlig" not in spoken_all(transcript)
    _lead_paged_at_once(redis_client, sim.sid, record)


def test_a_caller_in_a_gap_with_no_number_leaves_a_voicemail_and_the_lead_is_paged(
    gap_app, clock, redis_client
):
    app = gap_app(LITERAL_WINDOW, NO_DUTY_PHONE, NO_EMERGENCY)
    sim, transcript, record = _run(app, clock, GAP, "1", [])

    assert transcript.dialled == []
    assert record.get("recording")  # the caller was heard
    assert transcript.steps[-1]["path"] == "/twilio/voice/recorded"
    _lead_paged_at_once(redis_client, sim.sid, record)
    timeline = [e["text"] for e in IncidentStore(redis_client).timeline(record["incident"])]
    assert any(t.startswith("recording from call AIDN-2026-000001") for t in timeline)


def test_an_unanswered_desk_with_nobody_on_duty_rings_the_emergency_number(
    gap_app, clock, redis_client
):
    app = gap_app(ROTA_NOT_STARTED, NO_DUTY_PHONE, OTHER_EMERGENCY_LINE)
    sim, transcript, record = _run(app, clock, WEEKDAY, "1", ["no-answer", "1"])

    assert transcript.dialled == [*AIDN.desk, OTHER_EMERGENCY]
    assert record["outcome"] == "connected oncall"
    _lead_paged_at_once(redis_client, sim.sid, record)


def spoken_all(transcript) -> str:
    return " | ".join(spoken(ET.fromstring(s["twiml"])) for s in transcript.steps)
