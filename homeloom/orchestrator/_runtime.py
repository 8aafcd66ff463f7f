"""The runtime: one object that owns the clock, the store, the bus and the services."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from ._clock import Clock, RealClock, TestClock
from ._context import Context
from ._events import (
    EVENT_HOMELOOM_START,
    EVENT_HOMELOOM_STARTED,
    EVENT_HOMELOOM_STARTING,
    EVENT_HOMELOOM_STOP,
    EventBus,
)
from ._registry import Registries
from ._scheduler import Scheduler
from ._services import ServiceRegistry
from ._states import StateStore
from ._tasks import TaskTracker

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
StopHook = Callable[[], "Awaitable[None] | None"]


@dataclass(frozen=True, slots=True)
class HouseSettings:
    """The household's core settings (the ``homeloom:`` / ``homeassistant:`` block)."""

    name: str = "Home"
    latitude: float = 52.3731
    longitude: float = 4.8922
    elevation: int = 0
    radius: float = 100.0  # zone.home's, in metres
    time_zone: str = "UTC"
    unit_system: str = "metric"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.time_zone)


class Runtime:
    """A whole house in one object. Tests make a fresh one each, with a ``TestClock``."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        settings: HouseSettings | None = None,
        config_dir: Path | None = None,
    ) -> None:
        self.clock: Clock = clock or RealClock()
        self.settings = settings or HouseSettings()
        self.config_dir = config_dir
        self.tasks = TaskTracker()
        self.scheduler = Scheduler(self.clock, self.tasks)
        self.bus = EventBus(self.clock, self.tasks)
        self.states = StateStore(self.bus, self.clock, self.tasks)
        self.registries = Registries()
        self.services = ServiceRegistry(self.bus, self.states, self.registries)
        self.services.timeout = self.scheduler.timeout
        # Components (persistence, scenarios, adapters...) keep their own object here,
        # keyed by name; the orchestrator never imports them.
        self.components: dict[str, Any] = {}
        self._stop_hooks: list[StopHook] = []
        self._start_hooks: list[StopHook] = []
        self.running = False
        self._stopped = False
        # Set as start begins: ``running`` is set only once the automations are on.
        self._start_begun = False

    # --- time ------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.settings.tz)

    async def advance(self, seconds: float = 0) -> None:
        """Test clock only: move time forward, firing every timer due on the way."""
        await self.scheduler.advance_to(self.clock.now() + timedelta(seconds=seconds))

    async def advance_to(self, when: datetime) -> None:
        await self.scheduler.advance_to(when)

    # --- tasks -----------------------------------------------------------------

    def create_task(
        self,
        coro: Coroutine[Any, Any, T],
        name: str | None = None,
        *,
        on_done: Callable[[asyncio.Task[T]], None] | None = None,
        context: contextvars.Context | None = None,
    ) -> asyncio.Task[T]:
        return self.tasks.create(coro, name, on_done=on_done, context=context)

    def create_background_task(
        self, coro: Coroutine[Any, Any, T], name: str | None = None
    ) -> asyncio.Task[T]:
        return self.tasks.create_background(coro, name)

    async def idle(self) -> None:
        """Return when everything the events so far started has settled."""
        await self.tasks.idle()

    # --- lifecycle -------------------------------------------------------------

    def on_start(self, hook: StopHook) -> None:
        """Run ``hook`` when the house starts (after everything is set up)."""
        self._start_hooks.append(hook)

    def on_stop(self, hook: StopHook) -> None:
        """Run ``hook`` at stop; hooks run in reverse order of registration."""
        self._stop_hooks.append(hook)

    async def start(self, before_start: Callable[[], Awaitable[None]] | None = None) -> None:
        """Start the house. ``before_start`` (enabling the automations) runs after what
        integrations do at start (``EVENT_HOMELOOM_STARTING``): as in Home Assistant,
        whose automations attach once it has started, they do not see those changes."""
        if self._start_begun:
            return
        self._start_begun = True
        self.scheduler.start()
        self.bus.fire(EVENT_HOMELOOM_STARTING, context=Context(origin="system"))
        await self.idle()
        if before_start is not None:
            await before_start()
        self.running = True
        for hook in self._start_hooks:
            await _run_hook(hook)
        self.bus.fire(EVENT_HOMELOOM_START, context=Context(origin="system"))
        await self.idle()
        self.bus.fire(EVENT_HOMELOOM_STARTED, context=Context(origin="system"))

    async def stop(self) -> None:
        """Stop the house; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        self.bus.fire(EVENT_HOMELOOM_STOP, context=Context(origin="system"))
        try:
            async with asyncio.timeout(10):
                await self.idle()
        except TimeoutError:
            _LOGGER.warning("work still running at stop was cancelled")
        # Work still waiting is cancelled first, while the components it may
        # touch on its way out (the database) are still open.
        await self.tasks.cancel_all()
        for hook in reversed(self._stop_hooks):
            try:
                async with asyncio.timeout(10):
                    await _run_hook(hook)
            except Exception:
                _LOGGER.exception("stop hook %r failed", hook)
        self.scheduler.stop()
        await self.tasks.cancel_all()
        self.running = False

    async def __aenter__(self) -> Runtime:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def stopping(self) -> bool:
        """True from the moment ``stop()`` begins: work cancelled now is a shutdown."""
        return self._stopped

    @property
    def test_clock(self) -> TestClock:
        if not isinstance(self.clock, TestClock):
            raise TypeError("this runtime runs on real time")
        return self.clock


async def _run_hook(hook: StopHook) -> None:
    result = hook()
    if inspect.isawaitable(result):
        await result
