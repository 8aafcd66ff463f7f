"""The test clock drives every timer deterministically and in order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from homeloom.orchestrator import RealClock, Runtime, TestClock


async def test_timers_fire_in_order_each_at_its_own_time(runtime: Runtime) -> None:
    fired: list[tuple[str, datetime, datetime]] = []
    start = runtime.now()

    def record(name: str):  # type: ignore[no-untyped-def]
        return lambda due: fired.append((name, due, runtime.now()))

    runtime.scheduler.call_later(30, record("b"))
    runtime.scheduler.call_later(10, record("a"))
    cancel = runtime.scheduler.call_later(20, record("cancelled"))
    cancel()
    runtime.scheduler.call_at(start + timedelta(seconds=90), record("late"))
    await runtime.advance(60)
    assert [name for name, _, _ in fired] == ["a", "b"]
    assert all(due == now for _, due, now in fired)
    assert fired[0][1] == start + timedelta(seconds=10)
    assert runtime.now() == start + timedelta(seconds=60)
    await runtime.advance(30)
    assert fired[-1][0] == "late"


async def test_sleep_and_repeating_timers(runtime: Runtime) -> None:
    ticks: list[datetime] = []
    cancel = runtime.scheduler.call_every(15, ticks.append)
    woke: list[datetime] = []

    async def sleeper() -> None:
        await runtime.scheduler.sleep(40)
        woke.append(runtime.now())

    runtime.create_task(sleeper())
    await runtime.advance(61)
    assert len(ticks) == 4
    assert woke and (woke[0] - ticks[0]).total_seconds() == 25
    cancel()
    await runtime.advance(60)
    assert len(ticks) == 4


async def test_timer_callback_error_does_not_stop_the_others(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    fired: list[int] = []

    def broken(_: datetime) -> None:
        raise ValueError("bad timer")

    runtime.scheduler.call_later(1, broken)
    runtime.scheduler.call_later(2, lambda _: fired.append(2))
    await runtime.advance(3)
    assert fired == [2]
    assert "bad timer" in caplog.text
    caplog.clear()


def test_test_clock_never_goes_back() -> None:
    clock = TestClock()
    with pytest.raises(ValueError):
        clock.set(clock.now() - timedelta(seconds=1))
    with pytest.raises(ValueError):
        TestClock(datetime(2026, 1, 1))


async def test_real_clock_timers_fire(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = RealClock()
    async with Runtime(clock=clock) as rt:
        fired: list[datetime] = []
        # A zero delay: the real timer path runs without the test waiting on wall time.
        rt.scheduler.call_later(0, fired.append)
        await rt.scheduler.sleep(0)
        await rt.idle()
        assert len(fired) == 1
        with pytest.raises(TypeError):
            await rt.advance(1)
