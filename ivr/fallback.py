"""The answer when nothing else answers: Twilio's Fallback URL, Redis outages, numbers no
loaded vendor answers. No state, no config file, no Redis."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr import prompts
from ivr.call import Call
from ivr.speaker import VOICEMAIL, Speaker
from rotas.policy import VendorPolicy


def fallback(
    policy: VendorPolicy | None, call: Call, last_resort: str | None = None, action: str = ""
) -> VoiceResponse:
    """Dial the vendor's emergency number (no vendor: the `last_resort` number from the
    settings), then take a recording whose result comes back to `action` (the fallback URL:
    never a step that needs Redis). Never silence, never 'an application error has
    occurred'."""
    if call.recording_url:  # the recording below is done
        return _fallback_recorded(policy)
    if policy is None:
        return unknown_number(last_resort, action)
    number = policy.emergency or (policy.duty_phones + policy.desk_phones)[0]
    sp = Speaker(policy)
    sp.say("apology")
    sp.response.dial(timeout=30, answer_on_bridge=True).number(number)
    sp.say("record")
    _record(sp.response, action, sp.say)
    return sp.response


def unknown_number(last_resort: str | None = None, action: str = "") -> VoiceResponse:
    """A number whose vendor is unknown (its file is broken and no last good version loads,
    or no configuration loads at all): the last-resort human if one is set, else a
    voicemail. In English: nothing says which language the caller speaks."""
    response = VoiceResponse()

    def say(key: str) -> None:
        response.say(prompts.text("en", key), **prompts.voice("en"))

    if last_resort:
        say("apology")
        response.dial(timeout=30, answer_on_bridge=True).number(last_resort)
    say("record")
    _record(response, action, say)
    return response


def _record(response: VoiceResponse, action: str, say) -> None:
    """A voicemail whose result goes to `action`; an empty one (silence, or the caller hung
    up) is not posted, and Twilio goes on to the goodbye."""
    response.record(max_length=VOICEMAIL, finish_on_key="#", play_beep=True, action=action or None)
    say("goodbye")
    response.hangup()


def _fallback_recorded(policy: VendorPolicy | None) -> VoiceResponse:
    response, lang = VoiceResponse(), policy.language if policy else "en"
    for key in ("recorded", "goodbye"):
        response.say(prompts.text(lang, key), **prompts.voice(lang))
    response.hangup()
    return response
