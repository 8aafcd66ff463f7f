"""Light colours as Home Assistant 2024.3's light service and state handle them: colour
names, conversions between the colour spaces (hs, rgb, CIE xy, rgbw, rgbww, colour
temperature), a ``light.turn_on`` colour turned into a colour mode the light has, and
the ``hs_color``/``rgb_color``/``xy_color`` a light shows for the colour of its mode.

Home Assistant rounds at set places (hue and saturation to 3 decimals, rgb channels
truncated, xy to 3 decimals, mireds and Kelvin floored); each function here rounds
where it does, so a converted colour is the one a device would get from it."""

from __future__ import annotations

import colorsys
import math
from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

__all__ = [
    "COLOUR_FIELDS",
    "apply_profile",
    "colour_name_rgb",
    "convert_turn_on_colour",
    "hs_to_rgb",
    "hs_to_xy",
    "kelvin_mireds",
    "rgb_to_hs",
    "rgb_to_xy",
    "shown_colours",
    "temperature_hs",
    "xy_to_hs",
    "xy_to_rgb",
]

#: ``light.turn_on``'s colour fields and the colour mode each belongs to.
COLOUR_FIELDS = {
    "hs_color": "hs",
    "rgb_color": "rgb",
    "xy_color": "xy",
    "rgbw_color": "rgbw",
    "rgbww_color": "rgbww",
}

# The CSS3 colour names (and Home Assistant's own blue), as ``name hex`` pairs.
_NAMES = """
aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff
beige f5f5dc bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff
blueviolet 8a2be2 brown a52a2a burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00
chocolate d2691e coral ff7f50 cornflowerblue 6495ed cornsilk fff8dc crimson dc143c
cyan 00ffff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9
darkgreen 006400 darkgrey a9a9a9 darkkhaki bdb76b darkmagenta 8b008b
darkolivegreen 556b2f darkorange ff8c00 darkorchid 9932cc darkred 8b0000
darksalmon e9967a darkseagreen 8fbc8f darkslateblue 483d8b darkslategray 2f4f4f
darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet 9400d3 deeppink ff1493
deepskyblue 00bfff dimgray 696969 dimgrey 696969 dodgerblue 1e90ff firebrick b22222
floralwhite fffaf0 forestgreen 228b22 fuchsia ff00ff gainsboro dcdcdc
ghostwhite f8f8ff gold ffd700 goldenrod daa520 gray 808080 green 008000
greenyellow adff2f grey 808080 honeydew f0fff0 hotpink ff69b4 indianred cd5c5c
indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa lavenderblush fff0f5
lawngreen 7cfc00 lemonchiffon fffacd lightblue add8e6 lightcoral f08080
lightcyan e0ffff lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90
lightgrey d3d3d3 lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa
lightskyblue 87cefa lightslategray 778899 lightslategrey 778899
lightsteelblue b0c4de lightyellow ffffe0 lime 00ff00 limegreen 32cd32 linen faf0e6
magenta ff00ff maroon 800000 mediumaquamarine 66cdaa mediumblue 0000cd
mediumorchid ba55d3 mediumpurple 9370db mediumseagreen 3cb371
mediumslateblue 7b68ee mediumspringgreen 00fa9a mediumturquoise 48d1cc
mediumvioletred c71585 midnightblue 191970 mintcream f5fffa mistyrose ffe4e1
moccasin ffe4b5 navajowhite ffdead navy 000080 navyblue 000080 oldlace fdf5e6
olive 808000 olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6
palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee palevioletred db7093
papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd
powderblue b0e0e6 purple 800080 red ff0000 rosybrown bc8f8f royalblue 4169e1
saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee
sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090
slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c
teal 008080 thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3
white ffffff whitesmoke f5f5f5 yellow ffff00 yellowgreen 9acd32 homeassistant 18bcf2
"""


class RGBColor(NamedTuple):
    """A named colour's rgb: Home Assistant gives a known colour name as this named
    tuple, which a template printing it shows as ``RGBColor(r=255, g=0, b=0)``."""

    r: int
    g: int
    b: int


_WORDS = _NAMES.split()
_COLOUR_NAMES = {
    name: RGBColor(int(code[0:2], 16), int(code[2:4], 16), int(code[4:6], 16))
    for name, code in zip(_WORDS[::2], _WORDS[1::2], strict=True)
}

# Where a colour of each mode goes when the light lacks that mode: the first of these
# the light has (Home Assistant's order, which differs by the colour given).
_CONVERSION_ORDER = {
    "hs": ("rgb", "rgbw", "rgbww", "xy", "color_temp"),
    "rgb": ("rgbw", "rgbww", "hs", "xy", "color_temp"),
    "xy": ("hs", "rgb", "rgbw", "rgbww", "color_temp"),
    "rgbw": ("rgb", "rgbww", "hs", "xy", "color_temp"),
    "rgbww": ("rgb", "rgbw", "hs", "xy", "color_temp"),
}
_COLOUR_MODES = frozenset({"hs", "rgb", "xy", "rgbw", "rgbww"})

KelvinRange = tuple[int, int]  # the light's warmest and coolest colour temperature

# Home Assistant's built-in light profiles (its light_profiles.csv): CIE x, y, brightness.
_PROFILES = {
    "relax": (0.5119, 0.4147, 144),
    "concentrate": (0.5119, 0.4147, 219),
    "energize": (0.368, 0.3686, 203),
    "reading": (0.4448, 0.4066, 240),
}
# A profile's colour is taken only when the call gives none of these.
_PROFILE_COLOUR_KEEPERS = (
    "color_name",
    "color_temp",
    "hs_color",
    "rgb_color",
    "rgbw_color",
    "rgbww_color",
    "xy_color",
    "white",
)


def colour_name_rgb(name: str) -> tuple[int, int, int]:
    """A CSS colour name (spaces and case ignored) as rgb; an unknown name is white,
    as Home Assistant falls back to it."""
    return _COLOUR_NAMES.get(name.replace(" ", "").lower(), (255, 255, 255))


def apply_profile(data: dict[str, Any]) -> None:
    """Take ``data``'s ``profile`` out, adding its colour (as ``hs_color``, unless the call
    gives a colour) and its brightness (unless given), as Home Assistant's light service
    does with its built-in profiles; an unknown name adds nothing (homeloom reads no
    ``light_profiles.csv`` of its own)."""
    profile = _PROFILES.get(str(data.pop("profile", "")))
    if profile is None:
        return
    x, y, brightness = profile
    if not any(key in data for key in _PROFILE_COLOUR_KEEPERS):
        data["hs_color"] = xy_to_hs(x, y)
    data.setdefault("brightness", brightness)


def kelvin_mireds(value: float) -> int:
    """Kelvin as mireds or mireds as Kelvin: Home Assistant floors both ways."""
    return math.floor(1_000_000 / value)


def rgb_to_hs(red: float, green: float, blue: float) -> tuple[float, float]:
    hue, saturation, _ = colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)
    return round(hue * 360, 3), round(saturation * 100, 3)


def hs_to_rgb(hue: float, saturation: float, value: float = 100) -> tuple[int, int, int]:
    """Hue 0-360, saturation and value 0-100 as rgb, each channel truncated."""
    channels = colorsys.hsv_to_rgb(hue / 360, saturation / 100, value / 100)
    return int(channels[0] * 255), int(channels[1] * 255), int(channels[2] * 255)


def rgb_to_xy(red: float, green: float, blue: float) -> tuple[float, float]:
    """sRGB to CIE 1931 xy (gamma expanded, Wide RGB D65 primaries), to 3 places."""
    if red + green + blue == 0:
        return 0.0, 0.0
    r, g, b = (_linear(channel / 255) for channel in (red, green, blue))
    x = r * 0.664511 + g * 0.154324 + b * 0.162028
    y = r * 0.283881 + g * 0.668433 + b * 0.047685
    z = r * 0.000088 + g * 0.072310 + b * 0.986039
    return round(x / (x + y + z), 3), round(y / (x + y + z), 3)


def xy_to_rgb(x: float, y: float) -> tuple[int, int, int]:
    """CIE xy at full brightness as rgb, the brightest channel scaled to 255 at most."""
    y = y or 1e-11
    big_x, big_y, big_z = x / y, 1.0, (1 - x - y) / y
    linear = (
        big_x * 1.656492 - big_y * 0.354851 - big_z * 0.255038,
        -big_x * 0.707196 + big_y * 1.655397 + big_z * 0.036152,
        big_x * 0.051713 - big_y * 0.121364 + big_z * 1.011530,
    )
    channels = [max(0.0, _gamma(c)) for c in linear]
    brightest = max(channels)
    if brightest > 1:
        channels = [c / brightest for c in channels]
    return int(channels[0] * 255), int(channels[1] * 255), int(channels[2] * 255)


def xy_to_hs(x: float, y: float) -> tuple[float, float]:
    return rgb_to_hs(*xy_to_rgb(x, y))


def hs_to_xy(hue: float, saturation: float) -> tuple[float, float]:
    return rgb_to_xy(*hs_to_rgb(hue, saturation))


def temperature_hs(kelvin: float) -> tuple[float, float]:
    return rgb_to_hs(*_temperature_rgb(kelvin))


def convert_turn_on_colour(
    data: dict[str, Any],
    modes: Collection[str],
    kelvin_range: KelvinRange,
    brightness: int | None,
) -> None:
    """Turn ``data``'s colour temperature or colour into one of ``modes`` in place, as
    Home Assistant's ``light.turn_on`` does before the light sees it. ``brightness``:
    the call's or else the light's (an rgbww light's emulated colour temperature)."""
    if "color_temp_kelvin" in data and "color_temp" not in modes:
        kelvin = data.pop("color_temp_kelvin")
        if "rgbww" in modes:
            data["rgbww_color"] = _temperature_rgbww(kelvin, brightness, kelvin_range)
        elif _COLOUR_MODES.intersection(modes):
            data["hs_color"] = temperature_hs(kelvin)
    for field, mode in COLOUR_FIELDS.items():
        if field in data and mode not in modes:
            _convert(data, mode, data.pop(field), modes, kelvin_range)
            return


def shown_colours(mode: str, colour: Sequence[float], kelvin_range: KelvinRange) -> dict[str, Any]:
    """A light's ``hs_color``, ``rgb_color`` and ``xy_color`` (and its ``rgbw_color``
    or ``rgbww_color``) for the colour of its mode; ``colour`` is a Kelvin value for
    ``color_temp``."""
    if mode == "hs":
        hue, saturation = colour
        return {
            "hs_color": (round(hue, 3), round(saturation, 3)),
            "rgb_color": hs_to_rgb(hue, saturation),
            "xy_color": hs_to_xy(hue, saturation),
        }
    if mode == "xy":
        x, y = colour
        return {
            "hs_color": xy_to_hs(x, y),
            "rgb_color": xy_to_rgb(x, y),
            "xy_color": (round(x, 6), round(y, 6)),
        }
    if mode == "color_temp":
        hue, saturation = temperature_hs(colour[0])
        return shown_colours("hs", (hue, saturation), kelvin_range)
    rgb = mode_rgb(mode, colour, kelvin_range)
    shown: dict[str, Any] = {
        "hs_color": rgb_to_hs(*rgb),
        "rgb_color": tuple(int(channel) for channel in rgb),
        "xy_color": rgb_to_xy(*rgb),
    }
    if mode in ("rgbw", "rgbww"):
        shown[f"{mode}_color"] = tuple(int(channel) for channel in colour)
    return shown


# --- the conversions' steps ------------------------------------------------------------


def _convert(
    data: dict[str, Any],
    mode: str,
    colour: Sequence[float],
    modes: Collection[str],
    kelvin_range: KelvinRange,
) -> None:
    target = next((m for m in _CONVERSION_ORDER[mode] if m in modes), None)
    if target is None:
        return  # as Home Assistant: a colour the light cannot show is dropped
    if mode == "hs" and target == "xy":
        data["xy_color"] = hs_to_xy(*colour)
        return
    if mode == "xy" and target in ("hs", "color_temp"):
        if target == "hs":
            data["hs_color"] = xy_to_hs(*colour)
        else:
            data["color_temp_kelvin"] = _xy_temperature(*colour)
        return
    rgb = hs_to_rgb(*colour) if mode == "hs" else mode_rgb(mode, colour, kelvin_range)
    if target == "rgb":
        data["rgb_color"] = rgb
    elif target == "rgbw":
        data["rgbw_color"] = _rgb_rgbw(rgb)
    elif target == "rgbww":
        data["rgbww_color"] = _rgb_rgbww(rgb, kelvin_range)
    elif target == "hs":
        data["hs_color"] = rgb_to_hs(*rgb)
    elif target == "xy":
        data["xy_color"] = rgb_to_xy(*rgb)
    else:
        data["color_temp_kelvin"] = _xy_temperature(*rgb_to_xy(*rgb))


def mode_rgb(mode: str, colour: Sequence[float], kelvin_range: KelvinRange) -> tuple[int, ...]:
    """An rgb, xy, rgbw or rgbww colour as rgb (whites mixed in, scaled to the colour's
    brightest channel)."""
    if mode == "xy":
        return xy_to_rgb(colour[0], colour[1])
    if mode == "rgbw":
        red, green, blue, white = colour
        return _match_brightest(colour, (red + white, green + white, blue + white))
    if mode == "rgbww":
        red, green, blue, cold, warm = colour
        warmest, coolest = kelvin_range
        low, high = kelvin_mireds(coolest), kelvin_mireds(warmest)
        warm_share = warm / (cold + warm) if cold + warm else 0.5
        mireds = low + warm_share * (high - low)
        mix = _temperature_rgb(kelvin_mireds(mireds) if mireds else 0)
        level = max(cold, warm) / 255
        mixed = (red + mix[0] * level, green + mix[1] * level, blue + mix[2] * level)
        return _match_brightest(colour, mixed)
    return tuple(int(channel) for channel in colour[:3])


def _rgb_rgbw(rgb: Sequence[int]) -> tuple[int, ...]:
    white = min(rgb)
    return _match_brightest(rgb, (rgb[0] - white, rgb[1] - white, rgb[2] - white, white))


def _rgb_rgbww(rgb: Sequence[int], kelvin_range: KelvinRange) -> tuple[int, ...]:
    """rgb with the whites' midpoint (in mireds) taken out as equal cold and warm white."""
    warmest, coolest = kelvin_range
    low, high = kelvin_mireds(coolest), kelvin_mireds(warmest)
    white = _temperature_rgb(kelvin_mireds(low + (high - low) / 2))
    level = min(c / w if w else 0 for c, w in zip(rgb, white, strict=True))
    rest = tuple(c - w * level for c, w in zip(rgb, white, strict=True))
    return _match_brightest(rgb, (*rest, round(level * 255), round(level * 255)))


def _temperature_rgbww(
    kelvin: float, brightness: int | None, kelvin_range: KelvinRange
) -> tuple[int, int, int, int, int]:
    """A colour temperature made by an rgbww light's two whites at ``brightness``."""
    warmest, coolest = kelvin_range
    high, low = kelvin_mireds(warmest), kelvin_mireds(coolest)
    level = brightness or 0
    cold = (high - kelvin_mireds(kelvin)) / (high - low) * level
    return 0, 0, 0, round(cold), round(level - cold)


def _xy_temperature(x: float, y: float) -> int:
    """McCamy's approximation of the colour temperature of a CIE xy point."""
    n = (x - 0.3320) / (0.1858 - y)
    return int(437 * n**3 + 3601 * n**2 + 6861 * n + 5517)


def _match_brightest(given: Sequence[float], mixed: Sequence[float]) -> tuple[int, ...]:
    brightest = max(mixed)
    factor = max(given) / brightest if brightest else 0.0
    return tuple(round(channel * factor) for channel in mixed)


def _temperature_rgb(kelvin: float) -> tuple[float, float, float]:
    """Tanner Helland's approximation of a colour temperature's rgb (1000-40000 K)."""
    t = min(max(kelvin, 1000), 40000) / 100

    def clamp(value: float) -> float:
        return min(max(value, 0.0), 255.0)

    red = 255.0 if t <= 66 else clamp(329.698727446 * (t - 60) ** -0.1332047592)
    if t <= 66:
        green = clamp(99.4708025861 * math.log(t) - 161.1195681661)
    else:
        green = clamp(288.1221695283 * (t - 60) ** -0.0755148492)
    if t >= 66:
        blue = 255.0
    elif t <= 19:
        blue = 0.0
    else:
        blue = clamp(138.5177312231 * math.log(t - 10) - 305.0447927307)
    return red, green, blue


def _linear(channel: float) -> float:
    return ((channel + 0.055) / 1.055) ** 2.4 if channel > 0.04045 else channel / 12.92


def _gamma(channel: float) -> float:
    return 12.92 * channel if channel <= 0.0031308 else 1.055 * channel ** (1 / 2.4) - 0.055
