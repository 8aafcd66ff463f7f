"""Home Assistant MQTT discovery: ``<prefix>/<component>/[<node_id>/]<object_id>/config``.

Each config (abbreviations expanded, ``~`` resolved) becomes an entity, and
its ``device`` block a thing. An empty config removes the entity (it stays
known, and reads ``unavailable``). A device-based config
(``<prefix>/device/<object_id>/config`` with ``components``) describes several
entities of one device at once. Malformed configs and state messages are
logged with their topic and ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import ServiceValidationError, Unsubscribe, slugify

from .._sdk import AdapterHub, EntityDescription
from ._abbreviations import expand
from ._device_triggers import DeviceTriggers, discovery_key
from ._ha_entity import HaContext, HaEntity, StateHandler
from ._ha_fan import Fan
from ._ha_lights import DefaultLight, JsonLight, TemplateLight
from ._ha_platforms import (
    BinarySensor,
    Button,
    Climate,
    Cover,
    DeviceTracker,
    Lock,
    Number,
    Select,
    Sensor,
    Switch,
)
from ._router import MqttMessage, MqttRouter
from ._values import PayloadError, ValueTemplates, parse_json

__all__ = ["PLATFORMS", "HaDiscovery", "unread_options"]

Factory = Callable[[HaContext, Mapping[str, Any]], HaEntity]
# The integration Home Assistant registers discovered and YAML MQTT entities under.
_HA_PLATFORM = "mqtt"
_MALFORMED = (PayloadError, ValueError, TypeError, KeyError, ArithmeticError)


_LIGHT_SCHEMAS: dict[str, type[HaEntity]] = {
    "default": DefaultLight,
    "basic": DefaultLight,
    "json": JsonLight,
    "template": TemplateLight,
}


def _light(ctx: HaContext, config: Mapping[str, Any]) -> HaEntity:
    schema = config.get("schema", "default")
    if schema not in _LIGHT_SCHEMAS:
        raise PayloadError(
            f"light schema {schema!r} is not supported (default, json and template are)"
        )
    return _LIGHT_SCHEMAS[schema](ctx, config)


PLATFORMS: dict[str, Factory] = {
    "binary_sensor": BinarySensor,
    "button": Button,
    "climate": Climate,
    "cover": Cover,
    "device_tracker": DeviceTracker,
    "fan": Fan,
    "light": _light,
    "lock": Lock,
    "number": Number,
    "select": Select,
    "sensor": Sensor,
    "switch": Switch,
}


def unread_options(component: str, config: Mapping[str, Any]) -> list[str]:
    """The options of a config for ``component`` that homeloom does not act on."""
    factory = PLATFORMS.get(component)
    if factory is _light:
        factory = _LIGHT_SCHEMAS.get(str(config.get("schema", "default")))
    if not isinstance(factory, type) or not issubclass(factory, HaEntity):
        return []
    return factory.unread_options(config)


class _Availability:
    """``availability`` topics and ``availability_mode`` (latest, all or any)."""

    def __init__(self, config: Mapping[str, Any], templates: ValueTemplates) -> None:
        self.templates = templates
        entries: list[Mapping[str, Any]] = []
        if isinstance(config.get("availability"), list):
            entries.extend(e for e in config["availability"] if isinstance(e, Mapping))
        if config.get("availability_topic"):
            entries.append(
                {
                    "topic": config["availability_topic"],
                    "payload_available": config.get("payload_available"),
                    "payload_not_available": config.get("payload_not_available"),
                    "value_template": config.get("availability_template"),
                }
            )
        self.entries: dict[str, Mapping[str, Any]] = {}
        for entry in entries:
            topic = entry.get("topic")
            if not isinstance(topic, str) or not topic:
                raise PayloadError("each availability entry needs a 'topic'")
            self.entries[topic] = entry
        self.mode = str(config.get("availability_mode", "latest"))
        if self.mode not in ("latest", "all", "any"):
            raise PayloadError(f"availability_mode must be latest, all or any, not {self.mode!r}")
        self.values: dict[str, bool] = {}
        self.latest: bool | None = None

    @property
    def available(self) -> bool:
        if not self.entries:
            return True
        if self.mode == "latest":
            return bool(self.latest)
        if self.mode == "any":
            return any(self.values.values())
        return len(self.values) == len(self.entries) and all(self.values.values())

    def update(self, message: MqttMessage) -> None:
        entry = self.entries[message.topic]
        value = self.templates.render(entry.get("value_template"), message.value)
        if value == str(entry.get("payload_available") or "online"):
            online = True
        elif value == str(entry.get("payload_not_available") or "offline"):
            online = False
        else:
            raise PayloadError(f"{value[:80]!r} is neither available nor not available")
        self.values[message.topic] = online
        self.latest = online


@dataclass(slots=True)
class _Entry:
    config: dict[str, Any]
    entity: HaEntity
    availability: _Availability
    undo: list[Unsubscribe] = field(default_factory=list)

    def detach(self) -> None:
        for undo in self.undo:
            undo()
        self.undo.clear()
        self.entity.close()


class HaDiscovery:
    """Entities and things for every discovery config on the broker."""

    def __init__(
        self,
        hub: AdapterHub,
        ctx: HaContext,
        router: MqttRouter,
        prefix: str,
        *,
        skip_origins: frozenset[str] = frozenset(),
    ) -> None:
        self.hub = hub
        self.ctx = ctx
        self.router = router
        self.prefix = prefix
        self.skip_origins = skip_origins
        self._logger = hub.logger
        self._entries: dict[str, _Entry] = {}  # by discovery id
        self._by_entity: dict[str, str] = {}
        # Scenarios find the first MQTT adapter's device triggers; another adapter keeps its own.
        first = hub.shared("mqtt", MqttRouter) is router
        key = "mqtt_device_triggers" if first else f"mqtt_device_triggers:{hub.name}"
        self.device_triggers = hub.shared(key, lambda: DeviceTriggers(router, ctx.templates))

    def attach(self) -> Unsubscribe:
        undo = self.router.subscribe(f"{self.prefix}/#", self._on_message)

        def detach() -> None:
            undo()
            self.close()

        return detach

    def close(self) -> None:
        """Stop reading the entities' topics (the adapter stops)."""
        for entry in self._entries.values():
            entry.detach()

    def owns(self, entity_id: str) -> bool:
        discovery_id = self._by_entity.get(entity_id)
        return discovery_id is not None and discovery_id in self._entries

    async def command(self, entity_id: str, service: str, data: Mapping[str, Any]) -> None:
        entry = self._entries.get(self._by_entity.get(entity_id, ""))
        if entry is None:
            domain = entity_id.split(".", 1)[0]
            raise ServiceValidationError(domain, service, "", f"{entity_id} was removed")
        await entry.entity.command(service, data)

    # --- configs ---------------------------------------------------------------------------

    def _on_message(self, message: MqttMessage) -> None:
        parts = message.topic[len(self.prefix) + 1 :].split("/")
        if parts[-1] != "config" or len(parts) not in (3, 4):
            return  # <prefix>/status, and anything else under the prefix
        component, object_id = parts[0], parts[-2]
        discovery_id = "/".join(parts[:-1])
        try:
            if component == "device_automation":
                self._device_trigger(parts, message)
                return
            if not message.payload:
                self._remove_all(discovery_id)
                return
            config = parse_json(message.text)
            if not isinstance(config, Mapping):
                raise PayloadError("a discovery config must be a JSON object")
            config = expand(config)
            if component == "device":
                self._configure_device(discovery_id, config)
            else:
                self._configure(discovery_id, component, object_id, config)
        except _MALFORMED as err:
            self._logger.warning(
                "ignored the discovery config on %s: %s", message.topic, err or type(err).__name__
            )

    def _device_trigger(self, parts: list[str], message: MqttMessage) -> None:
        key = discovery_key(parts[1] if len(parts) == 4 else None, parts[-2])
        if not message.payload:
            self.device_triggers.remove(key)
            return
        config = parse_json(message.text)
        if not isinstance(config, Mapping):
            raise PayloadError("a discovery config must be a JSON object")
        self.device_triggers.configure(key, expand(config))

    def _configure_device(self, discovery_id: str, config: dict[str, Any]) -> None:
        components = config.pop("components", None)
        if not isinstance(components, Mapping) or not components:
            raise PayloadError("a device config needs 'components'")
        shared = {k: v for k, v in config.items() if k not in ("unique_id", "name", "object_id")}
        for key, item in components.items():
            if not isinstance(item, Mapping):
                raise PayloadError(f"component {key!r} must be a JSON object")
            merged = {**shared, **item}
            platform = merged.pop("platform", None)
            if not isinstance(platform, str):
                raise PayloadError(f"component {key!r} needs 'platform'")
            if not merged:
                self._remove(f"{discovery_id}/{key}")
                continue
            self._configure(f"{discovery_id}/{key}", platform, str(key), merged)

    def _configure(
        self, discovery_id: str, component: str, object_id: str, config: dict[str, Any]
    ) -> None:
        if component not in PLATFORMS:
            self._logger.info("discovery: %s entities are not supported; skipped", component)
            return
        origin = config.get("origin")
        if isinstance(origin, Mapping) and origin.get("name") in self.skip_origins:
            return  # followed through its own conventions (Zigbee2MQTT's bridge topics)
        wanted = config.get("object_id") or str(config.get("default_entity_id", "")).split(".")[-1]
        previous = self._entries.get(discovery_id)
        unread = unread_options(component, config)
        if unread and (previous is None or previous.config != config):
            self._logger.warning(
                "discovery config %s/%s/config: homeloom does not read %s; ignored",
                self.prefix,
                discovery_id,
                ", ".join(repr(key) for key in unread),
            )
        self.add(
            discovery_id,
            component,
            config,
            _name(config, component, object_id),
            slugify(str(wanted)) if wanted else None,
        )

    def add(
        self, key: str, component: str, config: dict[str, Any], name: str, object_id: str | None
    ) -> None:
        """Make (or remake) the entity of one config, kept as ``key``; ``object_id`` is
        the wanted entity id's (None: from ``name``). Raises what refuses the config."""
        previous = self._entries.get(key)
        if previous is not None and previous.config == config:
            return  # the same config again (retained, after a reconnect)
        entity = PLATFORMS[component](self.ctx, config)
        availability = _Availability(config, self.ctx.templates)
        # May refuse the config:
        attributes = {**entity.shown_options(), **entity.attributes()}
        topics = entity.all_topics()
        if previous is not None:
            previous.detach()
        unique_id = config.get("unique_id")
        description = EntityDescription(
            component,
            f"ha-{unique_id or key}",
            name,
            thing_id=self._thing(config.get("device")),
            device_class=_text(config.get("device_class")),
            object_id=object_id,
            # Home Assistant registered it under these: a house copied from it keeps its id.
            ha_platform=_HA_PLATFORM if unique_id else None,
            ha_unique_id=str(unique_id) if unique_id else None,
            hidden=config.get("entity_category") in ("config", "diagnostic"),
            # Without a unique id there is no registry entry to disable: it is added.
            enabled_by_default=not unique_id or config.get("enabled_by_default") is not False,
        )
        entity_id = self.ctx.book.publish(
            description,
            entity.initial_state(),
            attributes,
            available=availability.available,
        )
        if entity_id is None:  # disabled in Home Assistant's entity registry
            return
        entity.entity_id = entity_id
        entry = _Entry(config, entity, availability)
        self._entries[key] = entry
        self._by_entity[entity.entity_id] = key
        for topic, handler in topics.items():
            entry.undo.append(
                self.router.subscribe(topic, self._guarded(entity, handler), entity.qos)
            )
        for topic in availability.entries:
            entry.undo.append(
                self.router.subscribe(topic, self._availability_handler(entry), entity.qos)
            )

    def _remove_all(self, discovery_id: str) -> None:
        for key in [
            k for k in self._entries if k == discovery_id or k.startswith(discovery_id + "/")
        ]:
            self._remove(key)

    def _remove(self, discovery_id: str) -> None:
        entry = self._entries.pop(discovery_id, None)
        if entry is None:
            return
        entry.detach()
        self.ctx.book.set_available([entry.entity.entity_id], False)
        self._logger.info("discovery: %s was removed", entry.entity.entity_id)

    def _thing(self, device: Any) -> str | None:
        if not isinstance(device, Mapping):
            return None
        identifiers = device.get("identifiers")
        if isinstance(identifiers, list):
            identifiers = identifiers[0] if identifiers else None
        if (
            not identifiers
            and isinstance(device.get("connections"), list)
            and device["connections"]
        ):
            connection = device["connections"][0]
            identifiers = (
                "_".join(str(part) for part in connection) if isinstance(connection, list) else None
            )
        if not identifiers:
            return None
        thing_id = f"mqtt_{slugify(str(identifiers))}"
        area = device.get("suggested_area")
        self.hub.add_thing(
            thing_id,
            str(device.get("name") or identifiers),
            manufacturer=_text(device.get("manufacturer")),
            model=_text(device.get("model")),
            sw_version=_text(device.get("sw_version")),
            area_id=self.hub.add_area(str(area)) if isinstance(area, str) and area else None,
        )
        return thing_id

    # --- state messages ------------------------------------------------------------------------

    def _guarded(self, entity: HaEntity, handler: StateHandler) -> StateHandler:
        def guarded(message: MqttMessage) -> None:
            try:
                handler(message)
            except _MALFORMED as err:
                self._logger.warning(
                    "ignored a malformed message on %s for %s: %s",
                    message.topic,
                    entity.entity_id,
                    err or type(err).__name__,
                )

        return guarded

    def _availability_handler(self, entry: _Entry) -> StateHandler:
        def on_availability(message: MqttMessage) -> None:
            entry.availability.update(message)
            self.ctx.book.set_available([entry.entity.entity_id], entry.availability.available)

        # Read with the entity's ``encoding``, as Home Assistant reads availability.
        return self._guarded(entry.entity, entry.entity.decoding(on_availability))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _name(config: Mapping[str, Any], component: str, object_id: str) -> str:
    device = config.get("device")
    device_name = _text(device.get("name")) if isinstance(device, Mapping) else None
    if "name" in config and config["name"] is None:
        return device_name or object_id.replace("_", " ").capitalize()
    name = _text(config.get("name"))
    if name is None:
        return device_name or object_id.replace("_", " ").capitalize()
    return f"{device_name} {name}" if device_name and not name.startswith(device_name) else name
