"""The greeting and the severity menu: language, open or closed, menu items in digit order,
re-prompts and the most severe choice after three failed tries. Signed webhooks, real Redis.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from tests.helpers.calls import (
    AIDN,
    AMIDO,
    DUTY_NOV_24,
    ITSL,
    KOMMUNE,
    PINDENA,
    VENDORS,
    Vendor,
    new_sid,
    params,
    path_of,
    run_call,
    says,
    weekday_day,
    weekday_night,
    xml,
)

# -- greeting and menu ----------------------------------------------------------------------------


@pytest.mark.parametrize("v", VENDORS, ids=lambda v: v.id)
@pytest.mark.parametrize("when", ["day", "night"])
def test_greeting_in_vendor_language_says_open_or_closed_and_lists_menu_in_digit_order(
    v, when, at, signed_post
):
    at(weekday_day(v) if when == "day" else weekday_night(v))
    root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), v)))

    assert {s.get("language") for s in root.iter("Say")} == {v.language}
    texts = says(root)
    assert v.greeting in texts[0]
    assert (v.open_word if when == "day" else v.closed_word) in texts[1]
    assert (v.closed_word if when == "day" else v.open_word) not in texts[1]
    verbs = [child.tag for child in root]
    assert verbs == ["Say", "Say", "Gather", "Redirect"]
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1"
    assert path_of(gather.get("action")) == "/twilio/voice/menu?attempt=1"
    items = says(gather)
    assert len(items) == len(v.labels)
    for digit, (item, label) in enumerate(zip(items, v.labels, strict=True), start=1):
        assert label in item
        assert re.search(rf"\b{digit}\.$", item), item
    # no key pressed: Twilio falls through to the Redirect, which counts as a failed try
    assert path_of(root.find("Redirect").text) == "/twilio/voice/menu?attempt=1"


def test_nynorsk_vendor_is_read_in_nynorsk_with_the_norwegian_voice(at, signed_post):
    at(weekday_night(KOMMUNE))
    root = xml(signed_post("/twilio/voice/incoming", params(new_sid(), KOMMUNE)))
    assert says(root)[0] == "Velkomen til brukarstøtta for Kommune-IKT."
    assert says(root)[1] == "Brukarstøtta er stengd no."
    assert all(s.get("language") == "nb-NO" for s in root.iter("Say"))


# -- menu retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "v, when, presses, route, dialled",
    [
        (AIDN, "night", "", "oncall", DUTY_NOV_24["aidn"][:1]),
        (AIDN, "day", "", "desk", AIDN.desk),
        (AIDN, "night", "90*", "oncall", DUTY_NOV_24["aidn"][:1]),
        (ITSL, "night", "7", "oncall", DUTY_NOV_24["itsl"][:1]),
        (KOMMUNE, "night", "", "oncall", DUTY_NOV_24["kommune-ikt"][:1]),
        (PINDENA, "day", "4#", "desk", PINDENA.desk),
        (AMIDO, "night", "", "written", ()),
    ],
    ids=lambda x: getattr(x, "id", repr(x)),
)
def test_three_failed_menu_tries_reach_the_most_severe_phone_in_severity(
    v, when, presses, route, dialled, at, app
):
    at(weekday_day(v) if when == "day" else weekday_night(v))
    sim, transcript, record = run_call(
        app, v, presses, legs=["1" if route == "oncall" else "answer"]
    )

    menu_steps = [s for s in transcript.steps if s["path"].startswith("/twilio/voice/menu")]
    assert [s["path"] for s in menu_steps] == [
        "/twilio/voice/menu?attempt=1", "/twilio/voice/menu?attempt=2",
        "/twilio/voice/menu?attempt=3",
    ]  # fmt: skip
    for step in menu_steps[:2]:  # re-prompts: sorry, and the whole menu again
        root = ET.fromstring(step["twiml"])
        assert v.invalid in says(root)[0]
        assert len(says(root.find("Gather"))) == len(v.labels)
    assert record["severity"] == _first_severity(v)
    assert record["route"] == route
    assert transcript.dialled == list(dialled)


def _first_severity(v: Vendor) -> str:
    return {"aidn": "a", "amido": "bradskande", "itsl": "p1", "kommune-ikt": "kritisk",
            "pindena": "kritisk"}[v.id]  # fmt: skip


def test_an_invalid_key_then_a_valid_one_routes_the_chosen_severity(at, app):
    at(weekday_night(AIDN))
    sim, transcript, record = run_call(app, AIDN, "83")
    assert record["severity"] == "c"
    assert record["route"] == "written"
