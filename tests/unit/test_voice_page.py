"""The voice page's TwiML (ivr/voicepage.py), read with ElementTree: no Flask, no Twilio."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ivr.voicepage import voice_page_twiml

TEXT = "Aidn: A-feil, ingen får logget inn. Ref AIDN-2026-000123/0"
ACK = "https://oncall.example.com/twilio/page-ack?incident=AIDN-2026-000123"


def test_the_page_is_read_three_times_each_in_a_gather_that_posts_the_key_to_the_ack_url():
    root = ET.fromstring(voice_page_twiml(TEXT, "nb", ACK))
    gathers = root.findall("Gather")
    assert len(gathers) == 3 and list(root) == gathers
    for gather in gathers:
        assert gather.attrib == {"action": ACK, "numDigits": "1", "timeout": "5"}
        said = [(s.text, s.get("language"), s.get("voice")) for s in gather.findall("Say")]
        assert said == [
            (TEXT, "nb-NO", "Polly.Liv"),
            ("Trykk 1 for å kvittere. Press 1 to acknowledge.", "nb-NO", "Polly.Liv"),
        ]


def test_without_an_ack_url_the_page_is_only_read_out():
    root = ET.fromstring(voice_page_twiml("Ref X/1", "sv"))
    says = list(root)
    assert [s.tag for s in says] == ["Say"] * 3
    assert {(s.text, s.get("language"), s.get("voice")) for s in says} == {
        ("Ref X/1", "sv-SE", "Polly.Astrid")
    }


def test_an_ack_url_with_query_parameters_is_escaped_and_read_back_whole():
    url = ACK + "&x=<1>"
    root = ET.fromstring(voice_page_twiml(TEXT, "xx", url))
    assert root.find("Gather").get("action") == url
    assert root.find("Gather/Say").get("voice") == "Polly.Amy"  # unknown language: English
