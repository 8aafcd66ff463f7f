"""A light's colour attributes as Home Assistant 2024.3 derives them from the colour of
an ``rgb``, ``rgbw`` or ``rgbww`` mode, keeping a mean's fractions (the ``hs``, ``xy`` and
``color_temp`` modes: ``homeloom.orchestrator.shown_colours``): the colour itself and its
``hs_color``, ``rgb_color`` and ``xy_color``, rounded as Home Assistant rounds them;
a colour template's result read as its template lights read it, and the variables a
template light's colour action gets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from homeloom.orchestrator._light_colour import (
    mode_rgb,
    rgb_to_hs,
    rgb_to_xy,
)

__all__ = [
    "CHANNELS",
    "colour_variables",
    "mode_colours",
    "read_channels",
    "read_hs",
]

# How many channels each colour mode's colour has.
CHANNELS = {"rgb": 3, "rgbw": 4, "rgbww": 5}


def mode_colours(
    mode: str, colour: Sequence[float], kelvin_range: tuple[int, int]
) -> dict[str, Any]:
    """The attributes of an ``rgb``, ``rgbw`` or ``rgbww`` colour: the rgb it shows
    (whites mixed in, scaled back to the colour's brightest channel), as hs and xy,
    and the colour itself in whole numbers. ``kelvin_range``: the light's lowest and
    highest colour temperature, its warm and cold whites for an rgbww colour."""
    rgb: tuple[float, ...] = (
        tuple(colour) if mode == "rgb" else mode_rgb(mode, colour, kelvin_range)
    )
    shown: dict[str, Any] = {
        "hs_color": rgb_to_hs(*rgb),
        "rgb_color": tuple(int(channel) for channel in rgb[:3]),
        "xy_color": rgb_to_xy(*rgb[:3]),
    }
    if mode != "rgb":
        shown[f"{mode}_color"] = tuple(int(channel) for channel in colour)
    return shown


def read_channels(result: Any, count: int) -> tuple[float, ...] | None:
    """A colour template's result as the channels it gives: a text such as
    ``"(255, 0, 0)"`` or ``"[255,0,0]"`` (whole numbers), or a list of ``count``
    numbers, each 0..255; None when it is not one."""
    if isinstance(result, str):
        for mark in "()[] ":
            result = result.replace(mark, "")
        try:
            channels: tuple[Any, ...] = tuple(int(part) for part in result.split(","))
        except ValueError:
            return None
    elif isinstance(result, list | tuple):
        channels = tuple(result)
    else:
        return None
    # As Home Assistant: any number, true and false too (Python counts them as 1 and 0).
    numbers = all(isinstance(channel, int | float) for channel in channels)
    if len(channels) != count or not numbers:
        return None
    return channels if all(0 <= channel <= 255 for channel in channels) else None


def read_hs(result: Any) -> tuple[float, float] | None:
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


def colour_variables(mode: str, colour: Any) -> dict[str, Any]:
    """The variables a colour action gets: the colour, and its channels as whole numbers
    (an rgbw or rgbww colour's rgb part too)."""
    if mode == "hs":
        return {"hs": colour, "h": int(colour[0]), "s": int(colour[1])}
    red, green, blue = (int(channel) for channel in colour[:3])
    channels = {"r": red, "g": green, "b": blue}
    if mode == "rgb":
        return {"rgb": colour, **channels}
    whites = (
        {"w": int(colour[3])} if mode == "rgbw" else {"cw": int(colour[3]), "ww": int(colour[4])}
    )
    return {mode: colour, "rgb": (red, green, blue), **channels, **whites}
