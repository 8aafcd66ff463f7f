"""Sensor groups: ``sensor:`` items with ``platform: group`` (and the UI's "Group"
helpers of type sensor), as Home Assistant 2024.3 makes them.

The group combines its members' numbers by its ``type``: ``min``, ``max``, ``mean``,
``median``, ``last`` (the member updated last), ``range``, ``sum`` or ``product``
(``std_dev`` came after 2024.3). A member counts when its state reads as a number
and, once the group has units to check, its ``unit_of_measurement`` is one of them.
The group is unavailable while no member counts; it is unknown while some member is
unknown or unavailable, or does not count (with ``ignore_non_numeric``: while none
is known, or none counts); else its state is the result written as Home Assistant
writes a float (15 significant digits: ``21.0``, ``20.3333333333333``). Attributes:
``entity_id``, and ``min_entity_id``/``max_entity_id``/``last_entity_id`` for those
types, kept from the last result while the group is unknown.

The unit, device class and state class are the configured ones, else the members'
when they all agree, read once when the group is made: from each member's state, or
for a member without one from the entity registry (which gives homeloom a device
class only, so such a member leaves the group without a unit or state class). With
a unit and the ``power``, ``energy`` or ``temperature`` device class, members in
another unit of that class are converted, as Home Assistant does; with another
device class homeloom counts only the members in the group's own unit (Home
Assistant also converts or accepts that class's other units).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, State

from ._entity_hooks import Hooks, stop_entity
from ._group_sources import mark_group_entity
from ._platform_options import (
    OptionError,
    boolean_option,
    entity_id_list,
    option_issue,
    refuse_unknown_keys,
    text_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._sensor_units import SENSOR_DEVICE_CLASSES as _DEVICE_CLASSES
from ._sensor_units import shown_in_house_unit
from ._slugs import entity_slug

__all__ = ["SENSOR_GROUP_TYPES", "SensorGroup", "sensor_group_problem", "setup_sensor_group"]

DEFAULT_NAME = "Sensor Group"
_GONE = ("unknown", "unavailable")
_KEYS = frozenset(
    {
        "name",
        "unique_id",
        "entities",
        "type",
        "ignore_non_numeric",
        "unit_of_measurement",
        "device_class",
        "state_class",
    }
)
_MEMBER_DOMAINS = frozenset({"sensor", "number", "input_number"})
_STATE_CLASSES = frozenset({"measurement", "total", "total_increasing"})
# How many of each unit make one of the class's reference unit (a watt, a kilowatt
# hour), so that a value converts as value / from * to, as Home Assistant computes it.
_PER_REFERENCE: dict[str, dict[str, float]] = {
    "power": {"W": 1, "kW": 1 / 1000},
    "energy": {"Wh": 1 * 1000, "kWh": 1, "MWh": 1 / 1000, "MJ": 3.6, "GJ": 3.6 / 1000},
}
_PER_REFERENCE["energy_storage"] = _PER_REFERENCE["energy"]
_TEMPERATURE_UNITS = frozenset({"°C", "°F", "K"})

Member = tuple[str, float, State]
Combined = tuple[dict[str, str | None], float]


def _lowest(members: list[Member]) -> Combined:
    found = members[0]
    for member in members[1:]:
        if member[1] < found[1]:  # strictly: the first listed wins a tie
            found = member
    return {"min_entity_id": found[0]}, found[1]


def _highest(members: list[Member]) -> Combined:
    found = members[0]
    for member in members[1:]:
        if member[1] > found[1]:
            found = member
    return {"max_entity_id": found[0]}, found[1]


def _last(members: list[Member]) -> Combined:
    found = members[0]
    for member in members[1:]:
        if member[2].last_updated > found[2].last_updated:
            found = member
    return {"last_entity_id": found[0]}, found[1]


def _sum(members: list[Member]) -> Combined:
    total = 0.0  # a float even for whole numbers, as Home Assistant starts it
    for _, value, _ in members:
        total += value
    return {}, total


def _product(members: list[Member]) -> Combined:
    result = 1.0
    for _, value, _ in members:
        result *= value
    return {}, result


def _values(members: list[Member]) -> list[float]:
    return [value for _, value, _ in members]


SENSOR_GROUP_TYPES: dict[str, Callable[[list[Member]], Combined]] = {
    "min": _lowest,
    "max": _highest,
    "mean": lambda members: ({}, statistics.mean(_values(members))),
    "median": lambda members: ({}, statistics.median(_values(members))),
    "last": _last,
    "range": lambda members: ({}, max(_values(members)) - min(_values(members))),
    "sum": _sum,
    "product": _product,
}


def _to_celsius(value: float, unit: str) -> float:
    if unit == "°F":
        return (value - 32.0) / 1.8
    return value - 273.15 if unit == "K" else value


def _from_celsius(value: float, unit: str) -> float:
    if unit == "°F":
        return value * 1.8 + 32.0
    return value + 273.15 if unit == "K" else value


def _converted(device_class: str, value: float, unit: str, to_unit: str) -> float:
    if unit == to_unit:
        return value
    if device_class == "temperature":
        return _from_celsius(_to_celsius(value, unit), to_unit)
    ratios = _PER_REFERENCE[device_class]
    return value / ratios[unit] * ratios[to_unit]


def _convertible_units(device_class: str | None) -> frozenset[str] | None:
    """The units homeloom converts between for that device class, None for none."""
    if device_class == "temperature":
        return _TEMPERATURE_UNITS
    known = _PER_REFERENCE.get(device_class or "")
    return None if known is None else frozenset(known)


@dataclass
class SensorGroup:
    runtime: Runtime
    entity_id: str
    name: str
    members: list[str]
    kind: str
    ignore_non_numeric: bool
    unit: str | None = None
    device_class: str | None = None
    state_class: str | None = None
    _valid_units: frozenset[str] = frozenset()
    _converts: bool = False
    _found: dict[str, str | None] = field(default_factory=dict)
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        """Settle the classes and unit from the members as they are now, then follow them."""
        self.state_class = self.state_class or self._agreed("state_class")
        self.device_class = self.device_class or self._agreed("device_class")
        self.unit = self.unit or self._agreed_unit()
        convertible = _convertible_units(self.device_class)
        if self.unit and convertible is not None:
            self._valid_units, self._converts = convertible, True
        elif self.unit:
            self._valid_units = frozenset({self.unit})
        self.hooks.keep(self.runtime.states.track(self.members, self._member_changed))
        self.hooks.keep(mark_group_entity(self.runtime, self.entity_id))
        self._write(None)

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _member_fact(self, member: str, key: str) -> tuple[bool, Any]:
        """(known, value) of a member's ``key``: from its state, else from the entity
        registry (which homeloom keeps a device class of), else not known."""
        state = self.runtime.states.get(member)
        if state is not None:
            return True, state.attributes.get(key)
        entry = self.runtime.registries.entities.get(member)
        if entry is None:
            return False, None
        return True, entry.device_class if key == "device_class" else None

    def _agreed(self, key: str) -> str | None:
        """The members' common ``key``, None when one lacks it or they differ."""
        found = []
        for member in self.members:
            known, value = self._member_fact(member, key)
            if not known or not value:
                return None
            found.append(value)
        return found[0] if found and all(v == found[0] for v in found) else None

    def _agreed_unit(self) -> str | None:
        units = []
        for member in self.members:
            known, unit = self._member_fact(member, "unit_of_measurement")
            if not known or not unit:
                return None
            units.append(unit)
        if not units:
            return None
        convertible = _convertible_units(self.device_class)
        if convertible is not None:
            agreed = all(unit in convertible for unit in units)
        else:
            agreed = all(unit == units[0] for unit in units)
        return units[0] if agreed else None

    def _member_changed(self, event: Event) -> None:
        self._write(event.context)

    def _counted(self, state: State) -> float | None:
        """The member's number, converted to the group's unit; None if it does not count."""
        try:
            value = float(state.state)
        except ValueError:
            return None
        if not self._valid_units:
            return value
        unit = state.attributes.get("unit_of_measurement")
        if unit not in self._valid_units:
            return None
        if self._converts and self.device_class and self.unit:
            return _converted(self.device_class, value, unit, self.unit)
        return value

    def _result(self) -> tuple[bool, float | None]:
        """(available, value), the value None while the group is unknown."""
        states: list[str] = []
        counted: list[bool] = []
        numbers: list[Member] = []
        for member in self.members:
            state = self.runtime.states.get(member)
            if state is None:
                continue
            states.append(state.state)
            value = self._counted(state)
            counted.append(value is not None)
            if value is not None:
                numbers.append((member, value, state))
        mode = any if self.ignore_non_numeric else all
        if not numbers:
            return False, None
        if not mode(state not in _GONE for state in states) or not mode(counted):
            return True, None
        self._found, value = SENSOR_GROUP_TYPES[self.kind](numbers)
        return True, value

    def _write(self, context: Context | None) -> None:
        available, value = self._result()
        if available and value is not None and self._numeric() and not math.isfinite(value):
            return  # Home Assistant refuses to write such a state and keeps the last one
        attributes: dict[str, Any] = {}
        if self.state_class:
            attributes["state_class"] = self.state_class
        if available:
            attributes["entity_id"] = list(self.members)
            attributes |= self._found
            state = "unknown" if value is None else f"{value:.15}"
        else:
            state = "unavailable"
        if self.unit:
            attributes["unit_of_measurement"] = self.unit
        if self.device_class:
            attributes["device_class"] = self.device_class
        else:
            attributes["icon"] = "mdi:calculator"
        if available and value is not None:
            state = shown_in_house_unit(self.runtime, value, attributes) or state
        attributes["friendly_name"] = self.name
        self.runtime.states.set(
            self.entity_id,
            state,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=context or Context(),
        )

    def _numeric(self) -> bool:
        """Whether Home Assistant expects a number of the group (and refuses inf/nan)."""
        textual = self.device_class in ("date", "enum", "timestamp")
        return bool(self.state_class or self.unit or (self.device_class and not textual))


def group_name(name: str, kind: str) -> str:
    """The group's name: ``Sensor group mean`` for the default name, as Home
    Assistant names it (capitalised, the rest in lower case)."""
    return f"{DEFAULT_NAME} {kind}".capitalize() if name == DEFAULT_NAME else name


def sensor_group_problem(options: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first of ``type``, ``ignore_non_numeric`` and the classes Home Assistant
    refuses, and why; shared by the YAML items and the UI's config entries."""
    kind = options.get("type")
    if kind is None:
        return "type", "'type' missing"
    if not isinstance(kind, str) or kind not in SENSOR_GROUP_TYPES:
        valid = ", ".join(SENSOR_GROUP_TYPES)
        return "type", f"type {kind!r} is not one of {valid} (std_dev came after 2024.3)"
    for key, valid_names in (("device_class", _DEVICE_CLASSES), ("state_class", _STATE_CLASSES)):
        value = options.get(key)
        if value is not None and str(value).lower() not in valid_names:
            return key, f"{key} {value!r} is not a sensor {key.replace('_', ' ')}"
    unit = options.get("unit_of_measurement")
    if unit is not None and not isinstance(unit, str):
        return "unit_of_measurement", f"unit_of_measurement must be a text, got {unit!r}"
    return None


def _check_item(item: Mapping[str, Any]) -> None:
    """Refuse what Home Assistant's schema refuses of a YAML item (OptionError)."""
    refuse_unknown_keys(item, _KEYS)
    if item.get("entities") is None:
        raise OptionError("entities", "'entities' missing")
    for member in entity_id_list(item["entities"]):
        if not isinstance(member, str) or member.partition(".")[0] not in _MEMBER_DOMAINS:
            message = f"{member!r} is not a sensor, number or input_number entity id"
            raise OptionError("entities", message)
    text_option(item, "name")
    text_option(item, "unique_id")
    problem = sensor_group_problem(item)
    if problem is not None:
        raise OptionError(*problem)


def setup_sensor_group(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``sensor:`` item's group; a bad item is reported and skipped, as Home
    Assistant skips a platform it cannot validate."""
    try:
        _check_item(item)
        ignore = boolean_option(item, "ignore_non_numeric", False)
    except OptionError as err:
        return [option_issue(item, where, err)]
    kind = str(item["type"])
    name = group_name(str(item.get("name", DEFAULT_NAME)), kind)
    base, unique_id = f"sensor.{entity_slug(name)}", item.get("unique_id")
    entity_id = registered_entity_id(runtime, base, set(), "group", unique_id)
    if entity_id is None:  # not added, as Home Assistant does not
        return []
    SensorGroup(
        runtime,
        entity_id,
        name,
        entity_id_list(item["entities"]),
        kind,
        ignore,
        item.get("unit_of_measurement"),
        _lower(item.get("device_class")),
        _lower(item.get("state_class")),
    ).start()
    return []


def _lower(value: Any) -> str | None:
    return None if value is None else str(value).lower()
