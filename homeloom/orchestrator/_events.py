"""Typed events and the bus that carries them."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from ._clock import Clock
from ._context import Context
from ._tasks import TaskTracker
from .types import EventHandler, Unsubscribe

_LOGGER = logging.getLogger(__name__)

EVENT_STATE_CHANGED: Final = "state_changed"
EVENT_CALL_SERVICE: Final = "call_service"
EVENT_HOMELOOM_START: Final = "homeloom_start"
# Fired before the automations attach their triggers: what integrations do as the house
# starts (trigger-based template entities' start triggers), which no automation sees.
EVENT_HOMELOOM_STARTING: Final = "homeloom_starting"
EVENT_HOMELOOM_STARTED: Final = "homeloom_started"
EVENT_HOMELOOM_STOP: Final = "homeloom_stop"
MATCH_ALL: Final = "*"


@dataclass(slots=True)  # not frozen, for the cost of making one (see Context)
class Event:
    """Something that happened, with the context that caused it."""

    event_type: str
    data: Mapping[str, Any]
    time_fired: datetime
    context: Context = field(default_factory=Context)

    def as_dict(self) -> dict[str, Any]:
        data = {
            key: value.as_dict() if hasattr(value, "as_dict") else value
            for key, value in self.data.items()
        }
        return {
            "event_type": self.event_type,
            "data": data,
            "time_fired": self.time_fired.isoformat(),
            "context": self.context.as_dict(),
        }


def call_handler(handler: EventHandler, event: Event, tasks: TaskTracker) -> None:
    """Run one handler in isolation: its failure is logged and never reaches the others."""
    try:
        result = handler(event)
    except Exception:
        _LOGGER.exception("handler %r failed on %s", handler, event.event_type)
        return
    if result is not None and inspect.isawaitable(result):
        tasks.create(_guarded(result, handler, event.event_type), name=event.event_type)


async def _guarded(awaitable: Any, handler: EventHandler, event_type: str) -> None:
    try:
        await awaitable
    except Exception:
        _LOGGER.exception("handler %r failed on %s", handler, event_type)


class EventBus:
    """Fires events to the listeners of their type, and to those listening to all."""

    def __init__(self, clock: Clock, tasks: TaskTracker) -> None:
        self._clock = clock
        self._tasks = tasks
        self._listeners: dict[str, list[EventHandler]] = {}

    def listen(self, event_type: str, handler: EventHandler) -> Unsubscribe:
        """Call ``handler`` for each event of ``event_type`` (``"*"`` for every event)."""
        self._listeners.setdefault(event_type, []).append(handler)

        def unsubscribe() -> None:
            handlers = self._listeners.get(event_type)
            if handlers is not None and handler in handlers:
                handlers.remove(handler)
                if not handlers:  # a type nobody listens to has no entry (see wants)
                    del self._listeners[event_type]

        return unsubscribe

    def listen_once(self, event_type: str, handler: EventHandler) -> Unsubscribe:
        fired = False

        def once(event: Event) -> Any:
            nonlocal fired
            if fired:
                return None
            fired = True
            unsubscribe()
            return handler(event)

        unsubscribe = self.listen(event_type, once)
        return unsubscribe

    def listener_count(self, event_type: str) -> int:
        return len(self._listeners.get(event_type, ()))

    def wants(self, event_type: str) -> bool:
        """Whether an event of this type would reach anyone: if not, it need not be built."""
        listeners = self._listeners
        return event_type in listeners or MATCH_ALL in listeners

    def fire(
        self,
        event_type: str,
        data: Mapping[str, Any] | None = None,
        context: Context | None = None,
    ) -> Event:
        event = Event(event_type, data or {}, self._clock.now(), context or Context())
        self.dispatch(event)
        return event

    def dispatch(self, event: Event) -> None:
        tasks = self._tasks
        # Copy: a handler may unsubscribe itself while we iterate.
        for handler in tuple(self._listeners.get(event.event_type, ())):
            call_handler(handler, event, tasks)
        if event.event_type != MATCH_ALL:
            for handler in tuple(self._listeners.get(MATCH_ALL, ())):
                call_handler(handler, event, tasks)
