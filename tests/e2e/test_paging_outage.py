"""Pages never lost, never early (issue 9, items 1-3), end to end: real Redis, a real
`python -m workers.run`, the real twilio client and the fake Twilio, which can go offline
(its port refuses connections, as an unreachable Twilio API does). Time is never mocked;
policy minutes are shortened by configuration, and the page retry cap by
ONCALL_PAGE_RETRY_CAP_SECONDS so that a page goes out within seconds of Twilio's return.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pendulum
import pytest
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from oncall.services.incidents import open_incident
from oncall.services.pages import LATE_AFTER
from oncall.services.vendors import load_vendor
from oncall.store import keys
from oncall.store.incidents import IncidentStore
from tests.helpers.paging import TOLERANCE, Arrivals, attempt, open_aidn_a, phones, timeline
from tests.helpers.stack import MINUTE, closed_desk_config, running_stack, wait_for

CAP = 4  # seconds: the page retry cap in these tests (60 in production)
OLD_BUDGET = 2 * 1.3 + 4 * 1.3 + 8 * 1.3 + 16 * 1.3  # the four RQ retries' longest spread


@contextmanager
def stack_with(redis_client, tmp_path, minute: float = MINUTE):
    config_dir = closed_desk_config(tmp_path / "vendors")
    env = {"ONCALL_PAGE_RETRY_CAP_SECONDS": str(CAP)}
    with running_stack(
        redis_client, config_dir=config_dir, minute=minute, graceful=False, worker_env=env
    ) as stack:
        stack.wait_ready()
        yield stack


def with_token(stack, number: str, token: str) -> list[dict]:
    return [m for m in stack.sms_to(number) if token in m["body"]]


def failed_jobs(stack) -> list[str]:
    return FailedJobRegistry("pages", connection=stack.redis).get_job_ids()


# -- 1. Twilio unreachable for longer than the old retry budget ----------------------------


def test_a_page_survives_a_twilio_outage_and_goes_out_once_saying_how_late(redis_client, tmp_path):
    with stack_with(redis_client, tmp_path) as stack:
        stack.fake.go_offline()
        inc, opened = open_aidn_a(stack, "AIDN-2026-990101")
        primary, secondary, drift = phones(inc)
        outage = max(LATE_AFTER, OLD_BUDGET) + 5
        # while it lasts: the page keeps being retried (more tries than the old budget), the
        # attempt says when the next try is, and nothing lands in RQ's failed registry
        wait_for(
            lambda: int(attempt(stack, inc.id, 0, primary).get("tries", 0)) >= 6,
            timeout=outage,
            every=0.5,
            what="six tries of the page during the outage",
        )
        record = attempt(stack, inc.id, 0, primary)
        assert record["state"] == "unknown", record  # a refused connection is retried
        assert float(record["next_try_at"]) > opened
        assert stack.redis.zscore(keys.unsent_pages(), f"page:{inc.id}:0:0") is not None
        time.sleep(max(0.0, opened + outage - time.time()))
        assert failed_jobs(stack) == []
        assert stack.fake.messages == [] and stack.fake.calls == []
        stack.fake.go_online()

        # each step's page goes out exactly once (reconciled first), within a retry cap
        for step, number in enumerate((primary, secondary, drift)):
            wait_for(
                lambda s=step, n=number: with_token(stack, n, f"{inc.id}/{s}"),
                timeout=CAP + 15,
                what=f"step {step}'s page after the outage",
            )
        # the engineer was also called (after four failed tries) once Twilio was back
        wait_for(lambda: [c for c in stack.fake.calls if c["to"] == primary], what="the call")
        events = wait_for(
            lambda: [e for e in timeline(stack, inc.id) if e.startswith("page sent ")],
            what="the lateness event",
        )
        assert any(" min late (Twilio unreachable since " in e for e in events), events
        primary_name = inc.plan.step_at(0).targets[0].name

        def late_notices():  # the lead's SMS about the primary's page (not a page itself)
            return [
                m
                for m in stack.sms_to(drift)
                if f": page to {primary_name} went out" in m["body"] and " late" in m["body"]
            ]

        wait_for(late_notices, what="the lead's lateness SMS")
        time.sleep(CAP + 2)  # any duplicate would have come by now
        assert len(late_notices()) == 1
        for step, number in enumerate((primary, secondary, drift)):
            assert len(with_token(stack, number, f"{inc.id}/{step}")) == 1, step
        assert len([c for c in stack.fake.calls if c["to"] == primary]) == 1
        assert attempt(stack, inc.id, 0, primary)["state"] == "sent"
        assert stack.redis.zcard(keys.unsent_pages()) == 0
        assert failed_jobs(stack) == []


# -- 1. the page's job is removed during the outage: the sweep delivers it ------------------


def test_the_sweep_delivers_a_page_whose_job_was_removed_during_an_outage(redis_client, tmp_path):
    # minute = 3 s: step 1 (+10 min = 30 s) stays out of the way
    with stack_with(redis_client, tmp_path, minute=3.0) as stack:
        stack.fake.go_offline()
        inc, _ = open_aidn_a(stack, "AIDN-2026-990201")
        primary = phones(inc)[0]
        wait_for(
            lambda: int(attempt(stack, inc.id, 0, primary).get("tries", 0)) >= 1,
            timeout=20,
            what="a failed try",
        )
        registry = ScheduledJobRegistry("pages", connection=stack.redis)
        prefix = f"page-{inc.id.replace('-', '_')}-0-0"

        def scheduled_retry():
            return [j for j in registry.get_job_ids() if j.startswith(prefix)]

        for jid in wait_for(scheduled_retry, timeout=10, what="the retry's timer"):
            registry.remove(jid, delete_job=True)  # the job is gone, as with a lost scheduler
        assert scheduled_retry() == []
        time.sleep(3)
        stack.fake.go_online()
        page = wait_for(
            lambda: with_token(stack, primary, f"{inc.id}/0"),
            timeout=30,
            every=0.2,
            what="the page, re-sent by the sweep",
        )
        assert "sweep took over 1 unsent page(s)" in stack.log_text()
        time.sleep(CAP + 1)
        assert len(with_token(stack, primary, f"{inc.id}/0")) == 1
        assert attempt(stack, inc.id, 0, primary)["sid"] == page[0]["sid"]
        assert failed_jobs(stack) == []


# -- 2. respond: immediately never pages early; a missed respond_by is recorded once ---------


def test_a_respond_by_before_the_next_step_records_and_tells_the_lead_but_pages_nobody(
    redis_client, tmp_path
):
    minute = 3.0  # the secondary is due 30 s after opening
    with stack_with(redis_client, tmp_path, minute=minute) as stack:
        arrivals = Arrivals(stack.fake)
        try:
            inc, opened = open_aidn_a(stack, "AIDN-2026-990301")
            primary, secondary, drift = phones(inc)
            # 'immediately' on aidn A's night plan: acknowledged before the secondary is due
            # (10 real minutes: the shortened escalation minute shortens only the plan)
            assert inc.respond_by == pytest.approx(opened + 10 * 60, abs=1)
            # a deadline that falls before the plan's next step (as 'immediately' did, or a
            # short 'N minutes'): the worker's own sweep sees it pass a second from now
            store = IncidentStore(stack.redis)
            store.set_fields(inc.id, respond_by=time.time() + 1)
            wait_for(lambda: with_token(stack, primary, f"{inc.id}/0"), what="the page")

            def deadline_notices():
                return [m for m in stack.sms_to(drift) if "response deadline" in m["body"]]

            notice = wait_for(deadline_notices, timeout=20, what="the lead's notice")[0]
            assert inc.id in notice["body"]
            assert "missed_respond_by" in store.load(inc.id).extra
            assert with_token(stack, secondary, f"{inc.id}/1") == []
            # the secondary is paged by the plan's timer, 10 policy minutes after opening
            page1 = wait_for(
                lambda: with_token(stack, secondary, f"{inc.id}/1"),
                timeout=10 * minute + 10,
                what="step 1",
            )[0]
            assert arrivals.at(page1) - opened >= 10 * minute - TOLERANCE
            events = timeline(stack, inc.id)
            assert events.count("respond_by passed without acknowledgement") == 1
            assert not [e for e in events if e.startswith("escalated now")], events
            assert len(deadline_notices()) == 1  # told once, over several sweeps
            assert len(with_token(stack, secondary, f"{inc.id}/1")) == 1
        finally:
            arrivals.stop()


# -- 3. an incident opened in the past: the current step now, the rest with full delays ----


def test_an_incident_opened_an_hour_ago_pages_only_the_current_step_now(redis_client, tmp_path):
    minute = 0.5  # a 10-minute step is 5 s
    with stack_with(redis_client, tmp_path, minute=minute) as stack:
        arrivals = Arrivals(stack.fake)
        try:
            policy = load_vendor(stack.settings.config_dir, "aidn")
            past = pendulum.now("UTC").subtract(hours=1)  # every step is long overdue
            incident_id, _ = open_incident(
                stack.redis,
                stack.settings,
                policy,
                "a",
                past,
                clock=stack.clock,
                reference="AIDN-2026-990401",
                caller="+4790000123",
                desk="closed",
            )
            started = time.time()
            inc = IncidentStore(stack.redis).load(incident_id)
            primary, secondary, drift = phones(inc)

            def nobody_acked():
                return [m for m in stack.sms_to(drift) if "nobody acknowledged" in m["body"]]

            notice = wait_for(nobody_acked, timeout=40, what="the lead's 'exhausted' notice")[0]
            got = [
                with_token(stack, n, f"{incident_id}/{s}")
                for s, n in enumerate((primary, secondary, drift))
            ]
            assert [len(g) for g in got] == [1, 1, 1]
            t0, t1, t2, tl = (arrivals.at(m) - started for m in (*(g[0] for g in got), notice))
            assert t0 < 10 * minute - TOLERANCE, t0  # the current step: at once
            assert t1 - t0 >= 10 * minute - TOLERANCE, (t0, t1)  # then full delays
            assert t2 - t1 >= 10 * minute - TOLERANCE, (t1, t2)
            assert tl - t2 >= 5 * minute - TOLERANCE, (t2, tl)
        finally:
            arrivals.stop()
