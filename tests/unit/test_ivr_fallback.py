"""The stateless fallback answer on plain values: never silence."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ivr import prompts
from ivr.call import Call
from ivr.fallback import fallback
from tests.helpers.factories import vendor

ACTION = "https://oncall.example.com/twilio/voice/fallback"


def _call(recording_url: str = "") -> Call:
    return Call("CA1", "+4791234567", "+4721000011", recording_url=recording_url)


def test_fallback_dials_the_vendors_emergency_number_then_takes_a_recording():
    root = ET.fromstring(str(fallback(vendor("aidn"), _call(), "+4799999999", ACTION)))
    assert [n.text for n in root.iter("Number")] == [vendor("aidn").emergency]
    assert root.find("Record").get("action") == ACTION
    assert root[-1].tag == "Hangup"


def test_fallback_for_an_unknown_number_rings_the_last_resort_in_english():
    root = ET.fromstring(str(fallback(None, _call(), "+4799999999", ACTION)))
    assert [n.text for n in root.iter("Number")] == ["+4799999999"]
    assert root.find("Say").text == prompts.text("en", "apology")
    assert root.find("Record").get("action") == ACTION


def test_fallback_without_a_last_resort_takes_a_voicemail():
    root = ET.fromstring(str(fallback(None, _call(), None, ACTION)))
    assert not list(root.iter("Dial")) and root.find("Record") is not None


def test_fallback_after_the_recording_thanks_and_hangs_up():
    root = ET.fromstring(str(fallback(vendor("aidn"), _call("https://api.twilio.com/R1"))))
    assert [s.text for s in root.iter("Say")] == [
        prompts.text("nb", "recorded"),
        prompts.text("nb", "goodbye"),
    ]
    assert root[-1].tag == "Hangup"
