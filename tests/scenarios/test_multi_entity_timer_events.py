"""A call acting on several timers fires each timer's event after it has changed them
all, and a scene of plain helpers sets them all before announcing the first, as in Home
Assistant 2024.3, where the runs they set off start once the call is done."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from homeloom.house import House
from homeloom.orchestrator import Runtime, TestClock

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
timer:
  oven: {duration: 600}
  tea: {duration: 240}
automation:
  - id: heard
    mode: parallel
    triggers:
      - {trigger: event, event_type: timer.started}
      - {trigger: event, event_type: timer.cancelled}
    actions:
      - action: test.record
        data:
          event: "{{ trigger.event.event_type }} {{ trigger.event.data.entity_id }}"
          oven: "{{ states('timer.oven') }}"
          tea: "{{ states('timer.tea') }}"
"""


async def test_events_of_a_call_on_two_timers_come_after_both_changed(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    recorded: list[dict[str, Any]] = []

    def register(runtime: Runtime) -> None:
        runtime.services.register("test", "record", lambda call: recorded.append(dict(call.data)))

    assert (await house.setup(before_scenarios=register)).errors == []
    await house.start()
    try:
        target = {"entity_id": ["timer.oven", "timer.tea"]}
        await house.runtime.services.call("timer", "start", target=target)
        await asyncio.wait_for(house.runtime.idle(), 5)
        await house.runtime.services.call("timer", "cancel", target=target)
        await asyncio.wait_for(house.runtime.idle(), 5)
    finally:
        await house.stop()
    # each run reads both timers as the call left them, not the second one unchanged
    assert recorded == [
        {"event": "timer.started timer.oven", "oven": "active", "tea": "active"},
        {"event": "timer.started timer.tea", "oven": "active", "tea": "active"},
        {"event": "timer.cancelled timer.oven", "oven": "idle", "tea": "idle"},
        {"event": "timer.cancelled timer.tea", "oven": "idle", "tea": "idle"},
    ]


SCENE_CONFIG = """\
input_boolean:
  porch: {}
  garden: {}
scene:
  - name: Evening
    entities: {input_boolean.porch: "on", input_boolean.garden: "on"}
automation:
  - id: porch_on
    triggers: [{trigger: state, entity_id: input_boolean.porch, to: "on"}]
    actions:
      - action: test.record
        data: {garden: "{{ states('input_boolean.garden') }}"}
"""


async def test_a_scene_of_helpers_sets_them_all_before_a_run_reads_them(tmp_path: Path) -> None:
    (tmp_path / "configuration.yaml").write_text(SCENE_CONFIG, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    recorded: list[dict[str, Any]] = []

    def register(runtime: Runtime) -> None:
        runtime.services.register("test", "record", lambda call: recorded.append(dict(call.data)))

    assert (await house.setup(before_scenarios=register)).errors == []
    await house.start()
    try:
        await house.runtime.services.call("scene", "turn_on", target={"entity_id": "scene.evening"})
        await asyncio.wait_for(house.runtime.idle(), 5)
    finally:
        await house.stop()
    # the run set off by the porch reads the garden the scene set too
    assert recorded == [{"garden": "on"}]
