"""One engineer, one ring, per incident (issue 9, item 7), with real concurrency.

Callers of a storm press their severity at the same moment, each from its own thread and
test client, against the app with a real Redis. Only the call that holds its incident's ring
(the first) is put through to the engineer; the others hear the fault is known and may leave
a message. The same holds on the path from an unanswered desk to the duty rota.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET

import pytest

from oncall.cli.simulator import signed_post
from tests.helpers.calls import (
    AIDN,
    DUTY_NOV_24,
    KOMMUNE,
    new_sid,
    pages,
    params,
    set_time,
    spoken,
    weekday_day,
    weekday_night,
    xml,
)

CALLERS = 8
KNOWN = {"aidn": "Feilen er allerede kjent", "kommune-ikt": "Feilen er alt kjend"}


def _start_calls(app, settings, v) -> list[tuple[str, str]]:
    """CALLERS calls answered by the greeting, one after another: (sid, caller id)."""
    calls = [(new_sid(), f"+4790000{300 + n}") for n in range(CALLERS)]
    client = app.test_client()
    for sid, caller in calls:
        root = xml(signed_post(client, settings, "/twilio/voice/incoming", params(sid, v, caller)))
        assert root.find("Gather") is not None
    return calls


def _all_at_once(app, settings, path: str, forms: list[dict]) -> list[ET.Element]:
    """POST every form to `path` at the same moment, each from its own thread and client."""
    barrier = threading.Barrier(len(forms))
    answers: list = [None] * len(forms)

    def post(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        answers[i] = signed_post(client, settings, path, forms[i])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(forms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return [xml(a) for a in answers]


def _rung(root: ET.Element) -> list[str]:
    return [(n.text or "").strip() for d in root.iter("Dial") for n in d.iter("Number")]


def _assert_one_ring(v, roots: list[ET.Element], engineer: str) -> None:
    rung = [r for r in roots if _rung(r)]
    assert len(rung) == 1, [_rung(r) for r in roots]
    assert _rung(rung[0]) == [engineer]
    known = [r for r in roots if not _rung(r)]
    for root in known:
        assert KNOWN[v.id] in spoken(root)
        assert root.find("Record") is not None  # a message can be left


@pytest.mark.parametrize("v", [AIDN, KOMMUNE], ids=lambda v: v.id)
def test_a_storm_of_simultaneous_callers_rings_the_engineer_once(v, app, settings, clock):
    set_time(clock, weekday_night(v))
    calls = _start_calls(app, settings, v)
    forms = [params(sid, v, caller, Digits="1") for sid, caller in calls]
    roots = _all_at_once(app, settings, "/twilio/voice/menu?attempt=1", forms)

    _assert_one_ring(v, roots, DUTY_NOV_24[v.id][0])
    svc = app.extensions["oncall"]
    incidents = {svc.store.record(sid)["incident"] for sid, _ in calls}
    assert len(incidents) == 1  # one incident, paged once
    assert pages(app.extensions["oncall"].redis, calls[0][0])[0] == 1
    outcomes = sorted(svc.store.record(sid).get("outcome", "") for sid, _ in calls)
    assert outcomes == [""] + ["known fault"] * (CALLERS - 1)


def test_an_unanswered_desk_puts_one_caller_through_to_duty(app, settings, clock):
    """Daytime: every A caller is put to the desk; nobody answers; only one reaches duty."""
    set_time(clock, weekday_day(AIDN))
    calls = _start_calls(app, settings, AIDN)
    client = app.test_client()
    for sid, caller in calls:
        menu = xml(signed_post(client, settings, "/twilio/voice/menu?attempt=1",
                               params(sid, AIDN, caller, Digits="1")))  # fmt: skip
        assert _rung(menu) == list(AIDN.desk)
    forms = [
        params(sid, AIDN, caller, DialCallStatus="no-answer", DialCallSid=new_sid())
        for sid, caller in calls
    ]
    roots = _all_at_once(app, settings, "/twilio/voice/dial_result?route=desk&sev=a&i=0", forms)

    _assert_one_ring(AIDN, roots, DUTY_NOV_24["aidn"][0])
    svc = app.extensions["oncall"]
    assert len({svc.store.record(sid)["incident"] for sid, _ in calls}) == 1


def test_a_caller_after_the_desk_path_rang_duty_hears_known_one_after_another(app, settings, clock):
    """Deterministic: the second call's unanswered desk must not ring duty again."""
    set_time(clock, weekday_day(AIDN))
    client = app.test_client()
    answers = []
    for caller in ("+4790000401", "+4790000402"):
        sid = new_sid()
        xml(signed_post(client, settings, "/twilio/voice/incoming", params(sid, AIDN, caller)))
        xml(signed_post(client, settings, "/twilio/voice/menu?attempt=1",
                        params(sid, AIDN, caller, Digits="1")))  # fmt: skip
        form = params(sid, AIDN, caller, DialCallStatus="no-answer", DialCallSid=new_sid())
        path = "/twilio/voice/dial_result?route=desk&sev=a&i=0"
        answers.append(xml(signed_post(client, settings, path, form)))
        retried = xml(signed_post(client, settings, path, form))  # Twilio retries: same answer
        assert _rung(retried) == _rung(answers[-1])
    assert _rung(answers[0]) == [DUTY_NOV_24["aidn"][0]]
    assert _rung(answers[1]) == [] and KNOWN["aidn"] in spoken(answers[1])
