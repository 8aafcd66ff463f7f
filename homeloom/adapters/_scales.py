"""Converting between ecosystems' scales and homeloom's canonical ones, at an adapter's edge.

homeloom's scales: brightness 0-255, colour temperature in Kelvin, cover
position 0 (closed) to 100 (open), temperatures in Celsius unless the house
uses US units. Other ecosystems count differently: Zigbee and Matter levels
run 0-254, some APIs 0-100 or 0-1; Matter counts cover position in hundredths
of a percent *closed* (0 = open).
"""

from __future__ import annotations

__all__ = [
    "brightness_from_level",
    "brightness_to_level",
    "celsius_to_fahrenheit",
    "fahrenheit_to_celsius",
    "ha_position_from_matter",
    "ha_position_to_matter",
    "kelvin_to_mireds",
    "mireds_to_kelvin",
]


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def brightness_from_level(level: float, level_max: float) -> int:
    """A device level on 0..``level_max`` (100, 254, 255 or 1) as brightness 0-255.

    Any level above zero stays at least 1, so a dim light never reads as off.
    """
    if level_max <= 0:
        raise ValueError("level_max must be positive")
    level = _clamp(level, 0, level_max)
    if level == 0:
        return 0
    return max(1, round(level * 255 / level_max))


def brightness_to_level(brightness: float, level_max: float) -> float:
    """Brightness 0-255 as a device level on 0..``level_max`` (an int unless the scale is 0-1)."""
    if level_max <= 0:
        raise ValueError("level_max must be positive")
    brightness = _clamp(brightness, 0, 255)
    if brightness == 0:
        return 0
    value = brightness * level_max / 255
    if level_max <= 1:
        return value
    return max(1, round(value))


def mireds_to_kelvin(mireds: float) -> int:
    if mireds <= 0:
        raise ValueError("mireds must be positive")
    return round(1_000_000 / mireds)


def kelvin_to_mireds(kelvin: float) -> int:
    if kelvin <= 0:
        raise ValueError("kelvin must be positive")
    return round(1_000_000 / kelvin)


def ha_position_from_matter(percent100ths_closed: float) -> int:
    """Matter's ``CurrentPositionLiftPercent100ths`` (0 = open) as 0 (closed)-100 (open)."""
    return round(100 - _clamp(percent100ths_closed, 0, 10000) / 100)


def ha_position_to_matter(position: float) -> int:
    """Position 0 (closed)-100 (open) as Matter hundredths of a percent closed."""
    return round((100 - _clamp(position, 0, 100)) * 100)


def celsius_to_fahrenheit(celsius: float) -> float:
    return celsius * 9 / 5 + 32


def fahrenheit_to_celsius(fahrenheit: float) -> float:
    return (fahrenheit - 32) * 5 / 9
