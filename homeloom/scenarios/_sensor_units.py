"""What Home Assistant's sensor entity makes of any sensor's value, whatever made it.

Every Home Assistant sensor (template, filter, statistics, group, REST, command line...)
goes through the same base class when written, which

- expects a number when the sensor has a unit, a state class, or a numeric device
  class (any of its sensor device classes but ``date``, ``enum`` and ``timestamp``);
  another value makes the write fail (logged), the last state stays;
- shows a ``temperature`` sensor written in °C or °F in the house's temperature unit
  (core ``unit_system``), rounded to as many decimals as the value was written with.

homeloom's sensors call these functions right before they write their state, so that
each keeps its own value and classes and the rules live here once.
"""

from __future__ import annotations

import math
from typing import Any

from homeloom.orchestrator import Runtime

__all__ = [
    "SENSOR_DEVICE_CLASSES",
    "converted_temperature",
    "house_temperature_unit",
    "numeric_state_expected",
    "shown_in_house_unit",
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


def house_temperature_unit(
    runtime: Runtime, device_class: str | None, unit: str | None
) -> str | None:
    """The house's temperature unit when Home Assistant shows the sensor's value
    converted into it (a temperature in the other one of °C and °F), else None."""
    if device_class != "temperature" or unit not in _CONVERTED_TEMPERATURE_UNITS:
        return None
    house_unit = "°F" if runtime.settings.unit_system == "us_customary" else "°C"
    return None if unit == house_unit else house_unit


def converted_temperature(value: Any, house_unit: str) -> str | None:
    """``value`` (in the other unit) in ``house_unit``, with as many decimals as it was
    written with; None when it is no finite number (Home Assistant refuses it)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    text = str(value)
    decimals = len(text) - text.index(".") - 1 if "." in text else 0
    converted = number * 1.8 + 32 if house_unit == "°F" else (number - 32) / 1.8
    return f"{converted:z.{decimals}f}"


def shown_in_house_unit(runtime: Runtime, value: Any, attributes: dict[str, Any]) -> str | None:
    """For a sensor whose unit and device class come from its sources (a filter, a
    statistics or a group sensor): ``value`` in the house's temperature unit, and its
    ``attributes`` given that unit, when Home Assistant converts it; else None and
    the attributes left as they are."""
    house_unit = house_temperature_unit(
        runtime, attributes.get("device_class"), attributes.get("unit_of_measurement")
    )
    if house_unit is None:
        return None
    shown = converted_temperature(value, house_unit)
    if shown is not None:
        attributes["unit_of_measurement"] = house_unit
    return shown
