"""A weather entity's state attributes, as Home Assistant 2024.3's weather integration
shows them: each value converted from the entity's own units (``temperature_unit``...,
by default the house's) to the house's unit system and rounded, the units beside them,
and forecasts converted the same way."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "CONDITIONS",
    "UNIT_KEYS",
    "convert_forecast",
    "forecast_problem",
    "house_units",
    "weather_attributes",
]

CONDITIONS = frozenset(
    {
        "clear-night",
        "cloudy",
        "fog",
        "hail",
        "lightning",
        "lightning-rainy",
        "partlycloudy",
        "pouring",
        "rainy",
        "snowy",
        "snowy-rainy",
        "sunny",
        "windy",
        "windy-variant",
        "exceptional",
    }
)

_IN = 0.0254
_MILE = _IN * 12 * 3 * 1760
# How many of each unit make one metre, one pascal, one metre a second.
_DISTANCE = {"m": 1.0, "mm": 1000.0, "cm": 100.0, "km": 0.001, "in": 1 / _IN}
_DISTANCE |= {"ft": 1 / (_IN * 12), "yd": 1 / (_IN * 36), "mi": 1 / _MILE}
_MERCURY = 1000 * 9.80665 * 13.5951  # a pascal per metre of mercury
_PRESSURE = {"Pa": 1.0, "hPa": 1 / 100, "kPa": 1 / 1000, "bar": 1 / 100000, "cbar": 1 / 1000}
_PRESSURE |= {"mbar": 1 / 100, "inHg": 1 / (_IN * _MERCURY), "psi": 1 / 6894.757}
_PRESSURE |= {"mmHg": 1 / (0.001 * _MERCURY)}
_SPEED = {"in/d": 86400 / _IN, "in/h": 3600 / _IN, "mm/d": 86400 / 0.001, "mm/h": 3600 / 0.001}
_SPEED |= {"ft/s": 1 / (_IN * 12), "km/h": 3.6, "kn": 3600 / 1852, "m/s": 1.0, "mph": 3600 / _MILE}
_TEMPERATURE_UNITS = ("°C", "°F", "K")

# Each unit option: the kind of value it measures and the units it accepts.
UNIT_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "temperature_unit": ("temperature", _TEMPERATURE_UNITS),
    "pressure_unit": ("pressure", tuple(_PRESSURE)),
    "wind_speed_unit": ("wind_speed", tuple(_SPEED)),
    "visibility_unit": ("visibility", tuple(_DISTANCE)),
    "precipitation_unit": ("precipitation", tuple(_DISTANCE)),
}
_RATIOS = {
    "pressure": _PRESSURE,
    "wind_speed": _SPEED,
    "visibility": _DISTANCE,
    "precipitation": _DISTANCE,
}
_HOUSE_UNITS = {
    "metric": {
        "temperature": "°C",
        "pressure": "hPa",
        "wind_speed": "km/h",
        "visibility": "km",
        "precipitation": "mm",
    },
    "us_customary": {
        "temperature": "°F",
        "pressure": "inHg",
        "wind_speed": "mph",
        "visibility": "mi",
        "precipitation": "in",
    },
}


def house_units(unit_system: str) -> Mapping[str, str]:
    """The unit each kind of value is shown in, by the house's unit system."""
    return _HOUSE_UNITS.get(unit_system, _HOUSE_UNITS["metric"])


def _to_celsius(value: float, unit: str) -> float:
    return (value - 32) / 1.8 if unit == "°F" else value - 273.15 if unit == "K" else value


def _from_celsius(value: float, unit: str) -> float:
    return value * 1.8 + 32 if unit == "°F" else value + 273.15 if unit == "K" else value


def _converter(kind: str, native: str, shown: str) -> Callable[[float], float]:
    if native == shown:
        return lambda value: value
    if kind == "temperature":
        return lambda value: _from_celsius(_to_celsius(value, native), shown)
    ratios = _RATIOS[kind]
    return lambda value: value / ratios[native] * ratios[shown]


class _Shown:
    """Converts a weather entity's native values to the house's units, rounded as
    Home Assistant rounds them (temperatures to a tenth in °C, else whole)."""

    def __init__(self, native_units: Mapping[str, str | None], unit_system: str) -> None:
        self.units = house_units(unit_system)
        self.native = {kind: native_units.get(kind) or unit for kind, unit in self.units.items()}
        self.tenths = self.units["temperature"] == "°C"

    def value(self, kind: str, raw: Any) -> Any:
        """``raw`` converted and rounded; as it is when it is no number."""
        try:
            number = float(raw)
        except (TypeError, ValueError, OverflowError):  # too big an int for a float
            return raw
        converted = _converter(kind, self.native[kind], self.units[kind])(number)
        if kind != "temperature":
            return round(converted, 2)
        if math.isnan(converted) or math.isinf(converted):
            return converted
        return round(converted, 1) if self.tenths else round(converted)


def weather_attributes(
    values: Mapping[str, Any], native_units: Mapping[str, str | None], unit_system: str
) -> dict[str, Any]:
    """The state attributes of a weather entity whose native values (by key:
    ``temperature``, ``humidity``...; None or absent for none) are ``values``."""
    shown = _Shown(native_units, unit_system)
    data: dict[str, Any] = {}

    def put(key: str, kind: str | None) -> None:
        raw = values.get(key)
        if raw is not None:
            data[key] = shown.value(kind, raw) if kind is not None else raw

    for key in ("temperature", "apparent_temperature", "dew_point"):
        put(key, "temperature")
    data["temperature_unit"] = shown.units["temperature"]
    if values.get("humidity") is not None:
        humidity = values["humidity"]
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            humidity = round(float(humidity))
        data["humidity"] = humidity
    put("ozone", None)
    put("cloud_coverage", None)
    put("pressure", "pressure")
    data["pressure_unit"] = shown.units["pressure"]
    put("wind_bearing", None)
    put("wind_gust_speed", "wind_speed")
    put("wind_speed", "wind_speed")
    data["wind_speed_unit"] = shown.units["wind_speed"]
    put("visibility", "visibility")
    data["visibility_unit"] = shown.units["visibility"]
    data["precipitation_unit"] = shown.units["precipitation"]
    forecast = values.get("forecast")
    if forecast:
        data["forecast"] = convert_forecast(forecast, native_units, unit_system)
    return data


# A forecast's keys converted, the kind of value each is, Home Assistant's ``native_``
# name for it (taken first), and whether the plain key is converted too (2024.3
# converts an apparent temperature, a dew point or a gust only from the native key).
_FORECAST_KEYS = (
    ("temperature", "temperature", "native_temperature", True),
    ("apparent_temperature", "temperature", "native_apparent_temperature", False),
    ("templow", "temperature", "native_templow", True),
    ("dew_point", "temperature", "native_dew_point", False),
    ("pressure", "pressure", "native_pressure", True),
    ("wind_gust_speed", "wind_speed", "native_wind_gust_speed", False),
    ("wind_speed", "wind_speed", "native_wind_speed", True),
    ("precipitation", "precipitation", "native_precipitation", True),
)


def convert_forecast(
    forecasts: list[Any], native_units: Mapping[str, str | None], unit_system: str
) -> list[dict[str, Any]]:
    """Each forecast with its values converted to the house's units, as Home Assistant
    converts them (a value that is no number is left as written)."""
    shown = _Shown(native_units, unit_system)
    converted: list[dict[str, Any]] = []
    for forecast in forecasts:
        entry = dict(forecast)
        for key, kind, native_key, plain in _FORECAST_KEYS:
            raw = entry.pop(native_key, entry.get(key) if plain else None)
            if raw is None:
                if key == "temperature":  # as Home Assistant: always there, maybe None
                    entry[key] = None
                continue
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                entry[key] = shown.value(kind, float(raw))
        humidity = entry.pop("humidity", None)
        if humidity is not None:
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                entry["humidity"] = round(float(humidity))
        converted.append(entry)
    return converted


# The keys a forecast may have, as Home Assistant 2024.3 checks a template's forecasts.
_ACCEPTED_FORECAST_KEYS = frozenset(
    {
        "condition",
        "datetime",
        "humidity",
        "precipitation_probability",
        "cloud_coverage",
        "native_precipitation",
        "precipitation",
        "native_pressure",
        "pressure",
        "native_temperature",
        "temperature",
        "native_templow",
        "templow",
        "native_apparent_temperature",
        "wind_bearing",
        "native_wind_gust_speed",
        "native_wind_speed",
        "wind_speed",
        "native_dew_point",
        "uv_index",
        "is_daytime",
        "apparent_temperature",
        "wind_gust_speed",
        "dew_point",
    }
)


def forecast_problem(kind: str, forecasts: Any) -> str | None:
    """What Home Assistant refuses in a template's ``kind`` forecasts (a list of
    mappings of forecast keys with a ``datetime``, and an ``is_daytime`` for twice-daily
    ones), or None when they are fine."""
    if not isinstance(forecasts, list):
        return "the forecasts are not a list"
    for forecast in forecasts:
        if not isinstance(forecast, Mapping):
            return "a forecast is not a mapping"
        if unknown := set(forecast) - _ACCEPTED_FORECAST_KEYS:
            return f"unknown forecast keys {sorted(unknown)}"
        if kind == "twice_daily" and "is_daytime" not in forecast:
            return "a twice-daily forecast without 'is_daytime'"
        if "datetime" not in forecast:
            return "a forecast without 'datetime'"
    return None
