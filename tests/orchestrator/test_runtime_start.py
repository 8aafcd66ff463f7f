"""Starting the runtime: once, however many callers ask."""

from __future__ import annotations

import asyncio

from homeloom.orchestrator import EVENT_HOMELOOM_START, Event, Runtime, TestClock


async def test_a_second_start_while_the_first_is_under_way_starts_nothing(
    clock: TestClock,
) -> None:
    runtime = Runtime(clock=clock)
    automations_on = asyncio.Event()
    hook_runs: list[str] = []
    starts: list[Event] = []
    runtime.bus.listen(EVENT_HOMELOOM_START, starts.append)
    runtime.on_start(lambda: hook_runs.append("start hook"))

    async def enable_automations() -> None:
        await automations_on.wait()

    first = asyncio.ensure_future(runtime.start(before_start=enable_automations))
    await asyncio.sleep(0)
    assert not runtime.running  # the first start waits for its automations
    await runtime.start()  # returns at once: the house is already starting
    assert not runtime.running and hook_runs == []
    automations_on.set()
    await first
    assert runtime.running
    assert hook_runs == ["start hook"] and len(starts) == 1
    await runtime.stop()
