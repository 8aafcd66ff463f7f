"""Integration (Riemann sum) sensors: ``sensor:`` items with ``platform: integration``
(and the UI's "Integral sensor" helpers), as Home Assistant 2024.3 makes them.

The sensor adds up its ``source`` over time: a power in W becomes an energy in kWh.
Each change of the source (an attribute-only one too) adds the area since the
source's previous update, by ``method``: ``trapezoidal`` (unless told: the mean of the
two values), ``left`` (the previous value) or ``right`` (the new one), divided by the
``unit_prefix`` (``k``, ``M``, ``G``, ``T``) and the ``unit_time`` (``h`` unless given:
``s``, ``min``, ``d``). A value the method needs that is unknown or unavailable adds
nothing; one that is not a number adds nothing either. The sum is kept in Decimal
arithmetic and written rounded to ``round`` (3 unless given) digits, as Home
Assistant writes a decimal (``0.500``); it is unknown until the first area.

The sensor is unavailable while its source is (or is gone), and available again at the
source's next update. Its unit comes from the source's (``W`` → ``kWh``; a source
already per unit time, ``kWh/h``, loses the ``/h``); a ``power`` source makes it an
``energy`` sensor (and drops its icon). Attributes: ``state_class: total``, ``source``,
``unit_of_measurement``, ``device_class``, ``icon`` (``mdi:chart-histogram``).

After a restart the sum comes back: from what Home Assistant saved beside the state
(its value, else its last valid sum, and unit), else from the saved state itself (and
its unit and device class; a saved ``unavailable`` starts unavailable).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal, DecimalException
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, State

from ._derivative import UNIT_TIMES, derivative_units
from ._entity_hooks import Hooks, stop_entity
from ._ha_restore import restored_extra_data, restored_state
from ._platform_options import (
    OptionError,
    entity_id_option,
    option_issue,
    refuse_unknown_keys,
    text_option,
    whole_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug

__all__ = ["IntegrationSensor", "make_integration_entry", "setup_integration"]

DEFAULT_ROUND = 3
METHODS = ("trapezoidal", "left", "right")
# Home Assistant's integral takes only these prefixes (the derivative takes more).
UNIT_PREFIXES: dict[str | None, int] = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_GONE = ("unknown", "unavailable")
_KEYS = ("name", "unique_id", "source", "round", "unit_prefix", "unit_time", "method", "unit")
_ICON = "mdi:chart-histogram"


@dataclass
class IntegrationSensor:
    runtime: Runtime
    entity_id: str
    name: str
    source: str
    method: str
    round_digits: int
    unit_prefix: str | None
    unit_time: str
    total: Decimal | None = None
    last_valid: Decimal | None = None
    unit: str | None = None
    device_class: str | None = None
    icon: str | None = _ICON
    available: bool = True
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        self._restore()
        self.hooks.keep(self.runtime.states.track(self.source, self._source_changed))
        self._write()

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _restore(self) -> None:
        """What Home Assistant saved beside the state when it is whole, else the saved
        state itself (homeloom's own, or Home Assistant's)."""
        extra = restored_extra_data(self.runtime, self.entity_id)
        if extra and self._restore_extra(extra):
            return
        state = restored_state(self.runtime, self.entity_id)
        if state is None:
            return
        if state.state == "unavailable":
            self.available = False
        elif state.state != "unknown":
            # A state that is not a number: Home Assistant warns and starts without a sum.
            with suppress(DecimalException):
                self.total = Decimal(state.state)
        device_class, unit = (state.attributes.get(key) for key in _RESTORED_ATTRIBUTES)
        self.device_class = device_class if isinstance(device_class, str) else None
        self.unit = unit if isinstance(unit, str) else None

    def _restore_extra(self, extra: Mapping[str, Any]) -> bool:
        """Restore from Home Assistant's ``extra_data``; False when it lacks a value,
        a unit or a last valid sum (Home Assistant then reads the state instead)."""
        if "native_value" not in extra or "native_unit_of_measurement" not in extra:
            return False
        value = extra["native_value"]
        if isinstance(value, Mapping):  # a Decimal, saved as its text
            if "decimal_str" not in value:
                return False
            value = value["decimal_str"]
        try:
            saved = Decimal(str(value)) if value else None
            last_valid = extra.get("last_valid_state")
            self.last_valid = Decimal(str(last_valid)) if last_valid else None
        except DecimalException:
            return False
        if self.last_valid is None:
            return False
        # A saved sum of zero counts as none, as Home Assistant tests it: its last valid.
        self.total = saved if saved else self.last_valid
        unit = extra["native_unit_of_measurement"]
        self.unit = unit if isinstance(unit, str) else None
        return True

    def _source_changed(self, event: Event) -> None:
        current = self.runtime.states.get(self.source)
        if current is None or current.state == "unavailable":
            self.available = False
            self._write()
            return
        self.available = True
        old, new = event.data.get("old_state"), event.data.get("new_state")
        if old is None or new is None:
            return  # no previous update to measure the time from
        source_unit = new.attributes.get("unit_of_measurement")
        if source_unit is not None:
            if not isinstance(source_unit, str):
                return  # Home Assistant's update fails on it
            self.unit = self._unit(source_unit)
        if self.device_class is None and new.attributes.get("device_class") == "power":
            self.device_class, self.icon = "energy", None
        # Home Assistant writes the unit and availability before it adds the area.
        if not self._write():
            return
        area = self._area(old, new)
        if area is None:
            return
        integral = area / (UNIT_PREFIXES[self.unit_prefix] * UNIT_TIMES[self.unit_time])
        self.total = integral if self.total is None else self.total + integral
        self.last_valid = self.total
        self._write()

    def _unit(self, source_unit: str) -> str:
        per_time = f"/{self.unit_time}"
        if source_unit.endswith(per_time):
            integral_unit = source_unit[: -len(per_time)]
        else:
            integral_unit = f"{source_unit}{self.unit_time}"
        return f"{self.unit_prefix or ''}{integral_unit}"

    def _area(self, old: State, new: State) -> Decimal | None:
        """The area since the previous update by the method, or None when the method's
        values are unknown, unavailable or not numbers."""
        elapsed = Decimal((new.last_updated - old.last_updated).total_seconds())
        left, right = old.state not in _GONE, new.state not in _GONE
        try:
            if self.method == "trapezoidal" and left and right:
                return (Decimal(new.state) + Decimal(old.state)) * elapsed / 2
            if self.method == "left" and left:
                return Decimal(old.state) * elapsed
            if self.method == "right" and right:
                return Decimal(new.state) * elapsed
        except DecimalException:
            pass  # Home Assistant warns of the invalid state
        return None

    def _write(self) -> bool:
        """Write the state; False when the sum cannot be written (not finite, or too
        long to round), which fails Home Assistant's update too."""
        if not self.available:
            state = "unavailable"
        elif self.total is None:
            state = "unknown"
        else:
            try:
                rounded = round(self.total, self.round_digits)
            except DecimalException:
                return False
            if not rounded.is_finite():
                return False
            state = str(rounded)
        attributes: dict[str, Any] = {"state_class": "total"}
        if self.available:
            attributes["source"] = self.source
        if self.unit is not None:
            attributes["unit_of_measurement"] = self.unit
        if self.device_class is not None:
            attributes["device_class"] = self.device_class
        if self.icon is not None:
            attributes["icon"] = self.icon
        attributes["friendly_name"] = self.name
        # Home Assistant writes it under a context of its own.
        self.runtime.states.set(
            self.entity_id,
            state,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=Context(),
        )
        return True


_RESTORED_ATTRIBUTES = ("device_class", "unit_of_measurement")


def _method(options: Mapping[str, Any]) -> str:
    method = options.get("method", "trapezoidal")
    if method not in METHODS:
        raise OptionError("method", f"method {method!r} is not one of {', '.join(METHODS)}")
    return str(method)


def setup_integration(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: integration`` item's sensor; a bad item is reported and
    skipped, as Home Assistant skips a platform it cannot validate."""
    try:
        refuse_unknown_keys(item, _KEYS)
        if "unit" in item:
            raise OptionError(
                "unit", "the 'unit' option has been removed: the unit comes from the source's"
            )
        source = entity_id_option(item, "source")
        name = text_option(item, "name")
        text_option(item, "unique_id")  # checked only: homeloom keeps no entity registry
        round_digits = whole_option(item, "round", DEFAULT_ROUND)
        prefix, unit_time = derivative_units(item, UNIT_PREFIXES)
        method = _method(item)
    except OptionError as err:
        return [option_issue(item, where, err)]
    name = f"{source} integral" if name is None else name
    entity_id = registered_entity_id(
        runtime, f"sensor.{entity_slug(name)}", set(), "integration", item.get("unique_id")
    )
    if entity_id is None:  # not added, as Home Assistant does not
        return []
    IntegrationSensor(
        runtime, entity_id, name, source, method, round_digits, prefix, unit_time
    ).start()
    return []


def make_integration_entry(
    runtime: Runtime, entity_id: str, name: str, source: str, options: Mapping[str, Any]
) -> IntegrationSensor:
    """An "Integral sensor" helper's sensor from its entry's options: ``method``,
    ``round`` (maybe a decimal, ``2.0``) and ``unit_time`` must be there; a
    ``unit_prefix`` of ``none`` is none, as the UI once wrote it."""
    for key in ("method", "round", "unit_time"):
        if key not in options:
            raise OptionError(key, f"'{key}' missing")
    prefix = options.get("unit_prefix")
    prefix, unit_time = derivative_units(
        {**options, "unit_prefix": None if prefix == "none" else prefix}, UNIT_PREFIXES
    )
    round_digits = whole_option(options, "round", DEFAULT_ROUND)
    # Not checked, as Home Assistant does not: a method it does not know adds nothing.
    method = str(options["method"])
    sensor = IntegrationSensor(
        runtime, entity_id, name, source, method, round_digits, prefix, unit_time
    )
    sensor.start()
    return sensor
