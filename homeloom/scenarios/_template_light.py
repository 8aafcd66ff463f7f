"""Template lights (``light:`` items with ``platform: template``, ``lights:`` keyed by
object id), as Home Assistant 2024.3 makes them.

What Home Assistant does and homeloom mirrors:

* the ``value_template`` makes the light ``on`` for true or a text ``on``/``true``,
  ``off`` for ``off``/``false``, ``unknown`` for other texts; a failing one leaves it
  ``off`` (and available); without it the light is optimistic;
* the color modes follow the actions written: ``set_level`` brightness,
  ``set_temperature`` color_temp, ``set_color``/``set_hs`` hs, ``onoff`` alone; with
  more than one the ``color_mode`` is ``unknown`` until a temperature or colour
  template renders (and ``brightness`` shows only in a brightness mode);
* ``level_template`` (0..255), ``temperature_template`` (mireds within
  ``min_mireds_template``..``max_mireds_template``, 153..500 by default) and
  ``color_template``/``hs_template`` give the attributes;
* ``light.turn_on`` runs one action: ``set_temperature`` when a colour temperature is
  asked (``color_temp``), else ``set_color``/``set_hs`` for ``hs_color`` (``hs``,
  ``h``, ``s``), else ``set_level`` for a brightness, else ``turn_on``; each gets
  ``brightness`` when asked, and ``transition`` when ``supports_transition_template``
  is true. What has no template is taken at once (shown after the action ran);
* ``brightness_pct``, ``kelvin``/``color_temp_kelvin`` are converted first, as Home
  Assistant's light service does; brightness 0 turns the light off.

Not provided: rgb, rgbw, rgbww and effect actions and templates, and ``turn_on`` with
``rgb_color``, ``xy_color``, ``color_name``, ``brightness_step``, ``profile``,
``effect``, ``flash`` or ``white`` (Home Assistant converts those between colour
spaces): the call fails, saying so.
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import Context, Runtime, ServiceValidationError

from ._errors import fail
from ._template_controls import _TemplateControl
from ._template_controls_config import _Control, _Kind
from ._template_state_entities import _Reads
from ._templates import TemplateError

__all__ = ["LIGHT_KIND", "TemplateLight", "check_light"]

_ACTIONS = ("turn_on", "turn_off", "set_level", "set_temperature", "set_color", "set_hs")
LIGHT_KIND = _Kind(
    "light",
    frozenset(
        {
            *_ACTIONS,
            "value_template",
            "level_template",
            "temperature_template",
            "color_template",
            "hs_template",
            "min_mireds_template",
            "max_mireds_template",
            "supports_transition_template",
            "friendly_name",
            "entity_id",
            "unique_id",
            "icon_template",
            "entity_picture_template",
            "availability_template",
        }
    ),
    ("turn_on", "turn_off"),
    {action: action for action in _ACTIONS},
    None,  # named after its key
)
_NOT_PROVIDED_KEYS = frozenset(
    {
        "set_rgb",
        "rgb_template",
        "set_rgbw",
        "rgbw_template",
        "set_rgbww",
        "rgbww_template",
        "set_effect",
        "effect_list_template",
        "effect_template",
    }
)
_TURN_ON_FIELDS = frozenset(
    {"brightness", "brightness_pct", "color_temp", "kelvin", "color_temp_kelvin"}
    | {"hs_color", "transition"}
)
_DEFAULT_MIREDS = (153, 500)
_TRANSITION = 32  # LightEntityFeature.TRANSITION


def check_light(entry: Any, container: Any, key: Any, path: str) -> None:
    """What Home Assistant's light schema adds to the keys (``set_color`` or ``set_hs``,
    ``color_template`` or ``hs_template``), and the keys homeloom does not provide."""
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")
    for name in entry:
        if name in _NOT_PROVIDED_KEYS:
            message = f"template lights' {name!r} is not provided by homeloom"
            raise fail(entry, name, f"{path}.{name}", message)
    for pair in (("set_color", "set_hs"), ("color_template", "hs_template")):
        if all(name in entry for name in pair):
            raise fail(entry, pair[1], f"{path}.{pair[1]}", f"'{pair[0]}' or '{pair[1]}', not both")


class TemplateLight(_TemplateControl):
    """A template light: on or off, brightness, colour temperature, hue and saturation."""

    def __init__(self, runtime: Runtime, control: _Control) -> None:
        super().__init__(runtime, control)
        self.is_on: bool | None = False
        self.brightness: int | None = None
        self.mireds: int | None = None
        self.hs: tuple[float, float] | None = None
        self.mired_limits: list[int | None] = [None, None]
        self.transitions = False
        actions = control.actions
        modes = {"onoff"}
        modes |= {"brightness"} if "set_level" in actions else set()
        modes |= {"color_temp"} if "set_temperature" in actions else set()
        modes |= {"hs"} if "set_color" in actions or "set_hs" in actions else set()
        # As Home Assistant's filter: on/off alone, brightness only without colours.
        if len(modes) > 1:
            modes.discard("onoff")
        if modes & {"color_temp", "hs"}:
            modes.discard("brightness")
        self.modes = modes
        self.color_mode = next(iter(modes)) if len(modes) == 1 else "unknown"

    # --- state ---------------------------------------------------------------

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        for key, result in self.new_results(value).items():
            if key == "state":
                self.take_state(result)
            elif isinstance(result, TemplateError):  # as Home Assistant: left unknown
                self.forget(key)
            else:
                self.take(key, result)
        self.write(self.state_text(), attributes, context)

    def take_state(self, result: Any) -> None:
        if isinstance(result, TemplateError | bool):
            self.is_on = result is True  # as Home Assistant: a failure is off, available
            return
        text = str(result).lower()
        self.is_on = text in ("on", "true") if text in ("on", "off", "true", "false") else None

    def forget(self, key: str) -> None:
        if key == "level_template":
            self.brightness = None
        elif key == "temperature_template":
            self.mireds = None
        elif key in ("color_template", "hs_template"):
            self.hs = None
        elif key in ("min_mireds_template", "max_mireds_template"):
            self.mired_limits[key.startswith("max")] = None
        elif key == "supports_transition_template":
            self.transitions = False

    def take(self, key: str, result: Any) -> None:
        if result in (None, "None", ""):
            self.forget(key)
            return
        if key == "level_template":
            level = _whole(result)
            self.brightness = level if level is not None and 0 <= level <= 255 else None
        elif key in ("min_mireds_template", "max_mireds_template"):
            self.mired_limits[key.startswith("max")] = _whole(result)
        elif key == "temperature_template":
            mireds = _whole(result)
            low, high = self.mired_range()
            self.mireds = mireds if mireds is not None and low <= mireds <= high else None
            self.color_mode = "color_temp"
        elif key in ("color_template", "hs_template"):
            self.hs = _hs(result)
            self.color_mode = "hs"
        elif key == "supports_transition_template":
            self.transitions = bool(result)

    def mired_range(self) -> tuple[int, int]:
        low, high = self.mired_limits
        return (
            low if low is not None else _DEFAULT_MIREDS[0],
            high if high is not None else _DEFAULT_MIREDS[1],
        )

    def state_text(self) -> str:
        return "unknown" if self.is_on is None else "on" if self.is_on else "off"

    def fixed_attributes(self) -> dict[str, Any]:
        fixed: dict[str, Any] = {}
        modes = self.modes
        if "color_temp" in modes:
            low, high = self.mired_range()
            fixed |= {
                "min_color_temp_kelvin": _flip(high),
                "max_color_temp_kelvin": _flip(low),
                "min_mireds": _flip(_flip(low)),
                "max_mireds": _flip(_flip(high)),
            }
        fixed["supported_color_modes"] = sorted(modes)
        mode = self.color_mode if self.is_on else None
        fixed["color_mode"] = mode
        if modes != {"onoff"}:
            shows = mode in ("brightness", "color_temp", "hs")
            fixed["brightness"] = self.brightness if shows else None
        if "color_temp" in modes:
            kelvin = _flip(self.mireds) if mode == "color_temp" and self.mireds else None
            fixed["color_temp_kelvin"] = kelvin
            fixed["color_temp"] = _flip(kelvin) if kelvin else None
        if modes & {"color_temp", "hs"}:
            fixed |= {"hs_color": None, "rgb_color": None, "xy_color": None}
            if mode == "hs" and self.hs:
                fixed |= _colours(self.hs)
        fixed |= self.definition.fixed_attributes()
        return fixed | {"supported_features": _TRANSITION if self.transitions else 0}

    # --- commands ------------------------------------------------------------

    def command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if self.is_unavailable():
            return None  # Home Assistant passes an unavailable entity by
        if service == "toggle":
            service = "turn_off" if self.is_on else "turn_on"
        if service == "turn_off":
            return self.turn_off(data, context)
        if service != "turn_on":
            raise ServiceValidationError(
                "light", service, "", f"Entity {entity_id} does not support this service."
            )
        for field in data:
            if field not in _TURN_ON_FIELDS:
                message = (
                    f"light.turn_on's {field!r} is not provided by homeloom for template lights"
                )
                raise ServiceValidationError("light", service, str(field), message)
        asked = _converted(data)
        if asked.get("brightness") == 0:
            return self.turn_off(asked, context)
        if "color_temp" in asked and "color_temp" not in self.modes:
            if "hs" in self.modes:
                message = "converting a colour temperature to a colour is not provided by homeloom"
                raise ServiceValidationError("light", service, "color_temp", message)
            del asked["color_temp"]  # as Home Assistant: dropped for a light without it
        return self.turn_on(asked, context)

    async def turn_on(self, asked: dict[str, Any], context: Context) -> None:
        extra = self.control.extra
        if self.definition.state is None:
            self.is_on = True
        if "level_template" not in extra and "brightness" in asked:
            self.brightness = asked["brightness"]
        if "temperature_template" not in extra and "color_temp" in asked:
            self.color_mode, self.mireds = "color_temp", asked["color_temp"]
            if "hs_template" not in extra and "color_template" not in extra:
                self.hs = None
        hs_templated = "hs_template" in extra or "color_template" in extra
        if not hs_templated and "hs_color" in asked:
            self.color_mode, self.hs = "hs", tuple(asked["hs_color"])
            if "temperature_template" not in extra:
                self.mireds = None
        variables: dict[str, Any] = {}
        if "brightness" in asked:
            variables["brightness"] = asked["brightness"]
        if "transition" in asked and self.transitions:
            variables["transition"] = asked["transition"]
        actions = self.control.actions
        if "color_temp" in asked and "set_temperature" in actions:
            await self.run_action(
                "set_temperature", variables | {"color_temp": asked["color_temp"]}, context
            )
        elif "hs_color" in asked and ("set_color" in actions or "set_hs" in actions):
            hue, saturation = asked["hs_color"]
            hs = {"hs": asked["hs_color"], "h": int(hue), "s": int(saturation)}
            await self.run_action(
                "set_color" if "set_color" in actions else "set_hs", variables | hs, context
            )
        elif "brightness" in asked and "set_level" in actions:
            await self.run_action("set_level", variables, context)
        else:
            await self.run_action("turn_on", variables, context)
        optimistic = self.definition.state is None or any(
            field in asked and template not in extra
            for field, template in (
                ("brightness", "level_template"),
                ("color_temp", "temperature_template"),
            )
        )
        if optimistic or ("hs_color" in asked and not hs_templated):
            self.write(self.state_text(), {}, context)

    async def turn_off(self, asked: Mapping[str, Any], context: Context) -> None:
        variables = (
            {"transition": asked["transition"]}
            if "transition" in asked and self.transitions
            else {}
        )
        await self.run_action("turn_off", variables, context)
        if self.definition.state is None:
            self.is_on = False
            self.write(self.state_text(), {}, context)


def _converted(data: Mapping[str, Any]) -> dict[str, Any]:
    """``turn_on`` data with Home Assistant's alternatives converted: a brightness in
    per cent, a colour temperature in Kelvin (mireds kept whole)."""
    asked = dict(data)
    if "color_temp" in asked:
        asked["color_temp"] = int(asked["color_temp"])
    for field in ("kelvin", "color_temp_kelvin"):
        if field in asked:
            asked["color_temp"] = _flip(int(asked.pop(field)))
    if "brightness_pct" in asked:
        asked["brightness"] = round(255 * float(asked.pop("brightness_pct")) / 100)
    if "brightness" in asked:
        asked["brightness"] = int(asked["brightness"])
    return asked


def _flip(value: int) -> int:
    """Mireds as Kelvin, or Kelvin as mireds: Home Assistant rounds both down."""
    return math.floor(1_000_000 / value)


def _whole(result: Any) -> int | None:
    try:
        return int(result)
    except (TypeError, ValueError):
        return None


def _hs(result: Any) -> tuple[float, float] | None:
    """A hue (0..360) and saturation (0..100) from a text ``"(h, s)"`` or a pair."""
    if isinstance(result, str):
        parts = result.replace("(", "").replace(")", "").split(",", 1)
        try:
            pair: Any = (float(parts[0]), float(parts[1]))
        except (IndexError, ValueError):
            return None
    elif isinstance(result, list | tuple) and len(result) == 2:
        pair = tuple(result)
    else:
        return None
    hue, saturation = pair
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair)
    return (hue, saturation) if numbers and 0 <= hue <= 360 and 0 <= saturation <= 100 else None


def _colours(hs: tuple[float, float]) -> dict[str, Any]:
    """The hs colour's attributes: itself rounded, as rgb (full value) and as CIE xy."""
    red, green, blue = (int(c * 255) for c in colorsys.hsv_to_rgb(hs[0] / 360, hs[1] / 100, 1))
    return {
        "hs_color": (round(hs[0], 3), round(hs[1], 3)),
        "rgb_color": (red, green, blue),
        "xy_color": _xy(red, green, blue),
    }


def _xy(red: int, green: int, blue: int) -> tuple[float, float]:
    """sRGB to CIE 1931 xy (gamma expanded, Wide RGB D65 primaries), to 3 places."""
    if red + green + blue == 0:
        return (0.0, 0.0)

    def linear(channel: int) -> float:
        c = channel / 255
        return ((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92

    r, g, b = linear(red), linear(green), linear(blue)
    x = r * 0.664511 + g * 0.154324 + b * 0.162028
    y = r * 0.283881 + g * 0.668433 + b * 0.047685
    z = r * 0.000088 + g * 0.072310 + b * 0.986039
    return (round(x / (x + y + z), 3), round(y / (x + y + z), 3))
