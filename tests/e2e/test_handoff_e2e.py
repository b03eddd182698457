"""Shift handoffs end to end: a real worker process finds a duty shift's start (an override:
overrides count as shifts), sends its SMS once through the real twilio client to the fake
Twilio, a reply of 1 through the fake's inbound SMS confirms, an unconfirmed one tells the
lead once, and a worker restart sends nothing twice. Only configuration is made for the
test (an override starting around now); time is never mocked.
"""

from __future__ import annotations

import time
from pathlib import Path

import pendulum

from oncall.services.vendors import load_vendor
from oncall.store.handoffs import Handoffs
from rotas.handoff import announcement, confirmed_text, handoffs_between
from rotas.rota import on_call_at
from tests.helpers.paging import reply
from tests.helpers.stack import closed_desk_config, running_stack, wait_for

PER = "+4740000104"  # aidn's per: covers primary in the override below
LEAD = "+4740000109"  # aidn's drift: the last named person of its duty plans


def override_config(directory: Path, start: float, end: float, extra: str = "") -> Path:
    """The shipped vendor files, with aidn's overrides replaced: per covers primary from
    `start` to `end` (epoch seconds, written as UTC instants), plus `extra` override lines."""
    closed_desk_config(directory, vendors=())
    path = directory / "aidn.yaml"
    text = path.read_text(encoding="utf-8")
    old = text[text.index("overrides:\n") : text.index("\nseverities:")]
    new = f"overrides:\n  - {{layer: primary, person: per, from: {iso(start)}, to: {iso(end)}}}\n"
    path.write_text(text.replace(old, new + extra), encoding="utf-8")
    return directory


def iso(ts: float) -> str:
    return pendulum.from_timestamp(ts).format("YYYY-MM-DDTHH:mm:ss") + "Z"


def handoff_sms(stack, expected: str) -> list[dict]:
    return [m for m in stack.sms_to(PER) if m["body"] == expected and m["direction"] != "inbound"]


def lead_notices(stack) -> list[dict]:
    return [m for m in stack.sms_to(LEAD) if "har ikke bekreftet vakten" in m["body"]]


def expected_announcement(config_dir: Path, start: float) -> tuple[str, str]:
    policy = load_vendor(config_dir, "aidn")
    at = pendulum.from_timestamp(start)
    found = [
        h
        for h in handoffs_between(policy, at.subtract(seconds=1), at.add(seconds=1))
        if h.person.id == "per" and h.override
    ]
    assert len(found) == 1
    return announcement(policy, found[0]), policy.inbound[0]


def a_pass_after(stack, instant: float) -> None:
    """Wait until a worker's handoff pass has run after `instant`."""
    wait_for(
        lambda: (Handoffs(stack.redis).checked() or 0) > instant,
        timeout=40,
        what="a handoff pass",
    )


def test_a_shift_start_is_announced_once_confirmed_by_1_and_not_again_after_a_restart(
    redis_client, tmp_path
):
    now = time.time()
    Handoffs(redis_client).mark_checked(now)  # a worker has looked up to now
    start = now + 2
    config_dir = override_config(tmp_path / "vendors", start, start + 7200)
    body, ours = expected_announcement(config_dir, start)
    env = {"ONCALL_HANDOFF_CONFIRM_MINUTES": "60"}
    with running_stack(redis_client, config_dir=config_dir, worker_env=env) as stack:
        sms = wait_for(lambda: handoff_sms(stack, body), timeout=40, what="the handoff SMS")
        assert len(sms) == 1 and sms[0]["from"] == ours
        assert "Svar 1 for å bekrefte" in body

        assert f"<Message>{confirmed_text('Aidn', 'nb')}</Message>" in reply(stack, PER, "1", ours)
        (record,) = Handoffs(redis_client).of_vendor("aidn")
        assert record.get("confirmed_at") and record["confirmed_by"].startswith("Per Hansen")
        assert record["override"] == "1" and record["layer"] == "primary"

        stack.stop_workers()
        restarted = time.time()
        stack.start_worker(env)
        a_pass_after(stack, restarted)
        assert len(handoff_sms(stack, body)) == 1  # not sent again
        assert lead_notices(stack) == []


def test_no_confirmation_tells_the_lead_once_even_across_a_restart(redis_client, tmp_path):
    now = time.time()
    Handoffs(redis_client).mark_checked(now)
    start = now + 2
    config_dir = override_config(tmp_path / "vendors", start, start + 7200)
    body, _ = expected_announcement(config_dir, start)
    env = {"ONCALL_HANDOFF_CONFIRM_MINUTES": "0.05"}  # 3 s
    with running_stack(redis_client, config_dir=config_dir, worker_env=env) as stack:
        wait_for(lambda: handoff_sms(stack, body), timeout=40, what="the handoff SMS")
        notice = wait_for(lambda: lead_notices(stack), timeout=40, what="the lead's notice")
        assert notice[0]["body"].startswith("Per Hansen (example) har ikke bekreftet vakten")
        (record,) = Handoffs(redis_client).of_vendor("aidn")
        assert record.get("lead_told_at") and not record.get("confirmed_at")

        stack.stop_workers()
        restarted = time.time()
        stack.start_worker(env)
        a_pass_after(stack, restarted)
        a_pass_after(stack, time.time())  # and one more, seconds past the window
        assert len(handoff_sms(stack, body)) == 1
        assert len(lead_notices(stack)) == 1


def test_a_shift_that_started_while_no_worker_ran_is_announced_when_one_starts(
    redis_client, tmp_path
):
    now = time.time()
    Handoffs(redis_client).mark_checked(now - 60)  # the last worker stopped a minute ago
    ended = (
        "  - {layer: secondary, person: ingrid, "
        + f"from: {iso(now - 50)}, to: {iso(now - 10)}}}\n"
    )
    config_dir = override_config(tmp_path / "vendors", now - 30, now + 7200, extra=ended)
    body, _ = expected_announcement(config_dir, now - 30)
    env = {"ONCALL_HANDOFF_CONFIRM_MINUTES": "60"}
    with running_stack(redis_client, config_dir=config_dir, worker_env=env) as stack:
        wait_for(lambda: handoff_sms(stack, body), timeout=40, what="the late handoff SMS")
        a_pass_after(stack, time.time())
        layers = {r["layer"]: r["person"] for r in Handoffs(redis_client).of_vendor("aidn")}
        # ingrid's override ended while nobody looked: not announced; the rotation that
        # resumed after it is a shift that started and runs: announced
        policy = load_vendor(config_dir, "aidn")
        resumed = on_call_at(policy.rota.layers[1], pendulum.now("UTC")).person.id
        assert layers == {"primary": "per", "secondary": resumed}
        assert [m for m in stack.sms_to("+4740000103") if "vakt for Aidn" in m["body"]] == []
