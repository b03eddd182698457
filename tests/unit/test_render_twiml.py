"""oncall.webhooks.render: TwiML serialised straight to text equals twilio's str(response)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from oncall.web.webhooks import render

BASE = "https://oncall.example.com/twilio/voice"
NORDIC = "æøå ÆØÅ äö"


def greeting() -> VoiceResponse:
    r = VoiceResponse()
    r.say("Velkommen til kundestøtten for Aidn. Brukerstøtta er stengt nå.", language="nb-NO")
    g = r.gather(num_digits=1, timeout=6, action=f"{BASE}/menu?attempt=1")
    g.say("For A-feil, trykk 1.", language="nb-NO", voice="Polly.Liv")
    g.say("För brådskande fel, tryck 2.", language="sv-SE")
    r.redirect(f"{BASE}/menu?attempt=1")
    return r


def dial_with_screening() -> VoiceResponse:
    r = VoiceResponse()
    r.say(f"Referansen din er A I D N, 2 0 2 6. {NORDIC}", language="nb-NO")
    d = r.dial(
        timeout=25,
        answer_on_bridge=True,
        action=f"{BASE}/dial_result?route=oncall&sev=a&i=0&call=CA1&note=a+b%20c%2F",
    )
    d.number("+4740000102", url=f"{BASE}/screen?call=CA1&i=0&x=%C3%B8&y=@:")
    d.number("+4775988062", url=f'{BASE}/screen?call=CA1&i=1&q="quoted"&a=<b>')
    return r


def voicemail() -> VoiceResponse:
    r = VoiceResponse()
    r.say("Tyvärr & beklager <ingen svarer> \"sitat\" 'enkelt' — snart", language="sv-SE")
    r.record(max_length=180, finish_on_key="#", play_beep=True, action=f"{BASE}/recorded")
    r.say("Ha det bra. Hej då!", language="sv-SE")
    r.hangup()
    return r


def reject() -> VoiceResponse:
    r = VoiceResponse()
    r.reject(reason="busy")
    return r


def empty() -> VoiceResponse:
    return VoiceResponse()


def sms_reply() -> MessagingResponse:
    r = MessagingResponse()
    r.message(f"Kvittert: AIDN-2026-000001 & {NORDIC} <ok>")
    return r


def nested_text() -> VoiceResponse:
    r = VoiceResponse()
    g = r.gather(input="dtmf speech", action=f"{BASE}/desk_option?sev=b&x=1&y=2", hints="ja, nei")
    g.say("Trykk 1 for å bli satt over.\nEller vent.\tTakk", language="nb-NO")
    g.pause(length=1)
    g.play("https://cdn.example.com/lyd/ærlig talt.mp3", loop=2)
    return r


DOCUMENTS = [greeting, dial_with_screening, voicemail, reject, empty, sms_reply, nested_text]


@pytest.mark.parametrize("build", DOCUMENTS, ids=lambda f: f.__name__)
def test_render_is_str(build):
    response = build()
    text = render(response)
    assert text == str(response)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?><')
    ET.fromstring(text.encode())  # well-formed


def test_render_keeps_nordic_letters_and_escapes_markup():
    text = render(voicemail())
    assert "Tyvärr &amp; beklager &lt;ingen svarer&gt;" in text
    text = render(dial_with_screening())
    assert NORDIC in text  # as characters, not character references
    assert "&#" not in text
    assert (
        'url="https://oncall.example.com/twilio/voice/screen?call=CA1&amp;i=1&amp;q=&quot;' in text
    )
    number = ET.fromstring(text.encode()).find("Dial").findall("Number")[1]
    assert number.get("url") == f'{BASE}/screen?call=CA1&i=1&q="quoted"&a=<b>'


def test_a_rendered_document_is_returned_unchanged():
    rendered = str(greeting())
    assert render(rendered) is rendered
    assert render("") == ""
    assert render("<Response>æøå</Response>") == "<Response>æøå</Response>"


@settings(max_examples=300, deadline=None)
@given(
    say=st.text(max_size=40),
    query=st.text(max_size=20),
    number=st.text("+0123456789", min_size=1, max_size=14),
)
def test_render_is_str_for_any_text(say, query, number):
    r = VoiceResponse()
    r.say(say, language="nb-NO")
    g = r.gather(num_digits=1, action=f"{BASE}/menu?attempt=1&q={query}")
    g.say(say)
    r.dial(action=f"{BASE}/dial_result?q={query}").number(number, url=f"{BASE}/screen?{query}")
    assert render(r) == str(r)
