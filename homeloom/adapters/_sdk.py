"""The adapter SDK: what an adapter author writes against.

An adapter is a class with a pydantic configuration model and four
coroutines: ``setup`` (publish things and entities), ``start`` (begin
reporting), ``stop`` and ``handle_command``. It touches the house only through
its :class:`AdapterHub`, so a failing adapter can be isolated, marked
unavailable and restarted without the rest of the house noticing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict

from homeloom.orchestrator import (
    Context,
    EntityEntry,
    Runtime,
    ServiceHandler,
    Thing,
    Unsubscribe,
    slugify,
)
from homeloom.orchestrator._ha_registries import entity_registry_file

if TYPE_CHECKING:
    from ._manager import AdapterSlot

T = TypeVar("T")

__all__ = [
    "Adapter",
    "AdapterConfig",
    "AdapterHub",
    "Discovered",
    "EntityDescription",
]


class AdapterConfig(BaseModel):
    """The options every adapter accepts; subclass it to add an adapter's own."""

    # Adapters' models inherit this: each validator is built when its adapter is first
    # configured, not by every house that imports the SDK.
    model_config = ConfigDict(extra="forbid", defer_build=True)
    adapter: str
    name: str | None = None


ConfigT = TypeVar("ConfigT", bound=AdapterConfig)


@dataclass(frozen=True, slots=True)
class EntityDescription:
    """One capability of a thing, as an adapter publishes it."""

    domain: str
    unique_id: str
    name: str
    thing_id: str | None = None
    device_class: str | None = None
    area_id: str | None = None
    object_id: str | None = None  # the wanted ``domain.object_id``; default: from the name
    # The Home Assistant integration and unique id the same entity had there (MQTT
    # discovery: ``mqtt`` and the config's ``unique_id``): it then takes the entity id
    # HA's imported registry keeps for them, and is not added when disabled there.
    ha_platform: str | None = None
    ha_unique_id: str | None = None
    # A config or diagnostic entity (``entity_category``): no area or device target names it.
    hidden: bool = False
    # False: added disabled (not published) unless Home Assistant's registry enables it.
    enabled_by_default: bool = True


@dataclass(frozen=True, slots=True)
class Discovered:
    """A device found on the network, waiting for a resident to adopt it."""

    adapter: str
    key: str
    name: str
    details: Mapping[str, Any]


class AdapterHub:
    """What an adapter may do to the house: publish, report, schedule, run tasks."""

    def __init__(self, runtime: Runtime, slot: AdapterSlot) -> None:
        self._runtime = runtime
        self._slot = slot
        self.logger = logging.getLogger(f"homeloom.adapters.{slot.name}")
        # What Home Assistant's entity registry shows of an entity in place of what the
        # adapter reports (a name, icon or device class a resident gave it), by entity id.
        self._registry_shown: dict[str, dict[str, str]] = {}

    @property
    def name(self) -> str:
        return self._slot.name

    def now(self) -> datetime:
        return self._runtime.now()

    @property
    def settings(self) -> Any:
        return self._runtime.settings

    # --- publishing --------------------------------------------------------------

    def add_area(self, name: str, area_id: str | None = None) -> str:
        area = self._runtime.registries.area_by_name_or_id(area_id or name)
        if area is None:
            area = self._runtime.registries.add_area(name, area_id)
        return area.id

    def add_thing(
        self,
        thing_id: str,
        name: str,
        *,
        manufacturer: str | None = None,
        model: str | None = None,
        area_id: str | None = None,
        sw_version: str | None = None,
    ) -> Thing:
        return self._runtime.registries.add_thing(
            Thing(
                id=thing_id,
                name=name,
                adapter=self.name,
                area_id=area_id,
                manufacturer=manufacturer,
                model=model,
                sw_version=sw_version,
            )
        )

    def add_entity(
        self,
        description: EntityDescription,
        state: str,
        attributes: Mapping[str, Any] | None = None,
    ) -> str:
        """Publish an entity with its first state; returns its (stable) entity id.

        An entity whose Home Assistant registry entry is disabled is not added: no
        state, no commands (:meth:`disabled` says so), as Home Assistant does."""
        object_id = description.object_id or slugify(description.name)
        entry = self._runtime.registries.add_entity(
            EntityEntry(
                f"{description.domain}.{object_id}",
                unique_id=description.unique_id,
                adapter=self.name,
                thing_id=description.thing_id,
                area_id=description.area_id,
                name=description.name,
                device_class=description.device_class,
                platform=description.ha_platform,
                ha_unique_id=description.ha_unique_id,
                hidden=description.hidden,
                disabled=not description.enabled_by_default,
            )
        )
        if entry.disabled:
            self.logger.info(
                "%s not added: %s",
                entry.entity_id,
                "disabled by default (enabled_by_default: false)"
                if entry.registry_id is None
                else "its Home Assistant entity registry entry is disabled",
            )
            return entry.entity_id
        self._slot.own(entry.entity_id)
        shown = self._shown_by_registry(description, entry.entity_id)
        if shown:
            self._registry_shown[entry.entity_id] = shown
        else:
            self._registry_shown.pop(entry.entity_id, None)
        base = {"friendly_name": description.name}
        if description.device_class:
            base["device_class"] = description.device_class
        self.set_state(entry.entity_id, state, {**base, **(attributes or {})})
        return entry.entity_id

    def _shown_by_registry(self, description: EntityDescription, entity_id: str) -> dict[str, str]:
        """The name, icon and device class the resident gave the entity in Home
        Assistant's UI (``RegistryEntry.shown``), when it took its registered id by the
        platform and unique id it had there; none otherwise."""
        if description.ha_platform is None or description.ha_unique_id is None:
            return {}
        registered = entity_registry_file(self._runtime).get(
            description.domain, description.ha_platform, description.ha_unique_id
        )
        if registered is None or registered.disabled or registered.entity_id != entity_id:
            return {}
        return registered.shown()

    def disabled(self, entity_id: str) -> bool:
        """Whether :meth:`add_entity` left ``entity_id`` out: disabled in Home Assistant."""
        entry = self._runtime.registries.entities.get(entity_id)
        return entry is not None and entry.disabled and entry.adapter == self.name

    def set_state(
        self,
        entity_id: str,
        state: str,
        attributes: Mapping[str, Any] | None = None,
        *,
        merge: bool = False,
        force_update: bool = False,
    ) -> None:
        """Report a device's state; a report that answers a command is tied to it.
        ``force_update``: a state change event even when nothing changed."""
        current = self._runtime.states.get(entity_id)
        attrs = dict(attributes or {})
        if merge and current is not None:
            attrs = {**{k: v for k, v in current.attributes.items() if k != "restored"}, **attrs}
        shown = self._registry_shown.get(entity_id)
        if shown:  # as Home Assistant writes each state of a registered entity
            attrs.update(shown)
        self._runtime.states.set(
            entity_id, state, attrs, source=self.name, force_update=force_update
        )

    def state(self, entity_id: str) -> Any:
        return self._runtime.states.get(entity_id)

    def mark_unavailable(self, entity_ids: list[str] | None = None) -> None:
        """The device is gone: its entities read ``unavailable`` until it reports again."""
        self._slot.mark_unavailable(entity_ids)

    def fire_event(self, event_type: str, data: Mapping[str, Any]) -> None:
        self._runtime.bus.fire(event_type, data, Context(origin="adapter", source=self.name))

    def shared(self, key: str, make: Callable[[], T]) -> T:
        """A process-wide object several adapters (and scenarios) use, such as a broker
        connection's message router: made on first use, kept across restarts."""
        found = self._runtime.components.get(key)
        if found is None:
            found = self._runtime.components[key] = make()
        return cast(T, found)

    def register_service(
        self,
        domain: str,
        service: str,
        handler: ServiceHandler,
        *,
        schema: type[BaseModel] | None = None,
        description: str = "",
    ) -> Unsubscribe:
        """A service the adapter offers scenarios (``mqtt.publish``), not tied to an entity."""
        return self._runtime.services.register(
            domain, service, handler, schema=schema, description=description
        )

    def has_service(self, domain: str, service: str) -> bool:
        return self._runtime.services.has(domain, service)

    def when_running(self, callback: Callable[[], Any]) -> None:
        """Call ``callback`` once the house runs (at once if it does): connect to devices
        only then, so that ``homeloom check`` never touches them."""
        if self._runtime.running:
            callback()
        else:
            self._runtime.on_start(callback)

    def discovered(self, item: Discovered) -> None:
        self._slot.manager.add_discovered(item)

    # --- time and tasks ------------------------------------------------------------

    def call_later(self, seconds: float, callback: Callable[[datetime], Any]) -> Unsubscribe:
        return self._slot.track_timer(self._runtime.scheduler.call_later(seconds, callback))

    def call_every(self, seconds: float, callback: Callable[[datetime], Any]) -> Unsubscribe:
        return self._slot.track_timer(self._runtime.scheduler.call_every(seconds, callback))

    def updating(self) -> asyncio.Semaphore:
        """Hold one of the adapter's update slots while refreshing a device::

            async with self.hub.updating():
                status = await self.client.get_status()

        At most ``max_parallel_updates`` refreshes run at once, so polling many
        devices never floods a slow bridge; commands have their own limit.
        """
        return self._slot.updates

    async def sleep(self, seconds: float) -> None:
        await self._runtime.scheduler.sleep(seconds)

    def create_task(self, coro: Coroutine[Any, Any, Any], name: str | None = None) -> None:
        """A long-running task (a connection loop); if it crashes, the adapter restarts."""
        self._slot.supervise(coro, name)


class Adapter(Generic[ConfigT]):
    """Base class of every adapter; see ``docs/adapters.md``."""

    name: ClassVar[str] = ""
    config_model: ClassVar[type[AdapterConfig]] = AdapterConfig
    #: Seconds a command may take before the adapter is considered hung.
    command_timeout: ClassVar[float] = 10.0
    #: Seconds ``setup`` and ``start`` may take.
    setup_timeout: ClassVar[float] = 30.0
    #: How many commands may run at once against this adapter's devices.
    max_parallel_commands: ClassVar[int] = 4
    #: How many state refreshes (polls, read-backs) may run at once; see ``hub.updating()``.
    max_parallel_updates: ClassVar[int] = 4
    #: Zeroconf service types this adapter understands (for discovery), each with optional
    #: shell-style patterns on TXT values and the instance name:
    #: ``({"type": "_x._tcp.local.", "properties": {"gen": "2"}, "name": "x-*"},)``.
    zeroconf: ClassVar[tuple[Mapping[str, Any], ...]] = ()

    def __init__(self, hub: AdapterHub, config: ConfigT) -> None:
        self.hub = hub
        self.config = config

    async def setup(self) -> None:
        """Publish things and entities (with ``hub.add_thing``/``hub.add_entity``)."""

    async def start(self) -> None:
        """Begin reporting states (timers, connection loops through ``hub.create_task``)."""

    async def stop(self) -> None:
        """Release connections; the hub cancels timers and tasks itself."""

    async def refresh(self, entity_id: str) -> None:
        """Ask the device for ``entity_id``'s current state and report it
        (``homeassistant.update_entity``); by default, nothing to do: pushed states
        are current."""

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        """Carry out one command on one entity, then report the device's new state."""
        raise NotImplementedError(f"{self.name} cannot carry out {service} on {entity_id}")
