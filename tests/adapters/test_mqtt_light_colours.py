"""MQTT discovery lights' colours against a real broker, with configs shaped as
Zigbee2MQTT (JSON schema) and Tasmota (default schema) announce them: what the device
reports read as Home Assistant 2024.3 shows it, and ``light.turn_on``'s colour, effect,
flash and transition published as it publishes them."""

from __future__ import annotations

import json
from typing import Any

from homeloom.adapters.mqtt._abbreviations import expand
from homeloom.adapters.mqtt._discovery import unread_options
from homeloom.orchestrator import Runtime, normalize_light_command
from tests.adapters.mqtt_broker import Broker
from tests.adapters.mqtt_z2m import MqttProbe
from tests.adapters.test_mqtt import _adapter, _attributes, _is, appeared, eventually

_BRIDGE = {"topic": "zigbee2mqtt/bridge/state", "value_template": "{{ value_json.state }}"}
_ORIGIN = {"name": "Zigbee2MQTT", "sw": "1.36.1", "url": "https://www.zigbee2mqtt.io"}


def _z2m_light(name: str, address: str, **light: Any) -> dict[str, Any]:
    """A light as Zigbee2MQTT announces one (long keys, the bridge as availability)."""
    return {
        "availability": [_BRIDGE],
        "command_topic": f"zigbee2mqtt/{name}/set",
        "device": {"identifiers": [f"zigbee2mqtt_{address}"], "name": name,
                   "manufacturer": "Acme Lighting", "model": "AL-10"},
        "json_attributes_topic": f"zigbee2mqtt/{name}",
        "name": None,
        "object_id": name.lower().replace(" ", "_"),
        "origin": _ORIGIN,
        "schema": "json",
        "state_topic": f"zigbee2mqtt/{name}",
        "unique_id": f"{address}_light_zigbee2mqtt",
        **light,
    }  # fmt: skip


COLOUR_BULB = _z2m_light(
    "Desk lamp",
    "0x00124b0001a2b3c4",
    brightness=True,
    brightness_scale=254,
    color_mode=True,
    supported_color_modes=["xy", "color_temp"],
    effect=True,
    effect_list=["blink", "breathe", "okay", "channel_change", "finish_effect", "stop_effect"],
    min_mireds=153,
    max_mireds=500,
)
CCT_BULB = _z2m_light(
    "Hall spot",
    "0x00124b0001a2b3c5",
    brightness=True,
    brightness_scale=254,
    color_mode=True,
    supported_color_modes=["color_temp"],
    min_mireds=153,
    max_mireds=500,
)
DIMMER = _z2m_light("Porch dimmer", "0x00124b0001a2b3c6", brightness=True, brightness_scale=254)
# A Tasmota RGBW controller on the default schema (abbreviated keys, ``~`` as its base,
# ``SetOption17 1`` so its colour is decimal channels).
TASMOTA_STRIP = {
    "~": "tasmota_5F1A2B/",
    "name": "Shelf strip",
    "uniq_id": "5F1A2B_LI_1",
    "dev": {"ids": ["5F1A2B"], "name": "Shelf strip", "mdl": "H801", "mf": "Tasmota"},
    "avty_t": "~tele/LWT",
    "pl_avail": "Online",
    "pl_not_avail": "Offline",
    "cmd_t": "~cmnd/POWER",
    "stat_t": "~stat/RESULT",
    "stat_val_tpl": "{{ value_json.POWER }}",
    "pl_on": "ON",
    "pl_off": "OFF",
    "on_cmd_type": "brightness",
    "bri_cmd_t": "~cmnd/Dimmer",
    "bri_stat_t": "~stat/RESULT",
    "bri_val_tpl": "{{ value_json.Dimmer }}",
    "bri_scl": 100,
    "rgbw_cmd_t": "~cmnd/Color",
    "rgbw_stat_t": "~stat/RESULT",
    "rgbw_val_tpl": "{{ value_json.Color }}",
    "fx_cmd_t": "~cmnd/Scheme",
    "fx_stat_t": "~stat/RESULT",
    "fx_val_tpl": "{{ value_json.Scheme }}",
    "fx_list": ["0", "1", "2", "3", "4"],
}


async def _house(runtime: Runtime, broker: Broker, probe: MqttProbe) -> None:
    configs = {
        "homeassistant/light/0x00124b0001a2b3c4/light/config": COLOUR_BULB,
        "homeassistant/light/0x00124b0001a2b3c5/light/config": CCT_BULB,
        "homeassistant/light/0x00124b0001a2b3c6/light/config": DIMMER,
        "homeassistant/light/5F1A2B_LI_1/config": TASMOTA_STRIP,
    }
    for topic, config in configs.items():
        await probe.publish(topic, config, retain=True)
    await probe.publish("zigbee2mqtt/bridge/state", {"state": "online"}, retain=True)
    await probe.publish("tasmota_5F1A2B/tele/LWT", "Online", retain=True)
    # With its own Zigbee2MQTT support off, homeloom follows the bridge's discovery configs.
    await _adapter(runtime, broker, zigbee2mqtt=False)
    await appeared(
        runtime, "light.desk_lamp", "light.hall_spot", "light.porch_dimmer", "light.shelf_strip"
    )
    await probe.subscribe("zigbee2mqtt/+/set")
    await probe.subscribe("tasmota_5F1A2B/cmnd/#")


async def _turn_on(runtime: Runtime, entity_id: str, **data: Any) -> None:
    await runtime.services.call("light", "turn_on", data, target={"entity_id": entity_id})


async def _sent(probe: MqttProbe, topic: str, count: int) -> list[Any]:
    """The first ``count`` payloads on ``topic`` (JSON ones parsed), then forgets the
    topic's messages."""
    await eventually(lambda: len(probe.on(topic)) >= count)
    sent = [json.loads(p) if p.startswith("{") else p for p in probe.on(topic)[:count]]
    probe.messages[:] = [message for message in probe.messages if message[0] != topic]
    return sent


def test_the_announced_options_are_all_read() -> None:
    for config in (COLOUR_BULB, CCT_BULB, DIMMER, TASMOTA_STRIP):
        assert unread_options("light", expand(config)) == []


def test_a_colour_is_turned_into_a_mode_the_light_has() -> None:
    # As Home Assistant's light service: colour names, then the light's own mode.
    xy_only = {"xy", "color_temp"}
    assert normalize_light_command({"color_name": "red"}, modes=xy_only) == {
        "xy_color": (0.701, 0.299)
    }
    assert normalize_light_command({"hs_color": (30, 60)}, modes={"color_temp"}) == {
        "color_temp_kelvin": 2057  # McCamy's estimate of the colour's temperature
    }
    assert normalize_light_command({"kelvin": 2700}, modes={"rgbw"}) == {
        "rgbw_color": (255, 120, 0, 132)  # the temperature's hue, then rgbw
    }
    assert normalize_light_command({"color_temp": 370}) == {"color_temp_kelvin": 2702}
    white = normalize_light_command({"white": 200, "brightness": 90}, modes={"rgb", "white"})
    assert white == {"white": 90}  # the brightness asked is the white level


async def test_a_zigbee2mqtt_colour_bulb_reads_and_takes_its_colours(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await _house(runtime, broker, probe)
    lamp = "light.desk_lamp"
    attributes = _attributes(runtime, lamp)
    assert attributes["supported_color_modes"] == ["color_temp", "xy"]
    assert attributes["effect_list"][:2] == ["blink", "breathe"]
    assert (attributes["min_color_temp_kelvin"], attributes["max_color_temp_kelvin"]) == (
        2000,
        6535,
    )

    await probe.publish(
        "zigbee2mqtt/Desk lamp",
        {"state": "ON", "brightness": 254, "color_mode": "xy", "linkquality": 120,
         "color": {"x": 0.701, "y": 0.299, "hue": 0, "saturation": 100}, "color_temp": 153},
    )  # fmt: skip
    await eventually(_is(runtime, lamp, "on"))
    shown = _attributes(runtime, lamp)
    assert shown["color_mode"] == "xy"
    assert shown["brightness"] == 255
    assert shown["xy_color"] == (0.701, 0.299)
    assert shown["hs_color"] == (0.0, 100.0)
    assert shown["rgb_color"] == (255, 0, 0)
    assert "color_temp_kelvin" not in shown  # not in the color_temp mode

    await probe.publish(
        "zigbee2mqtt/Desk lamp",
        {"state": "ON", "brightness": 127, "color_mode": "color_temp", "color_temp": 370},
    )
    await eventually(lambda: _attributes(runtime, lamp).get("color_mode") == "color_temp")
    shown = _attributes(runtime, lamp)
    assert (shown["color_temp_kelvin"], shown["color_temp"]) == (2702, 370)
    assert shown["brightness"] == 128
    assert shown["hs_color"] == (28.391, 65.659)
    assert shown["rgb_color"] == (255, 166, 87)
    assert shown["xy_color"] == (0.526, 0.387)

    topic = "zigbee2mqtt/Desk lamp/set"
    await _turn_on(runtime, lamp, hs_color=[30, 100], brightness_pct=50, transition=2)
    await eventually(lambda: bool(probe.on(topic)))
    assert probe.on(topic)[0] == (  # compact JSON, the transition in seconds as a float
        '{"state":"ON","color":{"x":0.612,"y":0.374},"transition":2.0,"brightness":127}'
    )
    probe.messages.clear()
    await _turn_on(runtime, lamp, color_name="red")
    await _turn_on(runtime, lamp, rgb_color=[255, 128, 0])
    await _turn_on(runtime, lamp, kelvin=2700)
    await _turn_on(runtime, lamp, brightness_step=-50)
    await _turn_on(runtime, lamp, effect="breathe")
    await _turn_on(runtime, lamp, flash="long")
    await runtime.services.call("light", "turn_off", {"transition": 3}, target={"entity_id": lamp})
    assert await _sent(probe, topic, 7) == [
        {"state": "ON", "color": {"x": 0.701, "y": 0.299}},
        {"state": "ON", "color": {"x": 0.611, "y": 0.375}},
        {"state": "ON", "color_temp": 370},
        {"state": "ON", "brightness": 78},  # 128 - 50 on 1..254
        {"state": "ON", "effect": "breathe"},
        {"state": "ON", "flash": 10},
        {"state": "OFF", "transition": 3},
    ]
    assert _is(runtime, lamp, "on")()  # not optimistic: the bulb has not said otherwise


async def test_a_colour_temperature_bulb_and_a_dimmer_take_what_they_can(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await _house(runtime, broker, probe)
    await probe.publish(
        "zigbee2mqtt/Hall spot", {"state": "ON", "color_mode": "color_temp", "color_temp": 250}
    )
    await probe.publish("zigbee2mqtt/Porch dimmer", {"state": "ON", "brightness": 127})
    await eventually(_is(runtime, "light.porch_dimmer", "on"))
    await eventually(_is(runtime, "light.hall_spot", "on"))
    spot, dimmer = (
        _attributes(runtime, "light.hall_spot"),
        _attributes(runtime, "light.porch_dimmer"),
    )
    assert (spot["color_mode"], spot["color_temp_kelvin"]) == ("color_temp", 4000)
    assert "brightness" not in spot  # none reported yet
    assert (dimmer["color_mode"], dimmer["brightness"]) == ("brightness", 128)
    assert dimmer["supported_color_modes"] == ["brightness"]
    assert "hs_color" not in dimmer

    # A colour becomes the spot's colour temperature (not clamped to its range, as HA).
    await _turn_on(runtime, "light.hall_spot", hs_color=[30, 60])
    assert await _sent(probe, "zigbee2mqtt/Hall spot/set", 1) == [
        {"state": "ON", "color_temp": 486}
    ]
    # The dimmer has no colour, effect or white: only the brightness goes out.
    await _turn_on(runtime, "light.porch_dimmer", rgb_color=[0, 0, 255], brightness=100)
    await _turn_on(runtime, "light.porch_dimmer", effect="blink", transition=1)
    await _turn_on(runtime, "light.porch_dimmer", brightness=0)
    assert await _sent(probe, "zigbee2mqtt/Porch dimmer/set", 3) == [
        {"state": "ON", "brightness": 100},
        {"state": "ON", "transition": 1},
        {"state": "OFF"},  # brightness 0 turns it off
    ]


async def test_a_tasmota_rgbw_strip_on_the_default_schema(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await _house(runtime, broker, probe)
    strip = "light.shelf_strip"
    assert _attributes(runtime, strip)["supported_color_modes"] == ["rgbw"]
    await probe.publish(
        "tasmota_5F1A2B/stat/RESULT",
        {"POWER": "ON", "Dimmer": 50, "Color": "255,128,0,64", "Scheme": 0},
    )
    await eventually(lambda: _attributes(runtime, strip).get("effect") == "0")
    shown = _attributes(runtime, strip)
    assert runtime.states.get(strip).state == "on"  # type: ignore[union-attr]
    assert shown["color_mode"] == "rgbw"
    assert shown["brightness"] == 128  # 50 of 100
    assert shown["rgbw_color"] == (255, 128, 0, 64)
    assert shown["rgb_color"] == (255, 153, 51)  # the white mixed in
    assert (shown["hs_color"], shown["xy_color"]) == ((30.0, 80.0), (0.565, 0.391))

    # on_command_type brightness: no ON payload; the brightness (the last) turns it on.
    await _turn_on(runtime, strip, hs_color=[120, 100])
    assert await _sent(probe, "tasmota_5F1A2B/cmnd/Color", 1) == ["0,255,0,0"]
    assert await _sent(probe, "tasmota_5F1A2B/cmnd/Dimmer", 1) == ["50"]
    assert probe.on("tasmota_5F1A2B/cmnd/POWER") == []

    await _turn_on(runtime, strip, kelvin=2700)  # no white channels of its own: a hue
    await _turn_on(runtime, strip, effect="2")
    await _turn_on(runtime, strip, effect="disco")  # not in the list: not sent
    await _turn_on(runtime, strip, brightness_pct=100)
    assert await _sent(probe, "tasmota_5F1A2B/cmnd/Color", 1) == ["255,120,0,132"]
    assert await _sent(probe, "tasmota_5F1A2B/cmnd/Dimmer", 4) == ["50", "50", "50", "100"]
    assert await _sent(probe, "tasmota_5F1A2B/cmnd/Scheme", 1) == ["2"]
    await runtime.services.call("light", "turn_off", {}, target={"entity_id": strip})
    assert await _sent(probe, "tasmota_5F1A2B/cmnd/POWER", 1) == ["OFF"]


async def test_an_optimistic_default_light_shows_what_it_was_asked(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    # No state topics: an RGB light scales the colour by the brightness asked (it has no
    # brightness topic) and shows the colour itself.
    await probe.publish(
        "homeassistant/light/bench/config",
        {"name": "Bench", "uniq_id": "bench", "cmd_t": "bench/set", "rgb_cmd_t": "bench/rgb",
         "rgb_cmd_tpl": "{{ '#%02x%02x%02x' % (red, green, blue) }}",
         "clr_temp_cmd_t": "bench/ct"},
        retain=True,
    )  # fmt: skip
    await _adapter(runtime, broker)
    await appeared(runtime, "light.bench")
    await probe.subscribe("bench/#")
    await _turn_on(runtime, "light.bench", rgb_color=[255, 100, 0], brightness=128)
    assert await _sent(probe, "bench/rgb", 1) == ["#803200"]  # 128, 50, 0
    await eventually(_is(runtime, "light.bench", "on"))
    shown = _attributes(runtime, "light.bench")
    assert (shown["color_mode"], shown["rgb_color"]) == ("rgb", (255, 100, 0))
    assert "brightness" not in shown  # only a brightness topic or rgb state would set it

    await _turn_on(runtime, "light.bench", kelvin=2700)
    assert await _sent(probe, "bench/ct", 1) == ["370"]
    await eventually(lambda: _attributes(runtime, "light.bench").get("color_mode") == "color_temp")
    shown = _attributes(runtime, "light.bench")
    assert (shown["color_temp_kelvin"], shown["color_temp"]) == (2702, 370)  # floored twice
    assert "rgb_color" in shown and "rgbw_color" not in shown  # the temperature's colour


async def test_a_template_light_reads_its_colour_as_hs_and_renders_each_command(
    broker: Broker, probe: MqttProbe, runtime: Runtime
) -> None:
    await probe.publish(
        "homeassistant/light/porch_rgb/config",
        {
            "name": "Porch RGB",
            "uniq_id": "porch-rgb",
            "schema": "template",
            "cmd_t": "porch/set",
            "stat_t": "porch/state",
            "cmd_on_tpl": "{{ state }},{{ brightness | d }},{{ red | d }}-{{ green | d }}-"
            "{{ blue | d }},{{ effect | d }},{{ transition | d }}",
            "cmd_off_tpl": "{{ state }},{{ transition | d }}",
            "stat_tpl": "{{ value.split(',')[0] }}",
            "bri_tpl": "{{ value.split(',')[1] }}",
            "r_tpl": "{{ value.split(',')[2].split('-')[0] }}",
            "g_tpl": "{{ value.split(',')[2].split('-')[1] }}",
            "b_tpl": "{{ value.split(',')[2].split('-')[2] }}",
            "fx_tpl": "{{ value.split(',')[3] }}",
            "fx_list": ["rainbow", "candle"],
        },
        retain=True,
    )
    await _adapter(runtime, broker)
    await appeared(runtime, "light.porch_rgb")
    await probe.subscribe("porch/set")
    porch = "light.porch_rgb"
    assert _attributes(runtime, porch)["supported_color_modes"] == ["hs"]

    await probe.publish("porch/state", "on,200,255-128-0,candle")
    await eventually(_is(runtime, porch, "on"))
    shown = _attributes(runtime, porch)
    assert (shown["color_mode"], shown["brightness"], shown["effect"]) == ("hs", 200, "candle")
    assert shown["hs_color"] == (30.118, 100.0)  # the red, green and blue read as hs
    assert (shown["rgb_color"], shown["xy_color"]) == ((255, 128, 0), (0.611, 0.375))

    await _turn_on(runtime, porch, hs_color=[120, 50], brightness=100, transition=2)
    await _turn_on(runtime, porch, rgb_color=[0, 0, 255])  # as hs, then full rgb again
    await _turn_on(runtime, porch, effect="rainbow")
    await runtime.services.call("light", "turn_off", {"transition": 1}, target={"entity_id": porch})
    assert await _sent(probe, "porch/set", 4) == [
        "True,100,127-255-127,,2.0",  # full colour: the brightness has its own template
        "True,,0-0-255,,",
        "True,,--,rainbow,",
        "False,1.0",  # a transition is a number of seconds, as HA's schema makes it
    ]
