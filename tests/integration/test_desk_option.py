"""kommune-ikt: medium and low are written, but a caller who cannot reach the portal presses 9
for the desk while it is open."""

import pendulum

from oncall.services.simulator import Simulator

KOMMUNE = "+4721000014"


def _call(app, clock, at, presses):
    clock.at = at.in_timezone("UTC")
    return Simulator(app, caller="+4790000123", to=KOMMUNE, presses=presses).run()


def test_pressing_9_after_the_written_message_reaches_the_desk(app, clock):
    t = _call(app, clock, pendulum.datetime(2026, 11, 24, 10, 0, tz="Europe/Oslo"), "39")
    assert t.dialled == ["+4770162999"]
    menu = next(s for s in t.steps if s["path"].startswith("/twilio/voice/menu"))
    assert "trykk 9" in menu["twiml"] and "desk_option" in menu["twiml"]


def test_without_9_the_call_ends_after_the_written_message(app, clock):
    t = _call(app, clock, pendulum.datetime(2026, 11, 24, 10, 0, tz="Europe/Oslo"), "3")
    assert t.dialled == [] and t.ended_by == "hangup"


def test_no_desk_option_when_the_desk_is_closed(app, clock):
    t = _call(app, clock, pendulum.datetime(2026, 11, 24, 20, 0, tz="Europe/Oslo"), "39")
    menu = next(s for s in t.steps if s["path"].startswith("/twilio/voice/menu"))
    assert "desk_option" not in menu["twiml"] and t.dialled == []


def test_the_critical_severities_have_no_desk_option(app, clock):
    t = _call(app, clock, pendulum.datetime(2026, 11, 24, 10, 0, tz="Europe/Oslo"), "1")
    menu = next(s for s in t.steps if s["path"].startswith("/twilio/voice/menu"))
    assert "desk_option" not in menu["twiml"]
