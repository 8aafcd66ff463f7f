"""Zigbee2MQTT ``exposes`` mapped onto homeloom capabilities.

A device's ``definition.exposes`` lists specific features (``light``,
``switch``, ``cover``, ``lock``, each with sub-features) and generic ones
(``binary``, ``numeric``, ``enum``, ``text``); the ``access`` bits say whether a
feature is reported (1), settable (2) and gettable (4).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import slugify

from .._scales import mireds_to_kelvin
from ._values import as_number
from ._z2m_capabilities import (
    BinarySensor,
    Capability,
    Climate,
    Cover,
    Fan,
    Light,
    Lock,
    Number,
    OnOff,
    Select,
    Sensor,
)

__all__ = ["capabilities_of"]

ACCESS_STATE, ACCESS_SET, ACCESS_GET = 1, 2, 4

# Binary sensors: property -> (device class, whether ``true`` means "off").
BINARY_SENSORS: dict[str, tuple[str | None, bool]] = {
    "occupancy": ("occupancy", False),
    "presence": ("presence", False),
    "contact": ("door", True),  # contact = true: the door is closed
    "water_leak": ("moisture", False),
    "smoke": ("smoke", False),
    "gas": ("gas", False),
    "carbon_monoxide": ("carbon_monoxide", False),
    "vibration": ("vibration", False),
    "tamper": ("tamper", False),
    "battery_low": ("battery", False),
}
# Numeric sensors: property -> (device class, state class).
SENSORS: dict[str, tuple[str | None, str | None]] = {
    "temperature": ("temperature", "measurement"),
    "local_temperature": ("temperature", "measurement"),
    "device_temperature": ("temperature", "measurement"),
    "humidity": ("humidity", "measurement"),
    "illuminance": ("illuminance", "measurement"),
    "illuminance_lux": ("illuminance", "measurement"),
    "battery": ("battery", "measurement"),
    "pressure": ("pressure", "measurement"),
    "co2": ("carbon_dioxide", "measurement"),
    "voc": ("volatile_organic_compounds", "measurement"),
    "pm25": ("pm25", "measurement"),
    "soil_moisture": ("moisture", "measurement"),
    "power": ("power", "measurement"),
    "voltage": ("voltage", "measurement"),
    "current": ("current", "measurement"),
    "energy": ("energy", "total_increasing"),
}
SKIPPED = frozenset({"linkquality"})  # diagnostics nobody automates on


def _binary(feature: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    return (
        feature.get("value_on", True),
        feature.get("value_off", False),
        feature.get("value_toggle"),
    )


def _features(expose: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """A specific expose's features by name (``state``, ``brightness``, ``color_xy``...)."""
    found: dict[str, Mapping[str, Any]] = {}
    for feature in expose.get("features") or ():
        if isinstance(feature, Mapping) and isinstance(feature.get("name"), str):
            found.setdefault(feature["name"], feature)
    return found


def _prop(feature: Mapping[str, Any] | None) -> str | None:
    if feature is None:
        return None
    value = feature.get("property") or feature.get("name")
    return value if isinstance(value, str) else None


def _gettable(*features: Mapping[str, Any] | None) -> tuple[str, ...]:
    return tuple(
        prop
        for feature in features
        if feature is not None
        and int(feature.get("access", 0)) & ACCESS_GET
        and (prop := _prop(feature)) is not None
    )


def _main(kind: str, friendly: str, expose: Mapping[str, Any]) -> Capability | None:
    endpoint = expose.get("endpoint")
    suffix = f" {endpoint}" if isinstance(endpoint, str) and endpoint else ""
    name = f"{friendly}{suffix}"
    key = kind + (f"_{endpoint}" if suffix else "")
    common: dict[str, Any] = {"key": key, "name": name, "object_id": slugify(name)}
    features = _features(expose)
    state = features.get("state")
    if kind == "light" and state is not None:
        on, off, toggle = _binary(state)
        brightness, color_temp = features.get("brightness"), features.get("color_temp")
        color = features.get("color_xy") or features.get("color_hs")
        modes = [
            mode
            for mode, feature in (("color_temp", color_temp), ("xy", features.get("color_xy")))
            if feature is not None
        ]
        if features.get("color_hs") is not None and "xy" not in modes:
            modes.append("hs")
        if not modes:
            modes = ["brightness"] if brightness is not None else ["onoff"]
        light = Light(
            "light",
            **common,
            gettable=_gettable(state, brightness, color_temp),
            prop=_prop(state) or "state",
            on=on,
            off=off,
            toggle=toggle,
            brightness=_prop(brightness),
            brightness_max=float((brightness or {}).get("value_max") or 254),
            color_temp=_prop(color_temp),
            color=_prop(color),
        )
        light.attributes["supported_color_modes"] = modes
        if color_temp is not None:
            light.mireds_min = int(color_temp.get("value_min") or 150)
            light.mireds_max = int(color_temp.get("value_max") or 500)
            light.attributes["min_color_temp_kelvin"] = mireds_to_kelvin(light.mireds_max)
            light.attributes["max_color_temp_kelvin"] = mireds_to_kelvin(light.mireds_min)
        return light
    if kind == "switch" and state is not None:
        on, off, toggle = _binary(state)
        return OnOff(
            "switch",
            **common,
            gettable=_gettable(state),
            prop=_prop(state) or "state",
            on=on,
            off=off,
            toggle=toggle,
        )
    if kind == "fan":
        return _fan(common, features, state)
    if kind == "cover":
        return Cover(
            "cover",
            **common,
            gettable=_gettable(state, features.get("position")),
            prop=_prop(state) or "state",
            position=_prop(features.get("position")),
        )
    if kind == "climate":
        return _climate(common, features)
    if kind == "lock" and state is not None:
        on, off, _ = _binary(state)
        return Lock(
            "lock",
            **common,
            gettable=_gettable(state),
            prop=_prop(state) or "state",
            lock=on,
            unlock=off,
        )
    return None


_SPEEDS = ("low", "medium", "high")


def _fan(
    common: dict[str, Any],
    features: Mapping[str, Mapping[str, Any]],
    state: Mapping[str, Any] | None,
) -> Capability | None:
    mode = features.get("mode")
    values = tuple(str(v).lower() for v in (mode or {}).get("values") or ())
    if state is None and mode is None:
        return None
    on, off, toggle = _binary(state) if state is not None else ("ON", "OFF", None)
    speeds = tuple(speed for speed in _SPEEDS if speed in values)
    fan = Fan(
        "fan",
        **common,
        gettable=_gettable(state, mode),
        prop=_prop(state) or "state",
        on=on,
        off=off,
        toggle=toggle,
        mode=_prop(mode),
        speeds=speeds,
        presets=tuple(v for v in values if v not in speeds and v != "off"),
        has_state=state is not None,
    )
    if fan.presets:
        fan.attributes["preset_modes"] = list(fan.presets)
    if speeds:
        fan.attributes["percentage_step"] = round(100 / len(speeds), 2)
    return fan


def _climate(common: dict[str, Any], features: Mapping[str, Mapping[str, Any]]) -> Capability:
    setpoint = features.get("occupied_heating_setpoint") or features.get("current_heating_setpoint")
    mode = features.get("system_mode")
    known = ("off", "heat", "cool", "auto", "heat_cool", "dry", "fan_only")
    modes = tuple(str(v) for v in (mode or {}).get("values") or () if str(v) in known)
    climate = Climate(
        "climate",
        **common,
        gettable=_gettable(setpoint, mode),
        setpoint=_prop(setpoint),
        temperature=_prop(features.get("local_temperature")),
        mode=_prop(mode) if modes else None,
        running=_prop(features.get("running_state")),
        modes=modes or ("heat",),
    )
    climate.attributes["hvac_modes"] = list(climate.modes)
    for source, target in (("value_min", "min_temp"), ("value_max", "max_temp")):
        if setpoint is not None and as_number(setpoint.get(source)) is not None:
            climate.attributes[target] = setpoint[source]
    if setpoint is not None and as_number(setpoint.get("value_step")) is not None:
        climate.attributes["target_temp_step"] = setpoint["value_step"]
    return climate


def _generic(friendly: str, feature: Mapping[str, Any]) -> Capability | None:
    prop = _prop(feature)
    kind = feature.get("type")
    if prop is None or prop in SKIPPED or prop == "action":
        return None
    access = int(feature.get("access", ACCESS_STATE))
    settable = bool(access & ACCESS_SET)
    label = str(feature.get("label") or prop.replace("_", " ").capitalize())
    common: dict[str, Any] = {
        "key": prop,
        "name": f"{friendly} {label}",
        "object_id": slugify(f"{friendly}_{prop}"),
        "gettable": _gettable(feature),
        "prop": prop,
    }
    unit = feature.get("unit")
    if kind == "binary":
        on, off, toggle = _binary(feature)
        if settable:
            return OnOff("switch", **common, on=on, off=off, toggle=toggle)
        device_class, inverted = BINARY_SENSORS.get(prop, (None, False))
        return BinarySensor(
            "binary_sensor", **common, device_class=device_class, on=on, off=off, inverted=inverted
        )
    if kind == "numeric":
        if settable:
            number = Number("number", **common)
            for source, target in (
                ("value_min", "min"),
                ("value_max", "max"),
                ("value_step", "step"),
            ):
                if as_number(feature.get(source)) is not None:
                    number.attributes[target] = feature[source]
            if unit:
                number.attributes["unit_of_measurement"] = unit
            return number
        device_class, state_class = SENSORS.get(prop, (None, "measurement"))
        sensor = Sensor("sensor", **common, device_class=device_class)
        if unit:
            sensor.attributes["unit_of_measurement"] = unit
        if state_class:
            sensor.attributes["state_class"] = state_class
        return sensor
    if kind == "enum":
        values = [str(v) for v in feature.get("values") or ()]
        if settable:
            select = Select("select", **common)
            select.attributes["options"] = values
            return select
        sensor = Sensor("sensor", **common, device_class="enum")
        sensor.attributes["options"] = values
        return sensor
    if kind == "text" and not settable:
        return Sensor("sensor", **common)
    return None


def capabilities_of(friendly: str, exposes: Any) -> list[Capability]:
    """Every capability a device's ``definition.exposes`` describes (unknown kinds are skipped)."""
    found: list[Capability] = []
    keys: set[str] = set()
    for expose in exposes if isinstance(exposes, list) else ():
        if not isinstance(expose, Mapping):
            continue
        kind = expose.get("type")
        if kind in ("light", "switch", "cover", "lock", "climate", "fan"):
            capability = _main(str(kind), friendly, expose)
        elif kind in ("binary", "numeric", "enum", "text"):
            capability = _generic(friendly, expose)
        else:
            capability = None  # composites and lists: not mapped yet
        if capability is not None and capability.key not in keys:
            keys.add(capability.key)
            found.append(capability)
    return found
