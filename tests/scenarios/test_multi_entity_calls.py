"""A call acting on several entities changes them all before anyone hears of the
first, as in Home Assistant 2024.3, where the runs it sets off start once the call
has changed every entity: a run triggered by the first reads the others' new states.
The same goes for the events such a call fires (each timer's ``timer.cancelled``) and
for a scene setting only helpers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from tests.scenarios.notified import recording_house

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


async def test_runs_set_off_by_a_call_on_two_entities_read_both_changed(tmp_path: Path) -> None:
    async for house, recorded in recording_house(tmp_path, CONFIG, START):
        house.runtime.bus.fire("go", {})
        await asyncio.wait_for(house.runtime.idle(), 5)
        # in the order the call wrote them, each reading the other already on
        assert recorded == [{"heard": "hall", "desk": "on"}, {"heard": "desk", "hall": "on"}]


async def test_a_call_on_one_entity_is_heard_at_once(tmp_path: Path) -> None:
    async for house, recorded in recording_house(tmp_path, CONFIG, START):
        await house.runtime.services.call(
            "input_boolean", "turn_on", target={"entity_id": "input_boolean.hall"}
        )
        # the run it set off made its call within the write, before the call returned
        assert recorded == [{"heard": "hall", "desk": "off"}]


TIMERS = """\
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
    async for house, recorded in recording_house(tmp_path, TIMERS, START):
        target = {"entity_id": ["timer.oven", "timer.tea"]}
        await house.runtime.services.call("timer", "start", target=target)
        await asyncio.wait_for(house.runtime.idle(), 5)
        await house.runtime.services.call("timer", "cancel", target=target)
        await asyncio.wait_for(house.runtime.idle(), 5)
        # each run reads both timers as the call left them, not the second one unchanged
        assert recorded == [
            {"event": "timer.started timer.oven", "oven": "active", "tea": "active"},
            {"event": "timer.started timer.tea", "oven": "active", "tea": "active"},
            {"event": "timer.cancelled timer.oven", "oven": "idle", "tea": "idle"},
            {"event": "timer.cancelled timer.tea", "oven": "idle", "tea": "idle"},
        ]


SCENE = """\
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
    async for house, recorded in recording_house(tmp_path, SCENE, START):
        await house.runtime.services.call("scene", "turn_on", target={"entity_id": "scene.evening"})
        await asyncio.wait_for(house.runtime.idle(), 5)
        # the run set off by the porch reads the garden the scene set too
        assert recorded == [{"garden": "on"}]
