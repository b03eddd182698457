"""Caller ids: caller_number gives a valid caller id in E.164 (None when withheld or invalid),
and sms_eligible is True only for mobiles of the given countries; both agree with plain
phonenumbers (the two functions share one cached parse, rotas.phone._caller).

The expectations come from a reference written here with plain phonenumbers calls: parse,
is_valid_number and an E.164 format for the caller id; region_code_for_number and number_type
for the SMS check.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rotas.phone import caller_number, sms_eligible

# Caller ids Twilio sends for withheld numbers, written out (not imported from rotas.phone).
WITHHELD = {"", "anonymous", "restricted", "unknown", "private", "unavailable", "+266696687"}
NORDIC = ("NO", "SE", "DK", "FI")
MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def reference_caller(raw: str | None) -> str | None:
    if raw is None or raw.strip().lower() in WITHHELD or not raw.strip().startswith("+"):
        return None
    try:  # no default region: "+00 31 ..." is not read as Norway's "00" international prefix
        parsed = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def reference_sms(number: str | None, countries: tuple[str, ...]) -> bool:
    e164 = reference_caller(number)
    if e164 is None:
        return False
    parsed = phonenumbers.parse(e164, None)
    region = phonenumbers.region_code_for_number(parsed)
    return region in countries and phonenumbers.number_type(parsed) in MOBILE_TYPES


def digits(lo: int, hi: int):
    return st.text("0123456789", min_size=lo, max_size=hi)


def _prefixed(prefix: str, lo: int, hi: int):
    return digits(lo, hi).map(lambda d: prefix + d)


numbers = st.one_of(
    _prefixed("+47", 8, 8),
    _prefixed("+479", 7, 7),  # Norwegian mobiles (4xx/9xx)
    _prefixed("+474", 7, 7),
    _prefixed("+46", 7, 9),
    _prefixed("+467", 8, 8),  # Swedish mobiles
    _prefixed("+45", 6, 9),
    _prefixed("+358", 5, 11),
    _prefixed("+44", 8, 11),
    _prefixed("+1", 8, 11),
    _prefixed("+", 1, 15),  # any country code, or none
)
spaced = numbers.map(lambda n: n[:3] + " " + n[3:6] + " " + n[6:])
padded = numbers.map(lambda n: f"  {n}\t")
without_plus = numbers.map(lambda n: n[1:])  # "4790000123": national/international, no '+'
double_zero = numbers.map(lambda n: "00" + n[1:])
withheld = st.sampled_from(
    [None, "", "anonymous", "Anonymous", " ANONYMOUS ", "restricted", "unknown", "private",
     "unavailable", "+266696687", " +266696687"]
)  # fmt: skip
garbage = st.one_of(
    st.text(max_size=20),
    st.text(max_size=20).map(lambda t: "+" + t),
    st.text("+0123456789 -()abcxyz#*", max_size=20),
)
caller_ids = st.one_of(numbers, spaced, padded, without_plus, double_zero, withheld, garbage)
country_sets = st.sampled_from([NORDIC, ("NO",), ("SE", "FI"), ("GB", "US"), ()])


@settings(max_examples=1500, deadline=None)
@given(raw=caller_ids, countries=country_sets)
@example(raw="+4790000123", countries=NORDIC)
@example(raw="+4722123456", countries=NORDIC)  # Oslo landline
@example(raw="+46701234567", countries=NORDIC)
@example(raw="+447911123456", countries=("GB",))  # a Guernsey mobile to libphonenumber
@example(raw="+447700900123", countries=("GB",))  # not a valid number
@example(raw="+12015550123", countries=("US",))  # FIXED_LINE_OR_MOBILE
@example(raw="+", countries=NORDIC)
@example(raw="4790000123", countries=NORDIC)
@example(raw="  +0031100000000\t", countries=NORDIC)  # a '+' then a 00 prefix: not E.164
def test_caller_number_and_sms_eligible_agree_with_plain_phonenumbers(raw, countries):
    # the SMS check first, so the caller id is read from the cache it filled
    assert sms_eligible(raw, countries) == reference_sms(raw, countries)
    number = caller_number(raw)
    assert number == reference_caller(raw)
    assert sms_eligible(number, countries) == reference_sms(number, countries)
    if number is not None:
        assert number.startswith("+") and number[1:].isdigit()
        assert caller_number(number) == number  # E.164 in, the same E.164 out


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("+4790000123", "+4790000123"),
        (" +47 900 00 123 ", "+4790000123"),
        ("+46701234567", "+46701234567"),
        ("+4722123456", "+4722123456"),  # a landline is a caller id, just not for SMS
        ("4790000123", None),  # no '+': not trusted as international
        ("90000123", None),
        ("004790000123", None),
        ("+4712", None),  # too short
        ("+0031100000000", None),  # no country code starts with 0
        ("+447700900123", None),  # not a valid number
        ("anonymous", None), ("ANONYMOUS", None), ("restricted", None), ("", None),
        ("+266696687", None), (None, None), ("+", None), ("+abc", None),
    ],
)  # fmt: skip
def test_caller_number_examples(raw, expected):
    assert caller_number(raw) == expected


@pytest.mark.parametrize(
    "number, expected",
    [
        ("+4790000123", True),  # Norwegian mobile
        ("+46701234567", True),  # Swedish mobile
        ("+4520123456", True),  # Danish mobile
        ("+358401234567", True),  # Finnish mobile
        ("+4722123456", False),  # Oslo landline
        ("+46812345678", False),  # Stockholm landline
        ("+447400123456", False),  # UK mobile: not a Nordic country
        ("+4712", False),  # invalid
        ("4790000123", False),  # no '+'
        ("anonymous", False), ("", False), (None, False),
    ],
)  # fmt: skip
def test_sms_eligible_examples(number, expected):
    assert sms_eligible(number, NORDIC) is expected
