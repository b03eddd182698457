"""Phone numbers: parsed once at the edge into E.164 strings, masked everywhere else."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

E164 = str  # "+4797328634"; produced only by to_e164()


class InvalidNumber(ValueError):
    """A string that is not a valid phone number for the given region."""


def to_e164(raw: str, region: str) -> E164:
    """Normalise `raw` (national or international form) to E.164, or raise InvalidNumber."""
    try:
        parsed = phonenumbers.parse(str(raw), region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(f"{raw!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(f"{raw!r} is not a valid phone number in {region}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(number: str | None) -> str:
    """Everything but the last 3 digits hidden: '+4797328634' -> '+*******634'."""
    if not number:
        return "<none>"
    digits = [c for c in number if c.isdigit()]
    keep = "".join(digits[-3:])
    return ("+" if number.startswith("+") else "") + "*" * max(len(digits) - 3, 0) + keep


# Countries whose mobile callers may get the follow-up SMS (the call flow and the report).
SMS_COUNTRIES = ("NO", "SE", "DK", "FI")
ANONYMOUS = {"", "anonymous", "restricted", "unknown", "private", "unavailable", "+266696687"}
_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def caller_number(raw: str | None) -> E164 | None:
    """A caller id as E.164, or None when it is anonymous, withheld or not a valid number."""
    info = _caller(raw)
    return info[0] if info else None


def sms_eligible(number: E164 | None, countries: tuple[str, ...]) -> bool:
    """Mobile, in one of `countries` (ISO codes), not premium-rate or shared-cost: the only
    numbers a caller follow-up SMS may go to (SMS-pumping fraud targets the others)."""
    info = _caller(number)
    return bool(info) and info[1] in countries and info[2]


@lru_cache(maxsize=8192)  # parsing costs ~50 us; storms repeat the same callers
def _caller(raw: str | None) -> tuple[E164, str, bool] | None:
    """(E.164, region, mobile) of an international-format caller id, parsed once: Twilio
    sends E.164, so the SMS check finds the number the caller id was parsed from."""
    if raw is None or raw.strip().lower() in ANONYMOUS or not raw.strip().startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(raw.strip(), None)
    except phonenumbers.NumberParseException:
        return None
    kind = phonenumbers.number_type(parsed)  # UNKNOWN exactly when is_valid_number is False
    if kind == phonenumbers.PhoneNumberType.UNKNOWN:
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.region_code_for_number(parsed), kind in _MOBILE_TYPES
