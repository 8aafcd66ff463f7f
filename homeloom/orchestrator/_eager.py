"""Eager runs: a coroutine started at once, in the caller's turn of the event loop.

A scenario run whose actions need no waiting (a condition, then a call to a
service that answers at once) finishes before the state write that triggered it
returns: no task, no turn of the loop, and the call is made microseconds after
the change. Python 3.12's eager tasks do this for any coroutine; on 3.11 a task
cannot be stepped before the loop schedules it, so the run is stepped here, in
a context of its own, and handed to a task as soon as it needs one.

A coroutine needs a task before anything that may wait or look for its task
(``asyncio.current_task()``: timeouts, parking): it says so with
``await in_a_task()``, which costs nothing when it already runs in a task.
Should it wait without saying so, the task takes over there, waiting for what
the coroutine waits for.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import types
from collections.abc import Callable, Coroutine, Generator
from typing import Any, TypeVar

__all__ = ["EagerRun", "can_start_eagerly", "in_a_task", "run_eagerly", "start_eagerly"]

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
TaskFactory = Callable[
    [Coroutine[Any, Any, T], contextvars.Context, Callable[[asyncio.Task[T]], None]],
    asyncio.Task[T],
]

_HAND_OVER = object()
# Eager runs nest (a run's call writes a state that triggers another run); past
# this depth a run starts as a task, so a chain of scenarios cannot exhaust the stack.
MAX_DEPTH = 8


class _Depth(threading.local):
    """How many eager segments this thread is running right now (one per event loop
    thread; they nest)."""

    current = 0


_depth = _Depth()


@types.coroutine
def in_a_task() -> Generator[Any, None, None]:
    """Make sure the code after this runs in a task of its own."""
    if _depth.current:
        yield _HAND_OVER


class EagerRun(asyncio.Future[T]):
    """The outcome of one eagerly started coroutine; cancelling it cancels the run.

    Made with the future's own constructor (``EagerRun(loop=loop)``): its two
    attributes are the class's until set, so a run that ends at once (most) sets
    neither, and no Python call is made to build it.
    """

    # The task that took the run over, if one did.
    task: asyncio.Task[T] | None = None
    # Cancelled while being stepped, before it had a task.
    cancel_requested: bool = False
    # Passing a cancellation on to its task right now.
    _cancelling: bool = False

    def cancel(self, msg: Any = None) -> bool:
        if self.done():
            return False
        if self.task is not None:
            if self._cancelling:  # come back through a cycle of waits (a run waiting on
                return True  # a future that holds the run itself): passed on already
            self._cancelling = True
            try:
                return self.task.cancel(msg)
            finally:
                self._cancelling = False
        # Being stepped right now (a run cancelling the one that triggered it): its
        # task is cancelled as soon as it has one; a run that ends first has ended.
        self.cancel_requested = True
        return True

    def settle(self, task: asyncio.Task[T]) -> None:
        """Take the outcome of the task that took the run over."""
        if task.cancelled():
            super().cancel()
        elif (error := task.exception()) is not None:
            self.set_exception(error)
        else:
            self.set_result(task.result())


def can_start_eagerly() -> bool:
    return _depth.current < MAX_DEPTH


def run_eagerly(function: Callable[..., T], *args: Any) -> T:
    """Call ``function`` as one more eager segment: what it starts counts as nested.

    For plain code that does a run's work in the caller's turn (steps that need no
    coroutine), so the depth limit sees it as it sees a stepped coroutine.
    """
    _depth.current += 1
    try:
        return function(*args)
    finally:
        _depth.current -= 1


def start_eagerly(
    run: EagerRun[T],
    coro: Coroutine[Any, Any, T],
    create_task: TaskFactory[T],
    on_done: Callable[[], None],
) -> None:
    """Step ``coro`` now until it ends or needs a task; ``run`` gets its outcome, then
    ``on_done`` is called (at once when it ended here).

    ``create_task`` makes the task that takes over, in the given context (the run's
    context variables stay its own, never leaking into the caller's), with the given
    done callback.
    """
    context = contextvars.copy_context()
    _depth.current += 1
    try:
        waiting_for = context.run(coro.send, None)
    except StopIteration as finished:
        run.set_result(finished.value)
        on_done()
        return
    except Exception as error:  # the run's outcome, as a task would keep it
        _LOGGER.exception("%s failed", getattr(coro, "__qualname__", coro))
        run.set_exception(error)
        on_done()
        return
    finally:
        _depth.current -= 1

    def settle(task: asyncio.Task[T]) -> None:
        try:
            if task.cancelled() and getattr(coro, "cr_frame", None) is not None:
                # Cancelled before its task began: finish it where it stopped, in its own
                # context, where what it resets on its way out (its trace) was set; out of
                # it the reset failed, and the run was never settled (whoever waited for
                # it, a restart, hung).
                context.run(coro.close)
        finally:
            run.settle(task)
            on_done()

    run.task = create_task(_continued(coro, waiting_for), context, settle)
    if run.cancel_requested:
        run.task.cancel()


async def _continued(coro: Coroutine[Any, Any, T], waiting_for: Any) -> T:
    result: T = await _resume(coro, waiting_for)
    return result


@types.coroutine
def _resume(coro: Coroutine[Any, Any, T], waiting_for: Any) -> Generator[Any, Any, T]:
    """Go on with ``coro`` inside its task: first wait for what it was waiting for."""
    while waiting_for is not _HAND_OVER:
        try:
            yield waiting_for  # the task waits for the same future
        except BaseException as error:  # a cancellation, thrown where the coroutine waits
            try:
                waiting_for = coro.throw(error)
            except StopIteration as finished:
                outcome: T = finished.value
                return outcome
        else:
            break
    result: T = yield from coro
    return result
