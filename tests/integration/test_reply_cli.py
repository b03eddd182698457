"""`python -m oncall reply`: a signed SMS webhook through the app, in a fresh interpreter.

Against the test's own Redis (REDIS_URL): a dry run by default (the answer, nothing changed),
`--live` applies it; bad arguments exit 2 with one line.
"""

from __future__ import annotations

import subprocess

import pytest

from rotas.incident import reply_text
from tests.helpers.cli import run_oncall

KARI = "+4740000101"


def oncall_reply(redis_client, *argv: str) -> subprocess.CompletedProcess:
    return run_oncall(redis_client, "reply", *argv)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--from", "12345", "--body", "1"], "--from: '12345' is not an E.164 phone number"),
        (["--from", KARI, "--body", "  "], "--body must not be empty"),
        (["--from", KARI, "--body", "x" * 1601], "--body is 1601 characters"),
        (["--from", KARI, "--body", "1", "--sid", "SM1"], "--sid: 'SM1' is not a MessageSid"),
        (["--from", KARI, "--body", "1", "--to", "x"], "--to: 'x' is not an E.164 phone number"),
        (["--from", "+4790000123", "--body", "1"], "is nobody in the vendor files; give --to"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(redis_client, argv, says):
    done = oncall_reply(redis_client, *argv)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oncall: error:") and says in lines[0], lines


def test_a_dry_run_answers_and_changes_nothing_then_live_applies_once(redis_client, paged_incident):
    store, incident_id, engineer = paged_incident("AIDN-2026-222001")
    dry = oncall_reply(redis_client, "--from", engineer, "--body", "1")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == reply_text("acknowledged", "nb", id=incident_id)
    assert "dry run" in dry.stdout.splitlines()[1]
    assert store.load(incident_id).state == "triggered"

    sid = "SM" + "7" * 32
    for _ in range(2):  # the same MessageSid twice: answered alike, applied once
        live = oncall_reply(
            redis_client, "--from", engineer, "--body", "ACK", "--sid", sid, "--live"
        )
        assert live.returncode == 0, live.stderr
        assert live.stdout.strip() == reply_text("acknowledged", "nb", id=incident_id)
    assert store.load(incident_id).state == "acknowledged"
    acked = [e for e in store.timeline(incident_id) if e["text"].startswith("acknowledged by")]
    assert len(acked) == 1


def test_a_number_never_paged_gets_no_answer(redis_client):
    done = oncall_reply(redis_client, "--from", KARI, "--body", "1", "--live")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("(no answer")
