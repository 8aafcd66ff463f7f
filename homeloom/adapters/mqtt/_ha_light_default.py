"""``schema: default`` lights: one topic per feature each way, as Home Assistant 2024.3
reads and writes them (Tasmota, ESPHome and Shelly lights speak it).

* colour modes from the command topics: ``color_temp``, ``hs``, ``rgb``, ``rgbw``,
  ``rgbww``, ``white``, ``xy`` (else ``brightness`` or ``onoff``); with more than one the
  mode is ``unknown`` until a colour arrives, or ``color_mode_state_topic`` says;
* an rgb(w/ww) state without a brightness state topic carries the brightness: its
  brightest channel, the colour scaled back to full; a colour command is scaled by the
  brightness unless the light has a brightness topic, and a brightness alone goes out
  as the last colour scaled;
* ``on_command_type``: ``last`` (the ON payload after the rest), ``first`` or
  ``brightness`` (no ON payload; the brightness, 255 or the last one, turns it on);
* each feature without a state topic (or ``optimistic: true``) takes what was asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from homeloom.orchestrator import STATE_UNKNOWN, shown_colours

from ._ha_entity import StateHandler
from ._ha_light_base import LIGHT_OPTIONS, MqttLight
from ._router import MqttMessage
from ._values import PayloadError, as_number

__all__ = ["DefaultLight"]

# Each colour's command variables, as Home Assistant names them for the command template.
_CHANNEL_NAMES = {
    "rgb": ("red", "green", "blue"),
    "rgbw": ("red", "green", "blue", "white"),
    "rgbww": ("red", "green", "blue", "cold_white", "warm_white"),
}
_MODE_TOPICS = ("color_temp", "hs", "rgb", "rgbw", "rgbww", "white", "xy")
_FEATURE_KEYS = ("state_topic", "command_topic", "command_template", "value_template")


def _feature_options(name: str) -> set[str]:
    return {f"{name}_{key}" for key in _FEATURE_KEYS}


class DefaultLight(MqttLight):
    reads = LIGHT_OPTIONS | {
        *("state_value_template", "payload_on", "payload_off", "on_command_type"),
        *("brightness_scale", "white_command_topic", "white_scale"),
        *("color_mode_state_topic", "color_mode_value_template"),
        *_feature_options("brightness"),
        *_feature_options("color_temp"),
        *_feature_options("effect"),
        *_feature_options("hs"),
        *_feature_options("rgb"),
        *_feature_options("rgbw"),
        *_feature_options("rgbww"),
        *_feature_options("xy"),
    }

    def modes(self) -> list[str]:
        modes = [m for m in _MODE_TOPICS if self.config.get(f"{m}_command_topic")]
        if not modes:
            modes = ["brightness" if self.config.get("brightness_command_topic") else "onoff"]
        elif modes == ["white"]:
            raise PayloadError("a white_command_topic needs a colour command topic beside it")
        return sorted(modes)

    def has_effect(self) -> bool:
        return bool(self.config.get("effect_command_topic"))

    def takes(self, attribute: str) -> bool:
        """Whether ``attribute`` is taken from a command (no state topic tells it)."""
        if self.config.get("optimistic"):
            return True
        if attribute == "brightness":
            if self.config.get("brightness_command_topic"):
                return not self.config.get("brightness_state_topic")
            return not self.config.get("rgb_state_topic")
        if attribute == "state":
            return not self.config.get("state_topic")
        return not self.config.get(f"{attribute}_state_topic")

    # --- state -------------------------------------------------------------------------

    def state_topics(self) -> dict[str, StateHandler]:
        return self.topics_of(
            ("state_topic", self._on_state),
            ("brightness_state_topic", self._on_brightness),
            ("color_mode_state_topic", self._on_color_mode),
            ("color_temp_state_topic", self._on_color_temp),
            ("effect_state_topic", self._on_effect),
            ("hs_state_topic", self._reader("hs")),
            ("xy_state_topic", self._reader("xy")),
            ("rgb_state_topic", self._reader("rgb")),
            ("rgbw_state_topic", self._reader("rgbw")),
            ("rgbww_state_topic", self._reader("rgbww")),
        )

    def _value(self, key: str, message: MqttMessage) -> str:
        return self.render(f"{key}_value_template", message)

    def _on_state(self, message: MqttMessage) -> None:
        value = self._value("state", message)
        if not value:
            return  # Home Assistant ignores an empty state
        on, off = str(self.option("payload_on", "ON")), str(self.option("payload_off", "OFF"))
        if value not in (on, off, "None"):
            raise PayloadError(f"expected {on!r} or {off!r}, got {value[:80]!r}")
        self.lamp.state = "on" if value == on else "off" if value == off else STATE_UNKNOWN
        self.show()

    def _on_brightness(self, message: MqttMessage) -> None:
        value = self._value("brightness", message)
        level = as_number(value)
        if value and level is None:
            raise PayloadError(f"expected a brightness, got {value[:80]!r}")
        if level:  # an empty or zero brightness is ignored, as Home Assistant does
            self.lamp.brightness = min(round(level / self.scale * 255), 255)
            self.show()

    def _on_color_mode(self, message: MqttMessage) -> None:
        value = self._value("color_mode", message)
        if value:
            self.lamp.mode = value
            self.show()

    def _on_color_temp(self, message: MqttMessage) -> None:
        value = self._value("color_temp", message)
        if not value:
            return
        kelvin = self.kelvin_from_device(value)
        if kelvin is None:
            raise PayloadError(f"expected a colour temperature, got {value[:80]!r}")
        self._set_mode("color_temp")
        self.lamp.kelvin = kelvin
        self.show()

    def _on_effect(self, message: MqttMessage) -> None:
        value = self._value("effect", message)
        if value:
            self.lamp.effect = value
            self.show()

    def _reader(self, mode: str) -> StateHandler:
        def read(message: MqttMessage) -> None:
            value = self._value(mode, message)
            if not value:
                return  # Home Assistant ignores an empty colour
            parse = float if mode in ("hs", "xy") else int
            try:
                colour: tuple[float, ...] | None = tuple(parse(p) for p in value.split(",", 4))
            except ValueError:
                raise PayloadError(f"expected {mode} numbers, got {value[:80]!r}") from None
            self._set_mode(mode)
            if mode in _CHANNEL_NAMES and not self.config.get("brightness_state_topic"):
                colour = self._carried_brightness(mode, colour or ())
            if colour is not None:
                self.lamp.colours[mode] = colour
            self.show()

        return read

    def _carried_brightness(self, mode: str, colour: tuple[float, ...]) -> tuple[float, ...] | None:
        """Without a brightness state topic an rgb(w/ww) colour carries the brightness: its
        brightest channel as rgb; the colour is scaled back to full."""
        rgb = (
            colour
            if mode == "rgb"
            else shown_colours(mode, colour, self.kelvin_range())["rgb_color"]
        )
        brightness = max(rgb)
        if brightness == 0:
            return None  # as Home Assistant: a black colour is not read
        self.lamp.brightness = int(brightness)
        return tuple(min(round(c / brightness * 255), 255) for c in colour)

    def _set_mode(self, mode: str) -> None:
        if self.takes("color_mode"):  # no colour mode topic: the last colour tells it
            self.lamp.mode = mode

    # --- commands ------------------------------------------------------------------------

    async def _publish(
        self, name: str, value: Any, variables: dict[str, Any] | None = None
    ) -> None:
        template = self.config.get(f"{name}_command_template")
        text = self.ctx.templates.command(template, value, variables)
        topic = str(self.config[f"{name}_command_topic"])
        await self.ctx.publish(topic, text, self.qos, self.retain)

    async def _publish_on(self) -> None:
        payload = str(self.option("payload_on", "ON"))
        await self.ctx.publish(str(self.config["command_topic"]), payload, self.qos, self.retain)

    async def turn_on(self, asked: dict[str, Any]) -> None:
        """Each feature asked on its own topic, in Home Assistant's order: ON first (if
        so), the colours, the brightness, the colour temperature, the effect, the white
        level, ON last (by default)."""
        on_type = self.option("on_command_type", "last")
        if on_type == "first":
            await self._publish_on()
        elif on_type == "brightness" and "brightness" not in asked and "white" not in asked:
            asked["brightness"] = self.lamp.brightness or 255
        await self._publish_colours(asked)
        if asked.get("brightness") is not None:
            await self._publish_brightness(asked["brightness"], asked)
        await self._publish_color_temp(asked.get("color_temp_kelvin"))
        await self._publish_effect(asked.get("effect"))
        await self._publish_white(asked.get("white"))
        if on_type == "last":
            await self._publish_on()
        if self.optimistic:
            self.lamp.state = "on"
        self.show()

    async def _publish_colours(self, asked: dict[str, Any]) -> None:
        for mode, names in (("hs", ("hue", "sat")), ("xy", ("x", "y"))):
            pair = asked.get(f"{mode}_color")
            if pair is not None and self.config.get(f"{mode}_command_topic"):
                first, second = float(pair[0]), float(pair[1])
                variables = {names[0]: first, names[1]: second}
                await self._publish(mode, f"{first},{second}", variables)
                self._take(mode, (first, second))
        for mode in ("rgb", "rgbw", "rgbww"):
            colour = asked.get(f"{mode}_color")
            if colour is not None and self.config.get(f"{mode}_command_topic"):
                await self._publish_channels(mode, self._scaled(colour, None, asked))
                self._take(mode, tuple(colour))

    async def _publish_color_temp(self, kelvin: float | None) -> None:
        if kelvin is None or not self.config.get("color_temp_command_topic"):
            return
        await self._publish("color_temp", self.kelvin_to_device(kelvin))
        if self.takes("color_temp"):
            self.lamp.kelvin = self.kelvin_sent(kelvin)
            self._take_mode("color_temp")

    async def _publish_effect(self, effect: str | None) -> None:
        # Home Assistant sends only an effect of the effect list.
        effects = self.config.get("effect_list") or ()
        if effect is None or not self.config.get("effect_command_topic") or effect not in effects:
            return
        await self._publish("effect", effect)
        if self.takes("effect"):
            self.lamp.effect = str(effect)

    async def _publish_white(self, white: float | None) -> None:
        if white is None or not self.config.get("white_command_topic"):
            return
        scale = int(self.option("white_scale", 255))
        level = min(round(float(white) / 255 * scale), scale)
        topic = str(self.config["white_command_topic"])
        await self.ctx.publish(topic, str(level), self.qos, self.retain)
        if self.takes("brightness"):
            self.lamp.brightness = int(white)
            self._take_mode("white")

    async def _publish_brightness(self, brightness: int, asked: dict[str, Any]) -> None:
        """The brightness on its own topic, else as the last colour scaled to it."""
        if self.config.get("brightness_command_topic"):
            scale = round(self.scale)
            level = max(min(round(brightness / 255 * scale), scale), 1)
            await self._publish("brightness", level)
        else:
            mode = next(
                (
                    m
                    for m in ("rgb", "rgbw", "rgbww")
                    if f"{m}_color" not in asked and self.config.get(f"{m}_command_topic")
                ),
                None,
            )
            if mode is None:
                return
            last = self.lamp.colours.get(mode) or (255,) * len(_CHANNEL_NAMES[mode])
            await self._publish_channels(mode, self._scaled(last, brightness, asked))
        if self.takes("brightness"):
            self.lamp.brightness = brightness

    def _scaled(
        self, colour: Sequence[float], brightness: int | None, asked: dict[str, Any]
    ) -> tuple[int, ...]:
        if brightness is None:
            if self.config.get("brightness_command_topic"):
                brightness = 255  # the brightness goes on its own topic
            else:
                brightness = asked.get("brightness") or self.lamp.brightness or 255
        return tuple(int(channel * brightness / 255) for channel in colour)

    async def _publish_channels(self, mode: str, channels: tuple[int, ...]) -> None:
        variables = dict(zip(_CHANNEL_NAMES[mode], channels, strict=True))
        await self._publish(mode, ",".join(str(c) for c in channels), variables)

    def _take(self, mode: str, colour: tuple[float, ...]) -> None:
        if self.takes(mode):
            self.lamp.colours[mode] = colour
            self._take_mode(mode)

    def _take_mode(self, mode: str) -> None:
        if self.takes("color_mode"):
            self.lamp.mode = mode

    async def turn_off(self, asked: dict[str, Any]) -> None:
        payload = str(self.option("payload_off", "OFF"))
        await self.ctx.publish(str(self.config["command_topic"]), payload, self.qos, self.retain)
        if self.optimistic:
            self.lamp.state = "off"
            self.show()
