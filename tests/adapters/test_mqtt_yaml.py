"""MQTT entities written in Home Assistant's YAML (the ``mqtt:`` block), on a real broker:
states from the state topics, commands to the command topics, an automation, the
broker of Home Assistant's config entry, and the errors with their place."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from homeloom.adapters.mqtt import MqttMessage, MqttRouter
from homeloom.adapters.mqtt._yaml_entities import yaml_naming
from homeloom.cli import main
from homeloom.house import House
from homeloom.orchestrator import HomeloomError, TestClock
from tests.adapters.mqtt_broker import Broker
from tests.adapters.mqtt_z2m import MqttProbe
from tests.adapters.test_mqtt import eventually
from tests.scenarios.fuzz_house import FUZZ, config_dir, junk, mostly, no_failures_logged

BLOCK = """\
mqtt:
  sensor:
    - name: "Cellar temperature"
      state_topic: "cellar/sensor"
      unit_of_measurement: "°C"
      value_template: "{{ value_json.temperature }}"
    - state_topic: "cellar/humidity"
      device_class: humidity
    - name: Power
      unique_id: meter-power
      object_id: grid_power
      state_topic: "meter/power"
      device: {identifiers: [meter-1], name: Meter}
    - name: null
      unique_id: meter-energy
      state_topic: "meter/energy"
      device: {identifiers: [meter-1], name: Meter}
  switch:
    - name: "Pump"
      command_topic: "pump/set"
      state_topic: "pump/state"
    - name: "Broken pump"
      state_topic: "broken/state"
  light:
    - name: Desk
      schema: json
      command_topic: desk/set
      state_topic: desk/state
    - name: Odd
      schema: strange
      command_topic: odd/set
  siren:
    - name: Alarm
      command_topic: siren/set
"""

AUTOMATION = """\
automation:
  - id: cellar_too_warm
    triggers:
      - trigger: numeric_state
        entity_id: sensor.cellar_temperature
        above: 20
    actions:
      - action: switch.turn_on
        target: {entity_id: switch.pump}
"""

ADAPTER = """\
adapters:
  - adapter: mqtt
    host: 127.0.0.1
    port: {port}
    zigbee2mqtt: false
"""


def _house_dir(tmp_path: Path, text: str) -> Path:
    config_dir = tmp_path / "house"
    config_dir.mkdir()
    (config_dir / "configuration.yaml").write_text(text, encoding="utf-8")
    return config_dir


def _state(house: House, entity_id: str) -> str | None:
    found = house.runtime.states.get(entity_id)
    return found.state if found is not None else None


async def _started(config_dir: Path) -> House:
    house = House(config_dir, clock=TestClock(), persist=False)
    await house.setup()
    await house.start()
    router = house.runtime.components["mqtt"]
    assert isinstance(router, MqttRouter)
    await eventually(lambda: router.connected)
    await router.subscribed()
    return house


@pytest.mark.allow_error_logs  # the house logs each configuration error
async def test_the_block_makes_entities_that_follow_their_topics(
    broker: Broker, probe: MqttProbe, tmp_path: Path
) -> None:
    config_dir = _house_dir(tmp_path, ADAPTER.format(port=broker.port) + BLOCK + AUTOMATION)
    house = await _started(config_dir)
    report = house.report
    # Home Assistant's names: the platform's default, the device class's, the device's.
    ids = {"sensor.cellar_temperature", "sensor.humidity", "sensor.grid_power", "sensor.meter"}
    assert ids | {"switch.pump", "light.desk"} <= set(house.runtime.states.entity_ids())
    power = house.runtime.states.get("sensor.grid_power")
    assert power is not None and power.attributes["friendly_name"] == "Meter Power"
    assert house.runtime.registries.entities["sensor.meter"].thing_id is not None
    cellar = house.runtime.states.get("sensor.cellar_temperature")
    assert cellar is not None and cellar.attributes["unit_of_measurement"] == "°C"

    # Refused items are errors with their place; the others loaded.
    errors = {issue.key: issue for issue in report.errors}
    assert set(errors) == {"mqtt.switch[1]", "mqtt.light[1]"}, report.errors
    assert "needs 'command_topic'" in errors["mqtt.switch[1]"].message
    assert "default, json and template" in errors["mqtt.light[1]"].message
    assert errors["mqtt.light[1]"].file == "configuration.yaml"
    assert errors["mqtt.light[1]"].line == BLOCK.splitlines().index("    - name: Odd") + 6
    warnings = [issue.message for issue in report.warnings]
    assert any("MQTT siren entities are not provided" in text for text in warnings), warnings
    assert not any("'mqtt' is not provided" in text for text in warnings)

    await probe.subscribe("pump/set")
    await probe.subscribe("desk/set")
    await probe.publish("cellar/humidity", "55")
    await probe.publish("meter/energy", "12.5")
    await probe.publish("cellar/sensor", {"temperature": 18.5})
    await eventually(lambda: _state(house, "sensor.cellar_temperature") == "18.5")
    assert _state(house, "sensor.humidity") == "55"
    assert _state(house, "sensor.meter") == "12.5"
    assert probe.on("pump/set") == []

    # Above 20 degrees, the automation turns the pump on: a command on its topic.
    await probe.publish("cellar/sensor", {"temperature": 21})
    await eventually(lambda: probe.on("pump/set") == ["ON"])
    assert _state(house, "switch.pump") == "unknown"  # it waits for the pump to say so
    await probe.publish("pump/state", "ON")
    await eventually(lambda: _state(house, "switch.pump") == "on")

    await house.runtime.services.call("light", "turn_on", {"entity_id": "light.desk"})
    await eventually(lambda: probe.on("desk/set") != [])
    assert json.loads(probe.on("desk/set")[0]) == {"state": "ON"}
    await house.stop()


async def test_home_assistants_config_entry_gives_the_broker(
    broker: Broker, probe: MqttProbe, tmp_path: Path
) -> None:
    block = "mqtt:\n  - switch:\n      name: Pump\n      command_topic: pump/set\n"
    config_dir = _house_dir(tmp_path, block)
    entry = {
        "entry_id": "01HMQTT",
        "domain": "mqtt",
        "title": "127.0.0.1",
        "data": {"broker": "127.0.0.1", "port": broker.port, "discovery": True},
        "options": {},
    }
    storage = config_dir / ".storage"
    storage.mkdir()
    content = {"version": 1, "minor_version": 1, "key": "core.config_entries"}
    (storage / "core.config_entries").write_text(
        json.dumps({**content, "data": {"entries": [entry]}})
    )
    house = await _started(config_dir)
    assert house.report.errors == []
    assert not any("mqtt" in issue.message for issue in house.report.warnings)
    assert _state(house, "switch.pump") == "off"  # no state topic: optimistic
    await probe.subscribe("pump/set")
    await house.runtime.services.call("switch", "turn_on", {"entity_id": "switch.pump"})
    await eventually(lambda: probe.on("pump/set") == ["ON"])
    assert _state(house, "switch.pump") == "on"
    await house.stop()


def _check(config_dir: Path, capsys: Any) -> dict[str, Any]:
    main(["check", "--config", str(config_dir), "--json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    return report


def _messages(issues: list[dict[str, Any]]) -> list[str]:
    return [str(issue["message"]) for issue in issues]


@pytest.mark.allow_error_logs
def test_check_reports_no_warning_for_the_block_with_a_broker(tmp_path: Path, capsys: Any) -> None:
    # ``check`` never connects: no broker needs to run.
    config_dir = _house_dir(tmp_path, ADAPTER.format(port=1883) + BLOCK.split("  siren:")[0])
    report = _check(config_dir, capsys)
    assert not any("mqtt" in text for text in _messages(report["warnings"])), report["warnings"]
    assert [issue["key"] for issue in report["errors"]] == ["mqtt.switch[1]", "mqtt.light[1]"]


@pytest.mark.allow_error_logs
def test_the_block_without_a_broker_and_the_refused_forms_are_reported(
    tmp_path: Path, capsys: Any
) -> None:
    text = (
        "mqtt:\n  broker: 10.0.0.2\n  sensors: []\n"
        "  sensor:\n    - name: A\n      state_topic: a\n"
        "sensor:\n  - platform: mqtt\n    state_topic: b\n"
    )
    report = _check(_house_dir(tmp_path, text), capsys)
    errors = {issue["key"]: issue["message"] for issue in report["errors"]}
    assert "removed from 'mqtt:' in Home Assistant 2023.4" in errors["mqtt.broker"]
    assert "not an MQTT platform" in errors["mqtt.sensors"]
    warnings = _messages(report["warnings"])
    assert any("the MQTT entities need a broker" in text for text in warnings), warnings
    assert any("platform 'mqtt' is refused by Home Assistant" in text for text in warnings)


def test_yaml_items_are_named_as_home_assistant_names_them() -> None:
    device = {"identifiers": ["x"], "name": "Kitchen"}
    assert yaml_naming("sensor", {}) == ("MQTT Sensor", None)
    assert yaml_naming("sensor", {"device_class": "pm25"}) == ("PM2.5", None)
    assert yaml_naming("sensor", {"device_class": "enum"}) == ("MQTT Sensor", None)
    assert yaml_naming("binary_sensor", {"device_class": "door"}) == ("Door", None)
    assert yaml_naming("switch", {"device_class": "outlet"}) == ("MQTT Switch", None)
    assert yaml_naming("device_tracker", {}) == ("Unnamed Device", None)
    assert yaml_naming("light", {"name": "Lamp", "device": device}) == ("Kitchen Lamp", None)
    assert yaml_naming("light", {"name": None, "device": device}) == ("Kitchen", None)
    assert yaml_naming("lock", {"name": "Door", "object_id": "Front Door"}) == (
        "Door",
        "front_door",
    )


# --- hostile items ----------------------------------------------------------------------------

_topics = st.sampled_from(["a/state", "b/state", "c/set", "a/state", "a/+/x", "", "b/#"])
_values: Any = st.one_of(junk, _topics, st.sampled_from(["{{ value_json.x }}", "{{ 1/0 }}"]))
_item_keys = {
    "name": st.one_of(st.none(), st.sampled_from(["Alpha", "", "x" * 300])),
    "unique_id": st.sampled_from(["u1", "u2", ""]),
    "object_id": st.sampled_from(["Front Door", "", "%%"]),
    "state_topic": _topics,
    "command_topic": _topics,
    "value_template": _values,
    "device_class": st.sampled_from(["temperature", "enum", "door", "nope"]),
    "schema": st.sampled_from(["json", "template", "default", "x"]),
    "device": st.one_of(junk, st.just({"identifiers": ["d"], "name": "Dev"})),
    "availability_topic": _topics,
    "options": mostly(st.just(["a", "b"]), junk),
    "qos": st.one_of(st.integers(-1, 3), junk),
    "expire_after": _values,
    "json_attributes_topic": _topics,
    "percentage_command_topic": _topics,
    "percentage_state_topic": _topics,
    "speed_range_max": st.one_of(st.integers(-1, 300), junk),
    "preset_modes": mostly(st.just(["eco", "boost"]), junk),
    "preset_mode_command_topic": _topics,
    "icon": _values,
    "force_update": junk,
    "enabled_by_default": junk,
    "entity_category": st.sampled_from(["config", "diagnostic", "x"]),
    "tilt_command_topic": _topics,  # an option homeloom does not read
}
_usual = ("state_topic", "command_topic", "options")  # most platforms need one of these
mqtt_items = st.fixed_dictionaries(
    {key: mostly(_item_keys[key], st.just(None)) for key in _usual},
    optional={k: mostly(v, junk) for k, v in _item_keys.items() if k not in _usual},
)
#: ``mqtt:`` blocks as residents write them, and not: for the domains' fuzz test too.
mqtt_blocks = st.dictionaries(
    st.sampled_from(
        ["sensor", "binary_sensor", "switch", "light", "select", "fan", "siren", "broker"]
    ),
    mostly(st.lists(mqtt_items, max_size=3), junk),
    max_size=3,
)


async def _exercise(config_dir: Path, payloads: list[bytes]) -> None:
    house = House(config_dir, clock=TestClock(), persist=False)
    report = await house.setup()  # sets the adapter up, never connects
    slot = house.runtime.components["adapters"].slots["mqtt"]
    assert slot.running and slot.failures == 0, slot.last_error
    for issue in [*report.errors, *report.warnings]:
        assert issue.message
    router = house.runtime.components["mqtt"]
    for topic_filter in router.filters():
        topic = topic_filter.replace("+", "p").replace("#", "h")
        for payload in payloads:
            router.dispatch(MqttMessage(topic, payload))
    for entity_id in slot.entities:
        domain = entity_id.split(".")[0]
        with contextlib.suppress(HomeloomError):  # not connected: refused, as it would be
            await house.runtime.services.call(domain, "turn_on", {"entity_id": entity_id})
    await house.stop()


@pytest.mark.allow_error_logs
@FUZZ
@given(mqtt_blocks, st.lists(st.sampled_from([b"", b"ON", b'{"x": 1}', b"\xff", b"1e999"])))
def test_hostile_items_are_errors_and_the_adapter_runs(
    block: dict[str, Any], payloads: list[bytes]
) -> None:
    text = yaml.safe_dump({"mqtt": block}, allow_unicode=True)
    with (
        no_failures_logged(),
        config_dir({"configuration.yaml": ADAPTER.format(port=1883) + text}) as root,
    ):
        asyncio.run(_exercise(root, payloads))
