"""A run stopped while a ``parallel`` branch waits, another having already failed:
as in Home Assistant 2024.3, the run ends with that branch's error, so a caller
waiting on the script through ``script.<key>`` stops there instead of going on
(resident_mix_49, checked by the oracle)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeloom.house import House
from homeloom.orchestrator import Runtime, ServiceCall, TestClock

# The failed branch logs its error, as Home Assistant does.
pytestmark = pytest.mark.allow_error_logs

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
timer:
  hall: {duration: 10}
script:
  slow:
    sequence:
      - parallel:
          - sequence:
              - wait_for_trigger: [{trigger: event, event_type: never}]
          - action: timer.change
            target: {entity_id: timer.hall}
            data: {duration: -5}
automation:
  - id: caller
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: script.slow
      - action: test.record
  - id: also_parallel
    mode: restart
    triggers: [{trigger: event, event_type: again}]
    actions:
      - parallel:
          - wait_for_trigger: [{trigger: event, event_type: never}]
          - action: timer.change
            target: {entity_id: timer.hall}
            data: {duration: -5}
"""


class Recorder:
    def __init__(self, runtime: Runtime) -> None:
        self.calls = 0
        runtime.services.register("test", "record", self.record)

    def record(self, call: ServiceCall) -> None:
        self.calls += 1


async def _house(tmp_path: Path) -> AsyncIterator[tuple[House, Recorder]]:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    recorders: list[Recorder] = []
    report = await house.setup(before_scenarios=lambda rt: recorders.append(Recorder(rt)))
    assert report.errors == []
    await house.start()
    try:
        yield house, recorders[0]
    finally:
        await house.stop()


def _executions(house: House, automation_id: str) -> list[str | None]:
    automation = house.automations.find(automation_id)
    assert automation is not None
    return [trace.script_execution for trace in automation.traces]


async def test_a_stopped_script_with_a_failed_branch_stops_its_caller(tmp_path: Path) -> None:
    async for house, recorder in _house(tmp_path):
        house.runtime.bus.fire("go", {})
        await asyncio.wait_for(house.runtime.idle(), 5)
        assert _executions(house, "caller") == [None]
        await house.runtime.services.call("script", "turn_off", {"entity_id": "script.slow"})
        await asyncio.wait_for(house.runtime.idle(), 5)
        assert recorder.calls == 0
        assert _executions(house, "caller") == ["error"]


async def test_a_restarted_run_with_a_failed_branch_ends_with_its_error(tmp_path: Path) -> None:
    async for house, _ in _house(tmp_path):
        house.runtime.bus.fire("again", {})
        await asyncio.wait_for(house.runtime.idle(), 5)
        house.runtime.bus.fire("again", {})
        await asyncio.wait_for(house.runtime.idle(), 5)
        assert _executions(house, "also_parallel") == ["error", None]
