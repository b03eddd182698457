"""One TwiML document in the vendor's language, and the voicemail every route ends in."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr import prompts
from rotas.policy import VendorPolicy

VOICEMAIL = 180  # seconds: the longest recording a caller may leave


class Speaker:
    """Builds one VoiceResponse in the vendor's language."""

    def __init__(self, policy: VendorPolicy):
        self.policy, self.lang = policy, policy.language
        self.response = VoiceResponse()

    def say(self, key: str, node=None, **values) -> None:
        (node or self.response).say(
            prompts.text(self.lang, key, **values), **prompts.voice(self.lang)
        )

    def channels(self) -> str:
        return prompts.channels(self.policy, self.lang)

    def voicemail(self, action: str, prompt: bool = True, max_length: int = VOICEMAIL) -> None:
        """A recording (at most `max_length` seconds) whose result goes to `action`, then
        goodbye."""
        if prompt:
            self.say("record")
        self.response.record(
            max_length=max_length, finish_on_key="#", play_beep=True, action=action
        )
        self.say("goodbye")
        self.response.hangup()
