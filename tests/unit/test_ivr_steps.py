"""Every IVR step on plain values: a `Call` and a `Context` built directly, a vendor policy
from config/vendors, a fixed instant; the TwiML read with ElementTree and the typed effects
compared as values. No Redis, no Flask, no clock.

aidn: A (1) and B (2) go to the desk while it is open (Mon-Fri 08:00-16:00) and to the duty
rota, paging, while it is closed; C (3) and below are written only.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pendulum
import pytest

from ivr import prompts
from ivr.call import Call, Context
from ivr.effects import (
    AcceptScreening,
    CallerSms,
    LogEvent,
    OpenIncident,
    Recording,
    Reply,
    SaveCall,
)
from ivr.steps import (
    STEPS,
    desk_option,
    dial_result,
    incoming,
    menu,
    recorded,
    screen,
    screen_result,
)
from rotas.config import load_policy
from rotas.routing import duty_numbers
from tests.helpers.factories import VENDOR_DIR, vendor

OPEN = pendulum.datetime(2026, 12, 2, 10, 0, tz="Europe/Oslo")  # a Wednesday: desk open
CLOSED = pendulum.datetime(2026, 12, 2, 23, 0, tz="Europe/Oslo")  # the same night
GAP = pendulum.datetime(2026, 11, 28, 12, 0, tz="Europe/Oslo")  # Saturday noon (see gap_policy)
CALLER, AIDN_NUMBER, REFERENCE = "+4791234567", "+4721000011", "AIDN-2026-000042"
DESK, DUTY_PHONE = "+4797328634", "+4775988062"
BASE = "https://oncall.example.com/twilio/voice/"


def url(step: str, **query) -> str:
    return BASE + step + ("?" + urlencode(query) if query else "")


def context(at=OPEN, policy=None, **overrides) -> Context:
    values = {
        "policy": policy or vendor("aidn"),
        "now": at,
        "reference": REFERENCE,
        "record": {},
        "url": url,
    }
    return Context(**(values | overrides))


def call(digits: str = "", **query) -> Call:
    return Call(sid="CA1", caller=CALLER, to=AIDN_NUMBER, query=query, digits=digits)


def twiml(reply: Reply) -> ET.Element:
    return ET.fromstring(str(reply.response))


def said(root: ET.Element) -> list[str]:
    return [say.text for say in root.iter("Say")]


def text(key: str, lang: str = "nb", **values) -> str:
    return prompts.text(lang, key, **values)


def dialled(root: ET.Element) -> list[str]:
    return [number.text for number in root.iter("Number")]


def only(root: ET.Element, tag: str) -> ET.Element:
    (element,) = root.iter(tag)
    return element


def gap_policy(tmp_path):
    """aidn with the seed's literal duty window: weekend days 08:00-16:00 nobody is on duty."""
    source = (VENDOR_DIR / "aidn.yaml").read_text(encoding="utf-8")
    window = '  hours: {daily: ["00:00-08:00", "16:00-24:00"]}'
    path = tmp_path / "aidn.yaml"
    path.write_text(source.replace("  hours: when-desk-closed", window), encoding="utf-8")
    return load_policy(path)


def quiet_b_policy(tmp_path):
    """aidn whose B faults go to the duty rota at night without paging anyone."""
    source = (VENDOR_DIR / "aidn.yaml").read_text(encoding="utf-8")
    plan = (
        "      page:\n        - notify: [rota:primary]\n        - after: 15m\n"
        "          notify: [rota:secondary]\n        - after: 30m\n          notify: [drift]\n"
    )
    assert source.count(plan) == 1
    path = tmp_path / "aidn.yaml"
    path.write_text(source.replace(plan, ""), encoding="utf-8")
    return load_policy(path)


# -- incoming -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("at", "state"), [(OPEN, "open"), (CLOSED, "closed")])
def test_incoming_greets_says_whether_the_desk_is_open_and_offers_the_menu(at, state):
    reply = incoming(call(), context(at))
    root = twiml(reply)
    assert said(root)[:2] == [text("greeting", vendor="Aidn"), text(state)]
    gather = only(root, "Gather")
    assert gather.get("action") == url("menu", attempt=1)
    assert len(gather.findall("Say")) == len(vendor("aidn").severities)
    assert only(root, "Redirect").text == url("menu", attempt=1)  # no key: a failed try
    assert reply.effects == ()


def test_incoming_rejects_a_blocked_caller_as_busy():
    reply = incoming(call(), context(abusive=True))
    assert only(twiml(reply), "Reject").get("reason") == "busy"
    assert reply.effects == (LogEvent("rejected: blocked number"),)


@pytest.mark.parametrize("step", [incoming, menu])
def test_a_rate_limited_caller_gets_only_a_short_recording(step):
    reply = step(call("1"), context(CLOSED, limited=True))
    root = twiml(reply)
    record = only(root, "Record")
    assert (record.get("maxLength"), record.get("action")) == ("60", url("recorded"))
    assert text("limited") in said(root)
    assert not list(root.iter("Dial"))
    assert reply.effects == (
        LogEvent("over the call-rate limit: recording only", once="limited"),
        SaveCall(outcome="rate limited"),
    )


# -- menu ---------------------------------------------------------------------------------------


def test_menu_while_open_puts_a_critical_fault_through_to_the_desk():
    reply = menu(call("1", attempt="1"), context(OPEN, sms_ok=True))
    root = twiml(reply)
    assert dialled(root) == [DESK]
    assert only(root, "Dial").get("action") == url("dial_result", route="desk", sev="a", i=0)
    assert text("sms") in said(root)
    saved, routed, sms = reply.effects
    assert (saved.severity, saved.route, saved.dial) == ("a", "desk", DESK)
    assert saved.reason.startswith("The desk is open")
    assert routed == LogEvent("pressed 1: a -> desk", once="route")
    assert sms == CallerSms(CALLER)
    assert reply.if_known is None


def test_menu_at_night_rings_the_rota_with_screening_and_opens_an_incident():
    reply = menu(call("1", attempt="1"), context(CLOSED))
    root = twiml(reply)
    first = duty_numbers(vendor("aidn"), CLOSED)[0]
    assert dialled(root) == [first]
    number = only(root, "Number")
    assert number.get("url") == url("screen", sev="a", i=0, call="CA1")
    assert text("connect_duty") in said(root) and text("sms") not in said(root)
    assert reply.effects[2:] == (
        OpenIncident("a", "closed", True, once="incident"),
        LogEvent("no follow-up SMS for this caller id", once="no-sms"),
    )
    assert reply.effects[0].route == "oncall"
    # a later call of the same incident is not put through: it may leave a message
    known = reply.if_known
    assert text("known") in said(twiml(known)) and not dialled(twiml(known))
    assert known.effects == (SaveCall(outcome="known fault", dial=""),)


def test_menu_for_a_written_severity_gives_the_channels_and_hangs_up():
    reply = menu(call("3", attempt="1"), context(OPEN))
    root = twiml(reply)
    assert not list(root.iter("Dial")) and not list(root.iter("Gather"))
    assert root[-1].tag == "Hangup"
    assert reply.effects[0].route == "written"
    assert not [e for e in reply.effects if isinstance(e, OpenIncident)]


def test_menu_for_a_written_severity_with_a_desk_option_offers_9():
    reply = menu(call("3", attempt="1"), context(OPEN, policy=vendor("kommune-ikt")))
    gather = only(twiml(reply), "Gather")
    assert gather.get("action") == url("desk_option", sev="medium")


@pytest.mark.parametrize(("digits", "note"), [("7", "invalid menu input '7'"), ("", None)])
def test_menu_reprompts_after_an_invalid_or_missing_choice(digits, note):
    reply = menu(call(digits, attempt="1"), context(OPEN))
    root = twiml(reply)
    assert said(root)[0] == text("invalid")
    assert only(root, "Gather").get("action") == url("menu", attempt=2)
    assert reply.effects == (LogEvent(note or "no menu input", once="menu-1"),)


@pytest.mark.parametrize(("at", "route"), [(OPEN, "desk"), (CLOSED, "oncall")])
def test_menu_after_three_failed_tries_routes_the_most_severe_phone_in_severity(at, route):
    reply = menu(call("", attempt="3"), context(at))
    assert reply.effects[0].severity == "a" and reply.effects[0].route == route
    assert reply.effects[1] == LogEvent(
        f"no valid choice after 3 tries: a -> {route}", once="route"
    )
    assert dialled(twiml(reply))


def test_menu_in_a_coverage_gap_rings_the_duty_phone_and_pages_the_lead(tmp_path):
    reply = menu(call("1", attempt="1"), context(GAP, policy=gap_policy(tmp_path)))
    assert dialled(twiml(reply)) == [DUTY_PHONE]
    assert OpenIncident("a", "closed", False, once="incident") in reply.effects


@pytest.mark.parametrize(("known_rank", "covered"), [(1, True), (2, True), (3, False)])
def test_a_storm_call_without_a_page_of_its_own_is_not_rung_through_when_covered(
    tmp_path, known_rank, covered
):
    """B at night pages nobody here; an open incident of the same or a more severe severity
    is already being handled: the caller may leave a message instead of a second ring."""
    ctx = context(CLOSED, policy=quiet_b_policy(tmp_path), known_incident=("X", known_rank))
    reply = menu(call("2", attempt="1"), ctx)
    root = twiml(reply)
    assert bool(dialled(root)) is not covered
    assert (text("known") in said(root)) is covered
    assert (SaveCall(outcome="known fault", dial="") in reply.effects) is covered
    assert not [e for e in reply.effects if isinstance(e, OpenIncident)]


# -- dial_result --------------------------------------------------------------------------------


def test_dial_result_answered_at_the_desk_says_goodbye():
    reply = dial_result(
        Call(
            "CA1",
            CALLER,
            AIDN_NUMBER,
            {"route": "desk", "sev": "a", "i": "0"},
            dial_status="completed",
        ),
        context(OPEN),
    )
    assert twiml(reply)[-1].tag == "Hangup"
    assert reply.effects == (
        LogEvent("desk dial 0: completed", once="dial-desk-0"),
        SaveCall(outcome="connected desk"),
    )


def test_dial_result_desk_no_answer_goes_on_to_the_duty_rota_and_pages():
    query = {"route": "desk", "sev": "a", "i": "0"}
    reply = dial_result(Call("CA1", CALLER, AIDN_NUMBER, query, dial_status="no-answer"), context())
    numbers = duty_numbers(vendor("aidn"), OPEN)
    assert dialled(twiml(reply)) == [numbers[0]]
    assert reply.effects == (
        LogEvent("desk dial 0: no-answer", once="dial-desk-0"),
        SaveCall(dial=" ".join(numbers)),
        OpenIncident("a", "closed", True, once="incident-desk"),
    )
    assert reply.if_known is not None


def test_dial_result_desk_no_answer_for_a_written_severity_takes_a_voicemail():
    query = {"route": "desk", "sev": "medium", "i": "0"}
    ctx = context(policy=vendor("kommune-ikt"))
    reply = dial_result(Call("CA1", CALLER, AIDN_NUMBER, query, dial_status="busy"), ctx)
    assert only(twiml(reply), "Record").get("action") == url("recorded")
    assert reply.effects[-1] == SaveCall(outcome="voicemail")


def test_dial_result_unaccepted_duty_leg_rings_the_next_phone_then_a_voicemail():
    record = {"dial": "+4740000103 +4740000102"}
    first = dial_result(call(route="oncall", sev="a", i="0"), context(CLOSED, record=record))
    assert dialled(twiml(first)) == ["+4740000102"]
    assert first.effects == (LogEvent("oncall dial 0: none", once="dial-oncall-0"),)
    last = dial_result(call(route="oncall", sev="a", i="1"), context(CLOSED, record=record))
    assert only(twiml(last), "Record").get("action") == url("recorded")
    assert last.effects[-1] == SaveCall(outcome="voicemail")


def test_dial_result_accepted_duty_leg_is_connected():
    ctx = context(CLOSED, record={"dial": "+4740000103"}, accepted=True)
    reply = dial_result(call(route="oncall", sev="a", i="0"), ctx)
    assert reply.effects[-1] == SaveCall(outcome="connected oncall")


# -- desk option, screening, recording ----------------------------------------------------------


def test_desk_option_9_while_open_rings_the_desk():
    ctx = context(policy=vendor("kommune-ikt"))
    reply = desk_option(call("9", sev="medium"), ctx)
    assert dialled(twiml(reply)) == list(vendor("kommune-ikt").desk_phones)
    assert reply.effects[0] == SaveCall(route="desk", outcome="desk option")


@pytest.mark.parametrize(("digits", "at"), [("5", OPEN), ("9", CLOSED)])
def test_desk_option_otherwise_says_goodbye(digits, at):
    reply = desk_option(call(digits, sev="medium"), context(at, policy=vendor("kommune-ikt")))
    assert not dialled(twiml(reply)) and reply.effects == ()


def test_screen_whispers_who_calls_and_hangs_up_without_a_key():
    reply = screen(call(sev="a", i="0", call="CA1"), context(CLOSED))
    root = twiml(reply)
    gather = only(root, "Gather")
    assert gather.get("action") == url("screen_result", sev="a", i="0", call="CA1")
    assert "A-feil" in gather.find("Say").text and root[-1].tag == "Hangup"


def test_screen_result_1_accepts_the_call_anything_else_declines():
    accepted = screen_result(call("1", i="2"), context(CLOSED))
    assert len(twiml(accepted)) == 0  # empty TwiML bridges the legs
    assert accepted.effects == (AcceptScreening("2"), LogEvent("duty 2 accepted"))
    declined = screen_result(call("", i="2"), context(CLOSED))
    assert twiml(declined)[-1].tag == "Hangup"
    assert declined.effects == (LogEvent("duty 2 declined"),)


def test_recorded_thanks_the_caller_and_files_the_recording():
    rec = Call("CA1", CALLER, AIDN_NUMBER, recording_url="https://api.twilio.com/R1")
    reply = recorded(rec, context(CLOSED))
    assert said(twiml(reply))[0] == text("recorded")
    assert reply.effects == (Recording("https://api.twilio.com/R1"),)


def test_every_step_is_in_the_step_table():
    assert set(STEPS) == {
        "incoming",
        "menu",
        "dial_result",
        "desk_option",
        "screen",
        "screen_result",
        "recorded",
    }
