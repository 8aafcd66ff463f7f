"""Scripts started as Home Assistant 2024.3 starts them. ``script_started`` listeners
see the script's state with the run counted: Home Assistant fires the event before
writing that state, but its listeners' runs start in tasks, after the write (on,
``current``, ``last_triggered``); a run the mode refuses is announced too, the state
unchanged. And a refused ``script.turn_on`` holds its caller until the running run's
next change, not its first wait when that run has just been started."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from homeloom.house import House
from homeloom.orchestrator import TestClock
from tests.scenarios.notified import recording_house

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)

CONFIG = """\
script:
  chime:
    mode: single
    sequence:
      - delay: 5
automation:
  - id: caller
    alias: Caller
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: script.chime
  - id: seen
    alias: Seen
    mode: queued
    triggers: [{trigger: event, event_type: script_started}]
    actions:
      - action: test.record
        data:
          what: >-
            {{ states('script.chime') }} {{ state_attr('script.chime', 'current') }}
            {{ (now() - state_attr('script.chime', 'last_triggered')).total_seconds()
               if state_attr('script.chime', 'last_triggered') else 'never' }}
"""


async def test_script_started_listeners_see_the_run_counted(tmp_path: Path) -> None:
    async for house, recorded in recording_house(tmp_path, CONFIG, START):
        runtime = house.runtime
        target = {"entity_id": "script.chime"}
        await runtime.services.call("script", "turn_on", target=target)
        await asyncio.wait_for(runtime.idle(), 5)
        assert [str(r["what"]) for r in recorded] == ["on 1 0.0"]
        # Asked for again while running: refused, still announced, the state as it was.
        # (the refused call is held until the running run ends, as in Home Assistant)
        await runtime.advance(2)
        held = asyncio.ensure_future(runtime.services.call("script", "turn_on", target=target))
        await asyncio.wait_for(runtime.idle(), 5)
        assert [str(r["what"]) for r in recorded[1:]] == ["on 1 2.0"]
        await runtime.advance(3)
        await asyncio.wait_for(held, 5)
        # A direct call (which waits for its run) is announced as its run starts.
        await runtime.advance(10)
        runtime.bus.fire("go")
        await asyncio.wait_for(runtime.idle(), 5)
        assert [str(r["what"]) for r in recorded[2:]] == ["on 1 0.0"]
        await runtime.advance(6)
        state = runtime.states.get("script.chime")
        assert state is not None and state.state == "off"


HOLD = """\
input_boolean:
  done: {}
script:
  chime:
    mode: single
    sequence:
      - delay: 2
      - delay: 2
automation:
  - id: twice
    alias: Twice
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: script.turn_on
        target: {entity_id: script.chime}
      - action: script.turn_on
        target: {entity_id: script.chime}
      - action: input_boolean.turn_on
        target: {entity_id: input_boolean.done}
"""


async def test_a_refused_turn_on_holds_the_caller_past_the_first_wait(tmp_path: Path) -> None:
    # The run just started by the first turn_on is already in its first delay in Home
    # Assistant: the refused second call holds its caller until the run's next change
    # (the second delay, 2 s later), not until that first delay begins.
    (tmp_path / "configuration.yaml").write_text(HOLD, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    report = await house.setup()
    assert report.errors == []
    await house.start()
    runtime = house.runtime
    try:
        runtime.bus.fire("go")
        await asyncio.wait_for(runtime.idle(), 5)
        state = runtime.states.get("input_boolean.done")
        assert state is not None and state.state == "off"
        await runtime.advance(2)
        state = runtime.states.get("input_boolean.done")
        assert state is not None and state.state == "on"
    finally:
        await house.stop()
