"""Runs start in the state write that triggers them, and move to a task when they must wait."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from homeloom.house import House
from homeloom.orchestrator import (
    Context,
    HomeloomError,
    Runtime,
    ServiceCall,
    TestClock,
    in_a_task,
)
from homeloom.orchestrator._eager import MAX_DEPTH
from homeloom.scenarios._trace import current_trace

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


class Recorder:
    """Services of a ``test`` domain: ``record`` answers at once, ``slow_record`` is a
    coroutine, ``ring`` fires the ``ring`` event again (at most ``rings`` times)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.calls: list[tuple[float, str]] = []
        self.tasks: list[asyncio.Task[Any] | None] = []
        self.rings = 0
        runtime.services.register("test", "record", self.record)
        runtime.services.register("test", "slow_record", self.slow_record)
        runtime.services.register("test", "ring", self.ring)

    def _now(self) -> float:
        return (self.runtime.now() - START).total_seconds()

    def record(self, call: ServiceCall) -> None:
        self.calls.append((self._now(), str(call.data.get("what"))))

    async def slow_record(self, call: ServiceCall) -> None:
        self.tasks.append(asyncio.current_task())
        self.calls.append((self._now(), str(call.data.get("what"))))

    def ring(self, call: ServiceCall) -> None:
        if self.rings > 0:
            self.rings -= 1
            self.runtime.bus.fire("ring", {}, call.context)


async def _house(tmp_path: Path, config: str) -> AsyncIterator[tuple[House, Recorder]]:
    (tmp_path / "configuration.yaml").write_text(config, encoding="utf-8")
    house = House(tmp_path, clock=TestClock(START), persist=False, adapters=False)
    recorders: list[Recorder] = []

    def before_scenarios(runtime: Runtime) -> None:
        recorders.append(Recorder(runtime))
        runtime.states.set("binary_sensor.door", "off")

    report = await house.setup(before_scenarios=before_scenarios)
    assert report.errors == []
    await house.start()
    try:
        yield house, recorders[0]
    finally:
        await house.stop()


@pytest.fixture
async def door(tmp_path: Path) -> AsyncIterator[tuple[House, Recorder]]:
    config = """\
automation:
  - id: at_once
    triggers: [{trigger: state, entity_id: binary_sensor.door, to: "on"}]
    actions:
      - action: test.record
        data: {what: "{{ trigger.to_state.state }}"}
  - id: waits
    triggers: [{trigger: state, entity_id: binary_sensor.door, to: "on"}]
    actions:
      - action: test.record
        data: {what: before}
      - delay: 5
      - action: test.record
        data: {what: after}
  - id: coroutine
    triggers: [{trigger: state, entity_id: binary_sensor.door, to: "on"}]
    actions:
      - action: test.slow_record
        data: {what: slow}
"""
    async for pair in _house(tmp_path, config):
        yield pair


async def test_a_run_that_needs_no_waiting_ends_within_the_state_write(
    door: tuple[House, Recorder],
) -> None:
    house, recorder = door
    house.runtime.states.set("binary_sensor.door", "on", context=Context(origin="device"))
    # Nothing awaited yet: the calls that need no waiting are made already.
    assert recorder.calls == [(0.0, "on"), (0.0, "before")]
    automation = house.automations.find("at_once")
    assert automation is not None
    assert [trace.script_execution for trace in automation.traces] == ["finished"]


async def test_the_callers_context_variables_are_left_alone(
    door: tuple[House, Recorder],
) -> None:
    house, _ = door
    house.runtime.states.set("binary_sensor.door", "on")
    assert current_trace.get() is None


async def test_a_coroutine_service_and_a_delay_move_the_run_to_a_task(
    door: tuple[House, Recorder],
) -> None:
    house, recorder = door
    house.runtime.states.set("binary_sensor.door", "on")
    assert (0.0, "slow") not in recorder.calls  # a coroutine handler waits for its task
    await house.runtime.idle()
    assert (0.0, "slow") in recorder.calls
    this_test = asyncio.current_task()
    assert recorder.tasks and recorder.tasks[0] not in (None, this_test)
    await house.runtime.advance(5)
    assert recorder.calls[-1] == (5.0, "after")
    waits = house.automations.find("waits")
    assert waits is not None
    assert [trace.script_execution for trace in waits.traces] == ["finished"]
    assert house.runtime.tasks.pending == 0


RINGING = """\
automation:
  - id: bell
    mode: {mode}
    triggers: [{{trigger: event, event_type: ring}}]
    actions:
      - action: test.record
        data: {{what: ring}}
      - action: test.ring
      - delay: 5
      - action: test.record
        data: {{what: done}}
"""


async def test_single_mode_refuses_the_run_its_own_call_triggers(tmp_path: Path) -> None:
    async for house, recorder in _house(tmp_path, RINGING.format(mode="single")):
        recorder.rings = 1
        house.runtime.bus.fire("ring", {})
        await house.runtime.advance(5)
        assert recorder.calls == [(0.0, "ring"), (5.0, "done")]
        bell = house.automations.find("bell")
        assert bell is not None
        executions = [trace.script_execution for trace in bell.traces]
        assert executions == ["finished", "failed_single"]


async def test_restart_mode_cancels_the_run_whose_call_triggered_it_again(
    tmp_path: Path,
) -> None:
    async for house, recorder in _house(tmp_path, RINGING.format(mode="restart")):
        recorder.rings = 1
        house.runtime.bus.fire("ring", {})
        await house.runtime.advance(10)
        # The first run is cancelled as soon as it waits; the second one finishes.
        assert recorder.calls == [(0.0, "ring"), (0.0, "ring"), (5.0, "done")]
        bell = house.automations.find("bell")
        assert bell is not None
        executions = [trace.script_execution for trace in bell.traces]
        assert executions == ["cancelled", "finished"]
        assert house.runtime.tasks.pending == 0


async def test_a_long_chain_of_runs_goes_on_in_tasks_past_the_nesting_limit(
    tmp_path: Path,
) -> None:
    length = MAX_DEPTH * 2
    automations = "".join(
        f"""
  - id: link_{n}
    triggers: [{{trigger: event, event_type: link_{n}}}]
    actions:
      - action: test.record
        data: {{what: "{n}"}}
      - event: link_{n + 1}
"""
        for n in range(length)
    )
    async for house, recorder in _house(tmp_path, "automation:" + automations):
        house.runtime.bus.fire("link_0", {})
        assert len(recorder.calls) == MAX_DEPTH  # as deep as eager runs nest
        await house.runtime.idle()
        assert [what for _, what in recorder.calls] == [str(n) for n in range(length)]


async def test_another_threads_event_loop_is_not_taken_for_an_eager_run(tmp_path: Path) -> None:
    config = """\
automation:
  - id: asks_a_thread
    triggers: [{trigger: event, event_type: go}]
    actions: [{action: test.in_a_thread}]
"""
    outcomes: list[str] = []

    async def in_its_own_task() -> str:
        await in_a_task()  # in a task of that loop already: nothing to hand over
        return "ran"

    def in_a_thread(call: ServiceCall) -> None:  # called inside the eager run
        worker = threading.Thread(target=lambda: outcomes.append(asyncio.run(in_its_own_task())))
        worker.start()
        worker.join()

    async for house, _ in _house(tmp_path, config):
        house.runtime.services.register("test", "in_a_thread", in_a_thread)
        house.runtime.bus.fire("go", {})
        assert outcomes == ["ran"]


async def test_a_run_that_only_commands_helpers_ends_within_the_state_write(
    tmp_path: Path,
) -> None:
    config = """\
input_boolean:
  seen:
    name: Seen
counter:
  visits: {}
automation:
  - id: note_the_door
    triggers: [{trigger: state, entity_id: binary_sensor.door, to: "on"}]
    actions:
      - action: input_boolean.turn_on
        target: {entity_id: input_boolean.seen}
      - action: counter.increment
        target: {entity_id: counter.visits}
"""
    async for house, _ in _house(tmp_path, config):
        house.runtime.states.set("binary_sensor.door", "on")
        assert house.runtime.states.is_state("input_boolean.seen", "on")
        assert house.runtime.states.is_state("counter.visits", "1")
        assert house.runtime.tasks.pending == 0


STEPS_AT_ONCE = """\
automation:
  - id: answers
    triggers: [{trigger: event, event_type: go}]
    actions:
      - action: test.lookup
        response_variable: found
      - action: test.fails
        continue_on_error: true
      - action: test.record
        data: {what: "{{ found.value }}"}
      - action: test.slow_record
        data: {what: slow}
      - action: test.record
        data: {what: last}
  - id: stops
    triggers: [{trigger: event, event_type: stop}]
    actions:
      - action: test.record
        data: {what: first}
      - action: test.fails
      - action: test.record
        data: {what: never}
"""


def _lookup(call: ServiceCall) -> dict[str, Any]:
    return {"value": "looked up"}


def _fails(call: ServiceCall) -> None:
    raise HomeloomError("the device refused")


async def test_calls_made_at_once_are_traced_as_calls_made_in_a_task(tmp_path: Path) -> None:
    async for house, recorder in _house(tmp_path, STEPS_AT_ONCE):
        house.runtime.services.register("test", "lookup", _lookup, supports_response="only")
        house.runtime.services.register("test", "fails", _fails)
        house.runtime.bus.fire("go", {})
        # The plain calls are made; the coroutine's waits for its task, the rest after it.
        assert recorder.calls == [(0.0, "looked up")]
        await house.runtime.idle()
        assert recorder.calls == [(0.0, "looked up"), (0.0, "slow"), (0.0, "last")]
        answers = house.automations.find("answers")
        assert answers is not None
        (trace,) = answers.traces
        assert trace.script_execution == "finished"
        steps = {path: visits[0] for path, visits in trace.steps.items()}
        assert list(steps) == [f"action/{index}" for index in range(5)]
        assert steps["action/0"].result == {
            "params": {"domain": "test", "service": "lookup", "service_data": {}, "target": {}},
            "running_script": False,
            "response": {"value": "looked up"},
        }
        assert steps["action/1"].result is not None
        assert steps["action/1"].result["continued"] is True
        assert steps["action/1"].result["error"] == "the device refused"
        assert steps["action/1"].error is None  # noted, not raised
        assert all(step.finished_at is not None for step in steps.values())


@pytest.mark.allow_error_logs
async def test_a_call_failing_at_once_ends_the_run_with_its_error_traced(tmp_path: Path) -> None:
    async for house, recorder in _house(tmp_path, STEPS_AT_ONCE):
        house.runtime.services.register("test", "fails", _fails)
        house.runtime.bus.fire("stop", {})
        assert recorder.calls == [(0.0, "first")]
        stops = house.automations.find("stops")
        assert stops is not None
        (trace,) = stops.traces
        assert (trace.script_execution, trace.error) == ("error", "the device refused")
        failed = trace.steps["action/1"][0]
        assert failed.error == "the device refused"
        assert failed.finished_at is not None
        assert "action/2" not in trace.steps
        assert house.runtime.tasks.pending == 0


async def test_a_call_through_middleware_goes_on_in_a_task(door: tuple[House, Recorder]) -> None:
    house, recorder = door
    passed: list[tuple[str, bool]] = []

    async def watch(call: ServiceCall, inner: Any) -> Any:
        passed.append((call.name, asyncio.current_task() is not None))
        return await inner(call)

    house.runtime.services.add_middleware(watch)
    house.runtime.states.set("binary_sensor.door", "on")
    assert (0.0, "on") not in recorder.calls  # middleware may wait: not inside the write
    await house.runtime.idle()
    assert (0.0, "on") in recorder.calls
    assert ("test.record", True) in passed
    at_once = house.automations.find("at_once")
    assert at_once is not None
    (trace,) = at_once.traces
    assert trace.script_execution == "finished"
    (step,) = trace.steps["action/0"]
    assert step.finished_at is not None


async def test_a_run_writing_its_own_trigger_entity_refuses_the_run_it_triggers(
    tmp_path: Path,
) -> None:
    # The write waits until the change that started the run has been told to all its
    # listeners: the run goes on in a task meanwhile, so it is still running when its
    # own change is told (as in Home Assistant), and single mode refuses, not loops.
    config = """\
input_boolean:
  flag: {}
counter:
  flips: {}
automation:
  - id: flip
    triggers: [{trigger: state, entity_id: input_boolean.flag}]
    conditions: "{{ states('counter.flips') | int < 3 }}"  # a loop would stop here
    actions:
      - action: counter.increment
        target: {entity_id: counter.flips}
      - action: input_boolean.toggle
        target: {entity_id: input_boolean.flag}
"""
    async for house, _ in _house(tmp_path, config):
        target = {"entity_id": "input_boolean.flag"}
        await house.runtime.services.call("input_boolean", "turn_on", {}, target=target)
        await house.runtime.idle()
        flip = house.automations.find("flip")
        assert flip is not None
        executions = [trace.script_execution for trace in flip.traces]
        assert executions == ["finished", "failed_single"]
        assert house.runtime.states.is_state("input_boolean.flag", "off")
        assert house.runtime.states.is_state("counter.flips", "1")
        assert house.runtime.tasks.pending == 0


async def test_a_run_cancelled_by_what_its_step_set_off_does_no_step_after_it(
    tmp_path: Path,
) -> None:
    # Home Assistant's runs wait at every call, so a restart their call sets off
    # cancels them there; stepped at once, the run must stop there too.
    config = """\
automation:
  - id: bell
    mode: restart
    triggers: [{trigger: event, event_type: ring}]
    actions:
      - action: test.record
        data: {what: ring}
      - action: test.ring
      - action: test.record
        data: {what: after}
"""
    async for house, recorder in _house(tmp_path, config):
        recorder.rings = 1
        house.runtime.bus.fire("ring", {})
        await house.runtime.idle()
        assert recorder.calls == [(0.0, "ring"), (0.0, "ring"), (0.0, "after")]
        bell = house.automations.find("bell")
        assert bell is not None
        executions = [trace.script_execution for trace in bell.traces]
        assert executions == ["cancelled", "finished"]
        assert house.runtime.tasks.pending == 0
