"""The call flow's one-round-trip paths, with a real Redis: CallStore.start records the call
and its "incoming call" event once, CallStore.load finds the vendor's newest open incident
like IncidentStore.newest_open, CallStore.save counts the follow-up SMS against its caps once
per call, the cap is logged once at WARNING, and every TwiML document renders like str().

Webhooks are posted signed, the way Twilio signs them (helpers from test_callflow).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pendulum
import pytest
from rq import Queue
from twilio.request_validator import RequestValidator

from oncall.services.incidents import open_incident
from oncall.services.jobs import SMS
from oncall.services.vendors import load_vendor
from oncall.store import keys
from oncall.store.calls import CallStore, SmsAllowance
from oncall.store.incidents import IncidentStore
from oncall.web import callflow, webhooks
from tests.integration.test_callflow import (
    AIDN,
    AMIDO,
    ITSL,
    MOBILE_NO,
    MOBILE_SE,
    ScriptedCall,
    new_sid,
    pages,
    params,
    run_call,
    set_time,
    spoken,
    weekday_day,
    weekday_night,
    xml,
)

NIGHT = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")
CALLERS = ["+4790000121", "+4790000122", "+4790000123", "+4790000124", "+4790000125"]


@pytest.fixture
def at(clock):
    return lambda when: set_time(clock, when)


@pytest.fixture
def store(redis_client):
    return CallStore(redis_client)


def texts(store: CallStore, sid: str) -> list[str]:
    return [e["text"] for e in store.events(sid)]


# -- start: the first webhook records the call in one script ------------------------------------


def test_incoming_records_vendor_caller_number_reference_and_start(at, app, signed_post, store):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))

    assert store.record(sid) == {
        "reference": "AIDN-2026-000001",
        "vendor": "aidn",
        "caller": MOBILE_NO,
        "to": "+4721000011",
        "started": "2026-11-24T22:00:00+01:00",
    }
    assert store.events(sid) == [
        {"at": "2026-11-24T22:00:00+01:00", "step": "incoming", "text": "incoming call"}
    ]


def test_a_replayed_incoming_webhook_keeps_one_event_and_the_first_start(
    at, clock, signed_post, store, redis_client
):
    at(weekday_day(AMIDO))
    sid = new_sid()
    first = signed_post("/twilio/voice/incoming", params(sid, AMIDO, caller=MOBILE_SE))
    for _ in range(2):
        clock.advance(seconds=7)  # Twilio retries a few seconds later
        again = signed_post("/twilio/voice/incoming", params(sid, AMIDO, caller=MOBILE_SE))
        assert again.data == first.data

    assert store.record(sid) == {
        "reference": "AMIDO-2026-000001",
        "vendor": "amido",
        "caller": MOBILE_SE,
        "to": "+46846500401",
        "started": "2026-11-24T10:00:00+01:00",  # Stockholm time, of the first webhook
    }
    assert store.events(sid) == [
        {"at": "2026-11-24T10:00:00+01:00", "step": "incoming", "text": "incoming call"}
    ]
    assert redis_client.get(keys.reference_counter("amido", 2026)) == b"1"
    assert redis_client.zrange(keys.calls_index(), 0, -1) == [sid.encode()]
    assert redis_client.zcard(keys.caller_calls(MOBILE_SE)) == 1


def test_an_anonymous_caller_is_recorded_with_an_empty_caller(at, signed_post, store):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN, caller="anonymous")))
    record = store.record(sid)
    assert record["caller"] == "" and record["vendor"] == "aidn"
    assert record["reference"] == "AIDN-2026-000001"
    assert texts(store, sid) == ["incoming call"]


def test_a_call_first_seen_at_the_menu_is_recorded_without_an_incoming_event(
    at, signed_post, store
):
    at(weekday_day(AIDN))
    sid = new_sid()  # the incoming webhook never arrived
    xml(signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, Digits="3")))
    record = store.record(sid)
    assert {k: record[k] for k in ("reference", "vendor", "caller", "to", "started")} == {
        "reference": "AIDN-2026-000001",
        "vendor": "aidn",
        "caller": MOBILE_NO,
        "to": "+4721000011",
        "started": "2026-11-24T10:00:00+01:00",
    }
    assert record["severity"] == "c"
    assert "incoming call" not in texts(store, sid)


def test_start_pushes_its_event_only_the_first_time(store, redis_client):
    now = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")
    first = store.start("CA1", "aidn", now, MOBILE_NO, "+4721000011", {"text": "one"})
    again = store.start("CA1", "aidn", now.add(seconds=5), None, "+4799999999", {"text": "two"})
    record = {
        "reference": "AIDN-2026-000001",
        "vendor": "aidn",
        "caller": MOBILE_NO,
        "to": "+4721000011",
        "started": "2026-11-24T22:00:00+01:00",
    }
    assert first == ("AIDN-2026-000001", False, record)
    assert again == ("AIDN-2026-000001", False, record)  # a retry: the same call
    assert store.events("CA1") == [{"text": "one"}]
    assert redis_client.ttl(keys.call_events("CA1")) > 89 * keys.DAY


def test_start_without_an_event_pushes_none(store, redis_client):
    now = pendulum.datetime(2026, 11, 24, 22, 0, tz="Europe/Oslo")
    ref, blocked, record = store.start("CA2", "itsl", now, None, "+46313900601")
    assert (ref, blocked) == ("ITSL-2026-000001", False)
    assert record["caller"] == "" and record["to"] == "+46313900601"
    assert store.events("CA2") == []
    assert not redis_client.exists(keys.call_events("CA2"))


# -- load: the newest open incident, as IncidentStore.newest_open finds it ----------------------


def _open(app, redis_client, vendor: str, severity: str, at, reference: str) -> str:
    svc = app.extensions["oncall"]
    policy = load_vendor(svc.settings.config_dir, vendor)
    incident_id, attached = open_incident(
        redis_client, svc.settings, policy, severity, at, reference=reference, desk="closed"
    )
    assert not attached
    return incident_id


def _newest(store: CallStore, redis_client, vendor: str, since: float):
    """(CallStore.load's answer, IncidentStore.newest_open's answer)."""
    record, accepted, counts, known, taken = store.load("CA-none", None, None, (vendor, since))
    assert (record, accepted, counts, taken) == ({}, False, (0, 0), None)
    return known, IncidentStore(redis_client).newest_open(vendor, since)


def test_load_finds_no_incident_when_there_is_none(store, redis_client):
    assert _newest(store, redis_client, "aidn", NIGHT.timestamp() - 1800) == (None, None)


def test_load_finds_the_open_incident_like_newest_open(app, store, redis_client):
    incident = _open(app, redis_client, "aidn", "b", NIGHT, "AIDN-2026-000007")
    t = NIGHT.timestamp()
    expected = ("AIDN-2026-000007", 2)
    assert _newest(store, redis_client, "aidn", t - 1800) == (expected, expected)
    assert _newest(store, redis_client, "aidn", t) == (expected, expected)  # since is inclusive
    assert _newest(store, redis_client, "aidn", t + 0.5) == (None, None)  # older than since
    assert _newest(store, redis_client, "itsl", t - 1800) == (None, None)  # another vendor's
    assert incident == "AIDN-2026-000007"


def test_load_ignores_a_resolved_incident_like_newest_open(app, store, redis_client):
    incident = _open(app, redis_client, "aidn", "a", NIGHT, "AIDN-2026-000001")
    incidents = IncidentStore(redis_client)
    inc = incidents.load(incident)
    assert incidents.set_state(inc, "acknowledged", "+4740000102", NIGHT.timestamp() + 60)
    since = NIGHT.timestamp() - 1800
    expected = ("AIDN-2026-000001", 1)
    assert _newest(store, redis_client, "aidn", since) == (expected, expected)  # still open
    assert incidents.set_state(inc, "resolved", "+4740000102", NIGHT.timestamp() + 120)
    assert _newest(store, redis_client, "aidn", since) == (None, None)


def test_load_skips_a_resolved_incident_still_in_the_index(app, store, redis_client):
    older = _open(app, redis_client, "aidn", "c", NIGHT, "AIDN-2026-000001")
    newer = _open(app, redis_client, "aidn", "a", NIGHT.add(minutes=5), "AIDN-2026-000002")
    since = NIGHT.timestamp() - 1800
    assert _newest(store, redis_client, "aidn", since) == ((newer, 1), (newer, 1))
    redis_client.hset(keys.incident(newer), "state", "resolved")  # index entry left behind
    assert _newest(store, redis_client, "aidn", since) == ((older, 3), (older, 3))
    # the older one had its last call before `since`: nothing
    assert _newest(store, redis_client, "aidn", NIGHT.timestamp() + 1) == (None, None)


def test_load_without_open_for_does_not_look(app, store, redis_client):
    _open(app, redis_client, "aidn", "a", NIGHT, "AIDN-2026-000001")
    assert store.load("CA-none", None)[3] is None


def test_load_returns_record_screening_and_sms_counts_in_the_same_answer(store, redis_client):
    now = pendulum.datetime(2026, 11, 25, 0, 30, tz="Europe/Oslo")  # 23:30 UTC the day before
    store.start("CA3", "aidn", now, MOBILE_NO, "+4721000011")
    redis_client.set(keys.screen("CA3", "2"), 1)
    redis_client.set(keys.caller_sms(MOBILE_NO, "20261125"), 2)
    redis_client.set(keys.caller_sms(MOBILE_NO, "20261124"), 9)  # the UTC day: not read
    redis_client.set(keys.sms_hour("2026112500"), 17)
    record, accepted, counts, known, taken = store.load("CA3", "2", (MOBILE_NO, now))
    assert record["reference"] == "AIDN-2026-000001" and record["vendor"] == "aidn"
    assert (accepted, counts, known, taken) == (True, (2, 17), None, None)
    assert store.load("CA3", "1", (MOBILE_SE, now))[1:3] == (False, (0, 17))
    assert store.load("CA3", None)[1:3] == (False, (0, 0))


# -- load through the webhooks: call storms -----------------------------------------------------


def test_a_second_caller_during_an_open_incident_hears_it_is_known(at, clock, app, redis_client):
    at(weekday_night(AIDN))
    first, _, first_record = run_call(app, AIDN, "1", legs=["1"])
    assert first_record["incident"] == "AIDN-2026-000001"
    clock.advance(minutes=5)
    sim, transcript, record = run_call(app, AIDN, "1", caller=MOBILE_SE)

    assert transcript.dialled == []
    assert record["outcome"] == "known fault"
    assert record["incident"] == "AIDN-2026-000001"  # attached, not a second page
    menu = [s for s in transcript.steps if s["path"].startswith("/twilio/voice/menu")][0]
    assert "Feilen er allerede kjent" in menu["twiml"]
    assert pages(redis_client, first.sid)[0] == 1


def test_a_more_severe_call_is_not_told_a_less_severe_fault_is_known(at, clock, app):
    at(weekday_night(AIDN))
    _, _, first = run_call(app, AIDN, "2", legs=["1"])
    assert first["route"] == "oncall"
    clock.advance(minutes=5)
    _, transcript, record = run_call(app, AIDN, "1", caller=MOBILE_SE, legs=["1"])
    assert record["outcome"] == "connected oncall"
    assert transcript.dialled  # rung, not told "known"


@pytest.mark.parametrize("how", ["window-passed", "resolved", "other-vendor"])
def test_a_call_is_not_told_known_without_an_open_incident_of_its_vendor(
    how, at, clock, app, redis_client
):
    at(weekday_night(ITSL if how == "other-vendor" else AIDN))
    _, _, first = run_call(app, ITSL if how == "other-vendor" else AIDN, "1", legs=["1"])
    if how == "window-passed":
        clock.advance(minutes=31)  # the storm window is 30 minutes
    elif how == "resolved":
        incidents = IncidentStore(redis_client)
        inc = incidents.load(first["incident"])
        assert incidents.set_state(inc, "resolved", "+4740000102", NIGHT.timestamp() + 60)
        clock.advance(minutes=5)
    else:
        at(weekday_night(AIDN))
    _, transcript, record = run_call(app, AIDN, "1", caller=MOBILE_SE, legs=["1"])
    assert record["outcome"] == "connected oncall"
    assert "Feilen er allerede kjent" not in transcript.steps[1]["twiml"]


def test_a_replayed_menu_press_is_not_told_its_own_incident_is_known(at, signed_post):
    at(weekday_night(AIDN))
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN)))
    press = params(sid, AIDN, Digits="1")
    first = xml(signed_post("/twilio/voice/menu?attempt=1", press))
    again = xml(signed_post("/twilio/voice/menu?attempt=1", press))
    assert first.find("Dial") is not None and again.find("Dial") is not None
    assert "kjent" not in spoken(again)


# -- save: the follow-up SMS is counted once per call -------------------------------------------

OSLO_NOW = pendulum.datetime(2026, 11, 25, 0, 30, tz="Europe/Oslo")  # 23:30 UTC the day before
ALLOWED = {"at": "t", "step": "menu", "text": "follow-up SMS allowed by the caps"}
REFUSED = {"at": "t", "step": "menu", "text": "no follow-up SMS: rate limit reached"}
DAY_KEY = keys.caller_sms(MOBILE_NO, "20261125")  # the caller's local day
HOUR_KEY = keys.sms_hour("2026112500")  # the local hour


def hourly_cap(monkeypatch, app, per_hour: int) -> None:
    """The app's follow-up SMS cap for all callers per hour (a setting) set to `per_hour`."""
    svc = app.extensions["oncall"]
    monkeypatch.setattr(svc, "settings", replace(svc.settings, sms_per_hour=per_hour))


def allowance(caller=MOBILE_NO, per_caller=3, per_hour=200) -> SmsAllowance:
    return SmsAllowance(caller, OSLO_NOW, per_caller, per_hour, ALLOWED, REFUSED)


def _counts(redis_client) -> tuple[int, int]:
    return int(redis_client.get(DAY_KEY) or 0), int(redis_client.get(HOUR_KEY) or 0)


def test_save_counts_the_sms_once_per_call(store, redis_client):
    assert store.save("CA1", {}, [], sms=allowance()) is True
    assert store.save("CA1", {}, [], sms=allowance()) is True
    assert _counts(redis_client) == (1, 1)
    assert store.events("CA1") == [ALLOWED]
    assert store.load("CA1", None, (MOBILE_NO, OSLO_NOW))[2] == (1, 1)
    assert 0 < redis_client.ttl(DAY_KEY) <= 2 * keys.DAY
    assert 0 < redis_client.ttl(HOUR_KEY) <= 2 * 3600


def test_save_counts_each_call_once(store, redis_client):
    for sid in ("CA1", "CA2", "CA1", "CA3", "CA2"):
        assert store.save(sid, {}, [], sms=allowance()) is True
    assert _counts(redis_client) == (3, 3)
    assert [store.events(s) for s in ("CA1", "CA2", "CA3")] == [[ALLOWED]] * 3
    assert store.save("CA4", {}, [], sms=allowance()) is False  # the caller's 4th today
    assert store.events("CA4") == [REFUSED]


@pytest.mark.parametrize("cap", ["caller", "hour"])
def test_save_over_a_cap_refuses_once_and_keeps_refusing(cap, store, redis_client):
    redis_client.set(DAY_KEY if cap == "caller" else HOUR_KEY, 3 if cap == "caller" else 200)
    before = _counts(redis_client)
    assert store.save("CA9", {}, [], sms=allowance()) is False
    assert store.save("CA9", {}, [], sms=allowance()) is False
    assert _counts(redis_client) == (before[0] + 1, before[1] + 1)  # counted once
    assert store.events("CA9") == [REFUSED]


def test_save_over_a_cap_is_still_false_when_the_counters_expired(store, redis_client):
    redis_client.set(HOUR_KEY, 200)
    assert store.save("CA9", {}, [], sms=allowance()) is False
    redis_client.delete(HOUR_KEY, DAY_KEY)
    assert store.save("CA9", {}, [], sms=allowance()) is False  # the call's answer is kept
    assert _counts(redis_client) == (0, 0)


def test_save_writes_fields_and_events_with_the_sms_note_last(store, redis_client):
    events = [(None, {"text": "pressed 3"}), ("route", {"text": "route"})]
    for _ in range(2):
        assert store.save("CA1", {"severity": "c"}, events, ["1"], allowance()) is True
    assert store.record("CA1") == {"severity": "c"}
    assert store.events("CA1") == [
        {"text": "pressed 3"},
        {"text": "route"},
        ALLOWED,
        {"text": "pressed 3"},  # no once-key: appended again
    ]
    assert redis_client.exists(keys.screen("CA1", "1"))
    assert _counts(redis_client) == (1, 1)


def test_save_without_sms_counts_nothing(store, redis_client):
    assert store.save("CA1", {"outcome": "voicemail"}, [(None, {"text": "x"})]) is False
    assert _counts(redis_client) == (0, 0)
    assert not redis_client.exists(keys.once("CA1", "sms-allowance"))


# -- the caps through the webhooks ---------------------------------------------------------------


def _sms_job_ids(redis_client) -> list[str]:
    return Queue(SMS, connection=redis_client).get_job_ids()


def _written_call(signed_post, caller: str) -> tuple[str, object]:
    """A C fault at day: the written route, which promises the follow-up SMS."""
    sid = new_sid()
    xml(signed_post("/twilio/voice/incoming", params(sid, AIDN, caller=caller)))
    menu = signed_post("/twilio/voice/menu?attempt=1", params(sid, AIDN, caller=caller, Digits="3"))
    return sid, menu


def test_the_hourly_cap_reached_drops_the_promise_and_the_job(
    at, monkeypatch, app, signed_post, store, redis_client
):
    hourly_cap(monkeypatch, app, 2)
    at(weekday_day(AIDN))
    sent = []
    for caller in CALLERS[:2]:
        sid, menu = _written_call(signed_post, caller)
        assert "Du får en SMS" in spoken(xml(menu))
        sent.append(sid)
    sid, menu = _written_call(signed_post, CALLERS[2])

    root = xml(menu)
    assert root.find("Hangup") is not None
    assert "SMS" not in spoken(root)
    assert sorted(_sms_job_ids(redis_client)) == sorted(f"sms-{s}" for s in sent)
    assert Queue(SMS, connection=redis_client).fetch_job(f"sms-{sid}") is None
    assert "follow-up SMS allowed by the caps" not in texts(store, sid)
    assert "no follow-up SMS for this caller id" in texts(store, sid)
    # a replay of the refused press still enqueues nothing
    again = signed_post(
        "/twilio/voice/menu?attempt=1", params(sid, AIDN, caller=CALLERS[2], Digits="3")
    )
    assert "SMS" not in spoken(xml(again))
    assert len(_sms_job_ids(redis_client)) == 2


def test_a_replayed_menu_press_enqueues_and_counts_the_sms_once(
    at, signed_post, store, redis_client
):
    at(weekday_day(AIDN))
    sid, first = _written_call(signed_post, CALLERS[0])
    press = params(sid, AIDN, caller=CALLERS[0], Digits="3")
    for _ in range(3):
        again = signed_post("/twilio/voice/menu?attempt=1", press)
        assert again.data == first.data
    assert _sms_job_ids(redis_client) == [f"sms-{sid}"]
    now = weekday_day(AIDN)
    assert store.load(sid, None, (CALLERS[0], now))[2] == (1, 1)
    assert texts(store, sid).count("follow-up SMS allowed by the caps") == 1


def test_a_replayed_menu_press_that_took_the_last_sms_slot_answers_the_same(
    at, monkeypatch, app, signed_post, redis_client
):
    hourly_cap(monkeypatch, app, 1)
    at(weekday_day(AIDN))
    sid, first = _written_call(signed_post, CALLERS[0])
    assert "Du får en SMS" in spoken(xml(first))
    again = signed_post(
        "/twilio/voice/menu?attempt=1", params(sid, AIDN, caller=CALLERS[0], Digits="3")
    )
    assert _sms_job_ids(redis_client) == [f"sms-{sid}"]  # holds: sent once
    assert again.data == first.data


# -- the cap is logged once at WARNING -----------------------------------------------------------


def _cap_records(caplog) -> list[tuple[int, str]]:
    return [
        (r.levelno, r.getMessage())
        for r in caplog.records
        if r.name == "oncall.web.callflow" and "cap reached" in r.getMessage()
    ]


def test_log_cap_warns_once_per_cap_and_period_then_debugs(app, caplog):
    svc = app.extensions["oncall"]
    caplog.set_level(logging.DEBUG, logger="oncall.web.callflow")
    ten = pendulum.datetime(2026, 11, 24, 10, 5, tz="Europe/Oslo")
    eleven = ten.add(hours=1)
    tomorrow = ten.add(days=1)
    for counts, now in [
        ((3, 0), ten),  # the caller's daily cap: warned
        ((4, 0), eleven),  # the same caller, same local day: debug
        ((0, 200), ten),  # the hourly cap: warned
        ((1, 201), ten),  # the same hour: debug
        ((1, 230), eleven),  # the next hour: warned again
        ((3, 0), tomorrow),  # the caller's next day: warned again
    ]:
        callflow._log_cap(svc, "+4790000125", "CAfeed", counts, now)
    daily, hourly = "daily (this caller)", "hourly (all callers)"
    expected = [
        (logging.WARNING, daily),
        (logging.DEBUG, daily),
        (logging.WARNING, hourly),
        (logging.DEBUG, hourly),
        (logging.WARNING, hourly),
        (logging.WARNING, daily),
    ]
    assert _cap_records(caplog) == [
        (level, f"follow-up SMS {cap} cap reached for +*******125 (call CAfeed)")
        for level, cap in expected
    ]


def test_log_cap_at_debug_is_not_formatted_when_debug_is_off(app, caplog):
    svc = app.extensions["oncall"]
    caplog.set_level(logging.INFO, logger="oncall.web.callflow")
    now = pendulum.datetime(2026, 11, 24, 10, 5, tz="Europe/Oslo")
    callflow._log_cap(svc, "+4790000125", "CAfeed", (3, 0), now)
    callflow._log_cap(svc, "+4790000125", "CAfeed", (4, 0), now)
    assert [level for level, _ in _cap_records(caplog)] == [logging.WARNING]


def test_the_first_call_refused_by_the_hourly_cap_logs_a_masked_warning(
    at, monkeypatch, app, caplog, signed_post
):
    hourly_cap(monkeypatch, app, 2)
    caplog.set_level(logging.DEBUG, logger="oncall.web.callflow")
    at(weekday_day(AIDN))
    for caller in CALLERS[:2]:
        _written_call(signed_post, caller)
    assert _cap_records(caplog) == []
    sid, _ = _written_call(signed_post, CALLERS[2])

    records = _cap_records(caplog)
    assert records == [
        (
            logging.WARNING,
            f"follow-up SMS hourly (all callers) cap reached for +*******123 (call {sid})",
        )
    ]
    assert CALLERS[2] not in records[0][1] and CALLERS[2][3:] not in records[0][1]


@pytest.mark.parametrize("cap", ["hourly", "daily"])
def test_later_calls_refused_by_the_cap_log_at_debug_only(
    cap, at, clock, monkeypatch, app, caplog, signed_post
):
    caplog.set_level(logging.DEBUG, logger="oncall.web.callflow")
    at(weekday_day(AIDN))
    if cap == "hourly":
        hourly_cap(monkeypatch, app, 2)
        callers = CALLERS  # 2 sent, 3 refused
    else:
        callers = [CALLERS[0]] * 6  # 3 sent, 3 refused
    for caller in callers:
        _written_call(signed_post, caller)
        clock.advance(minutes=2)  # well clear of the call-rate limit, same hour
    levels = [level for level, _ in _cap_records(caplog)]
    assert levels == [logging.WARNING, logging.DEBUG, logging.DEBUG]


# -- every TwiML document the app produces renders like str() ------------------------------------


def test_every_document_of_real_calls_renders_like_str(at, clock, app, monkeypatch, signed_post):
    rendered: list[tuple[object, str]] = []
    original = webhooks.render

    def spy(response):
        text = original(response)
        rendered.append((response, text))
        return text

    monkeypatch.setattr(webhooks, "render", spy)
    at(weekday_day(AIDN))
    run_call(app, AIDN, "1", legs=["no-answer", "9", "voicemail", "no-answer"])
    run_call(app, AIDN, "3")
    run_call(app, AMIDO, "1", legs=["no-answer"], caller=MOBILE_SE)
    at(weekday_night(ITSL))
    ScriptedCall(app, to=ITSL.inbound, presses="x1", legs=["1"]).run()
    signed_post("/twilio/voice/incoming", params(new_sid(), AIDN, To="+4799999999"))
    signed_post("/twilio/voice/fallback", params(new_sid(), AIDN))

    objects = [(r, t) for r, t in rendered if not isinstance(r, str)]
    for response, text in objects:
        assert text == str(response)
    tags = {el for r, _ in objects for el in ("Dial", "Number", "Gather", "Record", "Say")
            if f"<{el}" in str(r)}  # fmt: skip
    assert tags == {"Dial", "Number", "Gather", "Record", "Say"}
    assert any("å" in t or "ä" in t or "ø" in t for _, t in objects)
    assert len(objects) >= 15
    strings = [(r, t) for r, t in rendered if isinstance(r, str)]
    assert strings and all(t is r for r, t in strings)  # the cached greetings, unchanged


# -- signatures through the webhook --------------------------------------------------------------


@pytest.mark.parametrize(
    "signed_url, status",
    [
        ("https://oncall.example.com/twilio/voice/incoming", 200),
        ("https://oncall.example.com:443/twilio/voice/incoming", 200),  # twilio's fallback rule
        ("https://oncall.example.com:8443/twilio/voice/incoming", 403),
        ("http://oncall.example.com:80/twilio/voice/incoming", 403),
    ],
)
def test_the_webhook_accepts_twilios_url_with_or_without_the_default_port(
    signed_url, status, at, client, settings, store
):
    at(weekday_night(AIDN))
    sid = new_sid()
    form = params(sid, AIDN)
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(signed_url, form)
    response = client.post(
        "/twilio/voice/incoming", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == status
    if status == 200:
        assert xml(response).find("Gather") is not None
        assert store.record(sid)["reference"] == "AIDN-2026-000001"
    else:
        assert store.record(sid) == {}


def test_a_replayed_press_from_a_landline_notes_the_missing_sms_once(at, signed_post, store):
    landline = "+4722000123"  # Oslo landline: no follow-up SMS
    at(weekday_day(AIDN))
    sid, first = _written_call(signed_post, landline)
    again = signed_post(
        "/twilio/voice/menu?attempt=1", params(sid, AIDN, caller=landline, Digits="3")
    )
    assert again.data == first.data
    notes = [e["text"] for e in store.events(sid)]
    assert notes.count("no follow-up SMS for this caller id") == 1


def test_a_call_whose_number_left_the_config_still_hears_its_fault_is_known(
    at, clock, app, signed_post
):
    """The call's vendor decides the call-storm lookup, not the number in this webhook's
    `To` (a number removed from the config while the call is in the menu)."""
    at(weekday_night(AIDN))
    run_call(app, AIDN, "1", legs=["1"])  # opens and pages AIDN-2026-000001
    clock.advance(minutes=5)
    sid = new_sid()
    signed_post("/twilio/voice/incoming", params(sid, AIDN, caller=MOBILE_SE))
    press = params(sid, AIDN, caller=MOBILE_SE, Digits="1", To="+4799999999")
    menu = xml(signed_post("/twilio/voice/menu?attempt=1", press))
    assert "Feilen er allerede kjent" in spoken(menu)
    assert "<Dial" not in menu
