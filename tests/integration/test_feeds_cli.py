"""`python -m oncall feeds add|list|revoke|renew` in a fresh interpreter, against the test's
own Redis: a URL is printed once, never listed; bad arguments exit 2 with one line."""

from __future__ import annotations

import json
import subprocess

import pytest

from oncall.services.feeds import feed_for_token
from oncall.services.users import add_user
from tests.helpers.cli import run_oncall

KARI = "+4740000101"
BASE = "https://oncall.example.com"


def oncall_feeds(redis_client, *argv: str) -> subprocess.CompletedProcess:
    return run_oncall(redis_client, "feeds", *argv, env={"PUBLIC_BASE_URL": BASE})


def token_of(url: str) -> str:
    assert url.startswith(f"{BASE}/feeds/") and url.endswith(".ics"), url
    return url.removeprefix(f"{BASE}/feeds/").removesuffix(".ics")


def test_add_list_renew_revoke(redis_client):
    done = oncall_feeds(redis_client, "add", "--person", "+47 400 00 101", "--owner", "kari")
    assert done.returncode == 0, done.stderr
    first, url = done.stdout.splitlines()[:2]
    feed_id = first.split()[1].rstrip(":")
    assert first == f"feed {feed_id}: person +*******101, owner kari"
    token = token_of(url)
    assert feed_for_token(redis_client, token).phone == KARI

    listed = oncall_feeds(redis_client, "list", "--json")
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["kind"], r["target"], r["owner"]) for r in rows] == [
        (feed_id, "person", "person +*******101", "kari")
    ]
    assert token not in listed.stdout and KARI not in listed.stdout
    text = oncall_feeds(redis_client, "list").stdout
    assert feed_id in text and token not in text and KARI not in text

    renewed = oncall_feeds(redis_client, "renew", feed_id)
    assert renewed.returncode == 0, renewed.stderr
    new = token_of(renewed.stdout.splitlines()[1])
    assert feed_for_token(redis_client, token) is None
    assert feed_for_token(redis_client, new).id == feed_id

    revoked = oncall_feeds(redis_client, "revoke", feed_id)
    assert revoked.returncode == 0, revoked.stderr
    assert feed_for_token(redis_client, new) is None
    assert oncall_feeds(redis_client, "list").stdout.strip() == "(no feeds)"


def test_a_layer_feed(redis_client):
    done = oncall_feeds(redis_client, "add", "--vendor", "itsl", "--layer", "secondary")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].endswith(": itsl/secondary, owner cli")
    info = feed_for_token(redis_client, token_of(done.stdout.splitlines()[1]))
    assert (info.kind, info.vendor, info.layer, info.owner) == ("layer", "itsl", "secondary", "cli")


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["add", "--vendor", "nope", "--layer", "primary"], "valid: aidn, amido, itsl"),
        (["add", "--vendor", "aidn", "--layer", "x"], "unknown layer 'x' of aidn (valid: primary"),
        (["add", "--vendor", "aidn"], "--vendor needs --layer"),
        (["add", "--person", KARI, "--layer", "primary"], "--layer goes with --vendor"),
        (
            ["add", "--person", "+4790000123"],
            "+*******123 is nobody in any vendor's people (valid: Kari",
        ),
        (["add", "--person", "12"], "'12' is not an E.164 phone number"),
        (["add", "--person", KARI, "--vendor", "aidn"], "not allowed with argument"),
        (["add"], "one of the arguments --person --vendor is required"),
        (["revoke", "f00"], "no feed 'f00'"),
        (["renew", "f00"], "no feed 'f00'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(redis_client, argv, says):
    done = oncall_feeds(redis_client, *argv)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oncall: error:") and says in lines[0], lines
    assert redis_client.keys("oncall:feed*") == []


def test_once_users_exist_the_owner_must_be_one_of_them(redis_client):
    add_user(redis_client, "kari", name="Kari", password="kari-password-1", roles={"aidn": "lead"})
    refused = oncall_feeds(redis_client, "add", "--person", KARI, "--owner", "karl")
    assert refused.returncode == 2 and refused.stdout == ""
    assert (
        refused.stderr == "oncall: error: --owner 'karl': no such user (`users list` shows them)\n"
    )
    assert redis_client.keys("oncall:feed*") == []
    done = oncall_feeds(redis_client, "add", "--person", KARI, "--owner", "kari")
    assert done.returncode == 0 and done.stdout.startswith("feed ")
    assert done.stdout.splitlines()[0].endswith("owner kari")
    default = oncall_feeds(redis_client, "add", "--vendor", "aidn", "--layer", "primary")
    assert default.returncode == 0 and default.stdout.splitlines()[0].endswith("owner cli")
