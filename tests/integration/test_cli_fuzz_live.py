"""Arbitrary text in every argument of the commands over the live store, users, tokens and
feeds (import, export, history, restore, users, tokens, feeds): the command runs (0), fails
on its own terms (1, one line a problem) or says what is wrong in one line (2); never a
traceback, whatever the text."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from oncall.cli import main
from oncall.store.redisconn import url_of

EDGES = ["", " ", "-", "--", "\x00", "a\x00b", "aidn", "ann", "+4740000101", "x" * 5000,
         "../../etc", "/", ".", "..", "NUL", "é", "\u202e", "a:b", "lead:aidn", "2026-02-30",
         "9999-12-31", "0001-01-01", "-1", "0", "1e9", "٣"]  # fmt: skip
TEXT = st.one_of(st.sampled_from(EDGES), st.text(max_size=30))
NUMBER = st.one_of(st.sampled_from(["0", "1", "-1", "٣", "10" * 12, "", "x"]), TEXT)


def commands(t: str, u: str, n: str) -> list[list[str]]:
    return [
        ["users", "add", t, "--name", u, "--phone", t, "--role", u, "--generate-password"],
        ["users", "add", "zed", "--name", t, "--role", t, "--generate-password"],
        ["users", "disable", t],
        ["users", "passwd", t, "--password-stdin"],
        ["tokens", "add", "--user", t, "--name", u, "--expires", t],
        ["tokens", "add", "--user", "ann", "--name", t, "--expires", u],
        ["tokens", "list", "--user", t],
        ["tokens", "revoke", "--user", t, u],
        ["feeds", "add", "--person", t, "--owner", u],
        ["feeds", "add", "--vendor", t, "--layer", u, "--owner", t],
        ["feeds", "list", "--owner", t],
        ["feeds", "revoke", t],
        ["feeds", "renew", t],
        ["import", t],
        ["import", "--author", t, u],
        ["export", "--vendor", t],
        ["export", "--vendor", "aidn", "--dir", t],
        ["history", "--vendor", t, "--limit", n],
        ["restore", "--vendor", t, "--version", n, "--author", u],
        ["restore", "--vendor", "aidn", "--version", n, "--author", t],
    ]


@pytest.fixture
def oncall(redis_client, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("REDIS_URL", url_of(redis_client))
    monkeypatch.chdir(tmp_path)  # `export --dir TEXT` writes under here

    def run(argv, stdin=""):
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        status = main(list(argv))
        out, err = capsys.readouterr()
        return status, out, err

    assert run(["import"])[0] == 0  # the five vendors stored
    admin = ["users", "add", "ann", "--name", "Ann", "--role", "admin", "--generate-password"]
    assert run(admin)[0] == 0
    return run


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(which=st.integers(0, 19), t=TEXT, u=TEXT, n=NUMBER)
@example(which=13, t="a\x00b", u="", n="")
@example(which=16, t="a\x00b", u="", n="")
@example(which=3, t="ann", u="", n="")
@example(which=7, t="\r", u="", n="")
@example(which=11, t="\x1b[2J\u2028", u="", n="")
def test_any_text_in_any_argument_exits_0_1_or_2_without_a_traceback(oncall, which, t, u, n):
    argv = commands(t, u, n)[which]
    status, _out, err = oncall(argv, stdin=u + "\n")
    assert status in (0, 1, 2), (argv, status, err)
    if status == 2:
        assert len(err.splitlines()) == 1 and err.startswith("oncall"), (argv, err)
