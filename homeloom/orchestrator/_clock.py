"""One clock abstraction: real time for the house, test time for tests."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What everything that needs the time asks."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    @property
    def is_test(self) -> bool: ...


class RealClock:
    """Wall-clock time."""

    is_test = False

    # The library functions themselves rather than methods calling them: each scenario
    # run reads the clock several times, and a Python call costs more than the read.
    now = staticmethod(functools.partial(datetime.now, UTC))
    monotonic = staticmethod(time.monotonic)


class TestClock:
    """A clock that only moves when told to.

    Only the scheduler moves it (``Runtime.advance``), so every timer due on
    the way fires at its own due time, in order.
    """

    __test__ = False  # not a pytest test class
    is_test = True

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("TestClock needs a timezone-aware start time")
        self._now = start.astimezone(UTC)
        self._origin = self._now

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return (self._now - self._origin).total_seconds()

    def set(self, when: datetime) -> None:
        when = when.astimezone(UTC)
        if when < self._now:
            raise ValueError(f"the test clock cannot go back from {self._now} to {when}")
        self._now = when

    def forward(self, seconds: float) -> None:
        self.set(self._now + timedelta(seconds=seconds))
