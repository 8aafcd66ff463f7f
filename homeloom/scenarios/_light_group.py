"""The light parts of platform groups (``light:`` items with ``platform: group``), as
Home Assistant 2024.3 makes them.

* ``supported_color_modes``: every member's, without ``onoff`` and ``brightness`` once
  a richer mode is there; ``color_mode`` the lit members' most common one (``onoff``
  and ``brightness`` only when nothing else is, ``unknown`` without any);
* ``brightness`` and ``color_temp_kelvin``: the integer part of the lit members'
  mean, ``effect`` their most common one;
* ``supported_features``: the members' effect, flash and transition bits;
  ``effect_list`` every member's effects sorted (``None`` first); the colour
  temperature range the widest the members allow (2000..6500 K without any);
* the colour of the group's mode (``hs_color``, ``rgb_color``, ``rgbw_color``,
  ``rgbww_color`` or ``xy_color``) is each part's mean over the lit members showing it,
  and as for any light the other colour keys derive from it (from the temperature in the
  ``color_temp`` mode).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from homeloom.orchestrator import State, shown_colours

from ._light_colours import mode_colours

__all__ = ["light_attributes", "light_capabilities"]

# LightEntityFeature bits a group can have: effect, flash, transition.
_GROUP_FEATURES = 4 | 8 | 32
_EFFECT = 4
_BRIGHTNESS_MODES = frozenset(
    {"brightness", "color_temp", "hs", "xy", "rgb", "rgbw", "rgbww", "white"}
)
_COLOUR_MODES = frozenset({"hs", "xy", "rgb", "rgbw", "rgbww"})
_KELVIN_RANGE = (2000, 6500)


def _values(members: list[State], key: str) -> list[Any]:
    return [m.attributes[key] for m in members if m.attributes.get(key) is not None]


def _mean(values: list[Any]) -> Any:
    """One value as it is, several as the integer part of their mean, as Home Assistant
    merges members' numbers; None without any."""
    if len(values) <= 1:
        return values[0] if values else None
    return int(sum(values) / len(values))


def _mean_colour(values: list[Any]) -> Any:
    """Each channel's mean (floats) of several colours, one as it is."""
    if len(values) <= 1:
        return values[0] if values else None
    return tuple(sum(parts) / len(parts) for parts in zip(*values, strict=False))


def _features(members: list[State]) -> int:
    features = 0
    for value in _values(members, "supported_features"):
        features |= int(value)
    return features & _GROUP_FEATURES


def _color_modes(members: list[State]) -> set[str]:
    supported: set[str] = set()
    for modes in _values(members, "supported_color_modes"):
        supported |= set(modes)
    for plain in ("onoff", "brightness"):  # the richest modes only, as Home Assistant
        if plain in supported and len(supported) > 1:
            supported.discard(plain)
    return supported or {"onoff"}


def light_capabilities(members: list[State]) -> dict[str, Any]:
    """What the group shows even while unavailable: its colour modes, features, the
    colour temperature range and effect list when it has them."""
    supported = _color_modes(members)
    features = _features(members)
    shown: dict[str, Any] = {}
    if "color_temp" in supported:
        warmest, coolest = _kelvin_range(members)
        shown |= {
            "min_color_temp_kelvin": warmest,
            "max_color_temp_kelvin": coolest,
            "min_mireds": _flip(coolest),
            "max_mireds": _flip(warmest),
        }
    if features & _EFFECT:
        shown["effect_list"] = _effect_list(members)
    shown["supported_color_modes"] = sorted(supported)
    shown["supported_features"] = features
    return shown


def _effect_list(members: list[State]) -> list[str] | None:
    lists = _values(members, "effect_list")
    if not lists:
        return None
    effects = sorted(set().union(*lists))
    if "None" in effects:  # Home Assistant puts the "None" effect first
        effects.remove("None")
        effects.insert(0, "None")
    return effects


def light_attributes(state: str, members: list[State]) -> dict[str, Any]:
    """The state attributes of an available group whose state is ``state``."""
    supported = _color_modes(members)
    lit = [member for member in members if member.state == "on"]
    color_mode = _color_mode(lit, supported) if state == "on" else None
    shown: dict[str, Any] = {}
    if _features(members) & _EFFECT:
        shown["effect"] = _most_common(_values(lit, "effect")) if state == "on" else None
    shown["color_mode"] = color_mode
    if supported & _BRIGHTNESS_MODES:
        in_mode = color_mode in _BRIGHTNESS_MODES
        shown["brightness"] = _mean(_values(lit, "brightness")) if in_mode else None
    if "color_temp" in supported:
        kelvin = _mean(_values(lit, "color_temp_kelvin")) if color_mode == "color_temp" else None
        shown["color_temp_kelvin"] = kelvin
        shown["color_temp"] = _flip(kelvin) if kelvin else None
    if supported & (_COLOUR_MODES | {"color_temp"}):
        shown |= {"hs_color": None, "rgb_color": None, "xy_color": None}
        shown |= {f"{mode}_color": None for mode in ("rgbw", "rgbww") if mode in supported}
        shown |= _colour_shown(color_mode, members, lit, shown.get("color_temp_kelvin"))
    return shown


def _color_mode(lit: list[State], supported: set[str]) -> str:
    counted = Counter(_values(lit, "color_mode"))
    if not counted:
        return "unknown"
    # onoff and brightness are chosen last, and only when the group supports them.
    for plain, rank in (("onoff", -1), ("brightness", 0)):
        if plain in counted:
            if plain in supported:
                counted[plain] = rank
            else:
                del counted[plain]
    # Home Assistant then takes any supported mode (a set's first); the same one each time here.
    return counted.most_common(1)[0][0] if counted else sorted(supported)[0]


def _most_common(values: list[Any]) -> Any:
    return Counter(values).most_common(1)[0][0] if values else None


def _colour_shown(
    color_mode: str | None, members: list[State], lit: list[State], kelvin: Any
) -> dict[str, Any]:
    """The colour keys a light in ``color_mode`` derives from its colour."""
    if color_mode == "color_temp":
        return shown_colours("color_temp", (kelvin,), _kelvin_range(members)) if kelvin else {}
    if color_mode not in _COLOUR_MODES:
        return {}
    colour = _mean_colour(_values(lit, f"{color_mode}_color"))
    if not colour:
        return {}
    if color_mode in ("hs", "xy"):
        return shown_colours(color_mode, tuple(colour), _kelvin_range(members))
    # The mean of rgb colours keeps its fractions until shown, as Home Assistant's.
    return mode_colours(color_mode, colour, _kelvin_range(members))


def _kelvin_range(members: list[State]) -> tuple[int, int]:
    """The warmest and coolest colour temperature of all members (2000..6500 K without
    any): an rgbww colour's whites."""
    warmest = min(_values(members, "min_color_temp_kelvin"), default=_KELVIN_RANGE[0])
    coolest = max(_values(members, "max_color_temp_kelvin"), default=_KELVIN_RANGE[1])
    return warmest, coolest


def _flip(value: int) -> int:
    """Kelvin as mireds or back: Home Assistant rounds down."""
    return math.floor(1_000_000 / value)
