"""Template lights (``light:`` items with ``platform: template``, ``lights:`` keyed by
object id), as Home Assistant 2024.3 makes them.

What Home Assistant does and homeloom mirrors:

* the ``value_template`` makes the light ``on`` for true or a text ``on``/``true``,
  ``off`` for ``off``/``false``, ``unknown`` for other texts; a failing one leaves it
  ``off`` (and available); without it the light is optimistic;
* the color modes follow the actions written: ``set_level`` brightness,
  ``set_temperature`` color_temp, ``set_color``/``set_hs`` hs, ``set_rgb`` rgb,
  ``set_rgbw`` rgbw, ``set_rgbww`` rgbww, ``onoff`` alone (brightness only without a
  colour mode); with more than one the ``color_mode`` is ``unknown`` until a
  temperature or colour template renders or a call sets one;
* ``level_template`` (0..255), ``temperature_template`` (mireds within
  ``min_mireds_template``..``max_mireds_template``, 153..500 by default),
  ``color_template``/``hs_template`` (hue, saturation) and ``rgb_template``,
  ``rgbw_template``, ``rgbww_template`` (a text ``"(r, g, b)"`` or a list, each
  0..255) give the attributes; the colour of the mode shown is also shown as
  ``hs_color``, ``rgb_color`` and ``xy_color`` (``_light_colours``);
* ``set_effect`` with ``effect_list_template`` and ``effect_template`` (all three or
  none) gives the effect feature: ``effect_list`` (a non-empty list) and ``effect``
  (one of the list, else none; shown while on);
* ``light.turn_on`` runs one action: ``set_temperature`` when a colour temperature is
  asked (``color_temp``), else ``set_effect`` for an effect (``effect``), else
  ``set_color``/``set_hs`` for ``hs_color`` (``hs``, ``h``, ``s``), else ``set_rgbww``
  (``rgbww``, ``rgb``, ``r``, ``g``, ``b``, ``cw``, ``ww``), ``set_rgbw`` (``rgbw``,
  ``rgb``, ``r``, ``g``, ``b``, ``w``), ``set_rgb`` (``rgb``, ``r``, ``g``, ``b``), else
  ``set_level`` for a brightness, else ``turn_on``; each gets ``brightness`` when
  asked, and ``transition`` when ``supports_transition_template`` is true. What has
  no template is taken at once (shown after the action ran; a colour taken forgets
  the other colours without templates);
* the call is first converted as Home Assistant's light service does
  (``normalize_light_command``): ``brightness_pct``, ``brightness_step`` and
  ``brightness_step_pct`` (from the brightness while on, else 0), ``kelvin`` and
  ``color_temp_kelvin`` (as whole mireds), ``color_name`` (as ``rgb_color``), a built-in
  ``profile`` (its colour as ``hs_color`` unless one is given, its brightness), and a
  colour or colour temperature the light has no mode for turned into one it has
  (``xy_color`` always, having no xy mode; ``rgb_color`` for an hs light, ``color_temp``
  for an rgb light, ``hs_color`` for a colour-temperature light...); brightness 0 (a
  step to 0, ``white: 0``, ``white: true`` at brightness 0) turns the light off; then
  what the light has no mode or feature for is dropped: an effect without
  ``set_effect``, ``flash``, ``white``, a colour nothing could take.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Mapping
from typing import Any

from homeloom.orchestrator import (
    Context,
    Runtime,
    ServiceValidationError,
    normalize_light_command,
    shown_colours,
)

from ._errors import fail
from ._light_colours import (
    CHANNELS,
    colour_variables,
    mode_colours,
    read_channels,
    read_hs,
)
from ._template_controls import _TemplateControl
from ._template_controls_config import LEGACY_KEYS, LEGACY_PICTURE_KEYS, _Control, _Kind
from ._template_state_entities import _Reads
from ._templates import TemplateError

__all__ = ["LIGHT_KIND", "TemplateLight", "check_light"]

# Each colour mode's actions, in the order turn_on prefers them.
_COLOUR_ACTIONS = {
    "hs": ("set_color", "set_hs"),
    "rgbww": ("set_rgbww",),
    "rgbw": ("set_rgbw",),
    "rgb": ("set_rgb",),
}
_COLOUR_MODES = frozenset(_COLOUR_ACTIONS)
_COLOUR_TEMPLATES = {
    "color_template": "hs",
    "hs_template": "hs",
    "rgb_template": "rgb",
    "rgbw_template": "rgbw",
    "rgbww_template": "rgbww",
}
# turn_on's colours, in the order Home Assistant's template light takes them.
_COLOUR_FIELDS = {
    "hs_color": "hs",
    "rgb_color": "rgb",
    "rgbw_color": "rgbw",
    "rgbww_color": "rgbww",
}
_EFFECT_KEYS = ("set_effect", "effect_list_template", "effect_template")
_ACTIONS = (
    "turn_on",
    "turn_off",
    "set_level",
    "set_temperature",
    "set_effect",
    *(action for actions in _COLOUR_ACTIONS.values() for action in actions),
)
LIGHT_KIND = _Kind(
    "light",
    frozenset(
        {
            *_ACTIONS,
            *_COLOUR_TEMPLATES,
            "value_template",
            "level_template",
            "temperature_template",
            "effect_list_template",
            "effect_template",
            "min_mireds_template",
            "max_mireds_template",
            "supports_transition_template",
            *LEGACY_KEYS,
            *LEGACY_PICTURE_KEYS,
        }
    ),
    ("turn_on", "turn_off"),
    {action: action for action in _ACTIONS},
    None,  # named after its key
)
# What Home Assistant's light service may still hand the light after its conversions.
_TURN_ON_FIELDS = frozenset({"brightness", "color_temp", "transition", "effect", *_COLOUR_FIELDS})
_BRIGHTNESS_MODES = frozenset({"brightness", "color_temp", *_COLOUR_MODES})
_DEFAULT_MIREDS = (153, 500)
_EFFECT, _TRANSITION = 4, 32  # LightEntityFeature bits


def check_light(entry: Any, container: Any, key: Any, path: str) -> None:
    """What Home Assistant's light schema adds to the keys: ``set_color`` or ``set_hs``,
    ``color_template`` or ``hs_template``, the effect's three keys or none."""
    if not isinstance(entry, Mapping):
        raise fail(container, key, path, "expected a mapping")
    for pair in (("set_color", "set_hs"), ("color_template", "hs_template")):
        if all(name in entry for name in pair):
            raise fail(entry, pair[1], f"{path}.{pair[1]}", f"'{pair[0]}' or '{pair[1]}', not both")
    given = [name for name in _EFFECT_KEYS if name in entry]
    if given and len(given) < len(_EFFECT_KEYS):
        missing = ", ".join(repr(name) for name in _EFFECT_KEYS if name not in entry)
        message = f"{', '.join(repr(n) for n in _EFFECT_KEYS)} go together: {missing} missing"
        raise fail(entry, given[0], f"{path}.{given[0]}", message)


class TemplateLight(_TemplateControl):
    """A template light: on or off, brightness, colour temperature, colours, effects."""

    def __init__(self, runtime: Runtime, control: _Control) -> None:
        super().__init__(runtime, control)
        self.is_on: bool | None = False
        self.brightness: int | None = None
        self.mireds: int | None = None
        self.colours: dict[str, tuple[float, ...] | None] = dict.fromkeys(_COLOUR_MODES)
        self.effect: Any = None
        self.effect_list: list[Any] | None = None
        self.mired_limits: list[int | None] = [None, None]
        self.transitions = False
        actions = control.actions
        self.effects = "set_effect" in actions
        modes = {"onoff"}
        modes |= {"brightness"} if "set_level" in actions else set()
        modes |= {"color_temp"} if "set_temperature" in actions else set()
        modes |= {mode for mode, keys in _COLOUR_ACTIONS.items() if set(keys) & set(actions)}
        # As Home Assistant's filter: on/off alone, brightness only without colours.
        if len(modes) > 1:
            modes.discard("onoff")
        if modes & {"color_temp", *_COLOUR_MODES}:
            modes.discard("brightness")
        self.modes = modes
        self.color_mode = next(iter(modes)) if len(modes) == 1 else "unknown"

    # --- state ---------------------------------------------------------------

    def publish(
        self, value: Any, attributes: dict[str, Any], context: Context, reads: _Reads
    ) -> None:
        changed = self.new_results(value).items()
        # As Home Assistant: the effect list is taken before the effect checked against it.
        for key, result in sorted(changed, key=lambda item: item[0] == "effect_template"):
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
        elif key in _COLOUR_TEMPLATES:
            self.colours[_COLOUR_TEMPLATES[key]] = None
        elif key in ("min_mireds_template", "max_mireds_template"):
            self.mired_limits[key.startswith("max")] = None
        elif key == "supports_transition_template":
            self.transitions = False
        elif key == "effect_list_template":
            self.effect_list = None
        elif key == "effect_template":
            self.effect = None

    def take(self, key: str, result: Any) -> None:
        if result is None or (isinstance(result, str) and result in ("None", "")):
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
        elif key in _COLOUR_TEMPLATES:
            mode = _COLOUR_TEMPLATES[key]
            colour = read_hs(result) if mode == "hs" else read_channels(result, CHANNELS[mode])
            self.colours[mode] = colour
            self.color_mode = mode
        elif key == "supports_transition_template":
            self.transitions = bool(result)
        elif key == "effect_list_template":
            self.effect_list = result if isinstance(result, list) and result else None
        elif key == "effect_template" and self.effect_list is not None:
            # Without a list Home Assistant's check fails, and the effect stays as it was.
            self.effect = result if result in self.effect_list else None

    def mired_range(self) -> tuple[int, int]:
        low, high = self.mired_limits
        return (
            low if low is not None else _DEFAULT_MIREDS[0],
            high if high is not None else _DEFAULT_MIREDS[1],
        )

    def kelvin_range(self) -> tuple[int, int]:
        """The warmest and coolest colour temperature, in Kelvin."""
        low, high = self.mired_range()
        return _flip(high), _flip(low)

    def state_text(self) -> str:
        return "unknown" if self.is_on is None else "on" if self.is_on else "off"

    def fixed_attributes(self) -> dict[str, Any]:
        fixed: dict[str, Any] = {}
        modes = self.modes
        kelvin_range = self.kelvin_range()
        if "color_temp" in modes:
            fixed |= {
                "min_color_temp_kelvin": kelvin_range[0],
                "max_color_temp_kelvin": kelvin_range[1],
                "min_mireds": _flip(kelvin_range[1]),
                "max_mireds": _flip(kelvin_range[0]),
            }
        if self.effects:
            fixed["effect_list"] = self.effect_list
        fixed["supported_color_modes"] = sorted(modes)
        if self.effects:
            fixed["effect"] = self.effect if self.is_on else None
        mode = self.color_mode if self.is_on else None
        fixed["color_mode"] = mode
        if modes != {"onoff"}:
            fixed["brightness"] = self.brightness if mode in _BRIGHTNESS_MODES else None
        kelvin = _flip(self.mireds) if mode == "color_temp" and self.mireds else None
        if "color_temp" in modes:
            fixed["color_temp_kelvin"] = kelvin
            fixed["color_temp"] = _flip(kelvin) if kelvin else None
        if modes & {"color_temp", *_COLOUR_MODES}:
            fixed |= {"hs_color": None, "rgb_color": None, "xy_color": None}
            fixed |= {f"{m}_color": None for m in ("rgbw", "rgbww") if m in modes}
            colour = self.colours.get(mode) if mode else None
            if mode == "hs" and colour:
                fixed |= shown_colours("hs", (colour[0], colour[1]), kelvin_range)
            elif mode in _COLOUR_MODES and colour:
                fixed |= mode_colours(mode, colour, kelvin_range)
            elif kelvin:
                fixed |= shown_colours("color_temp", (kelvin,), kelvin_range)
        fixed |= self.definition.fixed_attributes()
        features = (_EFFECT if self.effects else 0) | (_TRANSITION if self.transitions else 0)
        return fixed | {"supported_features": features}

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
        asked = self.converted(data)
        if asked.get("brightness") == 0 or asked.get("white") == 0:
            return self.turn_off(asked, context)
        return self.turn_on(self.supported(asked), context)

    def converted(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """``turn_on`` data as Home Assistant's light service hands it to the light: the
        alternatives converted, a colour turned into one of the light's modes, the
        colour temperature in mireds (as given, else from Kelvin)."""
        given = dict(data)
        if given.get("white") is True:  # as Home Assistant: the light's own brightness
            given["white"] = self.brightness
        lit = self.brightness if self.is_on and self.brightness else None
        asked = normalize_light_command(
            given,
            lit,
            modes=self.modes,
            kelvin_range=self.kelvin_range(),
            kept_brightness=self.brightness,
        )
        if "color_temp_kelvin" in asked:
            kelvin = int(asked.pop("color_temp_kelvin"))
            mireds = data.get("color_temp")
            asked["color_temp"] = int(mireds) if mireds is not None else _flip(kelvin)
        if "brightness" in asked:
            asked["brightness"] = int(asked["brightness"])
        return asked

    def supported(self, asked: dict[str, Any]) -> dict[str, Any]:
        """``asked`` without what the light has no mode or feature for, as Home
        Assistant drops it (a colour is already in one of its modes if it can be)."""
        if "effect" in asked and not self.effects:
            del asked["effect"]
        if "brightness" in asked and not self.modes & _BRIGHTNESS_MODES:
            del asked["brightness"]
        fields = {"color_temp": "color_temp", **_COLOUR_FIELDS}
        for field, mode in fields.items():
            if field in asked and mode not in self.modes:
                del asked[field]
        return {key: value for key, value in asked.items() if key in _TURN_ON_FIELDS}

    async def turn_on(self, asked: dict[str, Any], context: Context) -> None:
        extra = self.control.extra
        if self.definition.state is None:
            self.is_on = True
        optimistic = self.definition.state is None
        if "level_template" not in extra and "brightness" in asked:
            self.brightness, optimistic = asked["brightness"], True
        if "temperature_template" not in extra and "color_temp" in asked:
            self.color_mode, self.mireds, optimistic = "color_temp", asked["color_temp"], True
            self.forget_colours(None)
        for field, mode in _COLOUR_FIELDS.items():
            if field in asked and not self.templated(mode):
                self.color_mode, optimistic = mode, True
                self.colours[mode] = tuple(asked[field])
                if "temperature_template" not in extra:
                    self.mireds = None
                self.forget_colours(mode)
        await self.run_turn_on_action(asked, context)
        if optimistic:
            self.write(self.state_text(), {}, context)

    def templated(self, mode: str) -> bool:
        return any(m == mode and key in self.control.extra for key, m in _COLOUR_TEMPLATES.items())

    def forget_colours(self, kept: str | None) -> None:
        """Forget the colours without templates but ``kept``'s: another was taken."""
        for mode in _COLOUR_MODES - {kept}:
            if not self.templated(mode):
                self.colours[mode] = None

    async def run_turn_on_action(self, asked: Mapping[str, Any], context: Context) -> None:
        variables: dict[str, Any] = {}
        if "brightness" in asked:
            variables["brightness"] = asked["brightness"]
        if "transition" in asked and self.transitions:
            variables["transition"] = asked["transition"]
        actions = self.control.actions
        if "color_temp" in asked and "set_temperature" in actions:
            variables["color_temp"] = asked["color_temp"]
            await self.run_action("set_temperature", variables, context)
            return
        if "effect" in asked:  # kept only when the light has set_effect
            if self.effect_list is None:  # as Home Assistant, whose check then fails
                message = f"{self.entity_id} has no effect list to take {asked['effect']!r} from"
                raise ServiceValidationError("light", "turn_on", "effect", message)
            await self.run_action("set_effect", variables | {"effect": asked["effect"]}, context)
            return
        for mode, keys in _COLOUR_ACTIONS.items():
            field = f"{mode}_color"
            written = [key for key in keys if key in actions]
            if field in asked and written:
                colour = colour_variables(mode, asked[field])
                await self.run_action(written[0], variables | colour, context)
                return
        action = "set_level" if "brightness" in asked and "set_level" in actions else "turn_on"
        await self.run_action(action, variables, context)

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


def _flip(value: int) -> int:
    """Mireds as Kelvin, or Kelvin as mireds: Home Assistant rounds both down."""
    return math.floor(1_000_000 / value)


def _whole(result: Any) -> int | None:
    try:
        return int(result)
    except (TypeError, ValueError):
        return None
