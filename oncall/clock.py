"""Clocks. Only the shell asks for `now()`; the domain takes `at` as an argument.

Every process asks its services' clock (`svc.clock.now()`), never pendulum or time directly,
so one setting chooses the time of the web app, the worker and the CLI alike:
- SystemClock: the real time (production, the default).
- OffsetClock (ONCALL_CLOCK=offset, tests and the demo only): the system time plus an offset
  kept in Redis, so `python -m oncall clock advance --minutes 10` fast-forwards every process
  sharing that Redis (GoAlert's FastForward). Each process re-reads the offset at most every
  REFRESH seconds, so a webhook does not pay a Redis round trip for the time.
- FrozenClock: stays where it is put (the call simulator and unit tests).
"""

from __future__ import annotations

import time

import pendulum
import redis

from config.settings import Settings
from oncall.store import keys


class SystemClock:
    def now(self) -> pendulum.DateTime:
        return pendulum.now("UTC")


class FrozenClock:
    """A clock that stays where it is put (simulator and tests)."""

    def __init__(self, at: pendulum.DateTime):
        self.at = at.in_timezone("UTC")

    def now(self) -> pendulum.DateTime:
        return self.at

    def advance(self, **delta) -> None:
        self.at = self.at.add(**delta)


class OffsetClock:
    """The system time plus an offset (seconds) kept in Redis under keys.clock_offset()."""

    REFRESH = 0.2  # seconds a process trusts the offset it read last

    def __init__(self, client: redis.Redis):
        self.redis = client
        self._offset, self._read_at = 0.0, None  # _read_at: monotonic time of the last read

    def now(self) -> pendulum.DateTime:
        return pendulum.from_timestamp(time.time() + self.offset(), tz="UTC")

    def offset(self) -> float:
        """The offset, re-read from Redis when the one in hand is older than REFRESH (a
        measurement of elapsed time, hence monotonic)."""
        tick = time.monotonic()
        if self._read_at is None or tick - self._read_at >= self.REFRESH:
            self._offset, self._read_at = float(self.redis.get(keys.clock_offset()) or 0), tick
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move every process's clock `seconds` ahead (never back: seconds >= 0); the new offset."""
        if seconds < 0:
            raise ValueError("the clock only moves forward (reset sets it back to real time)")
        self._offset = float(self.redis.incrbyfloat(keys.clock_offset(), seconds))
        self._read_at = time.monotonic()
        return self._offset

    def reset(self) -> None:
        """Back to the system time (in every process within REFRESH seconds)."""
        self.redis.delete(keys.clock_offset())
        self._offset, self._read_at = 0.0, time.monotonic()


def clock_for(settings: Settings, client: redis.Redis) -> SystemClock | OffsetClock:
    """The clock the settings choose (ONCALL_CLOCK): every process builds its services with it."""
    return OffsetClock(client) if settings.clock == "offset" else SystemClock()
