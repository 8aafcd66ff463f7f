"""A call acting on several entities changes them all before anyone hears of the
first, as in Home Assistant 2024.3, where the runs it sets off start once the call
has changed every entity: a run triggered by the first reads the others' new states."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeloom.house import House
from homeloom.orchestrator import Runtime, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
input_boolean:
  hall: {}
  desk: {}
automation:
  - id: both_on
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: input_boolean.turn_on
        target: {entity_id: [input_boolean.hall, input_boolean.desk]}
  - id: hall_on
    triggers: [{trigger: state, entity_id: input_boolean.hall, to: "on"}]
    actions:
      - action: test.record
        data: {heard: hall, desk: "{{ states('input_boolean.desk') }}"}
  - id: desk_on
    triggers: [{trigger: state, entity_id: input_boolean.desk, to: "on"}]
    actions:
      - action: test.record
        data: {heard: desk, hall: "{{ states('input_boolean.hall') }}"}
"""


async def _house(tmp_path: Path) -> AsyncIterator[tuple[House, list[dict[str, Any]]]]:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    recorded: list[dict[str, Any]] = []

    def register(runtime: Runtime) -> None:
        runtime.services.register("test", "record", lambda call: recorded.append(dict(call.data)))

    assert (await house.setup(before_scenarios=register)).errors == []
    await house.start()
    try:
        yield house, recorded
    finally:
        await house.stop()


async def test_runs_set_off_by_a_call_on_two_entities_read_both_changed(tmp_path: Path) -> None:
    async for house, recorded in _house(tmp_path):
        house.runtime.bus.fire("go", {})
        await asyncio.wait_for(house.runtime.idle(), 5)
        # in the order the call wrote them, each reading the other already on
        assert recorded == [{"heard": "hall", "desk": "on"}, {"heard": "desk", "hall": "on"}]


async def test_a_call_on_one_entity_is_heard_at_once(tmp_path: Path) -> None:
    async for house, recorded in _house(tmp_path):
        await house.runtime.services.call(
            "input_boolean", "turn_on", target={"entity_id": "input_boolean.hall"}
        )
        # the run it set off made its call within the write, before the call returned
        assert recorded == [{"heard": "hall", "desk": "off"}]
