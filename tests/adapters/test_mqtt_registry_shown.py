"""MQTT entities of a house copied from Home Assistant show the name, icon and device
class ("Show as") its resident gave them in HA's entity registry, in every state they
write, as HA shows them (``AdapterHub`` with ``RegistryEntry.shown``); on a real broker."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from homeloom.house import House
from homeloom.orchestrator import TestClock
from tests.adapters.mqtt_broker import Broker
from tests.adapters.mqtt_z2m import MqttProbe
from tests.adapters.test_mqtt import eventually
from tests.scenarios.config_files import write_config_entries

CONFIGURATION = """\
mqtt:
  binary_sensor:
    - {name: Hatch, unique_id: h1, state_topic: hatch/state, device_class: door}
  sensor:
    - {name: Cellar, unique_id: c1, state_topic: cellar/state, unit_of_measurement: "°C"}
    - {name: Loft, unique_id: l1, state_topic: loft/state}
"""


def _registry_entry(number: int, entity_id: str, unique_id: str, **more: Any) -> dict[str, Any]:
    return {
        "id": f"{number:032x}",
        "entity_id": entity_id,
        "platform": "mqtt",
        "unique_id": unique_id,
        **more,
    }


def _copied_house(tmp_path: Path, port: int) -> Path:
    """HA's mqtt config entry and an entity registry where the resident showed the hatch
    as a window, renamed the cellar sensor and gave it an icon and a class it had not,
    and only hid the loft sensor."""
    config_dir = tmp_path / "house"
    config_dir.mkdir()
    (config_dir / "configuration.yaml").write_text(CONFIGURATION, encoding="utf-8")
    data = {"broker": "127.0.0.1", "port": port, "discovery": True}
    write_config_entries(
        config_dir, {"entry_id": "01HMQTT", "domain": "mqtt", "title": "broker", "data": data}
    )
    entities = [
        _registry_entry(1, "binary_sensor.hatch", "h1", device_class="window"),
        _registry_entry(
            2,
            "sensor.cellar",
            "c1",
            name="Cellar air",
            icon="mdi:home-thermometer",
            device_class="temperature",
        ),
        _registry_entry(3, "sensor.loft", "l1", original_name="Loft", hidden_by="user"),
        _registry_entry(4, "sensor.porch", "discovered", name="Porch", icon="mdi:door"),
    ]
    envelope = {"version": 1, "minor_version": 13, "key": "core.entity_registry"}
    (config_dir / ".storage" / "core.entity_registry").write_text(
        json.dumps({**envelope, "data": {"entities": entities}})
    )
    return config_dir


def _attributes(house: House, entity_id: str) -> dict[str, Any]:
    found = house.runtime.states.get(entity_id)
    return dict(found.attributes) if found is not None else {}


def _state(house: House, entity_id: str) -> str | None:
    found = house.runtime.states.get(entity_id)
    return found.state if found is not None else None


async def test_mqtt_entities_show_the_registry_s_name_icon_and_class(
    broker: Broker, probe: MqttProbe, tmp_path: Path
) -> None:
    house = House(_copied_house(tmp_path, broker.port), clock=TestClock(), persist=False)
    await house.setup()
    assert house.report.errors == []
    await house.start()
    router = house.runtime.components["mqtt"]
    await eventually(lambda: router.connected)
    await probe.publish("hatch/state", "ON")
    await probe.publish("cellar/state", "12")
    await probe.publish("loft/state", "9")
    config = {"name": "Porch motion", "unique_id": "discovered", "state_topic": "porch/state"}
    await probe.publish("homeassistant/sensor/porch/config", config, retain=True)
    await eventually(lambda: _state(house, "binary_sensor.hatch") == "on")
    await eventually(lambda: _state(house, "sensor.cellar") == "12")
    await eventually(lambda: _state(house, "sensor.loft") == "9")
    # Its registry entry shows a restored state until the discovery config arrives.
    await eventually(lambda: _state(house, "sensor.porch") is not None)
    await eventually(lambda: "restored" not in _attributes(house, "sensor.porch"))

    # The registry's class replaces the entity's own; name, icon and class fill in.
    assert _attributes(house, "binary_sensor.hatch") == {
        "friendly_name": "Hatch",
        "device_class": "window",
    }
    assert _attributes(house, "sensor.cellar") == {
        "friendly_name": "Cellar air",
        "unit_of_measurement": "°C",
        "icon": "mdi:home-thermometer",
        "device_class": "temperature",
    }
    assert _attributes(house, "sensor.loft") == {"friendly_name": "Loft"}
    # Hidden there, it stays out of area and device targets here.
    assert house.runtime.registries.entities["sensor.loft"].hidden
    # A discovered entity too.
    assert _attributes(house, "sensor.porch") == {"friendly_name": "Porch", "icon": "mdi:door"}

    # Every later state keeps them: a report, and the broker going away.
    await probe.publish("cellar/state", "13")
    await eventually(lambda: _state(house, "sensor.cellar") == "13")
    assert _attributes(house, "sensor.cellar")["friendly_name"] == "Cellar air"
    await broker.stop()
    await eventually(lambda: _state(house, "sensor.cellar") == "unavailable")
    assert _attributes(house, "sensor.cellar")["icon"] == "mdi:home-thermometer"
    assert _attributes(house, "binary_sensor.hatch")["device_class"] == "window"
    await house.stop()
