"""The voice page: what a call reads to an engineer whose SMS page failed or is blocked."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.prompts import voice

READS = 3  # the page is read this many times
ACK_DIGIT_WAIT = 5  # seconds to press 1 after each reading
ACK_PROMPT = "Trykk 1 for å kvittere. Press 1 to acknowledge."


def voice_page_twiml(text: str, language: str, ack_url: str | None = None) -> str:
    """TwiML reading `text` READS times in `language`'s voice; with `ack_url`, each reading
    is a <Gather> whose key press (1 acknowledges) is posted to `ack_url`."""
    response = VoiceResponse()
    for _ in range(READS):
        node = (
            response.gather(num_digits=1, timeout=ACK_DIGIT_WAIT, action=ack_url)
            if ack_url
            else response
        )
        node.say(text, **voice(language))
        if ack_url:
            node.say(ACK_PROMPT, **voice(language))
    return str(response)
