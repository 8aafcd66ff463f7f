"""Switches shown as another kind of device ("Change device type of a switch"), made in
Home Assistant's UI as config entries of the ``switch_as_x`` integration, as Home
Assistant 2024.3 makes them.

An entry's ``options`` name the wrapped switch (``entity_id``: an entity id, or an entity
registry id), the wrapper's domain (``target_domain``: light, fan, siren, cover, valve or
lock) and, for a cover, valve or lock, ``invert`` (false when left out, as Home
Assistant's migration of older entries sets it). What Home Assistant does and homeloom
mirrors:

* the wrapper's state follows the switch's: ``on``/``off`` for a light, fan or siren;
  ``open``/``closed`` for a cover or valve; ``unlocked``/``locked`` for a lock, the
  switch on meaning open (unlocked) unless inverted. A switch in any state other than
  ``on`` (``unknown`` too) counts as off; a missing or unavailable switch makes the
  wrapper unavailable;
* its services call ``switch.turn_on``/``switch.turn_off`` on the switch, with the
  call's context and no data (a light's brightness or a fan's percentage is dropped);
  ``toggle`` turns it off when the wrapper shows on (open), else on. Services needing a
  feature the wrapper lacks (a cover's position or stop, a fan's speed, a lock's open)
  are refused; an unavailable wrapper is passed by;
* attributes: ``supported_features`` (3 for covers, valves and sirens: open/close,
  turn on/off; 0 for the others), a light's ``supported_color_modes`` ``[onoff]`` and
  ``color_mode`` (``onoff`` while on);
* its name is the wrapped switch's ``original_name`` when the entity registry keeps the
  switch (even none), else the entry's title; with the switch's ``has_entity_name`` and
  a device, the device's name comes first (or alone). Its entity id is the one the
  registry keeps for the wrapper, else made from that name (``switch_as_x_<entry id>``
  without one). A name the resident gave the wrapper in the registry is its friendly
  name; a new wrapper takes the name the resident gave the switch, as Home Assistant
  copies it when it registers the wrapper.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import Context, Event, Runtime, ServiceValidationError

from ._computed_entries import RegisteredEntity, entry_identity
from ._entity_hooks import Hooks, stop_entity
from ._platform_options import OptionError, registry_entity_id

__all__ = ["TARGET_DOMAINS", "make_switch_as_x"]


@dataclass(frozen=True, slots=True)
class _Kind:
    """What a target domain shows and calls: its states for the switch on and off, the
    services that turn the switch on and off, and its features."""

    on_state: str
    off_state: str
    on_service: str
    off_service: str
    features: int
    invertible: bool


_KINDS = {
    "light": _Kind("on", "off", "turn_on", "turn_off", 0, invertible=False),
    "fan": _Kind("on", "off", "turn_on", "turn_off", 0, invertible=False),
    # SirenEntityFeature.TURN_ON | TURN_OFF
    "siren": _Kind("on", "off", "turn_on", "turn_off", 3, invertible=False),
    # CoverEntityFeature.OPEN | CLOSE, ValveEntityFeature.OPEN | CLOSE
    "cover": _Kind("open", "closed", "open_cover", "close_cover", 3, invertible=True),
    "valve": _Kind("open", "closed", "open_valve", "close_valve", 3, invertible=True),
    "lock": _Kind("unlocked", "locked", "unlock", "lock", 0, invertible=True),
}
TARGET_DOMAINS = frozenset(_KINDS)
# Home Assistant's lock has no toggle service.
_WITH_TOGGLE = TARGET_DOMAINS - {"lock"}


@dataclass(frozen=True, slots=True)
class _Wrapped:
    """What the entity registry keeps of the wrapped switch that names the wrapper."""

    original_name: str | None
    custom_name: str | None
    device_name: str | None  # only with the switch's has_entity_name and a known device


@dataclass
class _SwitchAsX:
    runtime: Runtime
    domain: str
    entity_id: str
    name: str | None
    switch: str
    invert: bool
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    @property
    def kind(self) -> _Kind:
        return _KINDS[self.domain]

    def start(self) -> None:
        self.hooks.keep(self.runtime.states.track([self.switch], self._switch_changed))
        # Internal: a call on the wrapper waits for the switch's call, done here.
        services = self.runtime.services
        self.hooks.keep(services.set_provider(self.entity_id, self._command, internal=True))
        self._write(None)

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _switch_changed(self, event: Event) -> None:
        self._write(event.context)

    def _write(self, context: Context | None) -> None:
        kind, switch = self.kind, self.runtime.states.get(self.switch)
        attributes: dict[str, Any] = {}
        if self.domain == "light":
            attributes["supported_color_modes"] = ["onoff"]
        if switch is None or switch.state == "unavailable":
            state = "unavailable"
        else:
            shown_on = (switch.state == "on") != self.invert
            state = kind.on_state if shown_on else kind.off_state
            if self.domain == "light":
                attributes["color_mode"] = "onoff" if shown_on else None
        if self.name is not None:
            attributes["friendly_name"] = self.name
        attributes["supported_features"] = kind.features
        self.runtime.states.set(self.entity_id, state, attributes, context=context or Context())

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        current = self.runtime.states.get(self.entity_id)
        kind = self.kind
        if service == "toggle" and self.domain in _WITH_TOGGLE:
            shows_on = current is not None and current.state == kind.on_state
            service = kind.off_service if shows_on else kind.on_service
        if service not in (kind.on_service, kind.off_service):
            raise ServiceValidationError(
                self.domain, service, "", f"Entity {entity_id} does not support this service."
            )
        if current is None or current.state == "unavailable":
            return None  # Home Assistant passes an unavailable entity by
        switch_on = (service == kind.on_service) != self.invert
        return self._call_switch("turn_on" if switch_on else "turn_off", context)

    async def _call_switch(self, service: str, context: Context) -> None:
        await self.runtime.services.call(
            "switch", service, {}, target={"entity_id": [self.switch]}, context=context
        )


def make_switch_as_x(
    runtime: Runtime,
    entry_id: str,
    title: str,
    options: Mapping[str, Any],
    registered: RegisteredEntity | None,
    registry_items: Mapping[str, Mapping[str, Any]],
    registry_ids: Mapping[str, str],
) -> _SwitchAsX:
    """Make the wrapper of a ``switch_as_x`` entry; an :class:`OptionError` names the
    option Home Assistant could not set it up with."""
    domain = options.get("target_domain")
    if not isinstance(domain, str) or domain not in _KINDS:
        choices = ", ".join(sorted(_KINDS))
        raise OptionError(
            "target_domain", f"'target_domain' must be one of {choices}, got {domain!r}"
        )
    if "entity_id" not in options:
        raise OptionError("entity_id", "'entity_id' missing")
    switch = registry_entity_id(options["entity_id"], "entity_id", registry_ids)
    invert = options.get("invert", False) if _KINDS[domain].invertible else False
    if not isinstance(invert, bool):
        raise OptionError("invert", f"'invert' must be true or false, got {invert!r}")
    wrapped = _wrapped(runtime, registry_items.get(switch))
    name = title if wrapped is None else wrapped.original_name
    shown = _with_device_name(name, wrapped)
    # Home Assistant makes a nameless entity's id from its platform and unique id.
    entity_id = entry_identity(runtime, domain, shown or f"switch_as_x {entry_id}", registered)[0]
    friendly = shown
    if registered is not None and registered.name is not None:
        friendly = registered.name
    elif registered is None and wrapped is not None and wrapped.custom_name is not None:
        friendly = wrapped.custom_name  # copied by Home Assistant as it registers the wrapper
    wrapper = _SwitchAsX(runtime, domain, entity_id, friendly, switch, invert)
    wrapper.start()
    return wrapper


def _wrapped(runtime: Runtime, item: Mapping[str, Any] | None) -> _Wrapped | None:
    if item is None:
        return None
    device_name = None
    device_id = item.get("device_id")
    thing = runtime.registries.things.get(device_id) if isinstance(device_id, str) else None
    if item.get("has_entity_name") is True and thing is not None:
        device_name = thing.name_by_user or thing.name
    original, custom = item.get("original_name"), item.get("name")
    return _Wrapped(
        original if isinstance(original, str) else None,
        custom if isinstance(custom, str) and custom else None,
        device_name,
    )


def _with_device_name(name: str | None, wrapped: _Wrapped | None) -> str | None:
    """The wrapper's name, with the device's name before it (or alone, without one) when
    the switch is named by its device; its entity id is made from it too."""
    if wrapped is None or wrapped.device_name is None:
        return name
    return f"{wrapped.device_name} {name}" if name else wrapped.device_name
