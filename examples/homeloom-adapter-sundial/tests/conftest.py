"""A fresh homeloom runtime per test, in Paris, on a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from homeloom.orchestrator import HouseSettings, Runtime, TestClock

PARIS = HouseSettings(latitude=48.8566, longitude=2.3522, time_zone="Europe/Paris")
MIDSUMMER_NOON = datetime(2026, 6, 21, 11, 50, tzinfo=UTC)  # solar noon in Paris


@pytest.fixture
async def runtime() -> AsyncIterator[Runtime]:
    rt = Runtime(clock=TestClock(MIDSUMMER_NOON), settings=PARIS)
    await rt.start()
    yield rt
    await rt.stop()
