"""The pieces each trigger makes (context, trace, steps, the condition's record) are
made cheaply and still read as before."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from homeloom.orchestrator import Context, Runtime, TestClock, new_id
from homeloom.orchestrator._eager import EagerRun
from homeloom.scenarios._conditions import compile_condition
from homeloom.scenarios._trace import Trace, TraceStep, current_trace

START = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)


def test_ids_are_unique_and_a_child_keeps_its_chain() -> None:
    ids = {new_id() for _ in range(1000)}
    assert len(ids) == 1000
    parent = Context(user_id="someone", origin="user")
    child = parent.child("scenario", "hall")
    assert (child.parent_id, child.user_id, child.origin, child.source) == (
        parent.id,
        "someone",
        "scenario",
        "hall",
    )
    assert child.id not in (parent.id, parent.child("scenario").id)


def test_a_trace_runs_until_finished_and_its_steps_are_recorded_in_order() -> None:
    clock = TestClock(START)
    trace = Trace("automation", "hall", Context(), clock, "state of binary_sensor.motion")
    assert trace.state == "running" and trace.finished is None
    first = TraceStep("condition/0", trace)
    second = TraceStep("action/0", trace)
    assert trace.visits == [first, second]
    assert first.started_at == 0.0
    trace.finish("finished")
    assert (trace.state, trace.script_execution, trace.finished) == ("stopped", "finished", START)
    assert trace.as_dict()["state"] == "stopped"
    assert int(Trace("automation", "hall", Context(), clock).run_id) > int(trace.run_id)


async def test_an_eager_run_starts_with_no_task_and_no_cancellation() -> None:
    run: EagerRun[int] = EagerRun(loop=asyncio.get_running_loop())
    assert run.task is None and run.cancel_requested is False
    assert run.cancel() and run.cancel_requested and not run.done()
    other: EagerRun[int] = EagerRun(loop=asyncio.get_running_loop())
    assert other.cancel_requested is False  # set on one run, not on the class


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("unknown", "sensor.lux has no numeric value ('unknown')"),
        ("unavailable", "sensor.lux has no numeric value ('unavailable')"),
        ("dark", "value 'dark' is not a number"),
    ],
)
def test_a_numeric_condition_tells_no_value_from_not_a_number(value: str, error: str) -> None:
    runtime = Runtime(clock=TestClock(START))
    runtime.states.set("sensor.lux", value)
    check = compile_condition(
        runtime, {"condition": "numeric_state", "entity_id": "sensor.lux", "below": 50}
    )
    trace = Trace("automation", "hall", Context(), runtime.clock)
    token = current_trace.set(trace)
    try:
        assert check({}) is False
    finally:
        current_trace.reset(token)
    (step,) = trace.visits
    assert step.result == {"result": False, "error": error}
    assert step.finished_at is not None
