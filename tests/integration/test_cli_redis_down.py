"""Every command that needs Redis, with REDIS_URL naming a Redis that does not answer: one
line saying so and exit 1, never a traceback."""

from __future__ import annotations

import pytest

from oncall.cli import main

COMMANDS = [
    ["import"],
    ["export", "--vendor", "aidn"],
    ["history", "--vendor", "aidn"],
    ["restore", "--vendor", "aidn", "--version", "1"],
    ["users", "list"],
    ["users", "disable", "kari"],
    ["tokens", "list", "--user", "kari"],
    ["feeds", "list"],
    ["feeds", "revoke", "3f9a1c2e"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_command_with_redis_down_says_so_in_one_line(argv, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("REDIS_URL", f"unix://{tmp_path}/no-redis.sock")
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == 1, (out, err)
    assert err.splitlines() == [err.strip()] and "Traceback" not in out + err
    assert err.startswith("oncall: error: Redis unavailable (ConnectionError)"), err
