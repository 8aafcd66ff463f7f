"""Zigbee2MQTT's conventions: the bridge's device list and state, each device's JSON state,
its availability, and commands to ``<base>/<friendly_name>/set`` and ``/get``.

Topics (``<base>`` is Zigbee2MQTT's ``base_topic``, ``zigbee2mqtt`` by default):

- ``<base>/bridge/devices``: the retained list of devices with ``definition.exposes``;
- ``<base>/bridge/state``: ``{"state": "online"}`` or ``"offline"`` (older: plain text);
- ``<base>/bridge/groups``: the retained list of groups and their members; a group of
  lights is one light, with its state and commands on ``<base>/<group name>``;
- ``<base>/<friendly_name>``: the device's state, one JSON object;
- ``<base>/<friendly_name>/availability``: ``{"state": "online"}`` (older: plain text).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import STATE_UNKNOWN, ServiceValidationError, Unsubscribe

from .._sdk import AdapterHub, EntityDescription
from ._entities import EntityBook
from ._router import MqttMessage, MqttRouter
from ._values import PayloadError, parse_json
from ._z2m_capabilities import Capability
from ._z2m_exposes import capabilities_of

__all__ = ["Zigbee2Mqtt"]

Publish = Callable[[str, str], Awaitable[None]]
_PENDING_MAX = 512
# What a group stands for: the members' main capability, not their sensors.
_GROUP_DOMAINS = ("light", "switch", "cover", "lock", "fan")
GET_AFTER_S = 2.0  # how long to wait for a retained state before asking with /get


@dataclass(slots=True)
class _Device:
    ieee: str
    friendly_name: str
    thing_id: str
    entities: dict[str, Capability] = field(default_factory=dict)  # entity id -> capability
    available: bool = True
    present: bool = True
    exposes: Any = None  # what the device can do, for the groups it is in


def _online(text: str) -> bool | None:
    """``online``/``offline`` from a JSON ``{"state": ...}`` or a plain payload."""
    value: Any = text.strip()
    if value.startswith("{"):
        parsed = parse_json(value)
        value = parsed.get("state") if isinstance(parsed, Mapping) else None
    if value in ("online", "offline"):
        return bool(value == "online")
    return None


class Zigbee2Mqtt:
    """Things and entities for every device the bridge reports, kept in step with it."""

    def __init__(
        self, hub: AdapterHub, book: EntityBook, router: MqttRouter, base: str, publish: Publish
    ) -> None:
        self.hub = hub
        self.book = book
        self.router = router
        self.base = base
        self._publish = publish
        self._logger = hub.logger
        self.devices: dict[str, _Device] = {}  # by IEEE address
        self._by_name: dict[str, _Device] = {}
        self._by_entity: dict[str, _Device] = {}
        self._pending: dict[str, MqttMessage] = {}  # state before the device list came
        self._groups: MqttMessage | None = None  # read again once the devices are known
        self.bridge_online = True

    def attach(self) -> Unsubscribe:
        return self.router.subscribe(f"{self.base}/#", self._on_message)

    def owns(self, entity_id: str) -> bool:
        return entity_id in self._by_entity

    # --- receiving -----------------------------------------------------------------------

    def _on_message(self, message: MqttMessage) -> None:
        rest = message.topic[len(self.base) + 1 :]
        try:
            if rest == "bridge/devices":
                self._on_devices(message)
                if self._groups is not None:
                    self._on_groups(self._groups)
            elif rest == "bridge/groups":
                self._groups = message
                self._on_groups(message)
            elif rest == "bridge/state":
                self._on_bridge_state(message)
            elif rest.startswith("bridge/") or rest.endswith(("/set", "/get")) or "/set/" in rest:
                return  # other bridge topics, and commands (ours included)
            elif rest.endswith("/availability"):
                self._on_availability(rest.removesuffix("/availability"), message)
            else:
                self._on_state(rest, message)
        except (PayloadError, ValueError, TypeError, KeyError) as err:
            self._logger.warning("ignored a malformed message on %s: %s", message.topic, err)

    def _on_bridge_state(self, message: MqttMessage) -> None:
        online = _online(message.text)
        if online is None:
            raise PayloadError(f"expected online or offline, got {message.text[:80]!r}")
        self.bridge_online = online
        for device in self.devices.values():
            self._refresh(device)

    def _on_devices(self, message: MqttMessage) -> None:
        listed = parse_json(message.text)
        if not isinstance(listed, list):
            raise PayloadError("bridge/devices must be a JSON list of devices")
        seen: set[str] = set()
        for item in listed:
            if not isinstance(item, Mapping):
                continue
            try:
                ieee = self._add_device(item)
            except (PayloadError, ValueError, TypeError, KeyError) as err:
                name = item.get("friendly_name", item.get("ieee_address"))
                self._logger.warning(
                    "ignored device %r in %s: %s", name, message.topic, err or type(err).__name__
                )
                continue
            if ieee is not None:
                seen.add(ieee)
        self._forget_missing(seen, groups=False)

    def _forget_missing(self, seen: set[str], *, groups: bool) -> None:
        for key, device in self.devices.items():
            if key.startswith("group:") == groups and key not in seen and device.present:
                device.present = False
                self._by_name.pop(device.friendly_name, None)
                self._refresh(device)

    def _on_groups(self, message: MqttMessage) -> None:
        listed = parse_json(message.text)
        if not isinstance(listed, list):
            raise PayloadError("bridge/groups must be a JSON list of groups")
        seen: set[str] = set()
        for item in listed:
            if not isinstance(item, Mapping):
                continue
            try:
                key = self._add_group(item)
            except (PayloadError, ValueError, TypeError, KeyError) as err:
                name = item.get("friendly_name", item.get("id"))
                self._logger.warning(
                    "ignored group %r in %s: %s", name, message.topic, err or type(err).__name__
                )
                continue
            if key is not None:
                seen.add(key)
        self._forget_missing(seen, groups=True)

    def _add_group(self, item: Mapping[str, Any]) -> str | None:
        group_id, name = item["id"], item["friendly_name"]
        if not isinstance(group_id, int) or not isinstance(name, str) or not name:
            raise PayloadError("a group needs a whole-number id and a friendly_name")
        members = [
            self.devices.get(str(member.get("ieee_address")))
            for member in item.get("members") or []
            if isinstance(member, Mapping)
        ]
        template = next((m for m in members if m is not None and m.exposes), None)
        if template is None:
            return None  # empty, or its members are not known (yet)
        key = f"group:{group_id}"
        device = self._tracked(key, name, f"z2m_group_{group_id}")
        self.hub.add_thing(device.thing_id, name, manufacturer="Zigbee2MQTT", model="Group")
        for capability in capabilities_of(name, template.exposes):
            if capability.domain in _GROUP_DOMAINS:
                self._publish_capability(device, capability, f"z2m-group-{group_id}")
        pending = self._pending.pop(name, None)
        if pending is not None:
            self._on_state(name, pending)
        return key

    def _tracked(self, key: str, friendly: str, thing_id: str) -> _Device:
        """The device (or group) ``key``, created or renamed, and findable by its name."""
        device = self.devices.get(key)
        if device is not None and device.friendly_name != friendly:
            self._by_name.pop(device.friendly_name, None)  # renamed: same entities
            device.friendly_name = friendly
        if device is None:
            device = self.devices[key] = _Device(key, friendly, thing_id)
        device.present = True
        self._by_name[friendly] = device
        return device

    def _publish_capability(self, device: _Device, capability: Capability, prefix: str) -> None:
        entity_id = self.book.publish(
            EntityDescription(
                capability.domain,
                f"{prefix}-{capability.key}",
                capability.name,
                thing_id=device.thing_id,
                device_class=capability.device_class,
                object_id=capability.object_id,
            ),
            attributes=capability.attributes,
            available=self._available(device),
        )
        if entity_id is None:  # disabled in Home Assistant's entity registry
            return
        device.entities[entity_id] = capability
        self._by_entity[entity_id] = device

    def _add_device(self, item: Mapping[str, Any]) -> str | None:
        definition = item.get("definition")
        if item.get("type") == "Coordinator" or not isinstance(definition, Mapping):
            return None  # the coordinator, and devices not (yet) supported or interviewed
        if item.get("disabled"):
            return None
        ieee, friendly = item["ieee_address"], item["friendly_name"]
        if not isinstance(ieee, str) or not isinstance(friendly, str) or not friendly:
            raise PayloadError("ieee_address and friendly_name must be strings")
        device = self._tracked(ieee, friendly, f"z2m_{ieee}")
        device.exposes = definition.get("exposes")
        self.hub.add_thing(
            device.thing_id,
            friendly,
            manufacturer=_text(definition.get("vendor")),
            model=_text(definition.get("model")),
            sw_version=_text(item.get("software_build_id")),
        )
        first_time = not device.entities
        for capability in capabilities_of(friendly, device.exposes):
            self._publish_capability(device, capability, f"z2m-{ieee}")
        pending = self._pending.pop(friendly, None)
        if pending is not None:
            self._on_state(friendly, pending)
        elif first_time:
            # A retained state usually follows the device list; ask only if none came.
            self.hub.call_later(GET_AFTER_S, lambda _: self._ask_state(device))
        return ieee

    def _on_availability(self, name: str, message: MqttMessage) -> None:
        online = _online(message.text)
        if online is None:
            raise PayloadError(f"expected online or offline, got {message.text[:80]!r}")
        device = self._by_name.get(name)
        if device is None:
            return
        device.available = online
        self._refresh(device)

    def _on_state(self, name: str, message: MqttMessage) -> None:
        device = self._by_name.get(name)
        if device is None:
            if len(self._pending) < _PENDING_MAX or name in self._pending:
                self._pending[name] = message
            return
        if not message.payload:
            return  # a cleared retained state
        payload = parse_json(message.text)
        if not isinstance(payload, Mapping):
            raise PayloadError("a device state must be a JSON object")
        action = payload.get("action")
        if isinstance(action, str) and action:
            self.hub.fire_event(
                "zigbee2mqtt_action",
                {"device": device.friendly_name, "thing_id": device.thing_id, "action": action},
            )
        for entity_id, capability in device.entities.items():
            state, attributes = capability.read(payload)
            if state is not None or attributes:
                self.book.update(entity_id, state, attributes)

    # --- availability ----------------------------------------------------------------------

    def _available(self, device: _Device) -> bool:
        return self.bridge_online and device.available and device.present

    def _refresh(self, device: _Device) -> None:
        self.book.set_available(device.entities, self._available(device))

    # --- commands ------------------------------------------------------------------------

    def _ask_state(self, device: _Device) -> None:
        """Ask a device that has not reported yet for its main features' state (``/get``)."""
        wanted = {
            prop: ""
            for entity_id, capability in device.entities.items()
            if capability.domain in ("light", "switch", "cover", "lock", "climate", "fan")
            and (tracked := self.book.get(entity_id)) is not None
            and tracked.state == STATE_UNKNOWN
            for prop in capability.gettable
        }
        if wanted and self.router.connected:
            topic = f"{self.base}/{device.friendly_name}/get"
            self.hub.create_task(self._send(topic, wanted), name=f"get {device.friendly_name}")

    async def _send(self, topic: str, payload: Mapping[str, Any]) -> None:
        try:
            await self._publish(topic, json.dumps(payload))
        except Exception as err:
            self._logger.warning("could not publish to %s: %s", topic, err)

    async def command(self, entity_id: str, service: str, data: Mapping[str, Any]) -> None:
        device = self._by_entity[entity_id]
        capability = device.entities[entity_id]
        tracked = self.book.get(entity_id)
        current: dict[str, Any] = dict(tracked.attributes) if tracked else {}
        current["state"] = tracked.state if tracked else None
        domain = entity_id.split(".", 1)[0]
        try:
            payload = capability.command(service, data, current)
        except ValueError as err:  # a value the device does not take: the caller's mistake
            raise ServiceValidationError(domain, service, "", f"{entity_id}: {err}") from None
        if payload is None:
            raise ServiceValidationError(domain, service, "", f"{entity_id} cannot do {service}")
        await self._publish(f"{self.base}/{device.friendly_name}/set", json.dumps(payload))


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
