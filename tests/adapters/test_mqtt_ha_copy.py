"""A house copied from Home Assistant, on a real broker: it connects to the broker of
HA's ``mqtt`` config entry, and its discovered devices keep the entity ids HA's entity
registry gives them (renamed ones too; disabled ones are not added)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from homeloom.adapters.mqtt import MqttRouter
from homeloom.adapters.mqtt._config import MqttConfig
from homeloom.house import House
from homeloom.orchestrator import Runtime, TestClock
from homeloom.scenarios._mqtt_yaml import setup_mqtt_block
from tests.adapters.mqtt_broker import Broker
from tests.adapters.mqtt_z2m import MqttProbe
from tests.adapters.test_mqtt import _adapter, appeared, eventually
from tests.scenarios.config_files import write_config_entries

IEEE = "0x00158d0001a2b3c4"
RENAMED = "sensor.living_room_temperature"
DISABLED = f"binary_sensor.{IEEE}_occupancy"

AUTOMATION = """\
automation:
  - id: living_room_too_warm
    triggers:
      - trigger: numeric_state
        entity_id: sensor.living_room_temperature
        above: 25
    actions:
      - action: mqtt.publish
        data: {topic: fan/set, payload: "ON"}
"""


def _registry_entry(entity_id: str, unique_id: str, **more: Any) -> dict[str, Any]:
    return {
        "id": f"{abs(hash(entity_id)):032x}"[:32],
        "entity_id": entity_id,
        "platform": "mqtt",
        "unique_id": unique_id,
        **more,
    }


def _copied_house(
    tmp_path: Path, port: int, configuration: str, entities: list[dict[str, Any]] | None = None
) -> Path:
    """A configuration directory as HA leaves it: its mqtt config entry, and an entity
    registry (``entities``, else one where the resident renamed the temperature and
    disabled the occupancy)."""
    config_dir = tmp_path / "house"
    config_dir.mkdir()
    (config_dir / "configuration.yaml").write_text(configuration, encoding="utf-8")
    data = {"broker": "127.0.0.1", "port": port, "discovery": True}
    write_config_entries(
        config_dir, {"entry_id": "01HMQTT", "domain": "mqtt", "title": "broker", "data": data}
    )
    entities = entities or [
        _registry_entry(RENAMED, f"{IEEE}_temperature_zigbee2mqtt"),
        _registry_entry(DISABLED, f"{IEEE}_occupancy_zigbee2mqtt", disabled_by="user"),
    ]
    envelope = {"version": 1, "minor_version": 13, "key": "core.entity_registry"}
    (config_dir / ".storage" / "core.entity_registry").write_text(
        json.dumps({**envelope, "data": {"entities": entities}})
    )
    return config_dir


async def _announce_device(probe: MqttProbe) -> None:
    """Zigbee2MQTT's discovery configs for one sensor: temperature, humidity, occupancy."""
    device = {"identifiers": [f"zigbee2mqtt_{IEEE}"], "name": IEEE}
    origin = {"name": "Zigbee2MQTT"}
    for component, prop in (("sensor", "temperature"), ("sensor", "humidity")):
        config = {
            "name": prop.capitalize(),
            "object_id": f"{IEEE}_{prop}",
            "unique_id": f"{IEEE}_{prop}_zigbee2mqtt",
            "state_topic": f"zigbee2mqtt/{IEEE}",
            "value_template": f"{{{{ value_json.{prop} }}}}",
            "device": device,
            "origin": origin,
        }
        await probe.publish(f"homeassistant/{component}/{IEEE}/{prop}/config", config, retain=True)
    occupancy = {
        "name": "Occupancy",
        "object_id": f"{IEEE}_occupancy",
        "unique_id": f"{IEEE}_occupancy_zigbee2mqtt",
        "state_topic": f"zigbee2mqtt/{IEEE}",
        "value_template": "{{ value_json.occupancy }}",
        "payload_on": True,
        "payload_off": False,
        "device": device,
        "origin": origin,
    }
    await probe.publish(f"homeassistant/binary_sensor/{IEEE}/occupancy/config", occupancy)


def _state(house: House, entity_id: str) -> str | None:
    found = house.runtime.states.get(entity_id)
    return found.state if found is not None else None


async def test_a_copied_house_connects_to_its_broker_and_keeps_its_entity_ids(
    broker: Broker, probe: MqttProbe, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config_dir = _copied_house(tmp_path, broker.port, AUTOMATION)
    caplog.set_level(logging.INFO)
    house = House(config_dir, clock=TestClock(), persist=False)
    await house.setup()
    assert house.report.errors == []
    assert any("enabled: false" in record.getMessage() for record in caplog.records)
    await house.start()
    router = house.runtime.components["mqtt"]
    assert isinstance(router, MqttRouter)
    await eventually(lambda: router.connected)

    await probe.subscribe("fan/set")
    await _announce_device(probe)
    humidity = f"sensor.{IEEE}_humidity"  # not in HA's registry: its discovery id
    await eventually(lambda: _state(house, humidity) is not None)
    await eventually(lambda: _state(house, RENAMED) not in (None, "unavailable"))
    await router.subscribed()  # to the discovered entities' state topic
    assert _state(house, f"sensor.{IEEE}_temperature") is None  # no second entity
    entry = house.runtime.registries.entities[RENAMED]
    assert entry.adapter == "mqtt" and entry.registry_id is not None

    # The automation on the renamed id runs on the device's report.
    await probe.publish(f"zigbee2mqtt/{IEEE}", {"temperature": 27.5, "humidity": 40})
    await eventually(lambda: _state(house, RENAMED) == "27.5")
    await eventually(lambda: probe.on("fan/set") == ["ON"])
    assert _state(house, humidity) == "40"

    # Disabled in HA: not added, under either id; its reports change nothing. Once a
    # later message on the same connection is read, so is the occupancy report.
    await probe.publish(f"zigbee2mqtt/{IEEE}", {"occupancy": True, "humidity": 40})
    await probe.publish(f"zigbee2mqtt/{IEEE}", {"occupancy": True, "humidity": 41})
    await eventually(lambda: _state(house, humidity) == "41")
    assert _state(house, DISABLED) is None
    assert not any("occupancy" in entity_id for entity_id in house.runtime.states.entity_ids())
    await house.stop()


async def test_enabled_false_keeps_the_copied_house_off_the_broker(
    broker: Broker, probe: MqttProbe, tmp_path: Path, runtime: Runtime
) -> None:
    opt_out = "adapters:\n  - adapter: mqtt\n    enabled: false\n"
    config_dir = _copied_house(tmp_path, broker.port, opt_out)
    house = House(config_dir, clock=TestClock(), persist=False)
    await house.setup()
    assert house.report.errors == []
    await house.start()
    await _announce_device(probe)
    # Something positive to wait for: an adapter started after the house, in a runtime
    # of its own, connects and shows the device; one the house had started would have
    # done the same by then.
    await _adapter(runtime, broker, zigbee2mqtt=False)
    await appeared(runtime, f"sensor.{IEEE}_humidity")
    router = house.runtime.components["mqtt"]
    assert isinstance(router, MqttRouter) and not router.connected
    assert not house.runtime.services.has("mqtt", "publish")
    assert _state(house, f"sensor.{IEEE}_humidity") is None
    await house.stop()


async def test_a_house_without_adapters_never_connects(tmp_path: Path) -> None:
    # No broker at all: a house set up without adapters (tests, ``homeloom simulate``)
    # validates the broker's adapter and makes no connection.
    config_dir = _copied_house(tmp_path, 1, "")
    house = House(config_dir, clock=TestClock(), persist=False, adapters=False)
    await house.setup()
    assert house.report.errors == []
    await house.start()
    assert "mqtt" not in house.runtime.components
    await house.stop()


def _broker_of(tmp_path: Path, data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    """The adapters a house without one adds for HA's entry with ``data``, and the warnings."""
    write_config_entries(tmp_path, {"entry_id": "e", "domain": "mqtt", "title": "b", "data": data})
    block = setup_mqtt_block(Runtime(config_dir=tmp_path), {}, [])
    return block.adapters, [issue.message for issue in block.warnings]


def test_the_entry_gives_the_login_tls_and_birth_it_keeps(tmp_path: Path) -> None:
    data = {
        "broker": "mqtt.local",
        "port": 8883,
        "username": "ha",
        "password": "secret",
        "keepalive": 30,
        "discovery_prefix": "ha",
        "certificate": "auto",
        "tls_insecure": True,
    }
    (adapter,), warnings = _broker_of(tmp_path, data)
    assert warnings == []
    assert adapter == {
        "adapter": "mqtt",
        "host": "mqtt.local",
        "port": 8883,
        "username": "ha",
        "password": "secret",
        "keepalive": 30,
        "discovery": True,
        "discovery_prefix": "ha",
        "zigbee2mqtt": False,
        # Home Assistant's own birth and will, which devices listen for.
        "status_topic": "homeassistant/status",
        "birth_payload": "online",
        "will_payload": "offline",
        "tls": True,
        "tls_insecure": True,
    }
    MqttConfig.model_validate(adapter)  # an adapter item the MQTT adapter accepts


def test_the_entrys_own_birth_and_will_on_one_topic(tmp_path: Path) -> None:
    birth = {"topic": "hass/state", "payload": "up", "qos": 0, "retain": False}
    will = {**birth, "payload": "down"}
    data = {"broker": "b", "birth_message": birth, "will_message": will}
    (adapter,), _ = _broker_of(tmp_path, data)
    assert (adapter["status_topic"], adapter["birth_payload"], adapter["will_payload"]) == (
        "hass/state",
        "up",
        "down",
    )
    apart = {"broker": "b", "birth_message": birth, "will_message": {**will, "topic": "x"}}
    (adapter,), _ = _broker_of(tmp_path, apart)
    assert "status_topic" not in adapter  # one status topic: the adapter's own


def test_what_the_entry_keeps_that_the_adapter_cannot_take_is_a_warning(tmp_path: Path) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    (adapter,), warnings = _broker_of(tmp_path, {"broker": "b", "certificate": pem})
    assert adapter["tls"] is True
    assert len(warnings) == 1 and "tls_ca_certs" in warnings[0]
    adapters, warnings = _broker_of(tmp_path, {"broker": "b", "transport": "websockets"})
    assert adapters == [] and "websockets" in warnings[0]
    assert _broker_of(tmp_path, {"port": 1883}) == ([], [])  # no broker: nothing


MQTT_BLOCK = """\
mqtt:
  sensor:
    - {name: Cellar, unique_id: c1, state_topic: cellar/state}
    - {name: Loft, state_topic: loft/state}
  switch:
    - {name: Pump, unique_id: p1, command_topic: pump/set}
"""


async def test_mqtt_block_items_take_their_registered_ids(broker: Broker, tmp_path: Path) -> None:
    """The ``mqtt:`` block's items with a ``unique_id`` are matched to HA's registry as
    discovered ones are: renamed there, they take its id; disabled there, none is made."""
    entities = [
        _registry_entry("sensor.cellar_renamed", "c1"),
        _registry_entry("switch.pump", "p1", disabled_by="user"),
    ]
    config_dir = _copied_house(tmp_path, broker.port, MQTT_BLOCK, entities)
    house = House(config_dir, clock=TestClock(), persist=False)
    await house.setup()
    assert house.report.errors == []
    await house.start()
    await eventually(lambda: _state(house, "sensor.loft") is not None)
    await eventually(lambda: _state(house, "sensor.cellar_renamed") not in (None, "unavailable"))
    assert _state(house, "sensor.cellar") is None  # no second entity
    assert _state(house, "switch.pump") is None
    assert not any("pump" in entity_id for entity_id in house.runtime.states.entity_ids())
    await house.stop()
