"""Threshold binary sensors: ``binary_sensor:`` items with ``platform: threshold`` (and
the UI's "Threshold" helpers), as Home Assistant 2024.3 makes them.

The sensor watches one entity's number against a ``lower`` and/or ``upper`` limit
(its ``type``: ``lower``, ``upper`` or ``range``). It is on below a lower limit, above
an upper one, or inside a range; a number must pass a limit by more than the
``hysteresis`` to flip it, and one that has not says what it was (a new sensor, or
one whose entity was unknown, starts as off, or on for a range, and ``position``
``above``/``below``/``in_range`` as if inside its limits). While the entity is
unknown, unavailable or not a number, the sensor is unknown with ``position:
unknown``. Attributes: ``entity_id`` (the watched one), ``hysteresis``, ``lower``,
``position``, ``sensor_value``, ``type``, ``upper``, and the ``device_class`` if given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime

from ._entity_hooks import Hooks, stop_entity
from ._platform_options import (
    OptionError,
    entity_id_option,
    number_option,
    option_issue,
    refuse_unknown_keys,
    text_option,
)
from ._slugs import entity_slug
from ._template_entity_config import _free_id

__all__ = ["ThresholdSensor", "setup_threshold"]

DEFAULT_NAME = "Threshold"
_GONE = ("unknown", "unavailable")
_KEYS = ("entity_id", "device_class", "hysteresis", "lower", "name", "upper")
# Home Assistant 2024.3's binary sensor device classes.
_DEVICE_CLASS_NAMES = """battery battery_charging carbon_monoxide cold connectivity door
garage_door gas heat light lock moisture motion moving occupancy opening plug power presence
problem running safety smoke sound tamper update vibration window"""
_DEVICE_CLASSES = frozenset(_DEVICE_CLASS_NAMES.split())


@dataclass
class ThresholdSensor:
    runtime: Runtime
    entity_id: str
    name: str
    source: str
    lower: float | None
    upper: float | None
    hysteresis: float = 0.0
    device_class: str | None = None
    is_on: bool | None = None
    position: str = "unknown"
    sensor_value: float | None = None
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    @property
    def kind(self) -> str:
        if self.lower is not None and self.upper is not None:
            return "range"
        return "lower" if self.lower is not None else "upper"

    def start(self) -> None:
        self.hooks.keep(self.runtime.states.track(self.source, self._source_changed))
        self._read()
        self._write(None)

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _source_changed(self, event: Event) -> None:
        self._read()
        self._write(event.context)

    def _read(self) -> None:
        state = self.runtime.states.get(self.source)
        if state is None:
            return  # Home Assistant keeps what it had when the entity goes away
        try:
            self.sensor_value = None if state.state in _GONE else float(state.state)
        except ValueError:
            self.sensor_value = None
        self._update()

    def _below(self, limit: float) -> bool:
        return self.sensor_value is not None and self.sensor_value < limit - self.hysteresis

    def _above(self, limit: float) -> bool:
        return self.sensor_value is not None and self.sensor_value > limit + self.hysteresis

    def _update(self) -> None:
        """Home Assistant's rules, its order of tests kept: they decide the edges."""
        if self.sensor_value is None:
            self.is_on, self.position = None, "unknown"
            return
        if self.lower is not None and self.upper is not None:
            if self.is_on is None:
                self.is_on, self.position = True, "in_range"
            if self._below(self.lower):
                self.is_on, self.position = False, "below"
            if self._above(self.upper):
                self.is_on, self.position = False, "above"
            elif self._above(self.lower) and self._below(self.upper):
                self.is_on, self.position = True, "in_range"
        elif self.lower is not None:
            if self.is_on is None:
                self.is_on, self.position = False, "above"
            if self._below(self.lower):
                self.is_on, self.position = True, "below"
            elif self._above(self.lower):
                self.is_on, self.position = False, "above"
        elif self.upper is not None:
            if self.is_on is None:
                self.is_on, self.position = False, "below"
            if self._above(self.upper):
                self.is_on, self.position = True, "above"
            elif self._below(self.upper):
                self.is_on, self.position = False, "below"

    def _write(self, context: Context | None) -> None:
        attributes: dict[str, Any] = {
            "entity_id": self.source,
            "hysteresis": self.hysteresis,
            "lower": self.lower,
            "position": self.position,
            "sensor_value": self.sensor_value,
            "type": self.kind,
            "upper": self.upper,
        }
        if self.device_class:
            attributes["device_class"] = self.device_class
        attributes["friendly_name"] = self.name
        state = "unknown" if self.is_on is None else ("on" if self.is_on else "off")
        self.runtime.states.set(self.entity_id, state, attributes, context=context or Context())


def threshold_limits(options: Mapping[str, Any]) -> tuple[float | None, float | None, float]:
    """``lower``, ``upper`` and ``hysteresis`` (0 unless given); at least one limit."""
    lower, upper = number_option(options, "lower"), number_option(options, "upper")
    if lower is None and upper is None:
        raise OptionError("lower", "a lower or an upper limit is needed")
    hysteresis = number_option(options, "hysteresis")
    return lower, upper, 0.0 if hysteresis is None else hysteresis


def setup_threshold(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: threshold`` item's binary sensor; a bad item is reported and
    skipped, as Home Assistant skips a platform it cannot set up."""
    try:
        refuse_unknown_keys(item, _KEYS)
        source = entity_id_option(item, "entity_id")
        device_class = item.get("device_class")
        if device_class is not None and str(device_class).lower() not in _DEVICE_CLASSES:
            raise OptionError("device_class", f"{device_class!r} is not a binary sensor class")
        name = text_option(item, "name") or DEFAULT_NAME
        lower, upper, hysteresis = threshold_limits(item)
    except OptionError as err:
        return [option_issue(item, where, err)]
    entity_id = _free_id(f"binary_sensor.{entity_slug(name)}", set(), runtime)
    klass = None if device_class is None else str(device_class).lower()
    ThresholdSensor(runtime, entity_id, name, source, lower, upper, hysteresis, klass).start()
    return []
