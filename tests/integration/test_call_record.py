"""What a call records in Redis (CallStore): the call, its reference and its first event once,
the vendor's newest open incident as IncidentStore.newest_open finds it, the follow-up SMS
counted once per call. Signed webhooks, real Redis.
"""

from __future__ import annotations

import pendulum
import pytest

from oncall.services.incidents import open_incident
from oncall.services.vendors import load_vendor
from oncall.store import keys
from oncall.store.calls import CallStore, SmsAllowance
from oncall.store.incidents import IncidentStore
from tests.helpers.calls import (
    AIDN,
    AMIDO,
    MOBILE_NO,
    MOBILE_SE,
    NIGHT,
    new_sid,
    params,
    texts,
    weekday_day,
    weekday_night,
    xml,
)

# -- start: the first webhook records the call in one script --------------------------------------


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


# -- load: the newest open incident, as IncidentStore.newest_open finds it ------------------------


def _open(app, redis_client, vendor: str, severity: str, at, reference: str) -> str:
    svc = app.extensions["oncall"]
    policy = load_vendor(svc.settings.config_dir, vendor)
    incident_id, attached = open_incident(
        redis_client,
        svc.settings,
        policy,
        severity,
        at,
        clock=svc.clock,
        reference=reference,
        desk="closed",
    )
    assert not attached
    return incident_id


def _newest(store: CallStore, redis_client, vendor: str, since: float):
    """(CallStore.load's answer, IncidentStore.newest_open's answer)."""
    state = store.load("CA-none", None, None, (vendor, since))
    assert (state.record, state.accepted, state.sms_counts, state.sms_taken) == (
        {},
        False,
        (0, 0),
        None,
    )
    return state.newest_open, IncidentStore(redis_client).newest_open(vendor, since)


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
    assert store.load("CA-none", None).newest_open is None


def test_load_returns_record_screening_and_sms_counts_in_the_same_answer(store, redis_client):
    now = pendulum.datetime(2026, 11, 25, 0, 30, tz="Europe/Oslo")  # 23:30 UTC the day before
    store.start("CA3", "aidn", now, MOBILE_NO, "+4721000011")
    redis_client.set(keys.screen("CA3", "2"), 1)
    redis_client.set(keys.caller_sms(MOBILE_NO, "20261125"), 2)
    redis_client.set(keys.caller_sms(MOBILE_NO, "20261124"), 9)  # the UTC day: not read
    redis_client.set(keys.sms_hour("2026112500"), 17)
    state = store.load("CA3", "2", (MOBILE_NO, now))
    record, accepted, counts = state.record, state.accepted, state.sms_counts
    known, taken = state.newest_open, state.sms_taken
    assert record["reference"] == "AIDN-2026-000001" and record["vendor"] == "aidn"
    assert (accepted, counts, known, taken) == (True, (2, 17), None, None)
    other = store.load("CA3", "1", (MOBILE_SE, now))
    assert (other.accepted, other.sms_counts) == (False, (0, 17))
    other = store.load("CA3", None)
    assert (other.accepted, other.sms_counts) == (False, (0, 0))


# -- save: the follow-up SMS is counted once per call ---------------------------------------------


OSLO_NOW = pendulum.datetime(2026, 11, 25, 0, 30, tz="Europe/Oslo")  # 23:30 UTC the day before


ALLOWED = {"at": "t", "step": "menu", "text": "follow-up SMS allowed by the caps"}


REFUSED = {"at": "t", "step": "menu", "text": "no follow-up SMS: rate limit reached"}


DAY_KEY = keys.caller_sms(MOBILE_NO, "20261125")  # the caller's local day


HOUR_KEY = keys.sms_hour("2026112500")  # the local hour


def allowance(caller=MOBILE_NO, per_caller=3, per_hour=200) -> SmsAllowance:
    return SmsAllowance(caller, OSLO_NOW, per_caller, per_hour, ALLOWED, REFUSED)


def _counts(redis_client) -> tuple[int, int]:
    return int(redis_client.get(DAY_KEY) or 0), int(redis_client.get(HOUR_KEY) or 0)


def test_save_counts_the_sms_once_per_call(store, redis_client):
    assert store.save("CA1", {}, [], sms=allowance()) is True
    assert store.save("CA1", {}, [], sms=allowance()) is True
    assert _counts(redis_client) == (1, 1)
    assert store.events("CA1") == [ALLOWED]
    assert store.load("CA1", None, (MOBILE_NO, OSLO_NOW)).sms_counts == (1, 1)
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
