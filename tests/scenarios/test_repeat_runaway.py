"""A while/until loop that never waits is warned about, then stopped, so it cannot
spin for ever with its trace growing (Home Assistant stops such loops since 2024.4);
a loop that waits each time runs as long as it needs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
counter:
  spins: {maximum: 1000000}
  polls: {maximum: 1000000}
automation:
  - id: spin
    triggers: [{trigger: event, event_type: spin}]
    actions:
      - repeat:
          while: "{{ true }}"
          sequence:
            - action: counter.increment
              target: {entity_id: counter.spins}
  - id: poll
    triggers: [{trigger: event, event_type: poll}]
    actions:
      - repeat:
          until: "{{ repeat.index >= 10050 }}"
          sequence:
            - action: counter.increment
              target: {entity_id: counter.polls}
            - delay: 1
"""


async def _house(tmp_path: Path) -> AsyncIterator[House]:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    assert (await house.setup()).errors == []
    await house.start()
    try:
        yield house
    finally:
        await house.stop()


def _last_run(house: House, automation_id: str) -> tuple[str | None, str | None]:
    automation = house.automations.find(automation_id)
    assert automation is not None
    trace = automation.traces[-1]
    return trace.script_execution, trace.error


def _value(house: House, entity_id: str) -> str | None:
    state = house.runtime.states.get(entity_id)
    return None if state is None else state.state


@pytest.mark.allow_error_logs
async def test_a_loop_that_never_waits_is_warned_about_then_stopped(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async for house in _house(tmp_path):
        house.runtime.bus.fire("spin", {})
        await asyncio.wait_for(house.runtime.idle(), 60)
        execution, error = _last_run(house, "spin")
        assert execution == "aborted"
        assert error is not None and "10000 iterations" in error
        assert _value(house, "counter.spins") == "10000"
        logged = [(r.levelname, r.getMessage()) for r in caplog.records]
        assert any(level == "WARNING" and "5000 times" in text for level, text in logged)
        assert any(level == "ERROR" and "repeat stopped" in text for level, text in logged)


async def test_a_loop_that_waits_each_time_runs_as_long_as_it_needs(tmp_path: Path) -> None:
    async for house in _house(tmp_path):
        house.runtime.bus.fire("poll", {})
        await house.runtime.advance(10_100)
        assert _last_run(house, "poll") == ("finished", None)
        assert _value(house, "counter.polls") == "10050"
