"""Stopping a script's runs, including the run that asks (one turning its own
script or automation off), and ending the callers waiting for such a run."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable
from typing import Any

from homeloom.orchestrator import EagerRun

from ._script_records import _Scope

__all__ = ["end_calling_run", "ended_by_itself", "mark_ended_by_itself", "stop_runs"]

# Runs a call of their own stopped (turning their script or automation off): kept
# until they are gone, for the callers waiting for them.
_ENDED_BY_ITSELF: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()


def ended_by_itself(run: asyncio.Future[Any]) -> bool:
    return run in _ENDED_BY_ITSELF


def mark_ended_by_itself(run: asyncio.Future[Any]) -> None:
    _ENDED_BY_ITSELF.add(run)


async def stop_runs(scopes: Iterable[_Scope]) -> bool:
    """Cancel the runs of ``scopes`` and wait for them to end.

    The run making this call is cancelled too, but not waited for: it cannot end
    before this returns. It ends at its next wait, :func:`end_calling_run` for a
    caller that must not go on; True when it was one of the runs stopped.
    """
    current = asyncio.current_task()
    calling: asyncio.Future[Any] | None = None
    others: list[asyncio.Future[Any]] = []
    for scope in scopes:
        for task in scope.tasks:
            if current is not None and (
                task is current or (isinstance(task, EagerRun) and task.task is current)
            ):
                calling = task
            else:
                others.append(task)
    for task in others:
        task.cancel()
    if others:
        # asyncio.wait, not gather: should this wait be cancelled (the caller is a
        # run stopped by one of these), the cancellation goes no further.
        await asyncio.wait(others)
    if calling is None:
        return False
    mark_ended_by_itself(calling)
    if isinstance(calling, EagerRun) and calling.task is not None:
        mark_ended_by_itself(calling.task)
    calling.cancel()
    return True


async def end_calling_run() -> None:
    """End the run making this call, which :func:`stop_runs` cancelled (it returned
    True): the cancellation is raised here, so none of the run's steps after the call
    is done."""
    await asyncio.sleep(0)
