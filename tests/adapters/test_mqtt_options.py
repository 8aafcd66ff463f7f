"""MQTT entity options against a real broker, for discovery configs and ``mqtt:`` items:
one unique id in two domains, the config's icon, JSON attributes, ``force_update``,
``payload_reset``, ``entity_category``, and the warning for an option not read."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from homeloom.orchestrator import Event, HomeloomError, Runtime
from tests.adapters.mqtt_broker import Broker
from tests.adapters.mqtt_z2m import MqttProbe
from tests.adapters.test_mqtt import _adapter, _attributes, _is, _state, appeared, eventually
from tests.adapters.test_mqtt_yaml import ADAPTER, _check, _house_dir, _started


async def test_one_unique_id_in_two_domains_is_two_entities(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    # Home Assistant's registry keys an entity by (domain, platform, unique id).
    await probe.publish(
        "homeassistant/sensor/door/config",
        {"name": "Door battery", "uniq_id": "door-1", "stat_t": "door/battery"},
        retain=True,
    )
    await probe.publish(
        "homeassistant/binary_sensor/door/config",
        {"name": "Door", "uniq_id": "door-1", "stat_t": "door/contact"},
        retain=True,
    )
    await _adapter(runtime, broker)
    await appeared(runtime, "binary_sensor.door", "sensor.door_battery")
    await probe.publish("door/battery", "87")
    await probe.publish("door/contact", "ON")
    await eventually(_is(runtime, "sensor.door_battery", "87"))
    await eventually(_is(runtime, "binary_sensor.door", "on"))
    assert _attributes(runtime, "binary_sensor.door")["friendly_name"] == "Door"
    entries = runtime.registries.entities
    assert entries["sensor.door_battery"].unique_id == entries["binary_sensor.door"].unique_id


async def test_the_config_s_icon_and_picture_show_on_the_state(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/switch/kettle/config",
        {"name": "Kettle", "uniq_id": "kettle", "cmd_t": "kettle/set", "stat_t": "kettle/state",
         "ic": "mdi:kettle", "ent_pic": "/local/kettle.png"},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "switch.kettle")
    await probe.publish("kettle/state", "ON")
    await eventually(_is(runtime, "switch.kettle", "on"))
    attributes = _attributes(runtime, "switch.kettle")
    assert attributes["icon"] == "mdi:kettle"
    assert attributes["entity_picture"] == "/local/kettle.png"


async def test_json_attributes_replace_the_last_ones_and_keep_out_the_reserved(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/sensor/meter/config",
        {"name": "Meter", "uniq_id": "meter", "stat_t": "meter/state", "unit_of_meas": "W",
         "json_attr_t": "meter/attrs", "stat_cla": "measurement"},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.meter")
    await probe.publish(
        "meter/attrs",
        {"voltage": 231, "phase": "L1", "friendly_name": "Hijacked", "icon": "mdi:x",
         "unit_of_measurement": "kW", "state_class": "total"},
    )  # fmt: skip
    await eventually(lambda: _attributes(runtime, "sensor.meter").get("voltage") == 231)
    attributes = _attributes(runtime, "sensor.meter")
    assert attributes["phase"] == "L1"
    assert attributes["friendly_name"] == "Meter"
    assert "icon" not in attributes
    assert attributes["unit_of_measurement"] == "W"
    assert attributes["state_class"] == "measurement"

    await probe.publish("meter/attrs", {"voltage": 229})
    await eventually(lambda: _attributes(runtime, "sensor.meter").get("voltage") == 229)
    assert "phase" not in _attributes(runtime, "sensor.meter")  # gone from the last object


async def test_force_update_makes_each_repeat_a_state_change(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    for name, force in (("forced", True), ("plain", False)):
        await probe.publish(
            f"homeassistant/sensor/{name}/config",
            {"name": name, "uniq_id": name, "stat_t": f"{name}/t", "frc_upd": force},
            retain=True,
        )
    changes: list[str] = []

    def on_change(event: Event) -> None:
        changes.append(str(event.data["entity_id"]))

    runtime.bus.listen("state_changed", on_change)
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.forced", "sensor.plain")
    for _ in range(3):
        await probe.publish("forced/t", "20")
        await probe.publish("plain/t", "20")
    await eventually(lambda: changes.count("sensor.forced") >= 4)  # added, then three reports
    await eventually(lambda: _is(runtime, "sensor.plain", "20")())
    await probe.publish("forced/t", "21")
    await eventually(_is(runtime, "sensor.forced", "21"))
    assert changes.count("sensor.plain") == 2  # added, then one change


async def test_payload_reset_and_entity_category(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/number/boost/config",
        {"name": "Boost", "uniq_id": "boost", "cmd_t": "boost/set", "stat_t": "boost/state",
         "pl_rst": "none", "ent_cat": "config"},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "number.boost")
    await probe.publish("boost/state", "40")
    await eventually(_is(runtime, "number.boost", "40"))
    await probe.publish("boost/state", "none")
    await eventually(_is(runtime, "number.boost", "unknown"))
    # A config entity: an area or device target does not name it (as in Home Assistant).
    assert runtime.registries.entities["number.boost"].hidden


async def test_enabled_by_default_false_leaves_a_registered_entity_out(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/sensor/rssi/config",
        {"name": "RSSI", "uniq_id": "rssi", "stat_t": "node/rssi", "en": False},
        retain=True,
    )
    # Without a unique id, Home Assistant has no registry entry to disable: it is added.
    await probe.publish(
        "homeassistant/sensor/uptime/config",
        {"name": "Uptime", "stat_t": "node/uptime", "en": False},
        retain=True,
    )
    await probe.publish(
        "homeassistant/sensor/heap/config",
        {"name": "Heap", "uniq_id": "heap", "stat_t": "node/heap", "en": True},
        retain=True,
    )
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.heap", "sensor.uptime")
    await probe.publish("node/rssi", "-60")
    await probe.publish("node/heap", "1000")
    await eventually(_is(runtime, "sensor.heap", "1000"))
    assert _state(runtime, "sensor.rssi") is None
    assert runtime.registries.entities["sensor.rssi"].disabled


async def test_an_option_not_read_is_a_warning_and_the_entity_still_works(
    broker: Broker, probe: MqttProbe, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    await probe.publish(
        "homeassistant/cover/blind/config",
        {"name": "Blind", "uniq_id": "blind", "cmd_t": "blind/set", "stat_t": "blind/state",
         "sup_dur": True, "e": "utf-8", "en": True},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "cover.blind")
    await probe.publish("blind/state", "open")
    await eventually(_is(runtime, "cover.blind", "open"))
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # Abbreviations Home Assistant knows but homeloom does not expand are named as written.
    assert any("cover/blind/config" in text and "'sup_dur'" in text for text in warned)
    assert not any("'encoding'" in text or "'enabled_by_default'" in text for text in warned)


YAML_ITEMS = """\
mqtt:
  sensor:
    - name: Door battery
      unique_id: door-1
      state_topic: door/battery
      icon: mdi:battery
      suggested_unit_of_measurement: "%"
  binary_sensor:
    - name: Door
      unique_id: door-1
      state_topic: door/contact
"""


async def test_yaml_items_share_a_unique_id_across_domains_and_show_their_icon(
    broker: Broker, probe: MqttProbe, tmp_path: Path
) -> None:
    house = await _started(_house_dir(tmp_path, ADAPTER.format(port=broker.port) + YAML_ITEMS))
    states = house.runtime.states
    await probe.publish("door/battery", "55")
    await probe.publish("door/contact", "OFF")
    await eventually(lambda: getattr(states.get("binary_sensor.door"), "state", None) == "off")
    await eventually(lambda: getattr(states.get("sensor.door_battery"), "state", None) == "55")
    battery = states.get("sensor.door_battery")
    assert battery is not None and battery.attributes["icon"] == "mdi:battery"
    await house.stop()


def test_a_yaml_option_not_read_is_a_warning_with_its_place(tmp_path: Path, capsys: Any) -> None:
    config_dir = _house_dir(tmp_path, ADAPTER.format(port=1883) + YAML_ITEMS)
    report = _check(config_dir, capsys)
    assert report["errors"] == []
    warned = [w for w in report["warnings"] if "suggested_unit_of_measurement" in w["message"]]
    assert len(warned) == 1, report["warnings"]
    assert warned[0]["key"] == "mqtt.sensor[0].suggested_unit_of_measurement"
    assert warned[0]["line"] == YAML_ITEMS.splitlines().index(
        '      suggested_unit_of_measurement: "%"'
    ) + 1 + len(ADAPTER.splitlines())
    assert warned[0]["file"].endswith("configuration.yaml")


async def test_a_fan_speed_range_presets_and_oscillation(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/fan/ceiling/config",
        {"name": "Ceiling", "uniq_id": "ceiling", "cmd_t": "fan/set", "stat_t": "fan/state",
         "pct_cmd_t": "fan/speed/set", "pct_stat_t": "fan/speed", "spd_rng_min": 1,
         "spd_rng_max": 3, "pr_mode_cmd_t": "fan/preset/set", "pr_modes": ["eco", "boost"],
         "osc_cmd_t": "fan/osc/set"},
        retain=True,
    )  # fmt: skip
    for topic in ("fan/set", "fan/speed/set", "fan/preset/set", "fan/osc/set"):
        await probe.subscribe(topic)
    await _adapter(runtime, broker)
    await appeared(runtime, "fan.ceiling")
    assert _is(runtime, "fan.ceiling", "unknown")()
    assert _attributes(runtime, "fan.ceiling")["preset_modes"] == ["eco", "boost"]
    await probe.publish("fan/state", "ON")
    await probe.publish("fan/speed", "2")
    await eventually(lambda: _attributes(runtime, "fan.ceiling").get("percentage") == 66)
    assert _is(runtime, "fan.ceiling", "on")()

    call = runtime.services.call
    await call("fan", "turn_on", {"entity_id": "fan.ceiling", "percentage": 100})
    await eventually(lambda: probe.on("fan/speed/set") == ["3"])
    assert probe.on("fan/set") == ["ON"]
    await call("fan", "decrease_speed", {"entity_id": "fan.ceiling"})  # from 66: one speed
    await eventually(lambda: probe.on("fan/speed/set") == ["3", "1"])
    # No preset state topic: the preset is assumed; no oscillation state topic: likewise.
    await call("fan", "set_preset_mode", {"entity_id": "fan.ceiling", "preset_mode": "eco"})
    await call("fan", "oscillate", {"entity_id": "fan.ceiling", "oscillating": True})
    await eventually(lambda: probe.on("fan/osc/set") == ["oscillate_on"])
    assert probe.on("fan/preset/set") == ["eco"]
    attributes = _attributes(runtime, "fan.ceiling")
    assert attributes["preset_mode"] == "eco" and attributes["oscillating"] is True
    with pytest.raises(HomeloomError):
        await call("fan", "set_preset_mode", {"entity_id": "fan.ceiling", "preset_mode": "turbo"})
    await call("fan", "turn_off", {"entity_id": "fan.ceiling"})
    await eventually(lambda: probe.on("fan/set") == ["ON", "OFF"])
    assert _is(runtime, "fan.ceiling", "on")()  # it waits for the fan to say so
