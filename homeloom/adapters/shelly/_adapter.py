"""The ``shelly`` adapter: one Shelly Gen2+ device on the local network.

The device becomes a thing, its relays, dimmers and covers become entities.
Commands go over HTTP RPC; live state comes from the device's WebSocket
notifications. When the device stops answering its entities read
``unavailable`` and the adapter reconnects, with a growing delay, until it is back.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
from pydantic import Field, SecretStr

from homeloom.orchestrator import Context, ServiceValidationError

from .._sdk import Adapter, AdapterConfig, AdapterHub, EntityDescription
from ._components import Component, command_call, parse_key, power_state, status_state
from ._errors import ShellyAuthError, ShellyError, ShellyRpcError, ShellyUnreachable
from ._rpc import ShellyRpc

__all__ = ["ShellyAdapter", "ShellyConfig"]

MANUFACTURER = "Shelly"
RECONNECT_MAX_S = 300.0


class ShellyConfig(AdapterConfig):
    """One Shelly Gen2+ device (Plus, Pro, Gen3, Gen4)."""

    host: str = Field(description="the device's IP address or host name")
    port: int = Field(80, ge=1, le=65535, description="its HTTP port")
    password: SecretStr | None = Field(
        None, description="the device's password, if authentication is enabled (user admin)"
    )
    timeout: float = Field(10.0, gt=0, le=60, description="seconds one request may take")
    reconnect_interval: float = Field(
        10.0, gt=0, le=RECONNECT_MAX_S, description="first delay before reconnecting"
    )


@dataclass(slots=True)
class _Published:
    """A component and what it became: its entity, its power sensor, its last status."""

    component: Component
    entity_id: str
    power_entity_id: str | None = None
    status: dict[str, Any] = field(default_factory=dict)


class ShellyAdapter(Adapter[ShellyConfig]):
    """A Shelly Gen2+ device over its local RPC API; no cloud involved."""

    name = "shelly"
    config_model = ShellyConfig
    command_timeout: ClassVar[float] = 15.0
    #: Shelly devices serve few HTTP connections at once.
    max_parallel_commands: ClassVar[int] = 2
    zeroconf: ClassVar[tuple[Mapping[str, Any], ...]] = ({"type": "_shelly._tcp.local."},)

    _rpc: ShellyRpc  # from setup() on

    def __init__(self, hub: AdapterHub, config: ShellyConfig) -> None:
        super().__init__(hub, config)
        self._session: aiohttp.ClientSession | None = None
        self._published: dict[str, _Published] = {}  # by component key
        self._by_entity: dict[str, _Published] = {}
        self._available = True
        self._answered = False  # the current WebSocket round got the device's status
        self._src = f"homeloom-{secrets.token_hex(6)}"

    # --- lifecycle -----------------------------------------------------------------

    async def setup(self) -> None:
        self._session = aiohttp.ClientSession()
        password = self.config.password
        self._rpc = ShellyRpc(
            self._session,
            self.hub.name,
            self.config.host,
            self.config.port,
            password.get_secret_value() if password is not None else None,
            timeout=self.config.timeout,
        )
        info = await self._rpc.call("Shelly.GetDeviceInfo")
        device_id, mac = info.get("id"), info.get("mac")
        if not isinstance(device_id, str) or not isinstance(mac, str):
            raise ShellyRpcError(
                self.hub.name, self._rpc.address, "Shelly.GetDeviceInfo", -1, "no device id or mac"
            )
        if info.get("auth_en") and self.config.password is None:
            raise ShellyAuthError(
                self.hub.name,
                self._rpc.address,
                f"{device_id} is protected by a password; add 'password:' to its configuration",
            )
        config = await self._rpc.call("Shelly.GetConfig")
        status = await self._rpc.call("Shelly.GetStatus")
        thing_name = _text(info.get("name")) or f"Shelly {_text(info.get('app')) or device_id}"
        thing_id = f"shelly_{mac.lower().replace(':', '')}"
        self.hub.add_thing(
            thing_id,
            thing_name,
            manufacturer=MANUFACTURER,
            model=_text(info.get("model")),
            sw_version=_text(info.get("ver")),
        )
        found = sorted(
            (component for component in map(parse_key, status) if component is not None),
            key=lambda c: (c.kind, c.index),
        )
        for component in found:
            named = config.get(component.key)
            own_name = _text(named.get("name")) if isinstance(named, Mapping) else None
            siblings = sum(1 for other in found if other.kind == component.kind)
            name = own_name or (
                thing_name if siblings == 1 else f"{thing_name} {component.kind} {component.index}"
            )
            self._publish(thing_id, mac, component, name, status[component.key])
        self.hub.logger.info(
            "%s: %s (%s) with %d components", self._rpc.address, device_id, mac, len(found)
        )

    def _publish(
        self, thing_id: str, mac: str, component: Component, name: str, status: Any
    ) -> None:
        unique = f"shelly-{mac.lower()}-{component.kind}-{component.index}"
        status = dict(status) if isinstance(status, Mapping) else {}
        try:
            state, attributes = status_state(component, status)
        except ValueError as err:
            self.hub.logger.warning(
                "%s: %s status ignored: %s", self._rpc.address, component.key, err
            )
            state, attributes = "unknown", {}
        device_class = "shutter" if component.kind == "cover" else None
        entity_id = self.hub.add_entity(
            EntityDescription(
                component.domain,
                unique,
                name,
                thing_id=thing_id,
                device_class=device_class,
            ),
            state,
            attributes,
        )
        published = _Published(component, entity_id, status=status)
        if "apower" in status:
            power = _safe_power(status)
            published.power_entity_id = self.hub.add_entity(
                EntityDescription("sensor", f"{unique}-power", f"{name} power", thing_id, "power"),
                power or "unknown",
                {"unit_of_measurement": "W", "state_class": "measurement"},
            )
        self._published[component.key] = published
        self._by_entity[entity_id] = published

    async def start(self) -> None:
        self.hub.create_task(self._listen_forever(), "websocket")

    async def stop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    # --- live state ------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        failures = 0
        while True:
            self._answered = False
            try:
                await self._rpc.listen(self._src, self._connected, self._notified)
                self.hub.logger.warning("%s: the device closed its WebSocket", self._rpc.address)
            except ShellyAuthError:
                raise  # a configuration problem: let the manager report it and back off
            except ShellyError as err:
                self.hub.logger.warning("%s", err)
            failures = 1 if self._answered else failures + 1
            self._went_away()
            delay = self.config.reconnect_interval * 2 ** (failures - 1)
            await self.hub.sleep(min(delay, RECONNECT_MAX_S))

    def _went_away(self) -> None:
        if self._available:
            self.hub.logger.warning("%s: device unavailable; reconnecting", self._rpc.address)
            self._available = False
            self.hub.mark_unavailable()

    def _connected(self, status: Mapping[str, Any]) -> None:
        if not self._available:
            self.hub.logger.info("%s: device is back", self._rpc.address)
        self._available = self._answered = True
        self._apply(status, full=True)

    def _notified(self, method: str, params: Mapping[str, Any]) -> None:
        if method in ("NotifyStatus", "NotifyFullStatus"):
            self._apply(params, full=method == "NotifyFullStatus")
        elif method == "NotifyEvent":
            events = params.get("events")
            for event in events if isinstance(events, list) else ():
                if isinstance(event, Mapping) and isinstance(event.get("event"), str):
                    self.hub.fire_event(
                        "shelly_event",
                        {
                            "device": self.config.host,
                            "component": event.get("component"),
                            "event": event["event"],
                        },
                    )

    def _apply(self, statuses: Mapping[str, Any], *, full: bool) -> None:
        """Merge status updates (partial in ``NotifyStatus``) and report what changed."""
        for key, update in statuses.items():
            published = self._published.get(key)
            if published is None:
                continue
            if not isinstance(update, Mapping):
                self.hub.logger.warning(
                    "%s: ignored a malformed %s status: %.200r", self._rpc.ws_url, key, update
                )
                continue
            merged = dict(update) if full else {**published.status, **update}
            try:
                state, attributes = status_state(published.component, merged)
                power = power_state(merged)
            except ValueError as err:
                self.hub.logger.warning(
                    "%s: ignored a malformed %s status: %s", self._rpc.ws_url, key, err
                )
                continue
            published.status = merged
            self.hub.set_state(published.entity_id, state, attributes, merge=True)
            if published.power_entity_id is not None and power is not None:
                self.hub.set_state(published.power_entity_id, power, merge=True)

    # --- commands --------------------------------------------------------------------

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        published = self._by_entity.get(entity_id)
        if published is None:
            raise ServiceValidationError(
                entity_id.split(".", 1)[0], service, "", f"{entity_id} does not take commands"
            )
        component = published.component
        try:
            method, params = command_call(component, service, data, published.status)
        except (ValueError, KeyError, TypeError) as err:
            raise ServiceValidationError(component.domain, service, "", str(err)) from None
        try:
            await self._rpc.call(method, params)
        except ShellyUnreachable:
            self._went_away()
            raise
        async with self.hub.updating():
            await self._read_back(published.component)

    async def refresh(self, entity_id: str) -> None:
        published = self._by_entity.get(entity_id)
        if published is not None:
            await self._read_back(published.component)

    async def _read_back(self, component: Component) -> None:
        """The component's status, asked for (after a command, or on update_entity)."""
        try:
            status = await self._rpc.call(f"{component.rpc}.GetStatus", {"id": component.index})
        except ShellyUnreachable:
            self._went_away()
            raise
        self._apply({component.key: status}, full=True)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _safe_power(status: Mapping[str, Any]) -> str | None:
    try:
        return power_state(status)
    except ValueError:
        return None
