"""A ``platform: generic_thermostat`` item's options, read as Home Assistant 2024.3's
schema reads them (see ``_generic_thermostat``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from ._durations import DurationError, parse_duration
from ._platform_options import (
    OptionError,
    boolean_option,
    entity_id_option,
    number_option,
    refuse_unknown_keys,
    text_option,
)

__all__ = ["HVAC_MODES", "ThermostatOptions", "duration_option", "read_thermostat_options"]

DEFAULT_NAME = "Generic Thermostat"
DEFAULT_TOLERANCE = 0.3
# Every climate mode Home Assistant knows (its services take any of them).
HVAC_MODES = ("off", "heat", "cool", "heat_cool", "auto", "dry", "fan_only")
_INITIAL_MODES = ("cool", "heat", "off")
_PRECISIONS = (0.1, 0.5, 1.0)
# Each preset and the option giving its temperature, in Home Assistant's order.
PRESET_OPTIONS = {
    preset: f"{preset}_temp" for preset in ("away", "comfort", "eco", "home", "sleep", "activity")
}
_KEYS = (
    "name",
    "unique_id",
    "heater",
    "target_sensor",
    "min_temp",
    "max_temp",
    "target_temp",
    "ac_mode",
    "min_cycle_duration",
    "cold_tolerance",
    "hot_tolerance",
    "keep_alive",
    "initial_hvac_mode",
    "precision",
    "target_temp_step",
    *PRESET_OPTIONS.values(),
)


@dataclass(frozen=True)
class ThermostatOptions:
    heater: str
    sensor: str
    name: str = DEFAULT_NAME
    min_temp: float | None = None
    max_temp: float | None = None
    target_temp: float | None = None
    ac_mode: bool = False
    min_cycle_duration: timedelta | None = None
    cold_tolerance: float = DEFAULT_TOLERANCE
    hot_tolerance: float = DEFAULT_TOLERANCE
    keep_alive: timedelta | None = None
    initial_hvac_mode: str | None = None
    precision: float | None = None
    target_temp_step: float | None = None
    presets: dict[str, float] = field(default_factory=dict)


def read_thermostat_options(item: Mapping[str, Any]) -> ThermostatOptions:
    """The item's options; ``OptionError`` names the one Home Assistant refuses."""
    refuse_unknown_keys(item, _KEYS)
    text_option(item, "unique_id")
    cold, hot = number_option(item, "cold_tolerance"), number_option(item, "hot_tolerance")
    return ThermostatOptions(
        heater=entity_id_option(item, "heater"),
        sensor=entity_id_option(item, "target_sensor"),
        name=text_option(item, "name") or DEFAULT_NAME,
        min_temp=number_option(item, "min_temp"),
        max_temp=number_option(item, "max_temp"),
        target_temp=number_option(item, "target_temp"),
        ac_mode=boolean_option(item, "ac_mode", False),
        min_cycle_duration=duration_option(item, "min_cycle_duration"),
        cold_tolerance=DEFAULT_TOLERANCE if cold is None else cold,
        hot_tolerance=DEFAULT_TOLERANCE if hot is None else hot,
        keep_alive=_keep_alive(item),
        initial_hvac_mode=_one_of(item, "initial_hvac_mode", _INITIAL_MODES),
        precision=_one_of(item, "precision", _PRECISIONS),
        target_temp_step=_one_of(item, "target_temp_step", _PRECISIONS),
        presets={
            preset: value
            for preset, key in PRESET_OPTIONS.items()
            if (value := number_option(item, key)) is not None
        },
    )


def duration_option(item: Mapping[str, Any], key: str) -> timedelta | None:
    """A duration that is not negative (``cv.positive_time_period``); None if absent."""
    if key not in item:
        return None
    try:
        period = parse_duration(item[key])
    except DurationError as err:
        raise OptionError(key, f"{key}: {err}") from None
    if period < timedelta():
        raise OptionError(key, f"{key} must not be negative, got {item[key]!r}")
    return period


def _keep_alive(item: Mapping[str, Any]) -> timedelta | None:
    """``keep_alive``; unlike Home Assistant, a period under a second (but zero, which
    is none) is refused: the heater would be sent a command without end."""
    period = duration_option(item, "keep_alive")
    if period and period < timedelta(seconds=1):
        raise OptionError("keep_alive", f"keep_alive must be at least a second, got {period}")
    return period


def _one_of(item: Mapping[str, Any], key: str, allowed: tuple[Any, ...]) -> Any:
    """The value if it is one of ``allowed`` (as ``vol.In``: ``1`` is ``1.0``); None if
    absent."""
    if key not in item:
        return None
    value = item[key]
    if value not in allowed:
        shown = ", ".join(str(choice) for choice in allowed)
        raise OptionError(key, f"{key} must be one of {shown}, got {value!r}")
    return value
