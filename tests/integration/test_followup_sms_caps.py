"""The follow-up SMS caps: at most three per caller per local day and a cap for all callers per
hour; a replayed press counts once; a reached cap drops the promise and the job and is logged
once at WARNING (masked). Signed webhooks, real Redis.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pendulum
import pytest
from rq import Queue

from oncall.services.jobs import SMS
from oncall.web import callflow
from tests.helpers.calls import (
    AIDN,
    CALLERS,
    MOBILE_SE,
    local,
    new_sid,
    params,
    queued,
    run_call,
    spoken,
    texts,
    weekday_day,
    xml,
)


def test_at_most_three_follow_up_sms_per_caller_per_day(at, app, redis_client, clock):
    at(local(AIDN, 2026, 11, 24, 9, 0))
    for _ in range(4):
        run_call(app, AIDN, "3")
        clock.advance(hours=2)  # well clear of the call-rate limit
    assert len(queued(redis_client, SMS)) == 3
    run_call(app, AIDN, "3", caller=MOBILE_SE)  # another caller is not affected
    assert len(queued(redis_client, SMS)) == 4
    at(local(AIDN, 2026, 11, 25, 9, 0))  # the next day
    run_call(app, AIDN, "3")
    assert len(queued(redis_client, SMS)) == 5


def test_the_daily_sms_cap_follows_the_local_day(at, app, redis_client, clock):
    at(local(AIDN, 2026, 11, 25, 0, 10))  # 23:10 UTC on the 24th
    for _ in range(3):
        run_call(app, AIDN, "3")
        clock.advance(minutes=15)
    at(local(AIDN, 2026, 11, 25, 10, 0))  # same Oslo day
    run_call(app, AIDN, "3")
    assert len(queued(redis_client, SMS)) == 3


# -- the caps through the webhooks ----------------------------------------------------------------


def hourly_cap(monkeypatch, app, per_hour: int) -> None:
    """The app's follow-up SMS cap for all callers per hour (a setting) set to `per_hour`."""
    svc = app.extensions["oncall"]
    monkeypatch.setattr(svc, "settings", replace(svc.settings, sms_per_hour=per_hour))


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
    assert store.load(sid, None, (CALLERS[0], now)).sms_counts == (1, 1)
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


# -- the cap is logged once at WARNING ------------------------------------------------------------


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
