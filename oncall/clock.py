"""Clocks. Only the shell asks for `now()`; the domain takes `at` as an argument."""

from __future__ import annotations

import pendulum


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
