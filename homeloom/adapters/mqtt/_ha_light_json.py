"""``schema: json`` lights: one JSON object each way, as Home Assistant 2024.3 reads and
writes them (Zigbee2MQTT's lights speak it).

* ``color_mode: true`` with ``supported_color_modes``: the state's ``color_mode`` says
  which colour it carries (``color_temp``, or ``color`` as ``h``/``s``, ``r``/``g``/``b``
  (``w``, ``c``), ``x``/``y``); without them (the older ``hs``/``rgb``/``xy``/
  ``color_temp`` flags) any ``color`` is read as hs and a command's colour goes out in
  every form the flags name;
* ``brightness`` on 1..``brightness_scale``, sent only with ``brightness: true``; a
  colour is scaled by the brightness asked when the light has no brightness;
* ``transition`` and ``flash`` (``flash_time_short``/``flash_time_long`` seconds) go in
  the command; ``effect`` with ``effect: true``; ``white`` on 1..``white_scale``;
* a state without ``state`` is not read, as Home Assistant does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from homeloom.orchestrator import STATE_UNKNOWN, hs_to_rgb, hs_to_xy, rgb_to_hs, xy_to_hs

from ._ha_entity import HaContext, StateHandler
from ._ha_light_base import BRIGHTNESS_MODES, COLOR_MODES, COLOUR_MODES, LIGHT_OPTIONS, MqttLight
from ._router import MqttMessage
from ._values import PayloadError, parse_json

__all__ = ["JsonLight"]

# How long a flash lasts unless ``flash_time_short``/``flash_time_long`` say.
_FLASH_SECONDS = {"short": 2, "long": 10}
# Each colour mode's keys in the ``color`` object.
_COLOUR_KEYS = {
    "hs": ("h", "s"),
    "xy": ("x", "y"),
    "rgb": ("r", "g", "b"),
    "rgbw": ("r", "g", "b", "w"),
    "rgbww": ("r", "g", "b", "c", "w"),
}


class JsonLight(MqttLight):
    reads = LIGHT_OPTIONS | {
        *("brightness", "brightness_scale", "color_mode", "supported_color_modes"),
        *("color_temp", "hs", "rgb", "xy", "effect", "white_scale"),
        *("flash_time_short", "flash_time_long"),
    }
    always_features: ClassVar[frozenset[str]] = frozenset({"flash", "transition"})

    def __init__(self, ctx: HaContext, config: Mapping[str, Any]) -> None:
        # Home Assistant 2024.3 takes the two only together (an inclusive group):
        # ``color_mode: false`` with modes is valid (the modes are then not read).
        if ("color_mode" in config) != ("supported_color_modes" in config):
            given, missing = (
                ("color_mode", "supported_color_modes")
                if "color_mode" in config
                else ("supported_color_modes", "color_mode")
            )
            raise PayloadError(
                f"a json light with {given!r} needs {missing!r} too"
                " (color_mode: true with supported_color_modes: [...]), or neither"
            )
        super().__init__(ctx, config)
        if not self.by_mode and len(self.modes()) > 1:
            self.lamp.mode = "color_temp"  # until a colour arrives, as Home Assistant

    @property
    def by_mode(self) -> bool:
        """``color_mode: true`` (with ``supported_color_modes``)."""
        return bool(self.option("color_mode"))

    def modes(self) -> list[str]:
        if self.by_mode:
            given = self.config.get("supported_color_modes")
            modes = {str(m) for m in given} if isinstance(given, list) else set()
            unknown = modes - set(COLOR_MODES)
            lone = modes & {"onoff", "brightness"}
            if not modes or unknown or (lone and len(modes) > 1):
                raise PayloadError(f"supported_color_modes: {given!r} is not valid")
            if "white" in modes and not modes & COLOUR_MODES:
                raise PayloadError("supported_color_modes: white needs a colour mode beside it")
            return sorted(modes)
        legacy = {"onoff"}
        if self.option("brightness"):
            legacy.add("brightness")
        if self.option("color_temp"):
            legacy.add("color_temp")
        if any(self.option(flag) for flag in ("hs", "rgb", "xy")):
            legacy.add("hs")
        for dropped in ("onoff", "brightness"):  # each only when alone
            if len(legacy) > 1:
                legacy.discard(dropped)
        return sorted(legacy)

    def has_effect(self) -> bool:
        return bool(self.option("effect"))

    # --- state -------------------------------------------------------------------------

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(("state_topic", self._on_state))

    def _on_state(self, message: MqttMessage) -> None:
        values = parse_json(message.value)
        if not isinstance(values, Mapping) or "state" not in values:
            raise PayloadError("a JSON light's state must be a JSON object with a state")
        lamp, modes = self.lamp, self.modes()
        state = values["state"]
        if state in ("ON", "OFF", None):
            lamp.state = STATE_UNKNOWN if state is None else "on" if state == "ON" else "off"
        if self.by_mode:
            if "color_mode" in values:
                self._read_mode_colour(values)
        else:
            self._read_legacy_colour(values, modes)
        level = values.get("brightness")
        if BRIGHTNESS_MODES.intersection(modes) and level:  # 0 is not read, as HA
            if isinstance(level, int | float) and not isinstance(level, bool):
                lamp.brightness = min(255, max(1, round(level * 255 / self.scale)))
            else:
                self.warn(f"brightness must be a number, got {level!r}")
        if "effect" in values:
            lamp.effect = values["effect"]  # read even without the effect feature, as HA
        self.show()

    def _read_mode_colour(self, values: Mapping[str, Any]) -> None:
        """The colour of the state's ``color_mode``; one of another mode, or a mode
        without its colour, is passed by with a warning (the rest is read)."""
        mode = values["color_mode"]
        if mode not in self.modes():
            self.warn(f"color_mode {mode!r} is not one of the light's")
            return
        try:
            if mode == "color_temp":
                self.lamp.kelvin = self.kelvin_from_device(int(values["color_temp"]))
            elif mode in _COLOUR_KEYS:
                self.lamp.colours[mode] = _colour(mode, values["color"])
        except (KeyError, TypeError, ValueError):
            self.warn(f"a {mode} state without its colour: {str(values)[:200]}")
            return
        self.lamp.mode = mode

    def _read_legacy_colour(self, values: Mapping[str, Any], modes: list[str]) -> None:
        """Any ``color`` as hs (rgb, then xy, then h/s win); a colour temperature;
        the mode follows: hs while there is a colour, else color_temp."""
        lamp = self.lamp
        if "hs" in modes and "color" in values:
            colour = values["color"]
            if colour is None:
                lamp.colours.pop("hs", None)
            elif isinstance(colour, Mapping):
                for mode in ("rgb", "xy", "hs"):
                    if all(key in colour for key in _COLOUR_KEYS[mode]):
                        lamp.colours["hs"] = _as_hs(mode, _colour(mode, colour))
        if "color_temp" in modes:
            if "color_temp" in values:
                lamp.kelvin = self.kelvin_from_device(values["color_temp"])
            if "color" not in values:
                lamp.colours.pop("hs", None)
        if len(modes) > 1:
            lamp.mode = "hs" if lamp.colours.get("hs") else "color_temp"

    # --- commands ------------------------------------------------------------------------

    async def turn_on(self, asked: dict[str, Any]) -> None:
        lamp = self.lamp
        message: dict[str, Any] = {"state": "ON"}
        colour = self._colour_message(asked)
        if colour is not None:
            message["color"] = colour
        self._flash_and_transition(message, asked)
        brightness = asked.get("brightness")
        if brightness is not None and self.option("brightness"):
            message["brightness"] = max(round(brightness * self.scale / 255), 1)
            if self.optimistic:
                lamp.brightness = brightness
        kelvin = asked.get("color_temp_kelvin")
        if kelvin is not None:
            message["color_temp"] = self.kelvin_to_device(kelvin)
            if self.optimistic:
                lamp.mode, lamp.kelvin = "color_temp", self.kelvin_sent(kelvin)
                lamp.colours.pop("hs", None)
        if asked.get("effect") is not None:
            message["effect"] = asked["effect"]
            if self.optimistic:
                lamp.effect = asked["effect"]
        white = asked.get("white")
        if white is not None and "white" in self.modes():
            scale = int(self.option("white_scale", 255))
            message["white"] = max(min(round(white / 255 * scale), scale), 1)
            if self.optimistic:
                lamp.mode, lamp.brightness = "white", int(white)
        await self._send(message)
        if self.optimistic:
            lamp.state = "on"
            self.show()

    def _colour_message(self, asked: dict[str, Any]) -> dict[str, Any] | None:
        """The ``color`` object: by mode, the colour asked (rgb(w/ww) scaled by the
        brightness asked when the light has no brightness); the older flags, the hs
        colour asked in each form they name."""
        if not self.by_mode:
            return self._legacy_colour_message(asked)
        for mode, keys in _COLOUR_KEYS.items():
            colour = asked.get(f"{mode}_color")
            if colour is None:
                continue
            if mode not in ("hs", "xy"):
                level = 255 if self.option("brightness") else asked.get("brightness", 255)
                colour = tuple(round(c / 255 * level) for c in colour)
            if self.optimistic:
                self.lamp.mode, self.lamp.colours[mode] = mode, tuple(colour)
            return dict(zip(keys, colour, strict=True))
        return None

    def _legacy_colour_message(self, asked: dict[str, Any]) -> dict[str, Any] | None:
        hs = asked.get("hs_color")
        if hs is None or "hs" not in self.modes():
            return None
        message: dict[str, Any] = {}
        if self.option("rgb"):
            level = 255 if self.option("brightness") else asked.get("brightness", 255)
            red, green, blue = hs_to_rgb(hs[0], hs[1], level / 255 * 100)
            message.update(r=red, g=green, b=blue)
        if self.option("xy"):
            message["x"], message["y"] = hs_to_xy(hs[0], hs[1])
        if self.option("hs"):
            message.update(h=hs[0], s=hs[1])
        if self.optimistic:
            self.lamp.colours["hs"] = tuple(hs)
            self.lamp.kelvin = None
            if len(self.modes()) > 1:
                self.lamp.mode = "hs"
        return message

    def _flash_and_transition(self, message: dict[str, Any], asked: Mapping[str, Any]) -> None:
        if "transition" in asked:
            message["transition"] = asked["transition"]
        flash = asked.get("flash")
        if flash in ("short", "long"):
            message["flash"] = int(self.option(f"flash_time_{flash}", _FLASH_SECONDS[flash]))

    async def turn_off(self, asked: dict[str, Any]) -> None:
        message: dict[str, Any] = {"state": "OFF"}
        self._flash_and_transition(message, asked)
        await self._send(message)
        if self.optimistic:
            self.lamp.state = "off"
            self.show()

    async def _send(self, message: dict[str, Any]) -> None:
        # Compact, as Home Assistant writes JSON.
        text = json.dumps(message, separators=(",", ":"))
        await self.ctx.publish(str(self.config["command_topic"]), text, self.qos, self.retain)


def _colour(mode: str, colour: Any) -> tuple[float, ...]:
    """A ``color`` object's channels for ``mode``: hs and xy as decimals, the rest whole."""
    if not isinstance(colour, Mapping):
        raise TypeError("color must be an object")
    number = float if mode in ("hs", "xy") else int
    return tuple(number(colour[key]) for key in _COLOUR_KEYS[mode])


def _as_hs(mode: str, colour: tuple[float, ...]) -> tuple[float, float]:
    if mode == "rgb":
        return rgb_to_hs(*colour)
    if mode == "xy":
        return xy_to_hs(colour[0], colour[1])
    return colour[0], colour[1]
