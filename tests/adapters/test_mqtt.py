"""The MQTT adapter against a real broker: a simulated Zigbee2MQTT bridge, Home Assistant
MQTT discovery, availability, malformed messages, and a broker restart."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from homeloom.adapters import AdapterManager
from homeloom.adapters.mqtt import MqttAdapter, MqttRouter
from homeloom.adapters.mqtt._connection import client_logger
from homeloom.orchestrator import Runtime, State
from tests.adapters.mqtt_broker import MOSQUITTO, Broker
from tests.adapters.mqtt_z2m import DEVICES, MqttProbe, Zigbee2MqttSim

needs_broker = pytest.mark.skipif(
    MOSQUITTO is None, reason="mosquitto is not installed (.ci/run installs it)"
)


async def eventually(
    condition: Callable[[], Any],
    *,
    runtime: Runtime | None = None,
    advance: float = 0.0,
    within: float = 5.0,
) -> None:
    """Wait, bounded, for what the network brings; on a test clock, optionally moving it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("the condition did not come true in time")
        if runtime is not None and advance:
            await runtime.advance(advance)
        await asyncio.sleep(0.01)


@pytest.fixture
async def bridge(broker: Broker) -> AsyncIterator[Zigbee2MqttSim]:
    sim = Zigbee2MqttSim(broker.port)
    await sim.start()
    yield sim
    await sim.stop()


def _router(runtime: Runtime) -> MqttRouter:
    """The first MQTT adapter's router: the one scenarios use."""
    router = runtime.components["mqtt"]
    assert isinstance(router, MqttRouter)
    return router


async def _adapter(runtime: Runtime, broker: Broker, **options: Any) -> MqttRouter:
    manager = AdapterManager(runtime)
    config = {"adapter": "mqtt", "host": "127.0.0.1", "port": broker.port, **options}
    issues = await manager.setup([config], known={"mqtt": MqttAdapter})
    assert issues == []
    router = _router(runtime)
    await eventually(lambda: router.connected)
    return router


def _state(runtime: Runtime, entity_id: str) -> State | None:
    return runtime.states.get(entity_id)


async def appeared(runtime: Runtime, *entity_ids: str) -> None:
    """Wait for entities announced over MQTT and for the adapter's subscriptions to their
    topics: a message published after that reaches them (before, the broker drops it)."""
    await eventually(lambda: all(_state(runtime, entity_id) for entity_id in entity_ids))
    await _router(runtime).subscribed()


def _attributes(runtime: Runtime, entity_id: str) -> dict[str, Any]:
    found = runtime.states.get(entity_id)
    return dict(found.attributes) if found is not None else {}


def _sets(bridge: Zigbee2MqttSim) -> list[tuple[str, dict[str, Any]]]:
    return [(topic, payload) for topic, payload in bridge.received if topic.endswith("/set")]


def _is(runtime: Runtime, entity_id: str, state: str) -> Callable[[], bool]:
    def check() -> bool:
        found = runtime.states.get(entity_id)
        return found is not None and found.state == state

    return check


# --- Zigbee2MQTT -----------------------------------------------------------------------------


@needs_broker
async def test_zigbee2mqtt_devices_appear_as_things_and_entities_and_states_flow(
    broker: Broker, bridge: Zigbee2MqttSim, runtime: Runtime
) -> None:
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "binary_sensor.hall_motion_occupancy", "off"))
    await eventually(_is(runtime, "light.hall_light", "off"))

    thing = runtime.registries.things["z2m_0x000b57fffec6a5b2"]
    assert (thing.name, thing.manufacturer, thing.model) == ("hall_light", "IKEA", "LED1545G12")
    assert "z2m_0x00124b0000000000" not in runtime.registries.things  # not the coordinator
    light = _state(runtime, "light.hall_light")
    assert light is not None
    assert light.attributes["supported_color_modes"] == ["color_temp"]
    assert light.attributes["min_color_temp_kelvin"] == 2203  # 454 mireds
    assert light.attributes["max_color_temp_kelvin"] == 4000  # 250 mireds
    assert _state(runtime, "sensor.hall_light_linkquality") is None

    lux = _state(runtime, "sensor.hall_motion_illuminance")
    assert lux is not None and lux.state == "40"
    assert lux.attributes["unit_of_measurement"] == "lx"
    assert lux.attributes["device_class"] == "illuminance"
    door = _state(runtime, "binary_sensor.front_door_contact")
    assert door is not None and door.state == "off"  # contact: the door is closed
    assert door.attributes["device_class"] == "door"
    assert _is(runtime, "switch.kitchen_plug", "off")()  # a friendly name with a slash

    await bridge.report("hall_motion", occupancy=True, illuminance=12)
    await bridge.report("front_door", contact=False)
    await eventually(_is(runtime, "binary_sensor.hall_motion_occupancy", "on"))
    await eventually(_is(runtime, "binary_sensor.front_door_contact", "on"))
    assert _is(runtime, "sensor.hall_motion_illuminance", "12")()


@needs_broker
async def test_a_zigbee2mqtt_group_of_lights_is_one_light(
    broker: Broker, bridge: Zigbee2MqttSim, runtime: Runtime
) -> None:
    hall = next(d for d in DEVICES if d["friendly_name"] == "hall_light")
    groups = [
        {
            "id": 3,
            "friendly_name": "downstairs",
            "members": [{"ieee_address": hall["ieee_address"]}],
        },
        {"id": 4, "friendly_name": "empty", "members": []},
        {"id": "five", "friendly_name": "broken", "members": []},
    ]
    bridge.states["downstairs"] = {"state": "OFF", "brightness": 0}
    # Published before the adapter subscribes: retained, it may come before the devices.
    await bridge.publish("bridge/groups", groups, retain=True)
    await bridge.publish("downstairs", bridge.states["downstairs"], retain=True)
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "light.downstairs", "off"))
    thing = runtime.registries.things["z2m_group_3"]
    assert (thing.name, thing.model) == ("downstairs", "Group")
    assert runtime.states.get("light.empty") is None

    bridge.received.clear()
    await runtime.services.call(
        "light", "turn_on", {"brightness": 255}, target={"entity_id": "light.downstairs"}
    )
    await eventually(lambda: _sets(bridge))
    topic, payload = _sets(bridge)[0]
    assert topic == "zigbee2mqtt/downstairs/set" and payload["state"] == "ON"
    await eventually(_is(runtime, "light.downstairs", "on"))

    # The group is removed in Zigbee2MQTT: its light becomes unavailable.
    await bridge.publish("bridge/groups", groups[1:], retain=True)
    await eventually(_is(runtime, "light.downstairs", "unavailable"))


@needs_broker
async def test_light_turn_on_reaches_the_set_topic_with_zigbee_scales(
    broker: Broker, bridge: Zigbee2MqttSim, runtime: Runtime
) -> None:
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "light.hall_light", "off"))
    bridge.received.clear()

    await runtime.services.call(
        "light",
        "turn_on",
        {"brightness": 128, "color_temp_kelvin": 2700, "transition": 1},
        target={"entity_id": "light.hall_light"},
    )
    await eventually(lambda: _sets(bridge))
    topic, payload = _sets(bridge)[0]
    assert topic == "zigbee2mqtt/hall_light/set"
    assert payload == {"state": "ON", "brightness": 127, "color_temp": 370, "transition": 1}

    await eventually(_is(runtime, "light.hall_light", "on"))  # the bridge reported back
    light = _state(runtime, "light.hall_light")
    assert light is not None
    assert light.attributes["brightness"] == 128  # 127 of 254, back on 0-255
    assert light.attributes["color_temp_kelvin"] == 2703  # 370 mireds

    bridge.received.clear()
    await runtime.services.call(
        "light", "turn_on", {"brightness_pct": 100}, target={"entity_id": "light.hall_light"}
    )
    await eventually(lambda: _sets(bridge))
    assert _sets(bridge)[0][1] == {"state": "ON", "brightness": 254}
    await eventually(
        lambda: (_state(runtime, "light.hall_light") or light).attributes.get("brightness") == 255
    )

    await eventually(_is(runtime, "climate.bedroom_radiator", "heat"))
    radiator = _attributes(runtime, "climate.bedroom_radiator")
    assert (radiator["temperature"], radiator["current_temperature"]) == (19, 18.2)
    assert (radiator["hvac_action"], radiator["hvac_modes"]) == ("heating", ["off", "heat"])
    assert (radiator["min_temp"], radiator["max_temp"], radiator["target_temp_step"]) == (
        5,
        32,
        0.5,
    )
    bridge.received.clear()
    await runtime.services.call(
        "climate",
        "set_temperature",
        {"temperature": 21.5},
        target={"entity_id": "climate.bedroom_radiator"},
    )
    await eventually(lambda: _sets(bridge))
    assert _sets(bridge)[0] == (
        "zigbee2mqtt/bedroom_radiator/set",
        {"occupied_heating_setpoint": 21.5},
    )
    await eventually(
        lambda: _attributes(runtime, "climate.bedroom_radiator")["temperature"] == 21.5
    )

    bridge.received.clear()
    await runtime.services.call("switch", "toggle", target={"entity_id": "switch.kitchen_plug"})
    await eventually(lambda: _sets(bridge))
    assert _sets(bridge)[0] == ("zigbee2mqtt/kitchen/plug/set", {"state": "TOGGLE"})
    await eventually(_is(runtime, "switch.kitchen_plug", "on"))

    await runtime.services.call("light", "turn_off", target={"entity_id": "light.hall_light"})
    await eventually(_is(runtime, "light.hall_light", "off"))
    off = _state(runtime, "light.hall_light")
    assert off is not None and "brightness" not in off.attributes


@needs_broker
async def test_a_device_without_a_retained_state_is_asked_with_get(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    sim = Zigbee2MqttSim(broker.port)
    await sim.start()
    await probe.publish("zigbee2mqtt/kitchen/plug", "", retain=True)  # clear its retained state
    await _adapter(runtime, broker)
    # The other devices' retained states are in (the test clock would otherwise outrun
    # them, and those devices would be asked too): only the plug's is missing.
    await eventually(_is(runtime, "light.hall_light", "off"))
    await eventually(_is(runtime, "climate.bedroom_radiator", "heat"))
    assert _is(runtime, "switch.kitchen_plug", "unknown")()
    await runtime.advance(2)  # no state came: ask for it
    await eventually(_is(runtime, "switch.kitchen_plug", "off"))
    gets = [topic for topic, _ in sim.received if topic.endswith("/get")]
    assert gets == ["zigbee2mqtt/kitchen/plug/get"]
    await sim.stop()


@needs_broker
async def test_an_offline_device_is_unavailable_and_recovers(
    broker: Broker, bridge: Zigbee2MqttSim, runtime: Runtime
) -> None:
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "sensor.hall_motion_battery", "91"))

    await bridge.availability("hall_motion", online=False)
    await eventually(_is(runtime, "binary_sensor.hall_motion_occupancy", "unavailable"))
    assert _is(runtime, "sensor.hall_motion_battery", "unavailable")()
    assert _is(runtime, "light.hall_light", "off")()  # other devices are unaffected

    await bridge.availability("hall_motion", online=True)
    await eventually(_is(runtime, "binary_sensor.hall_motion_occupancy", "off"))
    assert _is(runtime, "sensor.hall_motion_battery", "91")()  # the last known state is back

    await bridge.publish("bridge/state", "offline", retain=True)  # older, plain-text form
    await eventually(_is(runtime, "light.hall_light", "unavailable"))
    await bridge.publish("bridge/state", {"state": "online"}, retain=True)
    await eventually(_is(runtime, "light.hall_light", "off"))


@needs_broker
async def test_malformed_payloads_are_logged_with_their_topic_and_ignored(
    broker: Broker,
    bridge: Zigbee2MqttSim,
    probe: MqttProbe,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "sensor.hall_motion_illuminance", "40"))

    await probe.publish("zigbee2mqtt/hall_motion", "{not json")
    await probe.publish("zigbee2mqtt/hall_motion", "[1, 2]")
    await probe.publish("zigbee2mqtt/bridge/devices", {"devices": "not a list"})
    await probe.publish("zigbee2mqtt/bridge/state", "sleepy")
    broken = {"friendly_name": "broken", "definition": {"exposes": []}}  # no ieee_address
    await probe.publish("zigbee2mqtt/bridge/devices", [broken, *DEVICES])
    await probe.publish("homeassistant/sensor/broken/config", "{oops")
    await probe.publish("homeassistant/switch/nocmd/config", {"name": "No command topic"})
    await probe.publish(
        "homeassistant/sensor/tpl/config",
        {
            "name": "Bad template",
            "stat_t": "tpl/state",
            "val_tpl": "{{ value_json.x | is_defined }}",
        },
    )
    await appeared(runtime, "sensor.bad_template")
    await probe.publish("tpl/state", '{"y": 1}')
    await bridge.report("hall_motion", illuminance=77)  # still working afterwards
    await eventually(_is(runtime, "sensor.hall_motion_illuminance", "77"))

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    for topic in (
        "zigbee2mqtt/hall_motion",
        "zigbee2mqtt/bridge/devices",
        "zigbee2mqtt/bridge/state",
        "homeassistant/sensor/broken/config",
        "homeassistant/switch/nocmd/config",
        "tpl/state",
    ):
        assert any(topic in message for message in warnings), topic
    assert any("'broken'" in message for message in warnings)  # the bad device, by name
    assert _state(runtime, "switch.no_command_topic") is None
    assert _is(runtime, "sensor.bad_template", "unknown")()
    assert _is(runtime, "light.hall_light", "off")()
    assert _router(runtime).connected


# A device's description is written by whoever made the device (or its firmware): its
# templates render in the house's bounded sandbox, as a resident's do.
_HOSTILE_VALUE_TEMPLATES = {
    "{{ 'x' * 10**9 }}": "too large",
    "{{ value | center(10**9) }}": "too large",
    "{{ 2 ** (10**8) }}": "too large",
    "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}": (
        "too large or too long"
    ),
    "{{ value.__class__.__mro__ }}": "unsafe",
    "{{ cycler.__init__.__globals__ }}": "unsafe",
}


@pytest.mark.parametrize("template", list(_HOSTILE_VALUE_TEMPLATES))
def test_a_hostile_value_template_fails_with_a_payload_error(template: str) -> None:
    from homeloom.adapters.mqtt._values import PayloadError, ValueTemplates

    templates = ValueTemplates()
    with pytest.raises(PayloadError, match=_HOSTILE_VALUE_TEMPLATES[template]):
        templates.render(template, '{"x": 1}')
    with pytest.raises(PayloadError, match="command template"):
        templates.command(template, 5)
    assert templates.render("{{ value_json.x + 1 }}", '{"x": 1}') == "2"  # still renders


@needs_broker
async def test_a_sensor_whose_template_goes_past_a_bound_stays_unknown_and_the_rest_goes_on(
    broker: Broker,
    bridge: Zigbee2MqttSim,
    probe: MqttProbe,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "sensor.hall_motion_illuminance", "40"))
    await probe.publish(
        "homeassistant/sensor/huge/config",
        {"name": "Huge", "stat_t": "huge/state", "val_tpl": "{{ value * 10**9 }}"},
    )
    await appeared(runtime, "sensor.huge")
    await probe.publish("huge/state", "abc")
    await bridge.report("hall_motion", illuminance=78)
    await eventually(_is(runtime, "sensor.hall_motion_illuminance", "78"))

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("huge/state" in m and "too large" in m for m in warnings), warnings
    assert _is(runtime, "sensor.huge", "unknown")()


# --- Home Assistant MQTT discovery --------------------------------------------------------------

DEVICE = {
    "ids": ["esp-kitchen-01"],
    "name": "Kitchen node",
    "mf": "Espressif",
    "mdl": "ESP32",
    "sw": "1.4.2",
    "sa": "Kitchen",
}


@needs_broker
async def test_discovery_configs_become_things_and_entities(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    configs: dict[str, dict[str, Any]] = {
        "homeassistant/light/kitchen/ceiling/config": {
            "~": "kitchen/ceiling",
            "name": "Ceiling",
            "uniq_id": "kitchen-ceiling",
            "cmd_t": "~/set",
            "stat_t": "~/state",
            "bri_cmd_t": "~/brightness/set",
            "bri_stat_t": "~/brightness",
            "bri_scl": 100,
            "dev": DEVICE,
        },
        "homeassistant/light/strip/config": {
            "name": "Strip",
            "schema": "json",
            "uniq_id": "strip-1",
            "cmd_t": "strip/set",
            "stat_t": "strip/state",
            "clrm": True,
            "sup_clrm": ["color_temp", "rgb"],
            "bri": True,
        },
        "homeassistant/switch/kitchen/kettle/config": {
            "name": "Kettle",
            "uniq_id": "kettle",
            "cmd_t": "kettle/set",
            "stat_t": "kettle/state",
            "dev": DEVICE,
        },
        "homeassistant/binary_sensor/window/config": {
            "name": "Window",
            "uniq_id": "window",
            "stat_t": "window/state",
            "dev_cla": "window",
            "pl_on": "open",
            "pl_off": "closed",
        },
        "homeassistant/sensor/kitchen/temperature/config": {
            "name": "Temperature",
            "uniq_id": "kitchen-temp",
            "stat_t": "kitchen/sensors",
            "val_tpl": "{{ value_json.temperature | round(1) }}",
            "unit_of_meas": "°C",
            "dev_cla": "temperature",
            "stat_cla": "measurement",
            "dev": DEVICE,
        },
        "homeassistant/cover/blind/config": {
            "name": "Blind",
            "uniq_id": "blind",
            "cmd_t": "blind/set",
            "pos_t": "blind/position",
            "set_pos_t": "blind/position/set",
            "pos_open": 255,
            "pos_clsd": 0,
        },
        "homeassistant/lock/door/config": {
            "name": "Back door",
            "uniq_id": "back-door",
            "cmd_t": "door/set",
            "stat_t": "door/state",
        },
        "homeassistant/climate/thermostat/config": {
            "name": "Thermostat",
            "uniq_id": "thermostat",
            "modes": ["off", "heat"],
            "mode_cmd_t": "thermostat/mode/set",
            "mode_stat_t": "thermostat/mode",
            "temp_cmd_t": "thermostat/target/set",
            "temp_stat_t": "thermostat/target",
            "curr_temp_t": "thermostat/current",
        },
        "homeassistant/button/doorbell/config": {
            "name": "Ring",
            "uniq_id": "ring",
            "cmd_t": "bell/ring",
            "pl_prs": "RING",
        },
        "homeassistant/number/fan_speed/config": {
            "name": "Fan speed",
            "uniq_id": "fan-speed",
            "cmd_t": "fan/speed/set",
            "stat_t": "fan/speed",
            "min": 0,
            "max": 5,
        },
        "homeassistant/select/mode/config": {
            "name": "Washer mode",
            "uniq_id": "washer-mode",
            "cmd_t": "washer/mode/set",
            "stat_t": "washer/mode",
            "ops": ["eco", "quick", "cotton"],
        },
        "homeassistant/device_tracker/phone/config": {
            "name": "Phone",
            "uniq_id": "phone",
            "stat_t": "phone/state",
            "json_attr_t": "phone/attributes",
        },
    }
    for topic, config in configs.items():
        await probe.publish(topic, config, retain=True)
    states = {
        "kitchen/ceiling/state": "ON",
        "kitchen/ceiling/brightness": "50",
        "strip/state": {
            "state": "ON",
            "brightness": 255,
            "color_mode": "color_temp",
            "color_temp": 250,
        },
        "kettle/state": "OFF",
        "window/state": "open",
        "kitchen/sensors": {"temperature": 21.46, "humidity": 40},
        "blind/position": "51",
        "door/state": "LOCKED",
        "thermostat/mode": "heat",
        "thermostat/target": "20.5",
        "thermostat/current": "19",
        "fan/speed": "3",
        "washer/mode": "eco",
        "phone/state": "home",
        "phone/attributes": {"latitude": 52.1, "longitude": 4.3, "gps_accuracy": 12},
    }
    for topic, payload in states.items():
        await probe.publish(topic, payload, retain=True)
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "device_tracker.phone", "home"))
    await eventually(_is(runtime, "climate.thermostat", "heat"))

    thing = runtime.registries.things["mqtt_esp_kitchen_01"]
    assert (thing.name, thing.manufacturer, thing.model) == ("Kitchen node", "Espressif", "ESP32")
    assert thing.sw_version == "1.4.2"
    ceiling = _state(runtime, "light.kitchen_node_ceiling")
    assert ceiling is not None and ceiling.state == "on"
    assert ceiling.attributes["brightness"] == 128  # 50 on a 0-100 scale
    assert runtime.registries.entities["light.kitchen_node_ceiling"].thing_id == thing.id
    strip = _state(runtime, "light.strip")
    assert strip is not None and strip.state == "on"
    assert strip.attributes["color_temp_kelvin"] == 4000
    assert strip.attributes["supported_color_modes"] == ["color_temp", "rgb"]
    assert _is(runtime, "switch.kitchen_node_kettle", "off")()
    window = _state(runtime, "binary_sensor.window")
    assert window is not None and window.state == "on"
    assert window.attributes["device_class"] == "window"
    temperature = _state(runtime, "sensor.kitchen_node_temperature")
    assert temperature is not None and temperature.state == "21.5"
    assert temperature.attributes["unit_of_measurement"] == "°C"
    blind = _state(runtime, "cover.blind")
    assert blind is not None and blind.state == "open"
    assert blind.attributes["current_position"] == 20  # 51 of 255
    assert _is(runtime, "lock.back_door", "locked")()
    thermostat = _state(runtime, "climate.thermostat")
    assert thermostat is not None
    assert thermostat.attributes["temperature"] == 20.5
    assert thermostat.attributes["current_temperature"] == 19
    assert _is(runtime, "button.ring", "unknown")()
    assert _is(runtime, "number.fan_speed", "3")()
    assert _is(runtime, "select.washer_mode", "eco")()
    await eventually(lambda: "latitude" in _attributes(runtime, "device_tracker.phone"))
    assert _attributes(runtime, "device_tracker.phone")["latitude"] == 52.1

    # Commands reach the configured command topics, in each device's own terms.
    await probe.subscribe("#")
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("light.kitchen_node_ceiling", "turn_on", {"brightness": 255}),
        ("light.strip", "turn_on", {"brightness": 128, "color_temp_kelvin": 2500}),
        ("switch.kitchen_node_kettle", "turn_on", {}),
        ("cover.blind", "set_cover_position", {"position": 100}),
        ("lock.back_door", "unlock", {}),
        ("climate.thermostat", "set_temperature", {"temperature": 21}),
        ("button.ring", "press", {}),
        ("number.fan_speed", "set_value", {"value": 4}),
        ("select.washer_mode", "select_option", {"option": "quick"}),
    ]
    for entity_id, service, data in calls:
        domain = entity_id.split(".")[0]
        await runtime.services.call(domain, service, data, target={"entity_id": entity_id})
    expected = {
        "kitchen/ceiling/brightness/set": "100",
        "kitchen/ceiling/set": "ON",
        "strip/set": '{"state":"ON","brightness":128,"color_temp":400}',  # compact, as HA
        "kettle/set": "ON",
        "blind/position/set": "255",
        "door/set": "UNLOCK",
        "thermostat/target/set": "21.0",  # Home Assistant sends the float it coerced
        "bell/ring": "RING",
        "fan/speed/set": "4",
        "washer/mode/set": "quick",
    }
    await eventually(lambda: all(probe.on(topic) for topic in expected))
    for topic, payload in expected.items():
        assert probe.on(topic) == [payload], topic
    ring = _state(runtime, "button.ring")
    assert ring is not None and ring.state == runtime.now().isoformat()


@needs_broker
async def test_discovery_availability_and_removal(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish("plug/status", "online", retain=True)
    await probe.publish("plug/state", "ON", retain=True)
    await probe.publish(
        "homeassistant/switch/plug/config",
        {
            "name": "Plug",
            "uniq_id": "plug",
            "cmd_t": "plug/set",
            "stat_t": "plug/state",
            "avty": [{"t": "plug/status"}],
            "opt": False,
        },
        retain=True,
    )
    await _adapter(runtime, broker)
    await eventually(_is(runtime, "switch.plug", "on"))

    await probe.publish("plug/status", "offline", retain=True)
    await eventually(_is(runtime, "switch.plug", "unavailable"))
    await probe.publish("plug/status", "online", retain=True)
    await eventually(_is(runtime, "switch.plug", "on"))

    await probe.publish("homeassistant/switch/plug/config", "", retain=True)  # removed
    await eventually(_is(runtime, "switch.plug", "unavailable"))
    await probe.publish("plug/state", "OFF")
    await probe.publish("plug/status", "online")
    # A later message on the same connection: once it is read, so are the two before.
    await probe.publish(
        "homeassistant/switch/lamp/config", {"name": "Lamp", "uniq_id": "lamp", "cmd_t": "l/set"}
    )
    await eventually(lambda: runtime.states.get("switch.lamp") is not None)
    assert _is(runtime, "switch.plug", "unavailable")()


@needs_broker
async def test_off_delay_and_expire_after_follow_the_house_clock(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/binary_sensor/rf_motion/config",
        {"name": "RF motion", "uniq_id": "rf-motion", "stat_t": "rf/motion", "off_dly": 30},
        retain=True,
    )
    await probe.publish(
        "homeassistant/sensor/outdoor/config",
        {"name": "Outdoor", "uniq_id": "outdoor", "stat_t": "outdoor/t", "exp_aft": 600,
         "unit_of_meas": "°C"},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.outdoor", "binary_sensor.rf_motion")

    await probe.publish("rf/motion", "ON")
    await eventually(_is(runtime, "binary_sensor.rf_motion", "on"))
    await runtime.advance(29)
    assert _is(runtime, "binary_sensor.rf_motion", "on")()
    await runtime.advance(1)
    assert _is(runtime, "binary_sensor.rf_motion", "off")()

    await probe.publish("outdoor/t", "12.5")
    await eventually(_is(runtime, "sensor.outdoor", "12.5"))
    await runtime.advance(599)
    assert _is(runtime, "sensor.outdoor", "12.5")()
    await runtime.advance(1)
    assert _is(runtime, "sensor.outdoor", "unavailable")()
    await probe.publish("outdoor/t", "13")
    await eventually(_is(runtime, "sensor.outdoor", "13"))


@needs_broker
async def test_device_based_discovery_describes_several_entities(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/device/hall-node/config",
        {
            "dev": {"ids": "hall-node", "name": "Hall node", "mf": "Acme"},
            "o": {"name": "acme-firmware", "sw": "2.0"},
            "~": "hall",
            "cmps": {
                "t": {
                    "p": "sensor",
                    "name": "Temperature",
                    "uniq_id": "hall-t",
                    "stat_t": "~/t",
                    "unit_of_meas": "°C",
                    "dev_cla": "temperature",
                },
                "m": {
                    "p": "binary_sensor",
                    "name": "Motion",
                    "uniq_id": "hall-m",
                    "stat_t": "~/m",
                    "dev_cla": "motion",
                },
            },
        },
        retain=True,
    )
    await _adapter(runtime, broker)
    await appeared(runtime, "binary_sensor.hall_node_motion", "sensor.hall_node_temperature")
    await probe.publish("hall/t", "18.5")
    await probe.publish("hall/m", "ON")
    await eventually(_is(runtime, "binary_sensor.hall_node_motion", "on"))
    await eventually(_is(runtime, "sensor.hall_node_temperature", "18.5"))
    assert runtime.registries.things["mqtt_hall_node"].manufacturer == "Acme"


# --- the connection -------------------------------------------------------------------------------


@needs_broker
async def test_birth_and_will_on_the_status_topic(broker: Broker, probe: MqttProbe) -> None:
    from homeloom.orchestrator import TestClock

    runtime = Runtime(clock=TestClock())
    await runtime.start()
    await probe.subscribe("homeloom/status")
    await _adapter(runtime, broker)
    await eventually(lambda: probe.on("homeloom/status") == ["online"])
    await runtime.stop()  # a clean stop says offline itself (the will is for a loss)
    await eventually(lambda: probe.on("homeloom/status") == ["online", "offline"])


@needs_broker
async def test_a_broker_restart_is_survived(
    broker: Broker, bridge: Zigbee2MqttSim, runtime: Runtime
) -> None:
    router = await _adapter(runtime, broker)
    await eventually(_is(runtime, "light.hall_light", "off"))

    await bridge.stop()
    await broker.stop()
    await eventually(lambda: not router.connected)
    assert _is(runtime, "light.hall_light", "unavailable")()
    assert _is(runtime, "sensor.hall_motion_battery", "unavailable")()

    await broker.start()  # the same port, an empty broker (no persistence)
    await eventually(lambda: router.connected, runtime=runtime, advance=1)
    await bridge.start()  # Zigbee2MQTT reconnects and publishes its topics again
    await eventually(_is(runtime, "light.hall_light", "off"))
    await bridge.report("hall_motion", occupancy=True)
    await eventually(_is(runtime, "binary_sensor.hall_motion_occupancy", "on"))

    bridge.received.clear()
    await runtime.services.call("light", "turn_on", target={"entity_id": "light.hall_light"})
    await eventually(lambda: _sets(bridge))
    assert _sets(bridge) == [("zigbee2mqtt/hall_light/set", {"state": "ON"})]
    await eventually(_is(runtime, "light.hall_light", "on"))


# --- scenarios: the mqtt trigger and mqtt.publish ---------------------------------------------

HOUSE = """\
adapters:
  - adapter: mqtt
    host: 127.0.0.1
    port: {port}
    zigbee2mqtt: false
automation:
  - id: doorbell
    alias: Doorbell chimes
    triggers:
      - trigger: mqtt
        topic: "doorbell/+/event"
        payload: "pressed"
        value_template: "{{{{ value_json.action }}}}"
    actions:
      - action: mqtt.publish
        data:
          topic: "chime/{{{{ trigger.topic.split('/')[1] }}}}"
          payload: "{{{{ trigger.payload_json.count }}}}"
          qos: 1
          retain: true
  - id: anything
    alias: Anything under sensors
    triggers:
      - platform: mqtt
        topic: "sensors/#"
    actions:
      - action: mqtt.publish
        data: {{topic: seen, payload: "{{{{ trigger.topic }}}}"}}
  - id: garage_remote
    alias: Garage remote
    trigger_variables: {{room: garage}}
    triggers:
      - trigger: mqtt
        topic: "remote/{{{{ room }}}}/action"
        payload: "{{{{ this.attributes.id }}}}"
    actions:
      - action: mqtt.publish
        data: {{topic: seen, payload: "remote {{{{ trigger.topic }}}}"}}
"""


@needs_broker
async def test_the_mqtt_trigger_and_mqtt_publish_in_a_scenario(
    broker: Broker, probe: MqttProbe, tmp_path: Path
) -> None:
    from homeloom.house import House
    from homeloom.orchestrator import TestClock

    (tmp_path / "configuration.yaml").write_text(HOUSE.format(port=broker.port))
    house = House(tmp_path, clock=TestClock(), persist=False)
    report = await house.setup()
    assert report.errors == []
    await house.start()
    router = _router(house.runtime)
    await eventually(lambda: router.connected)
    await probe.subscribe("chime/#")
    await probe.subscribe("seen")

    await probe.publish("doorbell/front/event", {"action": "released", "count": 1})
    await probe.publish("doorbell/front/event", {"action": "pressed", "count": 2})
    await probe.publish("doorbell/front/extra/event", {"action": "pressed", "count": 3})
    # The topic and payload templates are rendered at attaching, with this and the
    # trigger_variables.
    await probe.publish("remote/garage/action", "other")
    await probe.publish("remote/garage/action", "garage_remote")
    await probe.publish("sensors/garden/rain", "1")
    await eventually(lambda: len(probe.on("seen")) == 2)
    await eventually(lambda: probe.on("chime/front"))
    assert probe.on("chime/front") == ["2"]  # '+' matches one level only; 'released' ignored
    assert probe.on("seen") == ["remote remote/garage/action", "sensors/garden/rain"]
    await probe.subscribe("chime/front")  # subscribing again replays what the broker retained
    await eventually(lambda: ("chime/front", "2", True) in probe.messages)
    await house.stop()


REMOTE_HOUSE = """\
adapters:
  - adapter: mqtt
    host: 127.0.0.1
    port: {port}
automation:
  - id: remote_single
    trigger:
      - platform: device
        domain: mqtt
        device_id: 5b1d4a3c7e0f4b2a9c8d7e6f5a4b3c2d
        type: action
        subtype: single
        discovery_id: 0x00158d0001a2b3c4 action_single
    action:
      - service: mqtt.publish
        data:
          topic: lamp/toggle
          payload: "{{{{ trigger.payload }}}} via {{{{ trigger.subtype }}}}"
"""


@needs_broker
async def test_an_announced_device_trigger_runs_a_home_assistant_automation(
    broker: Broker, probe: MqttProbe, tmp_path: Path
) -> None:
    from homeloom.house import House
    from homeloom.orchestrator import TestClock

    (tmp_path / "configuration.yaml").write_text(REMOTE_HOUSE.format(port=broker.port))
    house = House(tmp_path, clock=TestClock(), persist=False)
    assert (await house.setup()).errors == []
    await house.start()
    router = _router(house.runtime)
    await eventually(lambda: router.connected)
    await probe.subscribe("lamp/#")
    # Announced after the automation started, as Zigbee2MQTT does once connected.
    config = {
        "automation_type": "trigger",
        "type": "action",
        "subtype": "single",
        "payload": "single",
        "topic": "zigbee2mqtt/remote/action",
        "device": {"identifiers": ["zigbee2mqtt_0x00158d0001a2b3c4"], "name": "remote"},
    }
    topic = "homeassistant/device_automation/0x00158d0001a2b3c4/action_single/config"
    await probe.publish(topic, config, retain=True)
    triggers = house.runtime.components["mqtt_device_triggers"]
    await eventually(lambda: "0x00158d0001a2b3c4 action_single" in triggers.known())
    await router.subscribed()  # to the remote's action topic
    await probe.publish("zigbee2mqtt/remote/action", "double")
    await probe.publish("zigbee2mqtt/remote/action", "single")
    await eventually(lambda: probe.on("lamp/toggle"))
    assert probe.on("lamp/toggle") == ["single via single"]
    # Withdrawn (an empty config): the automation no longer hears the remote.
    await probe.publish(topic, "", retain=True)
    await eventually(lambda: not triggers.known())
    await probe.publish("zigbee2mqtt/remote/action", "single")
    await probe.publish("lamp/toggle", "marker")
    await eventually(lambda: "marker" in probe.on("lamp/toggle"))
    assert probe.on("lamp/toggle") == ["single via single", "marker"]
    await house.stop()


@pytest.mark.allow_error_logs  # the house logs each configuration error
async def test_an_mqtt_trigger_without_the_adapter_is_a_config_error(tmp_path: Path) -> None:
    from homeloom.house import House
    from homeloom.orchestrator import TestClock

    config = HOUSE.split("automation:")[1]
    (tmp_path / "configuration.yaml").write_text(
        "automation:" + config.replace("{{", "{").replace("}}", "}")
    )
    house = House(tmp_path, clock=TestClock(), persist=False)
    report = await house.setup()
    messages = [issue.message for issue in report.errors]
    assert any("need the MQTT adapter" in message for message in messages), messages
    await house.stop()


# --- the pieces, without a broker ---------------------------------------------------------


def test_topic_filters_match_as_mqtt_says() -> None:
    from homeloom.adapters.mqtt import topic_matches, validate_topic

    assert topic_matches("a/+/c", "a/b/c")
    assert not topic_matches("a/+/c", "a/b/x/c")
    assert topic_matches("a/#", "a") and topic_matches("a/#", "a/b/c")
    assert topic_matches("+/+", "/finance")
    assert not topic_matches("#", "$SYS/uptime")
    assert not topic_matches("a/b", "a/b/c")
    for bad in ("a/#/c", "a/b+", "", "a/#b"):
        with pytest.raises(ValueError):
            validate_topic(bad)
    with pytest.raises(ValueError):
        validate_topic("a/+", wildcards=False)


def test_discovery_abbreviations_and_the_base_topic_are_expanded() -> None:
    from homeloom.adapters.mqtt._abbreviations import expand

    config = expand(
        {
            "~": "home/lamp",
            "cmd_t": "~/set",
            "stat_t": "~/state",
            "avty": [{"t": "~/status", "pl_avail": "up"}],
            "dev": {"ids": ["x"], "mf": "Acme", "mdl": "L1"},
            "json_attr_t": "attrs/~",
        }
    )
    assert config["command_topic"] == "home/lamp/set"
    assert config["state_topic"] == "home/lamp/state"
    assert config["availability"] == [{"topic": "home/lamp/status", "payload_available": "up"}]
    assert config["device"] == {"identifiers": ["x"], "manufacturer": "Acme", "model": "L1"}
    assert config["json_attributes_topic"] == "attrs/home/lamp"


def test_zigbee_exposes_map_onto_capabilities_with_scales() -> None:
    from homeloom.adapters.mqtt._z2m_exposes import capabilities_of

    light, *rest = capabilities_of("hall_light", DEVICES[1]["definition"]["exposes"])
    assert (light.domain, light.object_id, rest) == ("light", "hall_light", [])
    state, attributes = light.read({"state": "ON", "brightness": 254, "color_temp": 500})
    assert state == "on" and attributes["brightness"] == 255
    assert attributes["color_temp_kelvin"] == 2000
    on = light.command("turn_on", {"brightness": 1, "color_temp_kelvin": 6500}, {})
    assert on == {"state": "ON", "brightness": 1, "color_temp": 250}  # clamped to the device
    assert light.command("turn_on", {"brightness": 0}, {}) == {"state": "OFF"}
    assert light.command("toggle", {}, {}) == {"state": "TOGGLE"}

    sensors = {
        c.key: c for c in capabilities_of("hall_motion", DEVICES[2]["definition"]["exposes"])
    }
    assert sensors["occupancy"].domain == "binary_sensor"
    assert sensors["occupancy"].read({"occupancy": True})[0] == "on"
    assert sensors["battery"].read({"battery": 55}) == ("55", {})
    assert capabilities_of("x", "not a list") == []
    assert capabilities_of("x", [{"type": "composite"}, 3, {"type": "numeric"}]) == []


@needs_broker
async def test_a_broker_with_a_login_and_tls(tmp_path: Path, runtime: Runtime) -> None:
    assert MOSQUITTO is not None
    secure = Broker(MOSQUITTO, tmp_path, login=("homeloom", "s3cret"), tls=True)
    await secure.start()
    try:
        router = await _adapter(
            runtime,
            secure,
            username="homeloom",
            password="s3cret",
            tls=True,
            tls_ca_certs=str(secure.certificate),
        )
        assert router.connected
    finally:
        await runtime.stop()
        await secure.stop()


@needs_broker
async def test_a_refused_login_is_retried_with_backoff_without_crashing(
    tmp_path: Path, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    assert MOSQUITTO is not None
    locked = Broker(MOSQUITTO, tmp_path, login=("homeloom", "s3cret"))
    await locked.start()
    try:
        manager = AdapterManager(runtime)
        config = {
            "adapter": "mqtt",
            "host": "127.0.0.1",
            "port": locked.port,
            "username": "homeloom",
            "password": "wrong",
        }
        await manager.setup([config], known={"mqtt": MqttAdapter})

        def attempts() -> int:
            return sum("cannot connect" in r.getMessage() for r in caplog.records)

        await eventually(lambda: attempts() == 1)
        assert "retrying in 1 s" in caplog.records[-1].getMessage()
        await eventually(lambda: attempts() == 2, runtime=runtime, advance=1)
        assert "retrying in 2 s" in caplog.records[-1].getMessage()
        assert manager.slots["mqtt"].running and not _router(runtime).connected
    finally:
        await runtime.stop()
        await locked.stop()


async def test_the_first_mqtt_adapter_serves_scenarios_and_a_second_has_its_own_router(
    runtime: Runtime,
) -> None:
    manager = AdapterManager(runtime)
    entries = [
        {"adapter": "mqtt", "name": "home", "host": "127.0.0.1", "port": 1},
        {"adapter": "mqtt", "name": "garden", "host": "127.0.0.1", "port": 1},
    ]
    assert await manager.setup(entries, known={"mqtt": MqttAdapter}) == []
    home, garden = (manager.slots[name].adapter for name in ("home", "garden"))
    assert isinstance(home, MqttAdapter) and isinstance(garden, MqttAdapter)
    assert runtime.components["mqtt"] is home.router
    assert runtime.components["mqtt:garden"] is garden.router
    assert runtime.services.has("mqtt", "publish")


def test_zigbee_covers_locks_and_settable_features() -> None:
    from homeloom.adapters.mqtt._z2m_exposes import capabilities_of

    state = {"type": "enum", "name": "state", "property": "state", "access": 3,
             "values": ["OPEN", "CLOSE", "STOP"]}  # fmt: skip
    position = {"type": "numeric", "name": "position", "property": "position", "access": 7}
    lock_state = {"type": "binary", "name": "state", "property": "state", "access": 7,
                  "value_on": "LOCK", "value_off": "UNLOCK"}  # fmt: skip
    exposes = [
        {"type": "cover", "features": [state, position]},
        {"type": "lock", "features": [lock_state]},
        {"type": "binary", "name": "child_lock", "property": "child_lock", "access": 3,
         "value_on": "LOCK", "value_off": "UNLOCK"},
        {"type": "numeric", "name": "duration", "property": "duration", "access": 3,
         "value_min": 0, "value_max": 60, "unit": "s"},
        {"type": "enum", "name": "mode", "property": "mode", "access": 3,
         "values": ["eco", "boost"]},
        {"type": "enum", "name": "action", "property": "action", "access": 1, "values": ["on"]},
    ]  # fmt: skip
    found = {c.key: c for c in capabilities_of("garage", exposes)}
    assert sorted(found) == ["child_lock", "cover", "duration", "lock", "mode"]
    cover = found["cover"]
    assert cover.read({"position": 30, "state": "OPEN"}) == ("open", {"current_position": 30})
    assert cover.read({"position": 0}) == ("closed", {"current_position": 0})
    assert cover.command("set_cover_position", {"position": 40}, {}) == {"position": 40}
    assert cover.command("stop_cover", {}, {}) == {"state": "STOP"}
    lock = found["lock"]
    assert lock.read({"state": "LOCK"}) == ("locked", {})
    assert lock.command("unlock", {}, {}) == {"state": "UNLOCK"}
    assert found["child_lock"].domain == "switch"
    assert found["child_lock"].command("turn_on", {}, {}) == {"child_lock": "LOCK"}
    duration = found["duration"]
    assert (duration.domain, duration.attributes["max"]) == ("number", 60)
    assert duration.command("set_value", {"value": 12.0}, {}) == {"duration": 12}
    assert found["mode"].domain == "select"
    assert found["mode"].command("select_option", {"option": "boost"}, {}) == {"mode": "boost"}


def test_bad_adapter_options_are_refused() -> None:
    from pydantic import ValidationError

    from homeloom.adapters.mqtt import MqttConfig

    for bad in (
        {"port": 0},
        {"status_topic": "homeloom/+"},
        {"tls_certfile": "client.crt"},
        {"reconnect_min": 10, "reconnect_max": 5},
    ):
        with pytest.raises(ValidationError):
            MqttConfig.model_validate({"adapter": "mqtt", **bad})
    config = MqttConfig.model_validate({"adapter": "mqtt", "password": "hidden"})
    assert "hidden" not in repr(config)


class _Book:
    """Just enough of the entity book for one entity, without a runtime."""

    def __init__(self) -> None:
        self.reports: list[tuple[str | None, dict[str, Any]]] = []

    def get(self, entity_id: str) -> None:
        return None

    def update(self, entity_id: str, state: str | None, attributes: Any = None, **_: Any) -> None:
        self.reports.append((state, dict(attributes or {})))


async def test_discovery_lights_speak_their_schemas() -> None:
    import logging as logs

    from homeloom.adapters.mqtt._abbreviations import expand
    from homeloom.adapters.mqtt._discovery import PLATFORMS
    from homeloom.adapters.mqtt._ha_entity import HaContext
    from homeloom.adapters.mqtt._router import MqttMessage
    from homeloom.adapters.mqtt._values import PayloadError, ValueTemplates

    sent: list[tuple[str, str]] = []

    async def publish(topic: str, payload: str, qos: int, retain: bool) -> None:
        sent.append((topic, payload))

    book = _Book()
    ctx = HaContext(
        book,  # type: ignore[arg-type]
        ValueTemplates(),
        publish,
        lambda: None,
        logs.getLogger("t"),
        lambda seconds, callback: lambda: None,
    )
    dimmer = PLATFORMS["light"](
        ctx,
        expand({"cmd_t": "d/set", "bri_cmd_t": "d/bri", "on_cmd_type": "brightness",
                "clr_temp_cmd_t": "d/ct", "clr_temp_k": True}),
    )  # fmt: skip
    assert dimmer.attributes()["supported_color_modes"] == ["color_temp"]
    await dimmer.command("turn_on", {"brightness_pct": 50, "kelvin": 3000})
    assert sent == [("d/bri", "128"), ("d/ct", "3000")]  # no ON: brightness turns it on
    state, shown = book.reports[-1]
    assert state == "on"
    assert shown["brightness"] == 128 and shown["color_temp_kelvin"] == 3000
    assert (shown["color_mode"], shown["color_temp"]) == ("color_temp", 333)

    sent.clear()
    strip = PLATFORMS["light"](
        ctx,
        {
            "schema": "json",
            "command_topic": "s/set",
            "state_topic": "s/state",
            "color_mode": True,
            "supported_color_modes": ["rgb"],
        },
    )
    await strip.command("turn_on", {"rgb_color": (255, 0, 10), "transition": 2})
    assert json.loads(sent[0][1]) == {"state": "ON", "transition": 2,
                                      "color": {"r": 255, "g": 0, "b": 10}}  # fmt: skip
    await strip.command("turn_off", {})
    assert json.loads(sent[1][1]) == {"state": "OFF"}
    strip_json = MqttMessage(
        "s/state", b'{"state": "ON", "color_mode": "rgb", "color": {"r": 1, "g": 2, "b": 3}}'
    )
    strip.all_topics()["s/state"](strip_json)
    assert book.reports[-1][0] == "on"
    assert book.reports[-1][1]["rgb_color"] == (1, 2, 3)

    sent.clear()
    bulb = PLATFORMS["light"](
        ctx,
        expand(
            {
                "schema": "template",
                "cmd_t": "b/set",
                "stat_t": "b/state",
                "cmd_on_tpl": "on,{{ brightness | d('') }},{{ color_temp | d('') }}",
                "cmd_off_tpl": "off",
                "stat_tpl": "{{ value.split(',')[0] }}",
                "bri_tpl": "{{ value.split(',')[1] }}",
                "clr_temp_tpl": "{{ value.split(',')[2] }}",
            }
        ),
    )
    assert bulb.attributes()["supported_color_modes"] == ["color_temp"]
    await bulb.command("turn_on", {"brightness": 200, "color_temp_kelvin": 4000})
    await bulb.command("turn_off", {})
    assert sent == [("b/set", "on,200,250"), ("b/set", "off")]
    bulb.all_topics()["b/state"](MqttMessage("b/state", b"on,120,370"))
    state, shown = book.reports[-1]
    assert state == "on"
    assert shown["brightness"] == 120 and shown["color_mode"] == "color_temp"
    assert shown["color_temp_kelvin"] == 2702  # 370 mireds, floored as Home Assistant
    bulb.all_topics()["b/state"](MqttMessage("b/state", b"dim,120,370"))
    assert book.reports[-1][0] == "on"  # a state neither on nor off is not read

    with pytest.raises(PayloadError, match="not supported"):
        PLATFORMS["light"](ctx, {"schema": "mystery", "command_topic": "x"})


@needs_broker
async def test_a_lost_session_leaves_the_will_and_reconnects(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    import aiomqtt

    await probe.subscribe("homeloom/status")
    router = await _adapter(runtime, broker, client_id="homeloom-will-test")
    await eventually(lambda: probe.on("homeloom/status") == ["online"])

    # Another client with the same id takes the session over: the broker drops ours
    # without a DISCONNECT, and publishes our last will.
    async with aiomqtt.Client("127.0.0.1", broker.port, identifier="homeloom-will-test"):
        await eventually(lambda: probe.on("homeloom/status") == ["online", "offline"])
        await eventually(lambda: not router.connected)
    await eventually(lambda: router.connected, runtime=runtime, advance=1)
    await eventually(lambda: probe.on("homeloom/status")[-1] == "online")


def test_zigbee_fans_take_speeds_as_percentages_and_modes_as_presets() -> None:
    from homeloom.adapters.mqtt._z2m_exposes import capabilities_of

    fan_state = {"type": "binary", "name": "state", "property": "fan_state", "access": 7,
                 "value_on": "ON", "value_off": "OFF"}  # fmt: skip
    fan_mode = {"type": "enum", "name": "mode", "property": "fan_mode", "access": 7,
                "values": ["off", "low", "medium", "high", "on", "auto", "smart"]}  # fmt: skip
    (fan,) = capabilities_of("ceiling_fan", [{"type": "fan", "features": [fan_state, fan_mode]}])
    assert (fan.domain, fan.object_id) == ("fan", "ceiling_fan")
    assert fan.attributes["preset_modes"] == ["on", "auto", "smart"]
    assert fan.read({"fan_state": "ON", "fan_mode": "medium"}) == (
        "on",
        {"percentage": 67, "preset_mode": None},
    )
    assert fan.read({"fan_mode": "auto"}) == ("on", {"preset_mode": "auto"})
    assert fan.read({"fan_state": "OFF", "fan_mode": "off"})[0] == "off"
    assert fan.command("set_percentage", {"percentage": 30}, {}) == {"fan_mode": "low"}
    assert fan.command("turn_on", {"percentage": 100}, {}) == {"fan_mode": "high"}
    assert fan.command("set_percentage", {"percentage": 0}, {}) == {"fan_mode": "off"}
    assert fan.command("set_preset_mode", {"preset_mode": "smart"}, {}) == {"fan_mode": "smart"}
    assert fan.command("turn_off", {}, {}) == {"fan_state": "OFF"}
    with pytest.raises(ValueError, match="valid: on, auto, smart"):
        fan.command("set_preset_mode", {"preset_mode": "turbo"}, {})

    # A fan with modes only: on and off go through the mode.
    (simple,) = capabilities_of("desk_fan", [{"type": "fan", "features": [fan_mode]}])
    assert simple.command("turn_on", {}, {}) == {"fan_mode": "on"}
    assert simple.command("toggle", {}, {"state": "on"}) == {"fan_mode": "off"}


async def test_an_acknowledgement_of_a_cancelled_unsubscription_is_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # What aiomqtt does when the broker acknowledges an unsubscription whose request
    # was cancelled meanwhile (a trigger detached while the house stops).
    caplog.set_level(logging.DEBUG)
    client = aiomqtt.Client("127.0.0.1", logger=client_logger("homeloom.test.mqtt.client"))
    client._on_unsubscribe(client._client, None, 42, [])
    late = [r for r in caplog.records if "Unexpected message ID" in r.getMessage()]
    assert [(r.levelno, r.exc_info) for r in late] == [(logging.DEBUG, None)]


@needs_broker
async def test_a_test_broker_whose_port_was_taken_meanwhile_listens_on_another(
    broker: Broker, tmp_path: Path
) -> None:
    """Another process may take the free port found before mosquitto listens on it: the
    test's broker moves to another port rather than share that process's broker."""
    assert MOSQUITTO is not None
    (tmp_path / "late").mkdir()
    late = Broker(MOSQUITTO, tmp_path / "late")
    late.port = broker.port  # taken meanwhile
    await late.start()
    try:
        assert late.port != broker.port
        async with aiomqtt.Client("127.0.0.1", late.port):
            pass
    finally:
        await late.stop()
