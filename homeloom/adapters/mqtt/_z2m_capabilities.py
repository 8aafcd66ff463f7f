"""What one Zigbee2MQTT feature is to homeloom: a :class:`Capability` that reads its entity's
state out of the device's JSON state message, and turns a service call into the
JSON for the device's ``/set`` topic. Zigbee counts brightness 0-254 and colour
temperature in mireds; homeloom counts 0-255 and Kelvin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import normalize_light_command

from .._scales import (
    brightness_from_level,
    brightness_to_level,
    kelvin_to_mireds,
    mireds_to_kelvin,
)
from ._values import as_number

__all__ = [
    "BinarySensor",
    "Capability",
    "Climate",
    "Cover",
    "Light",
    "Lock",
    "Number",
    "OnOff",
    "Select",
    "Sensor",
]

Reading = tuple[str | None, dict[str, Any]]


@dataclass(slots=True)
class Capability:
    """One entity of a Zigbee device: how to read it, and how to command it."""

    domain: str
    key: str  # unique within the device
    name: str
    object_id: str
    device_class: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    gettable: tuple[str, ...] = ()  # properties a ``/get`` can ask for

    def read(self, payload: Mapping[str, Any]) -> Reading:
        """The state (None: not in this message) and attributes this message reports."""
        return None, {}

    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The ``/set`` JSON for ``service``, or None when this capability has no such command."""
        return None


@dataclass(slots=True)
class BinarySensor(Capability):
    prop: str = ""
    on: Any = True
    off: Any = False
    inverted: bool = False

    def read(self, payload: Mapping[str, Any]) -> Reading:
        if self.prop not in payload:
            return None, {}
        value = payload[self.prop]
        if value == self.on:
            return ("off" if self.inverted else "on"), {}
        if value == self.off:
            return ("on" if self.inverted else "off"), {}
        return "unknown", {}


@dataclass(slots=True)
class Sensor(Capability):
    prop: str = ""

    def read(self, payload: Mapping[str, Any]) -> Reading:
        if self.prop not in payload:
            return None, {}
        value = payload[self.prop]
        return ("unknown" if value is None else str(value)), {}


@dataclass(slots=True)
class OnOff(Capability):
    """A switch, or any settable two-state feature."""

    prop: str = "state"
    on: Any = "ON"
    off: Any = "OFF"
    toggle: Any = None

    def read(self, payload: Mapping[str, Any]) -> Reading:
        if self.prop not in payload:
            return None, {}
        value = payload[self.prop]
        return ("on" if value == self.on else "off" if value == self.off else "unknown"), {}

    def switch_command(self, service: str, current: Mapping[str, Any]) -> dict[str, Any] | None:
        if service == "turn_on":
            return {self.prop: self.on}
        if service == "turn_off":
            return {self.prop: self.off}
        if service == "toggle":
            if self.toggle is not None:
                return {self.prop: self.toggle}
            return {self.prop: self.off if current.get("state") == "on" else self.on}
        return None

    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        return self.switch_command(service, current)


@dataclass(slots=True)
class Fan(OnOff):
    """A fan: on/off, and speeds (``low``, ``medium``, ``high``) as a percentage; other
    modes (``auto``, ``smart``) as presets."""

    mode: str | None = None  # the speed property, ``fan_mode``
    speeds: tuple[str, ...] = ()
    presets: tuple[str, ...] = ()
    has_state: bool = True

    def read(self, payload: Mapping[str, Any]) -> Reading:
        state, attributes = OnOff.read(self, payload) if self.has_state else (None, {})
        if self.mode is None or self.mode not in payload:
            return state, attributes
        value = str(payload[self.mode]).lower()
        if value == "off":
            return "off", {"percentage": 0, "preset_mode": None}
        if value in self.speeds:
            level = round((self.speeds.index(value) + 1) * 100 / len(self.speeds))
            return state or "on", {"percentage": level, "preset_mode": None}
        return state or "on", {"preset_mode": value}

    def _speed(self, percentage: float) -> dict[str, Any]:
        if self.mode is None or not self.speeds:
            raise ValueError("this fan has no speeds")
        if percentage <= 0:
            return {self.mode: "off"}
        index = min(len(self.speeds), math.ceil(percentage * len(self.speeds) / 100)) - 1
        return {self.mode: self.speeds[max(index, 0)]}

    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if service == "set_percentage" or (service == "turn_on" and "percentage" in data):
            return self._speed(float(data["percentage"]))
        if service == "set_preset_mode" or (service == "turn_on" and "preset_mode" in data):
            preset = str(data["preset_mode"])
            if self.mode is None or preset not in self.presets:
                raise ValueError(f"preset {preset!r}; valid: {', '.join(self.presets) or 'none'}")
            return {self.mode: preset}
        if self.has_state:
            return self.switch_command(service, current)
        if self.mode is not None and service in ("turn_on", "turn_off", "toggle"):
            on = service == "turn_on" or (service == "toggle" and current.get("state") != "on")
            if not on:
                return {self.mode: "off"}
            return {self.mode: "on"} if "on" in self.presets else self._speed(100)
        return None


@dataclass(slots=True)
class Light(OnOff):
    brightness: str | None = None
    brightness_max: float = 254
    color_temp: str | None = None
    mireds_min: int = 150
    mireds_max: int = 500
    color: str | None = None

    def read(self, payload: Mapping[str, Any]) -> Reading:
        state, attributes = OnOff.read(self, payload)
        on = state == "on"
        if self.brightness and self.brightness in payload:
            level = as_number(payload[self.brightness])
            attributes["brightness"] = (
                brightness_from_level(level, self.brightness_max) if on and level else None
            )
        elif state == "off":
            attributes["brightness"] = None
        if self.color_temp and self.color_temp in payload:
            mireds = as_number(payload[self.color_temp])
            attributes["color_temp_kelvin"] = mireds_to_kelvin(mireds) if mireds else None
        mode = payload.get("color_mode")
        if isinstance(mode, str) and mode in ("color_temp", "xy", "hs"):
            attributes["color_mode"] = mode
        color = payload.get(self.color) if self.color else None
        if isinstance(color, Mapping):
            if as_number(color.get("x")) is not None and as_number(color.get("y")) is not None:
                attributes["xy_color"] = (float(color["x"]), float(color["y"]))
            if as_number(color.get("hue")) is not None:
                attributes["hs_color"] = (
                    float(color["hue"]),
                    float(color.get("saturation") or 0),
                )
        return state, attributes

    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        if data.get("transition") is not None:
            out["transition"] = data["transition"]
        if service != "turn_on":
            base = self.switch_command(service, current)
            return None if base is None else {**base, **out}
        command = normalize_light_command(data, current.get("brightness"))
        out[self.prop] = self.on
        if self.brightness and command.get("brightness") is not None:
            if int(command["brightness"]) == 0:
                return {
                    self.prop: self.off,
                    **({"transition": out["transition"]} if "transition" in out else {}),
                }
            out[self.brightness] = brightness_to_level(command["brightness"], self.brightness_max)
        if self.color_temp and command.get("color_temp_kelvin") is not None:
            mireds = kelvin_to_mireds(command["color_temp_kelvin"])
            out[self.color_temp] = max(self.mireds_min, min(self.mireds_max, mireds))
        if self.color:
            if command.get("rgb_color") is not None:
                r, g, b = command["rgb_color"]
                out[self.color] = {"r": r, "g": g, "b": b}
            elif command.get("hs_color") is not None:
                hue, saturation = command["hs_color"]
                out[self.color] = {"hue": hue, "saturation": saturation}
            elif command.get("xy_color") is not None:
                x, y = command["xy_color"]
                out[self.color] = {"x": x, "y": y}
        return out


@dataclass(slots=True)
class Cover(Capability):
    prop: str = "state"
    position: str | None = None

    def read(self, payload: Mapping[str, Any]) -> Reading:
        attributes: dict[str, Any] = {}
        state: str | None = None
        if self.position and self.position in payload:
            position = as_number(payload[self.position])
            if position is not None:
                attributes["current_position"] = round(position)
                state = "open" if position > 0 else "closed"
        if state is None and self.prop in payload:
            value = str(payload[self.prop]).upper()
            state = {"OPEN": "open", "CLOSE": "closed", "CLOSED": "closed"}.get(value)
        return state, attributes

    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        simple = {"open_cover": "OPEN", "close_cover": "CLOSE", "stop_cover": "STOP"}
        if service in simple:
            return {self.prop: simple[service]}
        if service == "toggle":
            return {self.prop: "CLOSE" if current.get("state") == "open" else "OPEN"}
        if service == "set_cover_position" and self.position:
            return {self.position: int(data["position"])}
        return None


@dataclass(slots=True)
class Lock(Capability):
    prop: str = "state"
    lock: Any = "LOCK"
    unlock: Any = "UNLOCK"

    def read(self, payload: Mapping[str, Any]) -> Reading:
        if self.prop not in payload:
            return None, {}
        value = payload[self.prop]
        return (
            "locked" if value == self.lock else "unlocked" if value == self.unlock else None
        ), {}

    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if service == "lock":
            return {self.prop: self.lock}
        if service == "unlock":
            return {self.prop: self.unlock}
        return None


@dataclass(slots=True)
class Number(Sensor):
    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if service != "set_value":
            return None
        value = float(data["value"])
        return {self.prop: int(value) if value.is_integer() else value}


@dataclass(slots=True)
class Select(Sensor):
    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        if service != "select_option":
            return None
        return {self.prop: data["option"]}


_HVAC_ACTIONS = {"idle": "idle", "heat": "heating", "cool": "cooling", "fan_only": "fan"}


@dataclass(slots=True)
class Climate(Capability):
    """A thermostat or radiator valve: a set point, the room temperature, maybe a mode."""

    setpoint: str | None = None
    temperature: str | None = None
    mode: str | None = None
    running: str | None = None
    modes: tuple[str, ...] = ("heat",)

    def read(self, payload: Mapping[str, Any]) -> Reading:
        state: str | None = None
        if (
            self.mode
            and isinstance(payload.get(self.mode), str)
            and payload[self.mode] in self.modes
        ):
            state = payload[self.mode]
        attributes: dict[str, Any] = {}
        for prop, name in (
            (self.setpoint, "temperature"),
            (self.temperature, "current_temperature"),
        ):
            if prop and as_number(payload.get(prop)) is not None:
                attributes[name] = payload[prop]
        if self.running and isinstance(payload.get(self.running), str):
            attributes["hvac_action"] = _HVAC_ACTIONS.get(payload[self.running], "idle")
        if self.mode is None and attributes and state is None:
            state = self.modes[0]
        return state, attributes

    def command(
        self, service: str, data: Mapping[str, Any], current: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        mode = data.get("hvac_mode")
        if service == "turn_off":
            mode = "off"
        elif service == "turn_on":
            mode = next((m for m in self.modes if m != "off"), None)
        elif service not in ("set_temperature", "set_hvac_mode"):
            return None
        if mode is not None:
            if self.mode is None or mode not in self.modes:
                return None
            out[self.mode] = mode
        if data.get("temperature") is not None and self.setpoint:
            out[self.setpoint] = data["temperature"]
        return out or None
