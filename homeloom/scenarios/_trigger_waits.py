"""Triggers' ``for:``: how a written duration is kept and rendered, and the pending
waits of a trigger, saved so that they resume after a restart."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from homeloom.orchestrator import Runtime, Unsubscribe

from ._checkpoints import get_checkpoints
from ._durations import DurationError, parse_duration, parse_positive_duration
from ._templates import get_template_engine

__all__ = ["NO_WAIT", "ForWait", "rendered_duration", "written_duration"]

# A trigger's ``for:`` written as a zero duration (``0``, ``"00:00:00"``, ``{seconds: 0}``):
# as Home Assistant, it fires at once, as with no ``for:``, before any later write; only
# ``trigger.for`` tells them apart. A template rendered to zero still waits, a timer of
# no length that a write in the same go (a utility meter's two) breaks.
NO_WAIT = timedelta(0)


def written_duration(runtime: Runtime, raw: Any) -> Any:
    """A trigger's ``for:`` as it is kept: :data:`NO_WAIT` for a zero written as such,
    otherwise as written (a duration, or templates rendered at each change)."""
    if raw is None:
        return None
    engine = get_template_engine(runtime)
    if engine.is_template(raw) or (
        isinstance(raw, Mapping) and any(engine.is_template(v) for v in raw.values())
    ):
        return raw
    try:
        return NO_WAIT if not parse_duration(raw) else raw
    except DurationError:
        return raw  # reported where it is rendered


def rendered_duration(runtime: Runtime, raw: Any, variables: Mapping[str, Any]) -> timedelta | None:
    """A ``for:`` as kept (see :func:`written_duration`), for these variables; None: none.
    A template rendering a negative time is an error, as in Home Assistant: the trigger
    does not fire."""
    if raw is None or raw is NO_WAIT:
        return raw
    engine = get_template_engine(runtime)
    return parse_positive_duration(engine.render_complex(raw, variables))


class _Pending:
    """One pending ``for:``: when it started and ends, its timer, and what it holds to."""

    __slots__ = ("deadline", "started", "undo", "unlike", "value")

    def __init__(self, started: datetime, deadline: datetime, value: Any, unlike: bool) -> None:
        self.started, self.deadline = started, deadline
        self.value, self.unlike = value, unlike
        self.undo: Unsubscribe | None = None

    def holds(self, current: Any) -> bool:
        """Whether it still holds: while the value equals its own (``unlike``: differs)."""
        return bool(current != self.value) if self.unlike else bool(current == self.value)


class ForWait:
    """Pending ``for:`` durations by entity: each fires unless cancelled first.

    An entity may have several: each change that starts one gets its own, which lasts
    while it holds (see :meth:`keep`). With a checkpoint key, the one of each entity
    that ends first is saved, so it can resume after a restart; the others are not
    (one resumes per entity, the next due). Made only for a trigger that has a ``for:``.
    """

    __slots__ = ("checkpoint", "checkpoints", "pending", "runtime")

    def __init__(self, runtime: Runtime, checkpoint: str | None = None) -> None:
        self.runtime = runtime
        self.pending: dict[str, list[_Pending]] = {}
        self.checkpoints = get_checkpoints(runtime) if checkpoint else None
        self.checkpoint = checkpoint

    def start(
        self,
        key: str,
        duration: timedelta,
        action: Callable[[], None],
        *,
        value: Any = True,
        unlike: bool = False,
        started: datetime | None = None,
    ) -> None:
        """Another wait for ``key``, beside those pending, holding while the current
        value is ``value`` (``unlike``: is not). ``started``: a saved wait resumed."""
        now = self.runtime.now()
        deadline = now + duration
        wait = _Pending(started or now, deadline, value, unlike)
        waits = self.pending.setdefault(key, [])
        waits.append(wait)
        if started is None and all(other.deadline >= deadline for other in waits):
            self._save(key, wait)

        def due(_: Any) -> None:
            self._drop(key, [wait])
            action()

        wait.undo = self.runtime.scheduler.call_later(max(duration.total_seconds(), 0.0), due)

    def keep(self, key: str, current: Any) -> None:
        """A change of ``key`` to ``current``: each wait that no longer holds ends."""
        waits = self.pending.get(key)
        if waits is None:
            return
        broken = [wait for wait in waits if not wait.holds(current)]
        if broken:
            for wait in broken:
                if wait.undo is not None:
                    wait.undo()
            self._drop(key, broken)

    def saved(self, key: str) -> tuple[datetime, datetime] | None:
        if self.checkpoints is None:
            return None
        found: tuple[datetime, datetime] | None = self.checkpoints.pending_for(
            f"{self.checkpoint}:{key}"
        )
        return found

    def _save(self, key: str, wait: _Pending) -> None:
        if self.checkpoints is not None:
            self.checkpoints.save_for(
                f"{self.checkpoint}:{key}", started=wait.started, deadline=wait.deadline
            )

    def _drop(self, key: str, ended: list[_Pending]) -> None:
        """Waits of ``key`` that ended: the saved one becomes the next due, or none."""
        waits = self.pending.get(key)
        if waits is None:
            return
        first = min(waits, key=_deadline)
        left = [wait for wait in waits if wait not in ended]
        if not left:
            del self.pending[key]
            self.forget(key)
            return
        self.pending[key] = left
        if first in ended:
            self._save(key, min(left, key=_deadline))

    def forget(self, key: str) -> None:
        """The saved wait of ``key`` is dropped (its timers are left as they are)."""
        if self.checkpoints is not None:
            self.checkpoints.drop_for(f"{self.checkpoint}:{key}")

    def cancel(self, key: str) -> None:
        """Every wait of ``key`` ends (its saved one too)."""
        waits = self.pending.pop(key, None)
        if waits is not None:
            for wait in waits:
                if wait.undo is not None:
                    wait.undo()
            self.forget(key)

    def cancel_all(self) -> None:
        """The house going down: every wait ends, its saved one kept for the next start
        (a turn-off or a reload forgets them: see ``_EntityTrigger.detach``)."""
        for waits in self.pending.values():
            for wait in waits:
                if wait.undo is not None:
                    wait.undo()
        self.pending.clear()


def _deadline(wait: _Pending) -> datetime:
    return wait.deadline
