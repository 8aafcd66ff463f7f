"""Owned tasks: everything started is tracked, awaited by ``idle`` and cancelled at stop."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")


class TaskTracker:
    """Keeps strong references to tasks, and knows when the work they started has settled."""

    def __init__(self) -> None:
        self._work: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        # Tasks waiting for an outside stimulus (a timer, an event, a decision):
        # idle() does not wait for them, or a test could never advance its clock.
        self._parked: dict[asyncio.Task[Any], int] = {}
        self._changed: asyncio.Event | None = None

    def create(
        self,
        coro: Coroutine[Any, Any, T],
        name: str | None = None,
        *,
        on_done: Callable[[asyncio.Task[T]], None] | None = None,
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[T]:
        """A task that ``idle()`` waits for: work started by an event.

        ``on_done`` runs in the same callback as the tracker's own bookkeeping: each
        done callback costs a turn of the event loop.
        """
        task = asyncio.get_running_loop().create_task(coro, name=name, context=context)
        self._work.add(task)
        if on_done is None:
            task.add_done_callback(self._finished_work)
        else:

            def finished(done: asyncio.Task[T]) -> None:
                self._finished_work(done)
                on_done(done)

            task.add_done_callback(finished)
        return task

    def create_background(
        self, coro: Coroutine[Any, Any, T], name: str | None = None
    ) -> asyncio.Task[T]:
        """A long-lived task (a connection loop, a poller) that ``idle()`` does not wait for."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._background.add(task)
        task.add_done_callback(self._finished_background)
        return task

    def _finished_work(self, task: asyncio.Task[Any]) -> None:
        self._work.discard(task)
        self._parked.pop(task, None)
        self._signal()
        self._log_failure(task)

    def _signal(self) -> None:
        if self._changed is not None:
            self._changed.set()

    @contextmanager
    def parked(self) -> Iterator[None]:
        """Mark the current task as waiting for something outside (a timer, an event)."""
        task = asyncio.current_task()
        if task is None:
            yield
            return
        self._park(task)
        try:
            yield
        finally:
            self._unpark(task)

    @contextmanager
    def parked_until_woken(self) -> Iterator[Callable[[], None]]:
        """``parked``, giving a ``wake`` for the code that hands the task what it waits for.

        From ``wake()`` on the task counts as busy, not from when it wakes up a turn
        later: ``idle()`` would otherwise return in between, with its work still to do.
        """
        task = asyncio.current_task()
        if task is None:
            yield lambda: None
            return
        self._park(task)
        parked = True

        def wake() -> None:
            nonlocal parked
            if parked:
                parked = False
                self._unpark(task)

        try:
            yield wake
        finally:
            wake()

    def _park(self, task: asyncio.Task[Any]) -> None:
        self._parked[task] = self._parked.get(task, 0) + 1
        self._signal()

    def _unpark(self, task: asyncio.Task[Any]) -> None:
        left = self._parked.get(task, 1) - 1
        if left:
            self._parked[task] = left
        else:
            self._parked.pop(task, None)
        self._signal()

    def _finished_background(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        self._log_failure(task)

    @staticmethod
    def _log_failure(task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            _LOGGER.error("task %s failed", task.get_name(), exc_info=exc)

    async def wait_for(self, task: asyncio.Future[T]) -> T:
        """Await another tracked task; while it runs, this task counts as parked.

        ``idle()`` then waits for the other task alone, and returns once it parks.
        This task counts as busy again as soon as the other ends, not when it wakes
        up a few turns later: ``idle()`` would otherwise return in between, with
        this task's work still to do.
        """
        with self.parked_until_woken() as wake:

            def unpark(_: object) -> None:
                wake()

            task.add_done_callback(unpark)  # before the shield's own: called first
            try:
                return await asyncio.shield(task)
            finally:
                task.remove_done_callback(unpark)

    async def wait_for_all(self, tasks: Sequence[asyncio.Future[Any]]) -> None:
        """Await tracked tasks (their outcomes stay in them); parked meanwhile.

        Busy again in the turn the last one's own bookkeeping runs, as in ``wait_for``:
        its done callback comes right after the tracker's, so ``idle()`` (which counts
        a task until that bookkeeping has run) never finds the waiter still parked
        with the last task already gone.
        """
        # One already done is not waited for: its done callback would come turns after
        # its bookkeeping, and idle() would see this waiter parked and nothing busy.
        tasks = [task for task in tasks if not task.done()]
        if not tasks:
            return
        with self.parked_until_woken() as wake:
            left = len(tasks)

            def one_done(_: object) -> None:
                nonlocal left
                left -= 1
                if left == 0:
                    wake()

            for task in tasks:
                task.add_done_callback(one_done)
            try:
                await asyncio.wait(tasks)
            finally:
                for task in tasks:
                    task.remove_done_callback(one_done)

    async def run_together(
        self,
        jobs: Sequence[Awaitable[Any]],
        name: str | None = None,
        *,
        failed_outlives_stop: bool = False,
    ) -> None:
        """Run ``jobs`` at once, as ``asyncio.gather`` does: each in a tracked task of
        its own (``name`` and its place), each to its end whatever the others do; then
        the first, in order, that failed makes this fail the same way. Cancelled, it
        cancels them; with ``failed_outlives_stop``, one that had already failed then
        makes this fail that way instead (Home Assistant stops a ``parallel`` step's
        branches by ending them, then raises what the gather kept). Not a parked
        gather: the caller counts as busy again as soon as the last one ends
        (``wait_for_all``), so a settling clock never moves on first.
        """
        tasks = [
            self.create(_outcome(job), None if name is None else f"{name} {index}")
            for index, job in enumerate(jobs)
        ]
        try:
            await self.wait_for_all(tasks)
        except asyncio.CancelledError:
            if failed_outlives_stop:
                for task in tasks:
                    if task.done() and not task.cancelled() and (error := task.result()):
                        raise error from None
            raise
        finally:
            for task in tasks:
                task.cancel()
        for task in tasks:
            if (error := task.result()) is not None:
                raise error

    @property
    def pending(self) -> int:
        return len(self._work)

    async def idle(self) -> None:
        """Return once all tracked work has finished or is parked waiting for a stimulus."""
        current = asyncio.current_task()
        while True:
            # Let callbacks scheduled with call_soon run, then wait for tasks they created.
            for _ in range(3):
                await asyncio.sleep(0)
            # A task done counts until its bookkeeping has run (it leaves _work then):
            # what waits for it may be unparked in that same turn (wait_for_all).
            busy = [t for t in self._work if t is not current and t not in self._parked]
            if not busy:
                return
            changed = self._changed = asyncio.Event()
            waiter = asyncio.ensure_future(changed.wait())
            try:
                await asyncio.wait([*busy, waiter], return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                if self._changed is changed:
                    self._changed = None

    async def cancel_all(self) -> None:
        tasks = [t for t in (*self._work, *self._background) if not t.done()]
        current = asyncio.current_task()
        tasks = [t for t in tasks if t is not current]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=5)


async def _outcome(job: Awaitable[Any]) -> Exception | None:
    """How ``job`` ended: its error returned rather than raised, so that its task does
    not fail (and is not logged as failing) and the others run on."""
    try:
        await job
    except Exception as err:
        return err
    return None
