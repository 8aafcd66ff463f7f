"""What Home Assistant's sensor entity makes of any sensor's value, whatever made it.

Every Home Assistant sensor (template, filter, statistics, group, REST, command line...)
goes through the same base class when written, which

- expects a number when the sensor has a unit, a state class, or a numeric device
  class (any of its sensor device classes but ``date``, ``enum`` and ``timestamp``);
  another value makes the write fail (logged), the last state stays;
- shows a ``temperature`` sensor written in °C or °F in the house's temperature unit
  (core ``unit_system``), rounded to as many decimals as the value was written with.

homeloom's sensors call these functions right before they write their state, so that
each keeps its own value and classes. The rules themselves live in the orchestrator
(``homeloom/orchestrator/_sensor_units.py``), where the adapters' sensors use them too.
"""

from __future__ import annotations

from typing import Any

from homeloom.orchestrator import (
    SENSOR_DEVICE_CLASSES,
    Runtime,
    converted_temperature,
    numeric_state_expected,
    temperature_unit_in_house,
)

__all__ = [
    "SENSOR_DEVICE_CLASSES",
    "converted_temperature",
    "house_temperature_unit",
    "numeric_state_expected",
    "shown_in_house_unit",
]


def house_temperature_unit(
    runtime: Runtime, device_class: str | None, unit: str | None
) -> str | None:
    """The house's temperature unit when Home Assistant shows the sensor's value
    converted into it (a temperature in the other one of °C and °F), else None."""
    return temperature_unit_in_house(runtime.settings.unit_system, device_class, unit)


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
