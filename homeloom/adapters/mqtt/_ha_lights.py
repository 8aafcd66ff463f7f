"""Home Assistant MQTT discovery lights: the default schema (one topic per feature), the
JSON schema (one JSON object each way) and the template schema (the device's own
templates each way). Brightness is scaled from the device's ``brightness_scale``
to 0-255; colour temperature is in mireds unless ``color_temp_kelvin`` says Kelvin."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from homeloom.orchestrator import STATE_UNKNOWN, normalize_light_command

from .._scales import brightness_from_level, brightness_to_level, kelvin_to_mireds, mireds_to_kelvin
from ._ha_entity import HaEntity, StateHandler, on_off
from ._router import MqttMessage
from ._values import PayloadError, as_number, parse_json

__all__ = ["DefaultLight", "JsonLight", "TemplateLight"]

_COLOR_MODES = ("onoff", "brightness", "color_temp", "hs", "xy", "rgb", "rgbw", "rgbww", "white")
# What every schema reads: the command and state topics, the colour temperature's range.
_LIGHT_OPTIONS = frozenset(
    {
        *("schema", "command_topic", "state_topic", "optimistic", "retain"),
        *("color_temp_kelvin", "min_mireds", "max_mireds", "min_kelvin", "max_kelvin"),
    }
)


class _Light(HaEntity):
    domain = "light"
    required: ClassVar[tuple[str, ...]] = ("command_topic",)

    def initial_state(self) -> str:
        return "off" if self.optimistic else STATE_UNKNOWN

    @property
    def scale(self) -> float:
        scale = as_number(self.option("brightness_scale", 255))
        if scale is None or scale <= 0:
            raise PayloadError("brightness_scale must be a positive number")
        return scale

    @property
    def kelvin(self) -> bool:
        return bool(self.option("color_temp_kelvin", False))

    def kelvin_range(self) -> dict[str, int]:
        if self.kelvin:
            low, high = self.option("min_kelvin", 2000), self.option("max_kelvin", 6535)
        else:
            low = mireds_to_kelvin(float(self.option("max_mireds", 500)))
            high = mireds_to_kelvin(float(self.option("min_mireds", 153)))
        return {"min_color_temp_kelvin": int(low), "max_color_temp_kelvin": int(high)}

    def kelvin_from_device(self, value: Any) -> int | None:
        number = as_number(value)
        if number is None or number <= 0:
            return None
        return round(number) if self.kelvin else mireds_to_kelvin(number)

    def kelvin_to_device(self, kelvin: float) -> int:
        return round(kelvin) if self.kelvin else kelvin_to_mireds(kelvin)

    def modes(self) -> list[str]:
        """The colour modes the light supports, as Home Assistant names them."""
        raise NotImplementedError

    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {"supported_color_modes": self.modes()}
        if "color_temp" in self.modes():
            attributes.update(self.kelvin_range())
        return attributes


class DefaultLight(_Light):
    """``schema: default``: state, brightness and colour temperature on their own topics."""

    reads = _LIGHT_OPTIONS | {
        *("state_value_template", "payload_on", "payload_off", "on_command_type"),
        *("brightness_command_topic", "brightness_command_template", "brightness_scale"),
        *("brightness_state_topic", "brightness_value_template"),
        *("color_temp_command_topic", "color_temp_command_template"),
        *("color_temp_state_topic", "color_temp_value_template"),
    }

    def modes(self) -> list[str]:
        if self.config.get("color_temp_command_topic"):
            return ["color_temp"]
        if self.config.get("brightness_command_topic"):
            return ["brightness"]
        return ["onoff"]

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(
            ("state_topic", self._on_state),
            ("brightness_state_topic", self._on_brightness),
            ("color_temp_state_topic", self._on_color_temp),
        )

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("state_value_template", message)
        on, off = self.option("payload_on", "ON"), self.option("payload_off", "OFF")
        state = on_off(value, on, off)
        if state is None:
            raise PayloadError(f"expected {on!r} or {off!r}, got {value[:80]!r}")
        self.report(state, {"brightness": None} if state == "off" else None)

    def _on_brightness(self, message: MqttMessage) -> None:
        value = self.render("brightness_value_template", message)
        level = as_number(value)
        if level is None:
            raise PayloadError(f"expected a brightness, got {value[:80]!r}")
        brightness = brightness_from_level(level, self.scale)
        self.report(attributes={"brightness": brightness or None})

    def _on_color_temp(self, message: MqttMessage) -> None:
        value = self.render("color_temp_value_template", message)
        kelvin = self.kelvin_from_device(value)
        if kelvin is None:
            raise PayloadError(f"expected a colour temperature, got {value[:80]!r}")
        self.report(attributes={"color_temp_kelvin": kelvin, "color_mode": "color_temp"})

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service == "toggle":
            service = "turn_off" if self.current == "on" else "turn_on"
        if service == "turn_off":
            await self.send("command_topic", self.option("payload_off", "OFF"))
            if self.optimistic:
                self.report("off", {"brightness": None})
            return
        if service != "turn_on":
            raise self.cannot(service)
        command = normalize_light_command(data, self.current_attribute("brightness"))
        brightness = command.get("brightness")
        on_type = self.option("on_command_type", "last")
        has_brightness_topic = bool(self.config.get("brightness_command_topic"))
        if on_type == "first":
            await self.send("command_topic", self.option("payload_on", "ON"))
        if has_brightness_topic and (brightness is not None or on_type == "brightness"):
            level = brightness_to_level(brightness if brightness is not None else 255, self.scale)
            await self.send("brightness_command_topic", level, "brightness_command_template")
        kelvin = command.get("color_temp_kelvin")
        if kelvin is not None and self.config.get("color_temp_command_topic"):
            await self.send(
                "color_temp_command_topic",
                self.kelvin_to_device(kelvin),
                "color_temp_command_template",
            )
        if on_type == "last" or (on_type == "brightness" and not has_brightness_topic):
            await self.send("command_topic", self.option("payload_on", "ON"))
        if self.optimistic:
            attributes: dict[str, Any] = {}
            if brightness is not None:
                attributes["brightness"] = brightness
            if kelvin is not None:
                attributes["color_temp_kelvin"] = kelvin
            self.report("on", attributes)


class JsonLight(_Light):
    """``schema: json``: ``{"state": "ON", "brightness": 120, "color_temp": 300, ...}``."""

    reads = _LIGHT_OPTIONS | {"brightness", "brightness_scale", "supported_color_modes"}

    def modes(self) -> list[str]:
        given = self.option("supported_color_modes")
        if isinstance(given, list) and given:
            modes = [str(mode) for mode in given if str(mode) in _COLOR_MODES]
            if not modes:
                raise PayloadError(f"supported_color_modes: none of {given!r} is known")
            return modes
        return ["brightness"] if self.option("brightness", False) else ["onoff"]

    @property
    def dimmable(self) -> bool:
        return any(mode != "onoff" for mode in self.modes()) or bool(self.option("brightness"))

    def state_topics(self) -> dict[str, StateHandler]:
        topic = self.config.get("state_topic")
        return {topic: self._on_state} if topic else {}

    def _on_state(self, message: MqttMessage) -> None:
        payload = parse_json(message.text)
        if not isinstance(payload, Mapping):
            raise PayloadError("a JSON light's state must be a JSON object")
        state: str | None = None
        attributes: dict[str, Any] = {}
        if "state" in payload:
            value = payload["state"]
            if value is None:
                state = STATE_UNKNOWN
            elif str(value) in ("ON", "OFF"):
                state = "on" if value == "ON" else "off"
            else:
                raise PayloadError(f"state must be ON, OFF or null, got {value!r}")
        level = as_number(payload.get("brightness"))
        if level is not None and self.dimmable:
            attributes["brightness"] = brightness_from_level(level, self.scale) or None
        if state == "off":
            attributes["brightness"] = None
        mode = payload.get("color_mode")
        if isinstance(mode, str) and mode in _COLOR_MODES:
            attributes["color_mode"] = mode
        kelvin = self.kelvin_from_device(payload.get("color_temp"))
        if kelvin is not None:
            attributes["color_temp_kelvin"] = kelvin
        color = payload.get("color")
        if isinstance(color, Mapping):
            attributes.update(_color_attributes(color))
        self.report(state, attributes)

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service == "toggle":
            service = "turn_off" if self.current == "on" else "turn_on"
        out: dict[str, Any] = {}
        if data.get("transition") is not None:
            out["transition"] = data["transition"]
        if service == "turn_off":
            out = {"state": "OFF", **out}
        elif service == "turn_on":
            out = {"state": "ON", **out}
            command = normalize_light_command(data, self.current_attribute("brightness"))
            if command.get("brightness") is not None and self.dimmable:
                out["brightness"] = brightness_to_level(command["brightness"], self.scale)
            if command.get("color_temp_kelvin") is not None:
                out["color_temp"] = self.kelvin_to_device(command["color_temp_kelvin"])
            if command.get("rgb_color") is not None:
                r, g, b = command["rgb_color"]
                out["color"] = {"r": r, "g": g, "b": b}
            elif command.get("hs_color") is not None:
                out["color"] = {"h": command["hs_color"][0], "s": command["hs_color"][1]}
            elif command.get("xy_color") is not None:
                out["color"] = {"x": command["xy_color"][0], "y": command["xy_color"][1]}
        else:
            raise self.cannot(service)
        await self.send("command_topic", json.dumps(out))
        if self.optimistic:
            attributes: dict[str, Any] = {}
            if "brightness" in out:
                attributes["brightness"] = brightness_from_level(out["brightness"], self.scale)
            self.report("on" if out["state"] == "ON" else "off", attributes)


class TemplateLight(_Light):
    """``schema: template``: commands and states through the device's own templates.

    The command templates see ``state`` and, when given, ``brightness`` (0-255),
    ``color_temp`` (mireds), ``red``, ``green``, ``blue`` and ``transition``; the
    state templates read the state topic's payload (``value``, ``value_json``).
    """

    required: ClassVar[tuple[str, ...]] = (
        "command_topic",
        "command_on_template",
        "command_off_template",
    )
    reads = _LIGHT_OPTIONS | {
        *("command_on_template", "command_off_template", "state_template"),
        *("brightness_template", "color_temp_template"),
        *("red_template", "green_template", "blue_template"),
    }

    def modes(self) -> list[str]:
        if all(self.config.get(f"{c}_template") for c in ("red", "green", "blue")):
            return ["rgb"]
        if self.config.get("color_temp_template"):
            return ["color_temp"]
        if self.config.get("brightness_template"):
            return ["brightness"]
        return ["onoff"]

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(("state_topic", self._on_state))

    def _read(self, key: str, message: MqttMessage) -> float | None:
        if not self.config.get(key):
            return None
        return as_number(self.render(key, message))

    def _on_state(self, message: MqttMessage) -> None:
        value = self.render("state_template", message).strip().lower()
        if value not in ("on", "off"):
            raise PayloadError(f"state_template gave {value[:80]!r}, expected on or off")
        attributes: dict[str, Any] = {}
        level = self._read("brightness_template", message)
        if level is not None:
            attributes["brightness"] = round(max(0.0, min(255.0, level))) or None
        mireds = self._read("color_temp_template", message)
        if mireds is not None and mireds > 0:
            attributes["color_temp_kelvin"] = mireds_to_kelvin(mireds)
            attributes["color_mode"] = "color_temp"
        channels = [self._read(f"{c}_template", message) for c in ("red", "green", "blue")]
        if all(c is not None for c in channels):
            attributes["rgb_color"] = tuple(round(c or 0) for c in channels)
            attributes["color_mode"] = "rgb"
        if value == "off":
            attributes["brightness"] = None
        self.report(value, attributes)

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service == "toggle":
            service = "turn_off" if self.current == "on" else "turn_on"
        if service not in ("turn_on", "turn_off"):
            raise self.cannot(service)
        variables: dict[str, Any] = {"state": "on" if service == "turn_on" else "off"}
        if "transition" in data:
            variables["transition"] = data["transition"]
        attributes: dict[str, Any] = {}
        if service == "turn_on":
            command = normalize_light_command(data, self.current_attribute("brightness"))
            if command.get("brightness") is not None:
                variables["brightness"] = attributes["brightness"] = int(command["brightness"])
            if command.get("color_temp_kelvin") is not None:
                kelvin = float(command["color_temp_kelvin"])
                variables["color_temp"] = kelvin_to_mireds(kelvin)
                attributes["color_temp_kelvin"] = round(kelvin)
            if command.get("rgb_color") is not None:
                red, green, blue = (int(c) for c in command["rgb_color"])
                variables.update(red=red, green=green, blue=blue)
                attributes["rgb_color"] = (red, green, blue)
        template = self.config[f"command_{variables['state']}_template"]
        text = self.ctx.templates.render(str(template), "", variables)
        await self.ctx.publish(str(self.config["command_topic"]), text, self.qos, self.retain)
        if self.optimistic:
            self.report(variables["state"], attributes if service == "turn_on" else None)


def _color_attributes(color: Mapping[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    rgb = [as_number(color.get(k)) for k in ("r", "g", "b")]
    if all(v is not None for v in rgb):
        attributes["rgb_color"] = tuple(round(v or 0) for v in rgb)
    hue, saturation = as_number(color.get("h")), as_number(color.get("s"))
    if hue is not None and saturation is not None:
        attributes["hs_color"] = (hue, saturation)
    x, y = as_number(color.get("x")), as_number(color.get("y"))
    if x is not None and y is not None:
        attributes["xy_color"] = (x, y)
    return attributes
