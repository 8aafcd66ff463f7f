"""Finding adapters through entry points, and running each one isolated.

An adapter that raises at setup or at run time, or hangs on a call, is
logged, its entities are marked ``unavailable``, and it is restarted with an
exponential backoff on the runtime's clock; the rest of the house keeps running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from homeloom.orchestrator import (
    STATE_UNAVAILABLE,
    AdapterError,
    ConfigIssue,
    Context,
    HomeloomError,
    Runtime,
    ServiceCall,
    Unsubscribe,
    register_capability_services,
)

from ._sdk import Adapter, AdapterConfig, AdapterHub, Discovered

__all__ = ["ENTRY_POINT_GROUP", "AdapterManager", "AdapterSlot", "available_adapters"]

_LOGGER = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "homeloom.adapters"
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 300.0


def available_adapters() -> dict[str, type[Adapter[Any]]]:
    """Every adapter installed, built in or from a separate package, by entry point name."""
    from importlib.metadata import entry_points

    found: dict[str, type[Adapter[Any]]] = {}
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = point.load()
        except Exception:
            _LOGGER.exception("adapter %s could not be imported", point.name)
            continue
        if isinstance(loaded, type) and issubclass(loaded, Adapter):
            found[point.name] = loaded
        else:
            _LOGGER.error("entry point %s is not an Adapter subclass", point.name)
    return found


def _installed(configs: list[Any]) -> dict[str, type[Adapter[Any]]]:
    """The installed adapters, imported only when there are entries to check against them."""
    return available_adapters() if configs else {}


class AdapterSlot:
    """One configured adapter: its instance, its entities, its health and its restarts."""

    def __init__(
        self, manager: AdapterManager, name: str, kind: type[Adapter[Any]], config: AdapterConfig
    ) -> None:
        self.manager = manager
        self.runtime = manager.runtime
        self.name = name
        self.kind = kind
        self.config = config
        self.entities: list[str] = []
        self.adapter: Adapter[Any] | None = None
        self.running = False
        self.failures = 0
        self.last_error: str | None = None
        self._timers: list[Unsubscribe] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._restart: Unsubscribe | None = None
        self._stopping = False
        self._commands = asyncio.Semaphore(max(kind.max_parallel_commands, 1))
        self.updates = asyncio.Semaphore(max(kind.max_parallel_updates, 1))

    # --- ownership -----------------------------------------------------------------

    def own(self, entity_id: str) -> None:
        if entity_id not in self.entities:
            self.entities.append(entity_id)
            self.runtime.services.set_provider(
                entity_id, self.command, timeout=self.kind.command_timeout + 1
            )

    def track_timer(self, cancel: Unsubscribe) -> Unsubscribe:
        self._timers.append(cancel)
        return cancel

    def supervise(self, coro: Coroutine[Any, Any, Any], name: str | None) -> None:
        async def guarded() -> None:
            try:
                await coro
            except asyncio.CancelledError:
                raise
            except Exception as err:
                self.failed(f"task {name or 'task'} crashed: {err!r}")

        task = self.runtime.create_background_task(guarded(), name=f"{self.name}: {name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def mark_unavailable(self, entity_ids: list[str] | None = None) -> None:
        for entity_id in entity_ids or self.entities:
            current = self.runtime.states.get(entity_id)
            attributes = dict(current.attributes) if current is not None else {}
            attributes.pop("restored", None)
            self.runtime.states.set(
                entity_id,
                STATE_UNAVAILABLE,
                attributes,
                context=Context(origin="adapter", source=self.name),
            )

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Set the adapter up and start it; on failure, schedule a restart."""
        self._restart = None
        hub = AdapterHub(self.runtime, self)
        self.adapter = self.kind(hub, self.config)
        try:
            async with self.runtime.scheduler.timeout(self.kind.setup_timeout):
                await self.adapter.setup()
                await self.adapter.start()
        except TimeoutError:
            await self._crashed(f"setup took longer than {self.kind.setup_timeout:g} s")
            return
        except Exception as err:
            await self._crashed(f"setup failed: {err!r}")
            return
        self.running = True
        self.failures = 0
        _LOGGER.info("adapter %s started with %d entities", self.name, len(self.entities))

    async def stop(self) -> None:
        self._stopping = True
        if self._restart is not None:
            self._restart()
            self._restart = None
        await self._teardown()

    async def _teardown(self) -> None:
        self.running = False
        for cancel in self._timers:
            cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        adapter, self.adapter = self.adapter, None
        if adapter is not None:
            try:
                async with self.runtime.scheduler.timeout(self.kind.setup_timeout):
                    await adapter.stop()
            except Exception as err:
                _LOGGER.warning("adapter %s did not stop cleanly: %r", self.name, err)

    def failed(self, reason: str) -> None:
        """Something went wrong at run time: restart, off the caller's path."""
        if self._stopping or self._restart is not None:
            return
        self.runtime.create_background_task(self._crashed(reason), name=f"restart {self.name}")

    async def _crashed(self, reason: str) -> None:
        if self._stopping or self._restart is not None:
            return
        self.failures += 1
        self.last_error = reason
        delay = min(BACKOFF_FIRST_S * 2 ** (self.failures - 1), BACKOFF_MAX_S)
        _LOGGER.error(
            "adapter %s failed (%s); its entities are unavailable; restarting in %g s",
            self.name,
            reason,
            delay,
        )
        # Set first, so a second failure report while tearing down does not double-schedule.
        self._restart = lambda: None
        await self._teardown()
        self.mark_unavailable()

        def restart(_: datetime) -> None:
            if not self._stopping:  # stop() may have come while tearing down
                self.runtime.create_background_task(self.start(), name=f"start {self.name}")

        self._restart = self.runtime.scheduler.call_later(delay, restart)

    # --- commands ----------------------------------------------------------------------

    async def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        adapter = self.adapter
        if adapter is None or not self.running:
            raise AdapterError(self.name, f"is restarting; {entity_id} is unavailable")
        async with self._commands:
            try:
                async with self.runtime.scheduler.timeout(self.kind.command_timeout):
                    await adapter.handle_command(entity_id, service, data, context)
            except TimeoutError:
                self.failed(f"{service} on {entity_id} hung")
                raise AdapterError(
                    self.name,
                    f"{service} on {entity_id} got no answer "
                    f"within {self.kind.command_timeout:g} s",
                ) from None
            except HomeloomError:
                raise
            except Exception as err:
                self.failed(f"{service} on {entity_id} raised {err!r}")
                raise AdapterError(self.name, f"{service} on {entity_id} failed: {err}") from err

    async def refresh(self, entity_id: str) -> None:
        """Ask the adapter for one entity's current state, within the update limit."""
        adapter = self.adapter
        if adapter is None or not self.running:
            raise AdapterError(self.name, f"is restarting; {entity_id} is unavailable")
        async with self.updates:
            try:
                async with self.runtime.scheduler.timeout(self.kind.command_timeout):
                    await adapter.refresh(entity_id)
            except TimeoutError:
                self.failed(f"refreshing {entity_id} hung")
                raise AdapterError(self.name, f"refreshing {entity_id} got no answer") from None
            except HomeloomError:
                raise
            except Exception as err:
                self.failed(f"refreshing {entity_id} raised {err!r}")
                raise AdapterError(self.name, f"refreshing {entity_id} failed: {err}") from err

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "adapter": self.kind.name,
            "running": self.running,
            "failures": self.failures,
            "last_error": self.last_error,
            "entities": list(self.entities),
        }


class AdapterManager:
    """Every configured adapter; kept as ``runtime.components["adapters"]``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.slots: dict[str, AdapterSlot] = {}
        self.discovered: dict[tuple[str, str], Discovered] = {}
        #: Called with each device an adapter reports (the discovery component listens).
        self.on_discovered: list[Callable[[Discovered], None]] = []
        runtime.components["adapters"] = self
        runtime.on_stop(self.stop)
        # Home Assistant's "ask the device now" service, for entities adapters provide.
        for domain in ("homeassistant", "homeloom"):
            runtime.services.register(
                domain, "update_entity", self._update_entity, target="required"
            )

    async def _update_entity(self, call: ServiceCall) -> None:
        # An entity of the house's own (a template entity) works its state out again
        # here; one with nothing to work out (a helper) is left as it is, as in Home
        # Assistant, where writing the same state again changes nothing.
        refreshes: list[Awaitable[None]] = []
        for entity_id in call.entity_ids:
            refresh = self.runtime.services.refresher_of(entity_id)
            answer = None if refresh is None else refresh()
            if answer is not None:  # a command line entity's command, still running
                refreshes.append(answer)
        refreshes += [
            slot.refresh(entity_id)
            for entity_id in call.entity_ids
            for slot in self.slots.values()
            if entity_id in slot.entities
        ]
        results = await asyncio.gather(*refreshes, return_exceptions=True)
        errors = [result for result in results if isinstance(result, BaseException)]
        if errors:
            raise errors[0]

    def validate(
        self, configs: list[Any], known: Mapping[str, type[Adapter[Any]]] | None = None
    ) -> tuple[list[tuple[str, type[Adapter[Any]], AdapterConfig]], list[ConfigIssue]]:
        """Each ``adapters:`` entry checked against its adapter's model, with positions."""
        kinds = dict(known) if known is not None else _installed(configs)
        valid: list[tuple[str, type[Adapter[Any]], AdapterConfig]] = []
        issues: list[ConfigIssue] = []
        names: set[str] = set()
        for index, item in enumerate(configs):
            path = f"adapters[{index}]"
            if not isinstance(item, Mapping) or "adapter" not in item:
                issues.append(_issue(configs, index, path, "each adapter needs 'adapter: NAME'"))
                continue
            kind = kinds.get(str(item["adapter"]))
            if kind is None:
                available = ", ".join(sorted(kinds)) or "none installed"
                issues.append(
                    _issue(
                        item,
                        "adapter",
                        f"{path}.adapter",
                        f"no adapter {item['adapter']!r}; available: {available}",
                    )
                )
                continue
            try:
                config = kind.config_model.model_validate(dict(item))
            except ValidationError as err:
                fields = ", ".join(sorted(kind.config_model.model_fields))
                for error in err.errors():
                    key = str(error["loc"][0]) if error["loc"] else None
                    message = error["msg"]
                    if error["type"] == "extra_forbidden":
                        message = f"unknown option {key!r}; valid options: {fields}"
                    issues.append(_issue(item, key, f"{path}.{key}" if key else path, message))
                continue
            name = config.name or str(item["adapter"])
            if name in names:
                issues.append(
                    _issue(
                        item,
                        "adapter",
                        path,
                        f"two adapters are named {name!r}; give one a 'name:'",
                    )
                )
                continue
            names.add(name)
            valid.append((name, kind, config))
        return valid, issues

    async def setup(
        self, configs: list[Any], known: Mapping[str, type[Adapter[Any]]] | None = None
    ) -> list[ConfigIssue]:
        """Start every valid adapter; bad entries are reported and the others still run."""
        register_capability_services(self.runtime)
        valid, issues = self.validate(configs, known)
        for name, kind, config in valid:
            slot = AdapterSlot(self, name, kind, config)
            self.slots[name] = slot
            await slot.start()
        return issues

    async def add(
        self, item: Mapping[str, Any], known: Mapping[str, type[Adapter[Any]]] | None = None
    ) -> AdapterSlot:
        """Start one more adapter while the house runs (an adopted device)."""
        register_capability_services(self.runtime)
        valid, issues = self.validate([item], known)
        if issues or not valid:
            raise HomeloomError("; ".join(str(issue) for issue in issues) or "invalid adapter")
        ((name, kind, config),) = valid
        if name in self.slots:
            raise HomeloomError(f"an adapter is already named {name!r}")
        slot = self.slots[name] = AdapterSlot(self, name, kind, config)
        await slot.start()
        return slot

    async def stop(self) -> None:
        for slot in self.slots.values():
            await slot.stop()

    def add_discovered(self, item: Discovered) -> None:
        key = (item.adapter, item.key)
        if key not in self.discovered:
            self.discovered[key] = item
            self.runtime.bus.fire(
                "homeloom_discovered", {"adapter": item.adapter, "key": item.key, "name": item.name}
            )
            for listener in self.on_discovered:
                listener(item)


def _issue(container: Any, key: Any, path: str, message: str) -> ConfigIssue:
    position = getattr(container, "position_of", None)
    pos = position(key) if callable(position) and key is not None else None
    if pos is None:
        pos = getattr(container, "position", None)
    return ConfigIssue(
        message,
        file=getattr(pos, "file", None),
        line=getattr(pos, "line", None),
        column=getattr(pos, "column", None),
        key=path,
    )
