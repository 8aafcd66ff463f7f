"""What Home Assistant's sensor entity does to any sensor's value before it is written,
whichever integration made the sensor (template, REST, MQTT...): which sensors must
have a number, and a temperature shown in the house's unit.

It lives here, beside the state store, so that both the scenario engine's sensors and
the adapters' (which cannot import the scenarios package) follow one rule.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "SENSOR_DEVICE_CLASSES",
    "converted_temperature",
    "numeric_state_expected",
    "temperature_unit_in_house",
]

# Home Assistant 2024.3's sensor device classes, separated by spaces.
_DEVICE_CLASS_NAMES = """apparent_power aqi atmospheric_pressure battery carbon_dioxide
carbon_monoxide current data_rate data_size date distance duration energy energy_storage
enum frequency gas humidity illuminance irradiance moisture monetary nitrogen_dioxide
nitrogen_monoxide nitrous_oxide ozone ph pm1 pm10 pm25 power power_factor precipitation
precipitation_intensity pressure reactive_power signal_strength sound_pressure speed
sulphur_dioxide temperature timestamp volatile_organic_compounds
volatile_organic_compounds_parts voltage volume volume_flow_rate volume_storage water
weight wind_speed"""
SENSOR_DEVICE_CLASSES = frozenset(_DEVICE_CLASS_NAMES.split())
# The sensor device classes whose state is a text: a date, a moment, one of options.
_TEXT_CLASSES = frozenset({"date", "enum", "timestamp"})
# Home Assistant converts these (not kelvin) to the house's temperature unit.
_CONVERTED_TEMPERATURE_UNITS = frozenset({"°C", "°F"})


def numeric_state_expected(
    device_class: str | None, state_class: str | None, unit: str | None
) -> bool:
    """Whether Home Assistant refuses a non-numeric state of such a sensor: one with a
    unit or a state class, or a device class of its own list that is not a text's (a
    class it does not know counts as none)."""
    if device_class in _TEXT_CLASSES:
        return False
    if state_class is not None or unit is not None:
        return True
    return device_class in SENSOR_DEVICE_CLASSES


def temperature_unit_in_house(
    unit_system: str, device_class: str | None, unit: str | None
) -> str | None:
    """The house's temperature unit (from its ``unit_system``) when Home Assistant shows
    the sensor's value converted into it (a temperature in the other one of °C and °F),
    else None."""
    if device_class != "temperature" or unit not in _CONVERTED_TEMPERATURE_UNITS:
        return None
    house_unit = "°F" if unit_system == "us_customary" else "°C"
    return None if unit == house_unit else house_unit


def converted_temperature(value: Any, house_unit: str, *, rounded: bool = True) -> str | None:
    """``value`` (in the other unit) in ``house_unit``; None when it is no finite number
    (Home Assistant refuses it). ``rounded``: to as many decimals as it was written with
    (Home Assistant's best effort when the sensor suggests no display precision; with
    one it writes the converted number as it comes)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    converted = number * 1.8 + 32 if house_unit == "°F" else (number - 32) / 1.8
    if not rounded:
        return str(converted)
    text = str(value)
    decimals = len(text) - text.index(".") - 1 if "." in text else 0
    return f"{converted:z.{decimals}f}"
