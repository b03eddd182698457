"""The written route: channels and the reference are read out, then the call ends; the
follow-up SMS is promised and sent only to Nordic mobiles; references count per vendor and
local year and are read digit by digit. Signed webhooks, real Redis.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from oncall.services.jobs import PAGES, SMS
from oncall.web import create_app
from tests.helpers.calls import (
    AIDN,
    AMIDO,
    ITSL,
    KOMMUNE,
    MOBILE_NO,
    MOBILE_SE,
    PINDENA,
    local,
    queued,
    run_call,
    spelled_reference,
    spoken,
    twiml_of,
    weekday_day,
    weekday_night,
)

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


# -- references -----------------------------------------------------------------------------------


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


# -- the follow-up SMS ----------------------------------------------------------------------------


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


def test_the_countries_that_get_a_follow_up_sms_are_a_setting(at, settings, clock, redis_client):
    at(weekday_day(AIDN))
    norway_only = replace(settings, sms_countries=("NO",))  # ONCALL_SMS_COUNTRIES=NO
    app = create_app(norway_only, clock=clock, redis_client=redis_client)
    run_call(app, AIDN, "3", caller=MOBILE_SE)
    assert queued(redis_client, SMS) == []
    sim = run_call(app, AIDN, "3", caller=MOBILE_NO)[0]
    assert [j.args for j in queued(redis_client, SMS)] == [(sim.sid,)]


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
