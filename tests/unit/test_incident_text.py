"""Page texts and SMS replies (rotas.incident): every page is GSM-7 and at most two segments,
checked with the module's own helpers and with an independent GSM 03.38 encoder written
here; parse_reply's table (GoAlert-style), opt-out words never commands. Pure: no Redis."""

from __future__ import annotations

import math

import pendulum
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rotas.incident import (
    MAX_SEPTETS,
    NOT_RECORDED_ANY,
    REPLIES,
    fit,
    is_gsm7,
    page_text,
    parse_reply,
    reply_text,
    septets,
)
from tests.helpers.factories import VENDOR_IDS, vendor

# -- an independent GSM 03.38 encoder ------------------------------------------------------------

# The default alphabet, in code order 0x00-0x7F (0x1B is the escape to the extension table).
GSM_0338 = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
GSM_0338_EXTENSION = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}
ESC = 0x1B
assert len(GSM_0338) == 128


def gsm_encode(text: str) -> list[int]:
    """Septets of `text` in GSM 03.38; raises ValueError for a character outside it."""
    out = []
    for ch in text:
        if ch in GSM_0338_EXTENSION:
            out += [ESC, GSM_0338_EXTENSION[ch]]
        elif ch != "\x1b" and ch in GSM_0338:
            out.append(GSM_0338.index(ch))
        else:
            raise ValueError(f"{ch!r} (U+{ord(ch):04X}) is not GSM-7")
    return out


def segments(text: str) -> int:
    n = len(gsm_encode(text))
    return 1 if n <= 160 else math.ceil(n / 153)


def test_the_independent_encoder():
    assert gsm_encode("Aå€") == [0x41, 0x0F, ESC, 0x65]
    with pytest.raises(ValueError):
        gsm_encode("–")  # en dash
    assert segments("x" * 160) == 1 and segments("x" * 161) == 2 and segments("x" * 306) == 2
    assert segments("x" * 307) == 3


# -- pages for every vendor x severity x language --------------------------------------------------

LANGUAGES = ("nb", "nn", "sv", "en", "de")  # de: a language without a template (English)
TOKEN = "KOMMUNE-IKT-2026-000123/12"  # long: the longest vendor id, a two-digit step
TIME = pendulum.datetime(2026, 3, 29, 3, 14, tz="Europe/Oslo").format("DD.MM HH:mm")


def cases():
    for vendor_id in VENDOR_IDS:
        policy = vendor(vendor_id)
        for sev in policy.severities:
            for lang in LANGUAGES:
                yield pytest.param(policy, sev, lang, id=f"{vendor_id}-{sev.id}-{lang}")


def check_page(text: str) -> None:
    assert is_gsm7(text), text
    assert septets(text) <= MAX_SEPTETS == 306
    encoded = gsm_encode(text)  # raises if any character is outside GSM 03.38
    assert len(encoded) == septets(text)
    assert segments(text) <= 2, (len(encoded), text)


@pytest.mark.parametrize(("policy", "sev", "lang"), list(cases()))
def test_page_text_is_gsm7_and_at_most_two_segments(policy, sev, lang):
    label = sev.text("label", lang)
    # the message an incident opened by a call carries, with the caller; and the longest
    # configured texts (menu, description) as a message someone might type
    messages = [
        f"{sev.text('label', 'en')} call (+4790000123)",
        sev.text("menu", lang) or "",
        sev.text("description", lang) or sev.text("description", policy.language) or "",
    ]
    for message in messages:
        text = page_text(
            lang, vendor=policy.name, severity=label, message=message, token=TOKEN, time=TIME
        )
        check_page(text)
        assert text.startswith(fit(policy.name)[:10])


def test_a_short_page_keeps_every_part():
    text = page_text(
        "nb",
        vendor="Aidn",
        severity="A-feil",
        message="A fault call (+4790000123)",
        token="AIDN-2026-000123/0",
        time="29.03 03:14",
    )
    assert text == (
        "Aidn A-feil: A fault call (+4790000123). Ref AIDN-2026-000123/0, 29.03 03:14. "
        "Svar 1=kvitter 2=eskaler 3=løst"
    )
    check_page(text)


RISKY = "–—‘’“”…\u00a0\u202f«»😀🔥\u200bá€[]{}^~|\\ÆØÅæøåÄÖäöéü\n"
risky_text = st.text(alphabet=st.sampled_from(RISKY) | st.characters(codec="utf-8"), max_size=400)


@settings(max_examples=300, deadline=None)
@given(
    vendor_id=st.sampled_from(VENDOR_IDS),
    lang=st.sampled_from(LANGUAGES),
    message=risky_text,
    severity_index=st.integers(0, 10),
)
@example(
    vendor_id="aidn", lang="nb", message="Server nede – “alt” er borte 😀\u00a0nå", severity_index=0
)
@example(vendor_id="itsl", lang="sv", message="€" * 400, severity_index=0)
def test_page_text_is_gsm7_for_any_message(vendor_id, lang, message, severity_index):
    policy = vendor(vendor_id)
    sev = policy.severities[severity_index % len(policy.severities)]
    text = page_text(
        lang,
        vendor=policy.name,
        severity=sev.text("label", lang),
        message=message,
        token=TOKEN,
        time=TIME,
    )
    check_page(text)


@given(risky_text)
def test_fit_is_gsm7_two_segments_and_leaves_short_gsm7_text_alone(text):
    fitted = fit(text)
    check_page(fitted)
    if is_gsm7(text) and septets(text) <= MAX_SEPTETS:
        assert fitted == text


@settings(max_examples=100, deadline=None)
@given(message=risky_text, lang=st.sampled_from(LANGUAGES))
@example(message="x" * 300, lang="nb")
@example(message="€" * 400, lang="sv")
@example(message="[" * 150 + "x" * 200, lang="en")
def test_a_long_message_is_cut_never_the_token_time_or_reply_codes(message, lang):
    """Reconciliation finds a page at Twilio by its token; the engineer answers with the
    codes. A message typed into `oncall page --message` has no length limit."""
    text = page_text(
        lang,
        vendor="Kommune-IKT",
        severity="Prioritet 1 (Kritisk)",
        message=message,
        token=TOKEN,
        time=TIME,
    )
    check_page(text)
    assert f"Ref {TOKEN}, {TIME}." in text
    assert text.rstrip().endswith(("3=løst", "3=løyst", "3=löst", "3=resolve")), text


def test_reply_texts_exist_in_every_language_and_are_gsm7():
    assert set(REPLIES) == {"nb", "nn", "sv", "en"}
    kinds = set(REPLIES["en"])
    for language, texts in REPLIES.items():
        assert set(texts) == kinds, language
        for kind in kinds:
            text = reply_text(kind, language, id="KOMMUNE-IKT-2026-000123", phone="+46607851410")
            assert is_gsm7(text) and "{" not in text, (language, kind, text)
            assert segments(text) <= (1 if kind != "not_recorded" else 2), (language, kind)
    assert is_gsm7(NOT_RECORDED_ANY) and segments(NOT_RECORDED_ANY) == 1


@pytest.mark.parametrize("language", ["nb", "nn", "sv", "en"])
def test_help_fits_one_segment_and_names_every_command(language):
    text = reply_text("help", language)
    assert segments(text) == 1
    assert all(word in text for word in ("1", "ACK", "2", "ESC", "3", "RES"))


def test_an_unknown_language_gets_english():
    assert reply_text("help", "de") == reply_text("help", "en")


# -- parse_reply -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("1", ("ack", None)),
        (" ack ", ("ack", None)),
        ("ACK", ("ack", None)),
        ("Ack\n", ("ack", None)),
        ("ACK AIDN-2026-000123", ("ack", "AIDN-2026-000123")),
        ("ack aidn-2026-000123", ("ack", "AIDN-2026-000123")),
        ("1 AIDN-2026-000123/2", ("ack", "AIDN-2026-000123")),  # the page's token
        ("2", ("escalate", None)),
        ("esc", ("escalate", None)),
        ("3 ITSL-2026-000001", ("resolve", "ITSL-2026-000001")),
        ("res KOMMUNE-IKT-2026-000042", ("resolve", "KOMMUNE-IKT-2026-000042")),
        ("STOP", (None, None)),
        ("stop", (None, None)),
        ("END", (None, None)),
        ("", (None, None)),
        ("   ", (None, None)),
        ("1 2 3", (None, None)),
        ("ack xyz", (None, None)),
        ("ack AIDN-26-000123", (None, None)),
        ("4", (None, None)),
        ("１", (None, None)),  # a full-width digit is not '1'
        ("ok", (None, None)),
    ],
)
def test_parse_reply(body, expected):
    assert parse_reply(body) == expected


OPT_OUT = (
    "STOP",
    "UNSUBSCRIBE",
    "END",
    "QUIT",
    "STOPALL",
    "REVOKE",
    "OPTOUT",
    "CANCEL",
    "START",
    "HELP",
    "INFO",
    "YES",
    "UNSTOP",
)


@given(
    word=st.sampled_from(OPT_OUT),
    case=st.sampled_from([str.upper, str.lower, str.title]),
    suffix=st.sampled_from(["", " AIDN-2026-000123", " 1", "\n"]),
)
def test_opt_out_and_twilio_keywords_are_never_commands(word, case, suffix):
    assert parse_reply(case(word) + suffix) == (None, None)


@given(st.text(max_size=60))
def test_parse_reply_never_raises_and_returns_a_known_command(body):
    command, reference = parse_reply(body)
    assert command in (None, "ack", "escalate", "resolve")
    assert reference is None or command is not None
