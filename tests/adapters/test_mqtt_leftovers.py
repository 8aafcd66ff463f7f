"""MQTT devices as Zigbee2MQTT and Tasmota announce them, against a real broker: payload
encodings, a thermostat's "None" payloads, an rgbww light's colour temperature while off,
a JSON light's colour-mode options and temperatures in the house's unit, each as Home
Assistant 2024.3's MQTT integration has them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from homeloom.orchestrator import HouseSettings, Runtime, TestClock
from tests.adapters.mqtt_broker import Broker
from tests.adapters.mqtt_z2m import MqttProbe
from tests.adapters.test_mqtt import _adapter, _attributes, _is, appeared, eventually
from tests.adapters.test_mqtt_yaml import ADAPTER, _house_dir, _started


class _RawProbe:
    """A client that keeps the bytes of each message (the probe decodes them as UTF-8)."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.received: list[tuple[str, bytes]] = []

    async def receive(self) -> None:
        async for message in self.client.messages:
            payload = message.payload
            assert isinstance(payload, bytes | bytearray)
            self.received.append((message.topic.value, bytes(payload)))

    def on(self, topic: str) -> list[bytes]:
        return [payload for t, payload in self.received if t == topic]


@pytest.fixture
async def raw(broker: Broker) -> AsyncIterator[_RawProbe]:
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        probe = _RawProbe(client)
        task = asyncio.create_task(probe.receive())
        yield probe
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
            await task


def _state(runtime: Runtime, entity_id: str) -> str | None:
    found = runtime.states.get(entity_id)
    return found.state if found is not None else None


# --- 1. encoding ---------------------------------------------------------------------------


async def test_a_latin_1_device_is_read_and_commanded_in_latin_1(
    broker: Broker,
    probe: MqttProbe,
    raw: _RawProbe,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await probe.publish(
        "homeassistant/sensor/cafe/config",
        {"name": "Cafe", "uniq_id": "cafe", "stat_t": "tasmota/cafe", "e": "latin-1",
         "avty_t": "tasmota/cafe/lwt", "pl_avail": "prêt", "pl_not_avail": "arrêté"},
        retain=True,
    )  # fmt: skip
    await probe.publish(
        "homeassistant/switch/heater/config",
        {"name": "Heater", "uniq_id": "heater", "cmd_t": "tasmota/heater/set",
         "stat_t": "tasmota/heater", "encoding": "latin-1", "pl_on": "MARCHÉ",
         "pl_off": "ARRÊT"},
        retain=True,
    )  # fmt: skip
    await raw.client.subscribe("tasmota/heater/set", qos=1)
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.cafe", "switch.heater")
    await raw.client.publish("tasmota/cafe", b"caf\xe9 cr\xe8me", qos=1)
    await raw.client.publish("tasmota/cafe/lwt", "prêt".encode("latin-1"), qos=1)
    await eventually(_is(runtime, "sensor.cafe", "café crème"))
    # Availability is read in the entity's encoding too.
    await raw.client.publish("tasmota/cafe/lwt", "arrêté".encode("latin-1"), qos=1)
    await eventually(_is(runtime, "sensor.cafe", "unavailable"))
    await raw.client.publish("tasmota/heater", "ARRÊT".encode("latin-1"), qos=1)
    await eventually(_is(runtime, "switch.heater", "off"))

    await runtime.services.call("switch", "turn_on", {"entity_id": "switch.heater"})
    await eventually(lambda: raw.on("tasmota/heater/set") == ["MARCHÉ".encode("latin-1")])
    assert not any("does not read" in record.getMessage() for record in caplog.records)


async def test_a_payload_that_does_not_decode_is_dropped(
    broker: Broker,
    probe: MqttProbe,
    raw: _RawProbe,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await probe.publish(
        "homeassistant/sensor/label/config",
        {"name": "Label", "uniq_id": "label", "stat_t": "tasmota/label"},  # utf-8
        retain=True,
    )
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.label")
    await raw.client.publish("tasmota/label", b"caf\xe9", qos=1)  # latin-1, not utf-8
    await raw.client.publish("tasmota/label", "thé".encode(), qos=1)
    await eventually(_is(runtime, "sensor.label", "thé"))
    # The first one never showed (no replacement character): it was dropped, with a warning.
    changes = [record.getMessage() for record in caplog.records]
    assert any("does not decode as 'utf-8'" in text for text in changes), changes


@pytest.mark.allow_error_logs  # a text command for a raw-bytes entity is an error
async def test_encoding_empty_reads_the_bytes_and_sends_no_text(
    broker: Broker,
    probe: MqttProbe,
    raw: _RawProbe,
    runtime: Runtime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await probe.publish(
        "homeassistant/sensor/frame/config",
        {"name": "Frame", "uniq_id": "frame", "stat_t": "cam/frame", "e": "",
         "val_tpl": "{{ value | length }}"},
        retain=True,
    )  # fmt: skip
    await probe.publish(
        "homeassistant/switch/shutter/config",
        {"name": "Shutter", "uniq_id": "shutter", "cmd_t": "cam/shutter", "e": ""},
        retain=True,
    )
    await raw.client.subscribe("cam/shutter", qos=1)
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.frame", "switch.shutter")
    # Bytes no text encoding reads: the template gets them as they are.
    await raw.client.publish("cam/frame", b"\xff\xd8\xff\xe0\x00", qos=1)
    await eventually(_is(runtime, "sensor.frame", "5"))

    await runtime.services.call("switch", "turn_on", {"entity_id": "switch.shutter"})
    assert any("raw bytes" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    # Nothing went out: the sentinel published after the command is all that arrives.
    await probe.publish("cam/shutter", "sentinel")
    await eventually(lambda: raw.on("cam/shutter") != [])
    assert raw.on("cam/shutter") == [b"sentinel"]


# --- 2. a thermostat's "None" --------------------------------------------------------------


async def test_a_thermostat_none_payload_shows_null_or_resets(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/climate/trv/config",
        {"name": "TRV", "uniq_id": "trv", "curr_temp_t": "trv/current", "temp_cmd_t": "trv/set",
         "temp_stat_t": "trv/target", "curr_hum_t": "trv/humidity", "act_t": "trv/action",
         "pr_mode_cmd_t": "trv/preset/set", "pr_mode_stat_t": "trv/preset",
         "pr_modes": ["eco", "boost"], "mode_stat_t": "trv/mode", "modes": ["off", "heat"]},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "climate.trv")
    for topic, payload in (
        ("trv/mode", "heat"),
        ("trv/current", "19.5"),
        ("trv/target", "21"),
        ("trv/humidity", "40"),
        ("trv/action", "heating"),
        ("trv/preset", "eco"),
    ):
        await probe.publish(topic, payload)
    await eventually(lambda: _attributes(runtime, "climate.trv").get("preset_mode") == "eco")
    shown = _attributes(runtime, "climate.trv")
    assert (shown["current_temperature"], shown["temperature"]) == (19.5, 21.0)
    assert (shown["current_humidity"], shown["hvac_action"]) == (40, "heating")

    for topic in ("trv/current", "trv/target", "trv/humidity", "trv/action", "trv/preset"):
        await probe.publish(topic, "None")
    await eventually(lambda: _attributes(runtime, "climate.trv").get("preset_mode") == "none")
    shown = _attributes(runtime, "climate.trv")
    # The attributes Home Assistant always shows are there, null; the current humidity,
    # shown only when known, is gone; an action "None" is ignored (the last one stays).
    assert "current_temperature" in shown and shown["current_temperature"] is None
    assert "temperature" in shown and shown["temperature"] is None
    assert "current_humidity" not in shown
    assert shown["hvac_action"] == "heating"
    assert _state(runtime, "climate.trv") == "heat"


# --- 3. an rgbww light's colour temperature ------------------------------------------------


async def test_an_rgbww_light_turned_on_by_colour_temperature_keeps_its_brightness(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/light/strip/config",
        {"name": "Strip", "uniq_id": "strip", "cmd_t": "strip/set", "stat_t": "strip/state",
         "bri_cmd_t": "strip/brightness/set", "bri_stat_t": "strip/brightness",
         "rgbww_cmd_t": "strip/rgbww/set", "rgbww_stat_t": "strip/rgbww"},
        retain=True,
    )  # fmt: skip
    await probe.subscribe("strip/rgbww/set")
    await _adapter(runtime, broker)
    await appeared(runtime, "light.strip")
    await probe.publish("strip/state", "ON")
    await probe.publish("strip/brightness", "128")
    await eventually(lambda: _attributes(runtime, "light.strip").get("brightness") == 128)
    await probe.publish("strip/state", "OFF")
    await eventually(_is(runtime, "light.strip", "off"))

    # While off, the light keeps its brightness; the two whites share it (2700 K on
    # 2000..6535 K: 48 cold, 80 warm), not 0.
    await runtime.services.call(
        "light", "turn_on", {"entity_id": "light.strip", "color_temp_kelvin": 2700}
    )
    await eventually(lambda: probe.on("strip/rgbww/set") == ["0,0,0,48,80"])


# --- 4. a JSON light's colour_mode with supported_color_modes ------------------------------


async def test_a_json_light_with_modes_but_no_color_mode_is_refused(
    broker: Broker, probe: MqttProbe, runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    await probe.publish(
        "homeassistant/light/bulb/config",
        {"name": "Bulb", "uniq_id": "bulb", "schema": "json", "cmd_t": "bulb/set",
         "sup_clrm": ["xy", "color_temp"]},
        retain=True,
    )  # fmt: skip
    await probe.publish(
        "homeassistant/light/lamp/config",
        {"name": "Lamp", "uniq_id": "lamp", "schema": "json", "cmd_t": "lamp/set",
         "clrm": True, "sup_clrm": ["xy", "color_temp"]},
        retain=True,
    )  # fmt: skip
    await probe.publish(
        "homeassistant/light/old/config",
        {"name": "Old", "uniq_id": "old", "schema": "json", "cmd_t": "old/set",
         "clrm": False, "sup_clrm": ["xy"], "color_temp": True},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "light.lamp", "light.old")
    assert runtime.states.get("light.bulb") is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "homeassistant/light/bulb/config" in text
        and "'supported_color_modes' needs 'color_mode'" in text
        for text in warnings
    ), warnings
    assert _attributes(runtime, "light.lamp")["supported_color_modes"] == ["color_temp", "xy"]
    # color_mode false: the modes are not read; the older flags say.
    assert _attributes(runtime, "light.old")["supported_color_modes"] == ["color_temp"]


@pytest.mark.allow_error_logs  # the house logs each configuration error
async def test_a_yaml_json_light_with_color_mode_alone_is_an_error_at_its_place(
    broker: Broker, tmp_path: Path
) -> None:
    block = (
        "mqtt:\n  light:\n    - name: Desk\n      schema: json\n      command_topic: desk/set\n"
        "      color_mode: true\n"
    )
    house = await _started(_house_dir(tmp_path, ADAPTER.format(port=broker.port) + block))
    try:
        [issue] = house.report.errors
        assert issue.key == "mqtt.light[0]"
        assert issue.file == "configuration.yaml"
        assert "'color_mode' needs 'supported_color_modes'" in issue.message
        assert house.runtime.states.get("light.desk") is None
    finally:
        await house.stop()


# --- 5. temperatures in the house's unit ---------------------------------------------------


@pytest.fixture
async def us_house() -> AsyncIterator[Runtime]:
    runtime = Runtime(clock=TestClock(), settings=HouseSettings(unit_system="us_customary"))
    await runtime.start()
    yield runtime
    await runtime.stop()
    assert runtime.tasks.pending == 0


def _sensor(object_id: str, **config: Any) -> dict[str, Any]:
    return {"name": object_id.capitalize(), "uniq_id": object_id,
            "stat_t": f"z2m/{object_id}", **config}  # fmt: skip


async def test_temperature_sensors_are_shown_in_the_house_unit(
    broker: Broker, probe: MqttProbe, us_house: Runtime
) -> None:
    sensors = {
        "cellar": _sensor("cellar", dev_cla="temperature", unit_of_meas="°C"),
        "attic": _sensor("attic", dev_cla="temperature", unit_of_meas="°C", sug_dsp_prc=1),
        "porch": _sensor("porch", dev_cla="temperature", unit_of_meas="°F"),
        "oven": _sensor("oven", dev_cla="temperature", unit_of_meas="K"),
        "plain": _sensor("plain", unit_of_meas="°C"),  # no device class: as it comes
    }
    for object_id, config in sensors.items():
        await probe.publish(f"homeassistant/sensor/{object_id}/config", config, retain=True)
    await _adapter(us_house, broker)
    ids = [f"sensor.{object_id}" for object_id in sensors]
    await appeared(us_house, *ids)
    units = {
        entity_id: _attributes(us_house, entity_id)["unit_of_measurement"] for entity_id in ids
    }
    assert units == {
        "sensor.cellar": "°F",
        "sensor.attic": "°F",
        "sensor.porch": "°F",
        "sensor.oven": "K",
        "sensor.plain": "°C",
    }
    for object_id, payload in (
        ("cellar", "20.1"), ("attic", "20.1"), ("porch", "70"), ("oven", "450"),
        ("plain", "20.1"),
    ):  # fmt: skip
        await probe.publish(f"z2m/{object_id}", payload)
    await eventually(lambda: _state(us_house, "sensor.plain") == "20.1")
    shown = {entity_id: _state(us_house, entity_id) for entity_id in ids}
    assert shown == {
        "sensor.cellar": "68.2",  # rounded to the decimals it was written with
        "sensor.attic": "68.18",  # a display precision: not rounded
        "sensor.porch": "70",
        "sensor.oven": "450",
        "sensor.plain": "20.1",
    }


async def test_a_metric_house_shows_fahrenheit_sensors_in_celsius(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    config = _sensor("porch", dev_cla="temperature", unit_of_meas="°F")
    await probe.publish("homeassistant/sensor/porch/config", config, retain=True)
    await probe.publish(
        "homeassistant/sensor/probe/config",
        _sensor("probe", dev_cla="temperature"),
        retain=True,
    )
    await _adapter(runtime, broker)
    await appeared(runtime, "sensor.porch", "sensor.probe")
    assert _attributes(runtime, "sensor.porch")["unit_of_measurement"] == "°C"
    # A temperature sensor needs a number even without a unit: "warm" is not read.
    await probe.publish("z2m/probe", "warm")
    await probe.publish("z2m/porch", "70")
    await probe.publish("z2m/probe", "18")
    await eventually(_is(runtime, "sensor.probe", "18"))
    assert _state(runtime, "sensor.porch") == "21"
