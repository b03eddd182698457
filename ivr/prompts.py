"""What the phone says, per language (nb, nn, sv, en), and which voice says it.

Nynorsk is read by the Norwegian voice. Texts stay GSM-7 where they are also sent by SMS.
"""

from __future__ import annotations

VOICES = {  # language -> (Twilio <Say> language, Amazon Polly voice)
    "nb": ("nb-NO", "Polly.Liv"),
    "nn": ("nb-NO", "Polly.Liv"),
    "sv": ("sv-SE", "Polly.Astrid"),
    "en": ("en-GB", "Polly.Amy"),
}

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "desk_option": "If you cannot use the portal, press 9 to talk to the support desk.",
        "greeting": "Welcome to {vendor} support.",
        "open": "The support desk is open now.",
        "closed": "The support desk is closed now.",
        "menu_item": "For {label}, {menu}, press {digit}.",
        "invalid": "Sorry, that is not one of the choices.",
        "connect_desk": "You are being connected to the support desk.",
        "connect_duty": "The duty engineer is being connected. Please hold.",
        "record": "Nobody could answer. Please leave a message after the tone, "
        "and press the hash key when you are done.",
        "written": "Please report this in writing: {channels}.",
        "report": "Please also send a written report to {channels}.",
        "reference": "Your reference is {reference}.",
        "sms": "You will get a text message with the address and your reference.",
        "recorded": "Thank you, your message has been recorded.",
        "limited": "We have had many calls from your number. Please leave a short message "
        "after the tone, and press the hash key when you are done.",
        "known": "This fault is already known, and the duty engineer is working on it. "
        "You can leave a message after the tone, and press the hash key when you are done.",
        "goodbye": "Thank you for calling. Goodbye.",
        "screen": "Duty call from {vendor}: {severity}, reference {reference}. "
        "Press 1 to take the call.",
        "apology": "Sorry, we cannot connect your call right now. We are trying the emergency "
        "number.",
        "unknown_number": "Sorry, this number is not in service. Goodbye.",
        "or": "or",
    },
    "nb": {
        "desk_option": "Hvis du ikke får brukt portalen, trykk 9 for å snakke med kundesenteret.",
        "greeting": "Velkommen til kundestøtte for {vendor}.",
        "open": "Kundesenteret er åpent nå.",
        "closed": "Kundesenteret er stengt nå.",
        "menu_item": "For {label}, {menu}, trykk {digit}.",
        "invalid": "Beklager, det valget finnes ikke.",
        "connect_desk": "Du blir satt over til kundesenteret.",
        "connect_duty": "Vi kobler deg til vakthavende. Vent litt.",
        "record": "Ingen kunne svare. Legg igjen en beskjed etter tonen, og trykk firkant når "
        "du er ferdig.",
        "written": "Meld saken skriftlig: {channels}.",
        "report": "Send også en skriftlig rapport til {channels}.",
        "reference": "Referansen din er {reference}.",
        "sms": "Du får en SMS med adressen og referansen.",
        "recorded": "Takk, beskjeden er tatt opp.",
        "limited": "Vi har fått mange anrop fra nummeret ditt. Legg igjen en kort beskjed "
        "etter tonen, og trykk firkant når du er ferdig.",
        "known": "Feilen er allerede kjent, og vakthavende jobber med den. Du kan legge igjen "
        "en beskjed etter tonen, og trykke firkant når du er ferdig.",
        "goodbye": "Takk for at du ringte. Ha det bra.",
        "screen": "Vaktanrop fra {vendor}: {severity}, referanse {reference}. "
        "Trykk 1 for å ta samtalen.",
        "apology": "Beklager, vi får ikke satt over samtalen nå. Vi prøver beredskapsnummeret.",
        "or": "eller",
    },
    "nn": {
        "desk_option": "Om du ikkje har tilgang til portalen, trykk 9 for å snakke med "
        "brukarstøtta.",
        "greeting": "Velkomen til brukarstøtta for {vendor}.",
        "open": "Brukarstøtta er open no.",
        "closed": "Brukarstøtta er stengd no.",
        "menu_item": "For {label}, {menu}, trykk {digit}.",
        "invalid": "Orsak, det valet finst ikkje.",
        "connect_desk": "Du vert sett over til brukarstøtta.",
        "connect_duty": "Vi koplar deg til vakthavande. Vent litt.",
        "record": "Ingen kunne svare. Legg att ei melding etter tonen, og trykk firkant når du "
        "er ferdig.",
        "written": "Meld saka skriftleg: {channels}.",
        "report": "Send også ein skriftleg rapport til {channels}.",
        "reference": "Referansen din er {reference}.",
        "sms": "Du får ein SMS med adressa og referansen.",
        "recorded": "Takk, meldinga er teken opp.",
        "limited": "Vi har fått mange oppringingar frå nummeret ditt. Legg att ei kort "
        "melding etter tonen, og trykk firkant når du er ferdig.",
        "known": "Feilen er alt kjend, og vakthavande arbeider med han. Du kan leggje att ei "
        "melding etter tonen, og trykkje firkant når du er ferdig.",
        "goodbye": "Takk for at du ringde. Ha det bra.",
        "screen": "Vaktoppringing frå {vendor}: {severity}, referanse {reference}. "
        "Trykk 1 for å ta samtalen.",
        "apology": "Orsak, vi får ikkje sett over samtalen no. Vi prøver beredskapsnummeret.",
        "or": "eller",
    },
    "sv": {
        "desk_option": "Om du inte kan använda portalen, tryck 9 för att prata med supporten.",
        "greeting": "Välkommen till supporten för {vendor}.",
        "open": "Supporten är öppen nu.",
        "closed": "Supporten är stängd nu.",
        "menu_item": "För {label}, {menu}, tryck {digit}.",
        "invalid": "Tyvärr, det valet finns inte.",
        "connect_desk": "Du kopplas nu till supporten.",
        "connect_duty": "Vi kopplar dig till beredskapen. Var god vänta.",
        "record": "Ingen kunde svara. Lämna ett meddelande efter tonen och tryck fyrkant när du "
        "är klar.",
        "written": "Anmäl ärendet skriftligt: {channels}.",
        "report": "Skicka också en skriftlig rapport till {channels}.",
        "reference": "Ditt referensnummer är {reference}.",
        "sms": "Du får ett sms med adressen och referensnumret.",
        "recorded": "Tack, ditt meddelande är inspelat.",
        "limited": "Vi har fått många samtal från ditt nummer. Lämna ett kort meddelande "
        "efter tonen och tryck fyrkant när du är klar.",
        "known": "Felet är redan känt och beredskapen arbetar med det. Du kan lämna ett "
        "meddelande efter tonen och trycka fyrkant när du är klar.",
        "goodbye": "Tack för att du ringde. Hej då.",
        "screen": "Beredskapssamtal från {vendor}: {severity}, referens {reference}. "
        "Tryck 1 för att ta samtalet.",
        "apology": "Tyvärr kan vi inte koppla samtalet just nu. Vi försöker med beredskapsnumret.",
        "or": "eller",
    },
}

SMS_TEXTS = {  # the caller follow-up SMS; GSM-7 only
    "en": "{vendor}: thank you for calling. Reference {reference}. Please also report in "
    "writing: {channels}",
    "nb": "{vendor}: takk for at du ringte. Referanse {reference}. Send også en skriftlig "
    "rapport: {channels}",
    "nn": "{vendor}: takk for at du ringde. Referanse {reference}. Send også ein skriftleg "
    "rapport: {channels}",
    "sv": "{vendor}: tack för att du ringde. Referens {reference}. Skicka också en skriftlig "
    "rapport: {channels}",
}


def text(language: str, key: str, **values) -> str:
    """The prompt `key` in `language`, English when the language lacks it."""
    template = TEXTS.get(language, {}).get(key) or TEXTS["en"][key]
    return template.format(**values)


def voice(language: str) -> dict[str, str]:
    lang, name = VOICES.get(language, VOICES["en"])
    return {"language": lang, "voice": name}


def spell(reference: str) -> str:
    """'AIDN-2026-000123' -> 'A I D N, 2 0 2 6, 0 0 0 1 2 3': read character by character."""
    return ", ".join(" ".join(part) for part in reference.split("-"))


def channels(policy, language: str) -> str:
    """The vendor's written channels as one phrase: 'support@aidn.no or the help button'."""
    w = policy.written
    help_text = w.help_button.get(language) or w.help_button.get("*") or w.help_button.get("en")
    parts = [p for p in (w.portal, w.email, help_text) if p]
    return f" {text(language, 'or')} ".join(parts)
