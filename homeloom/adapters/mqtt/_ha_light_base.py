"""What every Home Assistant MQTT light schema shares: the light as the device last
described it (on or off, brightness, colour mode, colours, effect), shown as Home
Assistant 2024.3 shows a light's state, and ``light.turn_on``'s data prepared as its
light service prepares it before the schema publishes it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from homeloom.orchestrator import (
    STATE_UNKNOWN,
    kelvin_mireds,
    normalize_light_command,
    shown_colours,
)

from ._ha_entity import HaContext, HaEntity
from ._values import PayloadError, as_number

__all__ = ["BRIGHTNESS_MODES", "COLOR_MODES", "COLOUR_MODES", "Lamp", "MqttLight"]

COLOR_MODES = ("onoff", "brightness", "color_temp", "hs", "xy", "rgb", "rgbw", "rgbww", "white")
#: The modes whose colour has its own hue (``color_supported`` in Home Assistant).
COLOUR_MODES = frozenset({"hs", "xy", "rgb", "rgbw", "rgbww"})
#: The modes that show a brightness.
BRIGHTNESS_MODES = frozenset(COLOR_MODES) - {"onoff"}
# What every schema reads: the command and state topics, the colour temperature's range,
# the effects.
LIGHT_OPTIONS = frozenset(
    {
        *("schema", "command_topic", "state_topic", "optimistic", "retain"),
        *("color_temp_kelvin", "min_mireds", "max_mireds", "min_kelvin", "max_kelvin"),
        "effect_list",
    }
)


@dataclass(slots=True)
class Lamp:
    """The light as last reported (or, optimistic, as last commanded)."""

    state: str
    brightness: int | None = None
    mode: str | None = None  # the colour mode; "unknown" until a multi-mode light says
    kelvin: int | None = None
    colours: dict[str, tuple[float, ...]] = field(default_factory=dict)  # mode -> colour
    effect: str | None = None


class MqttLight(HaEntity):
    domain = "light"
    required: ClassVar[tuple[str, ...]] = ("command_topic",)
    # A device's JSON attributes never override what the light shows (Zigbee2MQTT sends
    # its whole state there too).
    blocked_json_attributes = frozenset(
        {
            *("color_mode", "brightness", "color_temp", "effect", "effect_list", "hs_color"),
            *("max_mireds", "min_mireds", "rgb_color", "rgbw_color", "rgbww_color"),
            *("supported_color_modes", "xy_color"),
        }
    )
    #: The ``light.turn_on`` features the schema always has (Home Assistant's flags).
    always_features: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, ctx: HaContext, config: Mapping[str, Any]) -> None:
        super().__init__(ctx, config)
        modes = self.modes()
        self.lamp = Lamp(self.initial_state(), mode=modes[0] if len(modes) == 1 else "unknown")

    def initial_state(self) -> str:
        return "off" if self.optimistic else STATE_UNKNOWN

    def modes(self) -> list[str]:
        """The colour modes the light supports, as Home Assistant names them."""
        raise NotImplementedError

    def has_effect(self) -> bool:
        return False

    @property
    def features(self) -> frozenset[str]:
        """What ``light.turn_on`` may ask besides colour: effect, flash, transition."""
        return self.always_features | ({"effect"} if self.has_effect() else frozenset())

    @property
    def scale(self) -> float:
        scale = as_number(self.option("brightness_scale", 255))
        if scale is None or scale < 1:
            raise PayloadError("brightness_scale must be a number of at least 1")
        return scale

    @property
    def kelvin(self) -> bool:
        """``color_temp_kelvin``: the device counts colour temperature in Kelvin (newer
        Home Assistant's option; 2024.3 counts mireds only)."""
        return bool(self.option("color_temp_kelvin", False))

    def kelvin_range(self) -> tuple[int, int]:
        """The warmest and the coolest colour temperature, in Kelvin (mireds floored)."""
        if self.kelvin:
            return int(self.option("min_kelvin", 2000)), int(self.option("max_kelvin", 6535))
        warmest = kelvin_mireds(float(self.option("max_mireds", 500)))
        return warmest, kelvin_mireds(float(self.option("min_mireds", 153)))

    def kelvin_from_device(self, value: Any) -> int | None:
        number = as_number(value)
        if number is None or number <= 0:
            return None
        return round(number) if self.kelvin else kelvin_mireds(int(number))

    def kelvin_to_device(self, kelvin: float) -> int:
        return round(kelvin) if self.kelvin else kelvin_mireds(kelvin)

    def kelvin_sent(self, kelvin: float) -> int | None:
        """The colour temperature a command sent, as the light then shows it (in mireds
        and back, floored both ways: 2700 K goes out as 370 mireds and shows 2702 K)."""
        return self.kelvin_from_device(self.kelvin_to_device(kelvin))

    def attributes(self) -> dict[str, Any]:
        modes = self.modes()
        attributes: dict[str, Any] = {"supported_color_modes": modes}
        if "color_temp" in modes:
            warmest, coolest = self.kelvin_range()
            attributes.update(
                min_color_temp_kelvin=warmest,
                max_color_temp_kelvin=coolest,
                min_mireds=kelvin_mireds(coolest),
                max_mireds=kelvin_mireds(warmest),
            )
        if self.has_effect():
            effects = self.config.get("effect_list")
            attributes["effect_list"] = [str(e) for e in effects] if effects else None
        return attributes

    def warn(self, problem: str) -> None:
        """A part of a state message not read; the rest of it is, as Home Assistant does."""
        self.ctx.logger.warning("%s: %s", self.entity_id, problem)

    # --- the state -------------------------------------------------------------------------

    def show(self) -> None:
        """Report the lamp as Home Assistant shows a light: colour attributes only while
        on, the brightness only in a mode that has one, the colour of the mode also as
        hs, rgb and xy (``None`` removes an attribute)."""
        lamp, modes = self.lamp, self.modes()
        on = lamp.state == "on"
        mode = lamp.mode if on else None
        shown: dict[str, Any] = {"color_mode": mode}
        if self.has_effect():
            shown["effect"] = lamp.effect if on else None
        if BRIGHTNESS_MODES.intersection(modes):
            shown["brightness"] = lamp.brightness if mode in BRIGHTNESS_MODES else None
        if "color_temp" in modes:
            kelvin = lamp.kelvin if mode == "color_temp" else None
            shown["color_temp_kelvin"] = kelvin
            shown["color_temp"] = kelvin_mireds(kelvin) if kelvin else None
        if COLOUR_MODES.intersection(modes) or "color_temp" in modes:
            shown.update(hs_color=None, rgb_color=None, xy_color=None)
            shown.update({f"{m}_color": None for m in ("rgbw", "rgbww") if m in modes})
            colour = lamp.colours.get(mode or "")
            if mode == "color_temp":
                colour = (lamp.kelvin,) if lamp.kelvin else None
            if mode and colour:
                shown.update(shown_colours(mode, colour, self.kelvin_range()))
        self.report(lamp.state, shown)

    # --- commands ------------------------------------------------------------------------

    async def command(self, service: str, data: Mapping[str, Any]) -> None:
        if service == "toggle":
            service = "turn_off" if self.lamp.state == "on" else "turn_on"
        if service == "turn_on":
            asked = self.prepare_turn_on(data)
            if asked is not None:
                await self.turn_on(asked)
                return
            service = "turn_off"  # brightness 0 or white 0, as Home Assistant
        if service != "turn_off":
            raise self.cannot(service)
        await self.turn_off({k: v for k, v in data.items() if k in self.features})

    def prepare_turn_on(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """``data`` as the light gets it: brightness 0-255, Kelvin, a colour converted to
        a mode the light has, what it cannot do dropped; None when it turns it off."""
        lamp, modes = self.lamp, self.modes()
        if data.get("white") is True:
            data = {**data, "white": lamp.brightness}  # the light's own brightness
        current = lamp.brightness if lamp.state == "on" else None
        # An rgbww light's colour temperature takes the brightness it kept while off,
        # as Home Assistant's light service does (``light.brightness``).
        asked = normalize_light_command(
            data,
            current,
            modes=modes,
            kelvin_range=self.kelvin_range(),
            kept_brightness=lamp.brightness,
        )
        if asked.get("white", 1) is None:
            del asked["white"]
        if asked.get("brightness") == 0 or asked.get("white") == 0:
            return None
        for name in ("effect", "flash", "transition"):
            if name not in self.features:
                asked.pop(name, None)
        if not BRIGHTNESS_MODES.intersection(modes):
            asked.pop("brightness", None)
        if "color_temp" not in modes:
            asked.pop("color_temp_kelvin", None)
        for mode in ("hs", "rgb", "xy", "rgbw", "rgbww"):
            if mode not in modes:
                asked.pop(f"{mode}_color", None)
        if "white" not in modes:
            asked.pop("white", None)
        asked.pop("profile", None)  # light profiles are not provided
        return asked

    async def turn_on(self, asked: dict[str, Any]) -> None:
        raise NotImplementedError

    async def turn_off(self, asked: dict[str, Any]) -> None:
        raise NotImplementedError
