"""Min/max sensors: ``sensor:`` items with ``platform: min_max`` (and the UI's
"Combine the state of several sensors" helpers), as Home Assistant 2024.3 makes them.

Unlike a sensor group, the sensor keeps each member's last number: a member that
turns unknown or unavailable (or does not exist) is left out, one whose state is not
a number keeps its last number. Its ``type`` (``max`` unless given) says what it
shows: ``min``/``max`` (the number as it is, the first listed winning a tie), ``mean``,
``median``, ``range`` or ``sum`` (rounded to ``round_digits``, 2 unless given), or
``last``, the member's number that came last (at start, the last listed that has
one). The state is unknown while no member counts, and a sum is unknown while any
member is left out (a sum of no member at all is ``0``).

The unit is the first unit a member shows; once a member shows another (or none
after one did) the sensor is unknown with the unit ``ERR`` until it is set up again.
Attributes: ``state_class: measurement``, ``min_entity_id``/``max_entity_id``/
``last_entity_id`` for those types, the unit, ``icon: mdi:calculator``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, State

from ._entity_hooks import Hooks, stop_entity
from ._platform_options import (
    OptionError,
    entity_ids_option,
    option_issue,
    refuse_unknown_keys,
    text_option,
    whole_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug

__all__ = ["MIN_MAX_TYPES", "MinMaxSensor", "min_max_name", "setup_min_max"]

MIN_MAX_TYPES = ("min", "max", "mean", "median", "last", "range", "sum")
DEFAULT_TYPE = "max"
DEFAULT_ROUND_DIGITS = 2
_GONE = ("unknown", "unavailable")
_KEYS = ("name", "unique_id", "type", "entity_ids", "round_digits")
_ENTITY_ATTRIBUTE = {"min": "min_entity_id", "max": "max_entity_id", "last": "last_entity_id"}


@dataclass
class MinMaxSensor:
    runtime: Runtime
    entity_id: str
    name: str
    members: list[str]
    kind: str
    round_digits: int
    unit: str | None = None
    unit_mismatch: bool = False
    # Each member's last number, None once it went unknown; absent until it has had one.
    numbers: dict[str, float | None] = field(default_factory=dict)
    last: float | None = None
    last_entity_id: str | None = None
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        """Take the members' states as they are now, then follow them."""
        for member in self.members:
            self._take(member, self.runtime.states.get(member))
        self.hooks.keep(self.runtime.states.track(self.members, self._member_changed))
        self._write(None)

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _member_changed(self, event: Event) -> None:
        self._take(event.data["entity_id"], event.data.get("new_state"))
        self._write(event.context)

    def _take(self, member: str, state: State | None) -> None:
        if state is None or state.state in _GONE:
            self.numbers[member] = None
            return
        unit = state.attributes.get("unit_of_measurement")
        if self.unit is None:
            self.unit = unit
        if self.unit != unit:  # for good: Home Assistant never clears it
            self.unit_mismatch = True
        try:
            value = float(state.state)
        except ValueError:
            return  # Home Assistant keeps the member's last number
        self.numbers[member] = value
        self.last, self.last_entity_id = value, member

    def _result(self) -> tuple[float | int | None, str | None]:
        """The value (None for unknown) and the member it comes from, by the type."""
        known = [
            (member, value)
            for member in self.members
            if (value := self.numbers.get(member)) is not None
        ]
        values = [value for _, value in known]
        if self.kind in ("min", "max"):
            found: tuple[str | None, float | None] = (None, None)
            for member, value in known:
                best = found[1]
                if best is None or (value < best if self.kind == "min" else value > best):
                    found = (member, value)
            return found[1], found[0]
        if self.kind == "last":
            return self.last, self.last_entity_id
        if self.kind == "sum":
            total: float | int = 0  # an int, so a sum of no member reads "0"
            for member in self.members:
                if member not in self.numbers:
                    continue
                value = self.numbers[member]
                if value is None:
                    return None, None
                total += value
            return round(total, self.round_digits), None
        if not values:
            return None, None
        if self.kind == "mean":
            return round(statistics.mean(values), self.round_digits), None
        if self.kind == "median":
            return round(statistics.median(values), self.round_digits), None
        return round(max(values) - min(values), self.round_digits), None

    def _write(self, context: Context | None) -> None:
        value, source = self._result()
        if self.unit_mismatch:
            value = None
        if value is not None and not math.isfinite(value):
            return  # Home Assistant refuses to write such a state and keeps the last one
        attributes: dict[str, Any] = {"state_class": "measurement"}
        if self.kind in _ENTITY_ATTRIBUTE:
            attributes[_ENTITY_ATTRIBUTE[self.kind]] = source
        unit = "ERR" if self.unit_mismatch else self.unit
        if unit is not None:
            attributes["unit_of_measurement"] = unit
        attributes["icon"] = "mdi:calculator"
        attributes["friendly_name"] = self.name
        if value is None:
            state = "unknown"
        else:
            state = f"{value:.15}" if isinstance(value, float) else str(value)
        self.runtime.states.set(
            self.entity_id,
            state,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=context or Context(),
        )


def min_max_name(name: str | None, kind: str) -> str:
    """The sensor's name: ``Mean sensor`` without one, as Home Assistant names it."""
    return name or f"{kind} sensor".capitalize()


def min_max_kind(item: Mapping[str, Any]) -> str:
    kind = text_option(item, "type")
    if kind is None:
        return DEFAULT_TYPE
    if kind not in MIN_MAX_TYPES:
        raise OptionError("type", f"type {kind!r} is not one of {', '.join(MIN_MAX_TYPES)}")
    return kind


def setup_min_max(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: min_max`` item's sensor; a bad item is reported and skipped,
    as Home Assistant skips a platform it cannot validate."""
    try:
        refuse_unknown_keys(item, _KEYS)
        members = entity_ids_option(item, "entity_ids")
        kind = min_max_kind(item)
        name = min_max_name(text_option(item, "name"), kind)
        text_option(item, "unique_id")
        round_digits = whole_option(item, "round_digits", DEFAULT_ROUND_DIGITS)
    except OptionError as err:
        return [option_issue(item, where, err)]
    entity_id = registered_entity_id(
        runtime, f"sensor.{entity_slug(name)}", set(), "min_max", item.get("unique_id")
    )
    if entity_id is None:  # not added, as Home Assistant does not
        return []
    MinMaxSensor(runtime, entity_id, name, members, kind, round_digits).start()
    return []
