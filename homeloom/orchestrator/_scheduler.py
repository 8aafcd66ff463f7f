"""Timers on the runtime's clock: at a time, after a delay, or every interval."""

from __future__ import annotations

import asyncio
import heapq
import inspect
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from ._clock import Clock, TestClock
from ._tasks import TaskTracker
from .types import TimerCallback, Unsubscribe

_LOGGER = logging.getLogger(__name__)
# A real timer re-checks the wall clock at least this often, so a clock jump
# (NTP, suspend) delays a timer by at most this much.
_MAX_REAL_WAIT_S = 30.0


class _Timer:
    __slots__ = ("callback", "cancelled", "due", "seq")

    def __init__(self, due: datetime, seq: int, callback: TimerCallback) -> None:
        self.due = due
        self.seq = seq
        self.callback = callback
        self.cancelled = False

    def __lt__(self, other: _Timer) -> bool:
        return (self.due, self.seq) < (other.due, other.seq)


class Scheduler:
    """All waiting in homeloom goes through here, so a test clock drives it all."""

    def __init__(self, clock: Clock, tasks: TaskTracker) -> None:
        self._clock = clock
        self._tasks = tasks
        self._heap: list[_Timer] = []
        self._seq = itertools.count()
        self._handle: asyncio.Handle | None = None
        self._armed_for: datetime | None = None
        self._running = False

    @property
    def clock(self) -> Clock:
        return self._clock

    def call_at(
        self, when: datetime, callback: TimerCallback, *, first: bool = False
    ) -> Unsubscribe:
        """Call ``callback(due_time)`` at ``when``; returns a cancel callable.

        ``first``: before the timers due at the same instant that are not ``first``
        (a built-in entity's update, whose new state the triggers firing then read).
        """
        if when.tzinfo is None:
            raise ValueError("call_at needs a timezone-aware datetime")
        timer = _Timer(when, -next(self._seq) if first else next(self._seq), callback)
        heapq.heappush(self._heap, timer)
        if self._running:
            self._arm()

        def cancel() -> None:
            timer.cancelled = True

        return cancel

    def call_later(self, seconds: float, callback: TimerCallback) -> Unsubscribe:
        return self.call_at(self._clock.now() + timedelta(seconds=seconds), callback)

    def call_every(
        self, interval: float, callback: TimerCallback, *, first: datetime | None = None
    ) -> Unsubscribe:
        """Call ``callback`` every ``interval`` seconds, from ``first`` (default: one interval)."""
        if interval <= 0:
            raise ValueError("interval must be positive")
        cancel_current: list[Unsubscribe] = []
        step = timedelta(seconds=interval)

        def fire(due: datetime) -> Awaitable[None] | None:
            cancel_current[0] = self.call_at(due + step, fire)
            return callback(due)

        cancel_current.append(self.call_at(first or self._clock.now() + step, fire))

        def cancel() -> None:
            cancel_current[0]()

        return cancel

    async def sleep(self, seconds: float) -> None:
        await self.sleep_until(self._clock.now() + timedelta(seconds=max(0.0, seconds)))

    async def sleep_until(self, when: datetime) -> None:
        if when <= self._clock.now():
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # Busy again from the timer on, not from when the task resumes: a test clock's
        # timer can fire in the middle of an idle() (one due now, fired by the loop), which
        # would otherwise return with this task still parked, and the clock would move on
        # before the rest of its run (a second run's delay ending at the same instant).
        with self._tasks.parked_until_woken() as unpark:

            def wake(_: datetime) -> None:
                if not future.done():
                    unpark()
                    future.set_result(None)

            cancel = self.call_at(when, wake)
            try:
                await future
            finally:
                cancel()

    @asynccontextmanager
    async def timeout(self, seconds: float) -> AsyncIterator[None]:
        """Like ``asyncio.timeout``, on the runtime's clock (so a test clock drives it).

        The block is parked: it waits on the outside world, which ``idle()`` must not
        wait for.
        """
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("timeout() needs a running task")
        fired = False

        def expire(_: datetime) -> None:
            nonlocal fired
            fired = True
            task.cancel()

        cancel = self.call_later(seconds, expire)
        try:
            with self._tasks.parked():
                yield
        except asyncio.CancelledError:
            if fired and task.uncancel() == 0:
                raise TimeoutError(f"no answer within {seconds:g} s") from None
            raise
        finally:
            cancel()

    def next_due(self) -> datetime | None:
        self._drop_cancelled()
        return self._heap[0].due if self._heap else None

    def _drop_cancelled(self) -> None:
        while self._heap and self._heap[0].cancelled:
            heapq.heappop(self._heap)

    # --- driving the timers -------------------------------------------------

    def start(self) -> None:
        self._running = True
        self._arm()

    def stop(self) -> None:
        self._running = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _arm(self) -> None:
        """Real clock: make sure one loop timer wakes us for the earliest due timer."""
        due = self.next_due()
        if self._clock.is_test:
            # A test clock only moves on advance(); timers already due still fire now.
            if due is not None and due <= self._clock.now() and self._handle is None:
                self._handle = asyncio.get_running_loop().call_soon(self._on_real_wake)
            return
        if due is None or (self._armed_for is not None and self._armed_for <= due):
            return
        if self._handle is not None:
            self._handle.cancel()
        wait = min(max((due - self._clock.now()).total_seconds(), 0.0), _MAX_REAL_WAIT_S)
        loop = asyncio.get_running_loop()
        self._armed_for = due
        self._handle = loop.call_at(loop.time() + wait, self._on_real_wake)

    def _on_real_wake(self) -> None:
        self._handle = None
        self._armed_for = None
        now = self._clock.now()
        while self._heap:
            self._drop_cancelled()
            if not self._heap or self._heap[0].due > now:
                break
            self._run(heapq.heappop(self._heap))
        if self._running:
            self._arm()

    def _run(self, timer: _Timer) -> None:
        try:
            result = timer.callback(timer.due)
            if result is not None and inspect.isawaitable(result):
                self._tasks.create(_await(result), name="timer")
        except Exception:
            _LOGGER.exception("timer callback %r failed", timer.callback)

    async def advance_to(self, when: datetime) -> None:
        """Test clock: fire every timer due up to ``when``, in order, each at its own time."""
        clock = self._clock
        if not isinstance(clock, TestClock):
            raise TypeError("only a TestClock can be advanced")
        await self._tasks.idle()
        while True:
            self._drop_cancelled()
            if not self._heap or self._heap[0].due > when:
                break
            timer = heapq.heappop(self._heap)
            if timer.due > clock.now():
                clock.set(timer.due)
            self._run(timer)
            await self._tasks.idle()
        if when > clock.now():
            clock.set(when)
        await self._tasks.idle()


async def _await(awaitable: Awaitable[None]) -> None:
    await awaitable
