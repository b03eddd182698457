"""Fixtures for the end-to-end tests: the paging stack (tests/helpers/stack.py) with the shipped
vendor files, or over copies whose aidn and itsl desks are closed around today."""

from __future__ import annotations

import pytest

from tests.helpers.paging import Arrivals
from tests.helpers.stack import closed_desk_config, running_stack


@pytest.fixture
def stack(redis_client, tmp_path):
    """The whole paging stack with one worker running; torn down after the test."""
    with running_stack(redis_client) as s:
        yield s


@pytest.fixture
def closed_desk_stack(redis_client, tmp_path):
    """The stack over vendor files whose aidn and itsl desks are closed (see
    tests/helpers/stack.py); the worker is registered and holds the scheduler before the
    test starts."""
    config_dir = closed_desk_config(tmp_path / "vendors")
    with running_stack(redis_client, config_dir=config_dir, graceful=False) as s:
        s.wait_ready()
        yield s


@pytest.fixture
def arrivals(closed_desk_stack):
    a = Arrivals(closed_desk_stack.fake)
    yield a
    a.stop()


@pytest.fixture
def offset_stack(redis_client, tmp_path):
    """`closed_desk_stack` in real policy minutes (ONCALL_ESCALATION_MINUTE=60) on the offset
    clock: a test moves time with `stack.advance(minutes)` instead of sleeping."""
    config_dir = closed_desk_config(tmp_path / "vendors")
    with running_stack(
        redis_client, config_dir=config_dir, minute=60.0, graceful=False, clock="offset"
    ) as s:
        s.wait_ready()
        yield s
