"""The ``mqtt`` adapter: a broker connection, Home Assistant MQTT discovery and Zigbee2MQTT."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from homeloom.orchestrator import Context, ServiceValidationError, Unsubscribe

from .._sdk import Adapter, AdapterHub
from ._config import MqttConfig
from ._connection import MqttConnection
from ._discovery import HaDiscovery
from ._entities import EntityBook
from ._ha_entity import HaContext
from ._publish_service import PublishData, publish_handler
from ._router import MqttRouter
from ._values import ValueTemplates
from ._yaml_entities import YAML_KEY, MqttYaml, add_yaml_entities
from ._zigbee2mqtt import Zigbee2Mqtt

__all__ = ["MqttAdapter"]

COMPONENT = "mqtt"


def _router_of(hub: AdapterHub) -> MqttRouter:
    """The router of this MQTT adapter, made on first use; it outlives restarts.

    The first MQTT adapter's router is shared as ``"mqtt"``: the one the ``mqtt``
    trigger and ``mqtt.publish`` use. Another adapter (a second broker) gets
    ``mqtt:<name>``.
    """

    def make() -> MqttRouter:
        router = MqttRouter()
        router.adapter = hub.name
        return router

    first = hub.shared(COMPONENT, make)
    if first.adapter == hub.name:
        return first
    return hub.shared(f"{COMPONENT}:{hub.name}", make)


class MqttAdapter(Adapter[MqttConfig]):
    """Devices on an MQTT broker: Zigbee2MQTT's, and any that announce themselves the
    Home Assistant way; plus ``mqtt.publish`` and the scenarios' ``mqtt`` trigger."""

    name = "mqtt"
    config_model = MqttConfig
    command_timeout: ClassVar[float] = 10.0
    max_parallel_commands: ClassVar[int] = 8
    #: Brokers that announce themselves on the network.
    zeroconf: ClassVar[tuple[Mapping[str, Any], ...]] = ({"type": "_mqtt._tcp.local."},)

    def __init__(self, hub: AdapterHub, config: MqttConfig) -> None:
        super().__init__(hub, config)
        self.router = _router_of(hub)
        self.book = EntityBook(hub)
        self.templates = ValueTemplates()
        self.connection = MqttConnection(config, hub, self.router, self._on_connection)
        self.zigbee2mqtt: Zigbee2Mqtt | None = None
        self.discovery: HaDiscovery | None = None
        self._undo: list[Unsubscribe] = []
        self._stopped = False

    async def setup(self) -> None:
        config, hub = self.config, self.hub
        if not config.enabled:
            hub.logger.info("disabled (enabled: false): no connection to an MQTT broker")
            return
        if config.zigbee2mqtt:
            self.zigbee2mqtt = Zigbee2Mqtt(
                hub, self.book, self.router, config.zigbee2mqtt_base_topic, self._publish
            )
            self._undo.append(self.zigbee2mqtt.attach())
        first = hub.shared(COMPONENT, MqttRouter)
        # The ``mqtt:`` block's entities are on the broker of the first MQTT adapter.
        yaml = hub.shared(YAML_KEY, MqttYaml) if self.router is first else MqttYaml()
        if config.discovery or yaml.items:
            ctx = HaContext(
                self.book, self.templates, self.router.publish, hub.now, hub.logger, hub.call_later
            )
            skip = frozenset({"Zigbee2MQTT"}) if config.zigbee2mqtt else frozenset()
            self.discovery = HaDiscovery(
                hub, ctx, self.router, config.discovery_prefix, skip_origins=skip
            )
            self._undo.append(self.discovery.attach() if config.discovery else self.discovery.close)
            add_yaml_entities(self.discovery, yaml)
        if self.router is first and not hub.has_service("mqtt", "publish"):
            # Kept across restarts: while the broker is away, a call says so (AdapterError).
            hub.register_service(
                "mqtt",
                "publish",
                publish_handler(self.router),
                schema=PublishData,
                description="publish a message to the MQTT broker",
            )

    async def start(self) -> None:
        if not self.config.enabled:
            return
        # Connect once the house runs: ``homeloom check`` sets a house up and runs nothing,
        # so it must not touch the broker (nor say "offline" for the running house).
        self.hub.when_running(self._connect)

    def _connect(self) -> None:
        if not self._stopped:
            self.hub.create_task(self.connection.run(), name="connection")

    async def stop(self) -> None:
        self._stopped = True
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        if self.router.transport is self.connection:
            self.router.transport = None

    async def _publish(self, topic: str, payload: str) -> None:
        await self.router.publish(topic, payload, 0, False)

    def _on_connection(self, connected: bool) -> None:
        self.book.set_connected(connected)
        if connected and self.config.discovery:
            # Devices resend their discovery configs when they see this (Home Assistant's birth).
            self.hub.create_task(self._announce(), name="discovery birth")

    async def _announce(self) -> None:
        try:
            await self.router.publish(f"{self.config.discovery_prefix}/status", "online", 1)
        except Exception as err:
            self.hub.logger.debug("could not announce to discovery: %s", err)

    async def handle_command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> None:
        if self.zigbee2mqtt is not None and self.zigbee2mqtt.owns(entity_id):
            await self.zigbee2mqtt.command(entity_id, service, data)
        elif self.discovery is not None and self.discovery.owns(entity_id):
            await self.discovery.command(entity_id, service, data)
        else:
            domain = entity_id.split(".", 1)[0]
            raise ServiceValidationError(domain, service, "", f"{entity_id} is gone")
