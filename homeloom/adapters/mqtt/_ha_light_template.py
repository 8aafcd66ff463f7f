"""``schema: template`` lights: commands and states through the device's own templates,
as Home Assistant 2024.3 renders and reads them.

The command templates get ``state`` (true or false) and, when asked, ``brightness``
(0-255), ``color_temp`` (mireds), ``red``/``green``/``blue`` (the hs colour asked at the
brightness asked, full when the light has a brightness template) with ``hue``/``sat``,
``effect``, ``flash`` and ``transition``. The state templates read the state topic's
payload: ``state_template`` (``on``, ``off`` or ``None``), ``brightness_template``,
``color_temp_template`` (mireds), ``red_template``/``green_template``/``blue_template``
(read as hs) and ``effect_template`` (one of ``effect_list``). Without a state topic or
state template the light takes what it was asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from homeloom.orchestrator import STATE_UNKNOWN, hs_to_rgb, rgb_to_hs

from ._ha_entity import HaContext, StateHandler
from ._ha_light_base import LIGHT_OPTIONS, MqttLight
from ._router import MqttMessage

__all__ = ["TemplateLight"]

_RGB_TEMPLATES = ("red_template", "green_template", "blue_template")


class TemplateLight(MqttLight):
    required: ClassVar[tuple[str, ...]] = (
        "command_topic",
        "command_on_template",
        "command_off_template",
    )
    reads = LIGHT_OPTIONS | {
        *("command_on_template", "command_off_template", "state_template"),
        *("brightness_template", "color_temp_template", "effect_template", *_RGB_TEMPLATES),
    }
    always_features: ClassVar[frozenset[str]] = frozenset({"flash", "transition"})

    def __init__(self, ctx: HaContext, config: Mapping[str, Any]) -> None:
        super().__init__(ctx, config)
        if len(self.modes()) > 1:
            self.lamp.mode = "color_temp"  # until a colour arrives, as Home Assistant

    @property
    def optimistic(self) -> bool:
        given = self.config.get("optimistic")
        return bool(given) or not self.config.get("state_topic") or not self._has("state")

    def _has(self, name: str) -> bool:
        return bool(self.config.get(f"{name}_template"))

    def modes(self) -> list[str]:
        if all(self.config.get(key) for key in _RGB_TEMPLATES):
            return ["color_temp", "hs"] if self._has("color_temp") else ["hs"]
        if self._has("color_temp"):
            return ["color_temp"]
        return ["brightness"] if self._has("brightness") else ["onoff"]

    def has_effect(self) -> bool:
        return self.config.get("effect_list") is not None

    def _follow_colour(self) -> None:
        """With both modes, hs while there is a colour, else color_temp."""
        if len(self.modes()) > 1:
            self.lamp.mode = "hs" if self.lamp.colours.get("hs") else "color_temp"

    # --- state -------------------------------------------------------------------------

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(("state_topic", self._on_state))

    def _read(self, name: str, message: MqttMessage) -> str:
        return self.render(f"{name}_template", message)

    def _on_state(self, message: MqttMessage) -> None:
        lamp = self.lamp
        state = self._read("state", message)
        if state in ("on", "off", "None"):
            lamp.state = STATE_UNKNOWN if state == "None" else state
        else:
            self.warn(f"state_template gave {state[:80]!r}, not on, off or None")
        if self._has("brightness"):
            brightness = _whole(self._read("brightness", message))
            if brightness is None:
                self.warn("brightness_template gave no whole number")
            elif brightness:  # 0 is not read, as Home Assistant
                lamp.brightness = brightness
        if self._has("color_temp"):
            self._read_color_temp(self._read("color_temp", message))
        if all(self.config.get(key) for key in _RGB_TEMPLATES):
            self._read_colour([self.render(key, message) for key in _RGB_TEMPLATES])
        if self._has("effect"):
            effect = self._read("effect", message)
            if effect in (self.config.get("effect_list") or ()):
                lamp.effect = effect
            else:
                self.warn(f"effect {effect[:80]!r} is not in the effect list")
        self.show()

    def _read_color_temp(self, value: str) -> None:
        mireds = None if value == "None" else _whole(value)
        if value != "None" and mireds is None:
            self.warn(f"color_temp_template gave {value[:80]!r}")
            return
        self.lamp.kelvin = self.kelvin_from_device(mireds) if mireds else None

    def _read_colour(self, channels: list[str]) -> None:
        if channels == ["None", "None", "None"]:
            self.lamp.colours.pop("hs", None)
        else:
            red, green, blue = (_whole(channel) for channel in channels)
            if red is None or green is None or blue is None:
                self.warn(f"the colour templates gave {channels!r}")
                return
            self.lamp.colours["hs"] = rgb_to_hs(red, green, blue)
        self._follow_colour()

    # --- commands ------------------------------------------------------------------------

    async def turn_on(self, asked: dict[str, Any]) -> None:
        lamp, optimistic = self.lamp, self.optimistic
        variables: dict[str, Any] = {"state": True}
        if "brightness" in asked:
            variables["brightness"] = int(asked["brightness"])
            if optimistic:
                lamp.brightness = int(asked["brightness"])
        if "color_temp_kelvin" in asked:
            variables["color_temp"] = self.kelvin_to_device(asked["color_temp_kelvin"])
            if optimistic:
                lamp.kelvin = self.kelvin_sent(asked["color_temp_kelvin"])
                lamp.colours.pop("hs", None)
                self._follow_colour()
        if "hs_color" in asked:
            hue, saturation = asked["hs_color"]
            level = 255 if self._has("brightness") else asked.get("brightness", lamp.brightness)
            level = 255 if level is None else level
            red, green, blue = hs_to_rgb(hue, saturation, level / 255 * 100)
            variables.update(red=red, green=green, blue=blue, hue=hue, sat=saturation)
            if optimistic:
                lamp.kelvin = None
                lamp.colours["hs"] = (hue, saturation)
                self._follow_colour()
        for name in ("effect", "flash", "transition"):
            if name in asked:
                variables[name] = asked[name]
        if optimistic and "effect" in asked:
            lamp.effect = asked["effect"]
        await self._send("command_on_template", variables)
        if optimistic:
            lamp.state = "on"
            self.show()

    async def turn_off(self, asked: dict[str, Any]) -> None:
        variables: dict[str, Any] = {"state": False}
        if "transition" in asked:
            variables["transition"] = asked["transition"]
        await self._send("command_off_template", variables)
        if self.optimistic:
            self.lamp.state = "off"
            self.show()

    async def _send(self, template_key: str, variables: dict[str, Any]) -> None:
        text = self.ctx.templates.command(str(self.config[template_key]), None, variables)
        await self.ctx.publish(str(self.config["command_topic"]), text, self.qos, self.retain)


def _whole(text: str) -> int | None:
    """``int(text)`` as Home Assistant reads a template's number, None when it is not."""
    try:
        return int(text)
    except ValueError:
        return None
