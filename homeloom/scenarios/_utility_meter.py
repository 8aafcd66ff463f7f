"""Utility meters: the ``utility_meter:`` block, as Home Assistant 2024.3 makes it.

Each key makes a meter of the ``source`` sensor: one sensor named ``name`` (the key
unless given), or, with ``tariffs``, a ``select.<key>`` choosing the tariff (the
saved one, else the first) and one sensor per tariff, ``sensor.<key>_<tariff>``
named ``<name> <tariff>``; only the chosen tariff's sensor collects.

A sensor stays unknown until the source first changes to a number while it collects;
then every sensor of the meter starts at ``0``. Each change adds the increase from the
source's previous number (``delta_values``: the new number itself) in decimal
arithmetic, written as Python's ``Decimal`` writes it (``1.50`` stays ``1.50``); a
decrease is added only with ``net_consumption``. With ``periodically_resetting:
false`` the increase is counted from the last number seen (``last_valid_state``),
past unknown or unavailable states. The sensor is unavailable while the source is
(or is gone), unless ``always_available``. It resets to ``0`` on its ``cycle`` or
``cron`` pattern, on the local wall clock, keeping the value in ``last_period``.

Services: ``utility_meter.reset`` (the meter's select, or ``utility_meter.<key>``:
sensors of a meter without tariffs have no select, and Home Assistant 2024.3 resets
them only on their cycle), ``utility_meter.calibrate`` (``value``: a number) and
``select.select_option``. Saved states restore from homeloom's store or Home
Assistant's ``core.restore_state``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, DecimalException
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Context, Event, Runtime, ServiceValidationError
from homeloom.orchestrator.types import Unsubscribe

from ._entity_hooks import Hooks, stop_entity
from ._ha_restore import restored_extra_data, restored_state

if TYPE_CHECKING:
    from ._utility_meter_config import MeterOptions

__all__ = ["DOMAIN", "Meter", "MeterSensor", "TariffSelect"]

DOMAIN = "utility_meter"
_GONE = ("unknown", "unavailable")
_ENERGY_UNITS = frozenset({"Wh", "kWh"})
COLLECTING, PAUSED = "collecting", "paused"

Number = Decimal | int


def _number(state: Any) -> Decimal | None:
    """A state's text as a Decimal; None for unknown, unavailable or not a number."""
    if state is None or state.state in _GONE:
        return None
    try:
        return Decimal(state.state)
    except DecimalException:
        return None


@dataclass(eq=False)
class MeterSensor:
    """One sensor of a meter (the only one, or one tariff's)."""

    meter: Meter
    entity_id: str
    name: str
    tariff: str | None
    value: Number | None = None
    unit: str | None = None
    last_period: Number = Decimal(0)
    last_reset: datetime | None = None
    last_valid: Decimal | None = None
    collecting: bool = False
    available: bool = True
    _stop_collecting: Unsubscribe | None = field(default=None, repr=False)
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    @property
    def options(self) -> MeterOptions:
        return self.meter.options

    def set_up(self) -> None:
        runtime = self.meter.runtime
        self.last_reset = runtime.now()
        self._restore()
        self._schedule_reset()
        self.hooks.keep(runtime.services.set_provider(self.entity_id, self._command))
        if runtime.running:  # set up again by a reload: the house has started
            self._begin()
        else:
            runtime.on_start(self._begin)
        self.write(Context())

    def stop(self) -> None:
        self._collect(False)
        stop_entity(self.meter.runtime, self.hooks, self.entity_id)

    def _restore(self) -> None:
        runtime = self.meter.runtime
        extra = restored_extra_data(runtime, self.entity_id)
        if extra and self._restore_extra(extra):
            return
        state = restored_state(runtime, self.entity_id)
        if state is None:
            return
        try:
            self.value = Decimal(state.state)
        except DecimalException:
            return  # Home Assistant logs it and starts afresh
        attributes = state.attributes
        self.unit = attributes.get("unit_of_measurement")
        self.last_period = _decimal_or(attributes.get("last_period"), Decimal(0)) or Decimal(0)
        self.last_valid = _decimal_or(attributes.get("last_valid_state"), None)
        self.last_reset = _moment(attributes.get("last_reset"))
        self.collecting = attributes.get("status") == COLLECTING

    def _restore_extra(self, extra: Mapping[str, Any]) -> bool:
        """Home Assistant's saved sensor data; False when a part is missing or broken
        (Home Assistant then reads the saved state instead)."""
        try:
            saved, unit = extra["native_value"], extra["native_unit_of_measurement"]
            last_period = Decimal(extra["last_period"])
            last_reset = _moment(extra["last_reset"])
            last_valid = extra.get("last_valid_state")
            status = extra["status"]
        except (KeyError, TypeError, DecimalException):
            return False
        if isinstance(saved, Mapping) and "decimal_str" in saved:
            saved = Decimal(saved["decimal_str"])
        self.value = saved if isinstance(saved, Decimal | int) else None
        self.unit = unit if isinstance(unit, str) else None
        self.last_period, self.last_reset = last_period, last_reset
        self.last_valid = Decimal(last_valid) if last_valid else None
        self.collecting = status == COLLECTING
        return True

    def _schedule_reset(self, _due: datetime | None = None) -> None:
        pattern = self.options.cron
        runtime = self.meter.runtime
        if pattern is None:
            return
        when = pattern.next_after(runtime.local_now())
        if when is not None:
            self.hooks.keep(runtime.scheduler.call_at(when, self._cycle_ends), "cycle")

    def _cycle_ends(self, due: datetime) -> None:
        self._schedule_reset(due)
        self.reset(Context())

    def _begin(self) -> None:
        """At start, as Home Assistant once it has started: follow the tariff, or collect."""
        select = self.meter.select
        if select is None:
            self._collect(True)
            return
        self.hooks.keep(self.meter.runtime.states.track(select.entity_id, self._tariff_changed))
        self._follow_tariff(select.option)

    def _tariff_changed(self, event: Event) -> None:
        new = event.data.get("new_state")
        if new is not None:
            self._follow_tariff(new.state)

    def _follow_tariff(self, tariff: str) -> None:
        self._collect(tariff == self.tariff)
        # Which tariff an increase across the change belongs to is unknown: the next
        # one counts from the source's previous state, if it was a number.
        self.last_valid = None
        self.write(Context())

    def _collect(self, collect: bool) -> None:
        if self._stop_collecting is not None:
            self._stop_collecting()
            self._stop_collecting = None
        if collect:
            runtime = self.meter.runtime
            self._stop_collecting = runtime.states.track(self.options.source, self._reading)
        self.collecting = collect

    def _reading(self, event: Event) -> None:
        source = self.meter.runtime.states.get(self.options.source)
        if source is None or source.state == "unavailable":
            if not self.options.always_available:
                self.available = False
                self.write(event.context)
            return
        self.available = True  # shown at the next write, as in Home Assistant
        old, new = event.data.get("old_state"), event.data.get("new_state")
        if new is None or (reading := _number(new)) is None:
            return
        unit = new.attributes.get("unit_of_measurement")
        if self.value is None:
            for sensor in self.meter.sensors:
                sensor.start(unit)
        increase = self._increase(old, reading)
        if increase is not None and (self.options.net_consumption or increase >= 0):
            self.value = (self.value or 0) + increase
        self.unit = unit
        self.last_valid = reading
        self.write(event.context)

    def _increase(self, old: Any, reading: Decimal) -> Decimal | None:
        if self.options.delta_values:
            return reading
        if not self.options.periodically_resetting and self.last_valid is not None:
            return reading - self.last_valid
        previous = _number(old)
        return None if previous is None else reading - previous

    def start(self, unit: str | None) -> None:
        self.unit = unit
        self.value = 0
        self.write(Context())

    def reset(self, context: Context) -> None:
        self.last_reset = self.meter.runtime.now()
        self.last_period = Decimal(self.value) if self.value else Decimal(0)
        self.value = 0
        self.write(context)

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if service != "calibrate":
            raise ValueError(f"{entity_id}: a utility meter has no {service!r} service")
        value = data.get("value")
        if not _is_number(value):
            raise ServiceValidationError(
                DOMAIN, service, "value", f"expected a number, got {value!r}", invalid_data=True
            )
        self.value = Decimal(str(value))
        self.write(context)
        return None

    def write(self, context: Context) -> None:
        state = "unavailable" if not self.available else "unknown" if self.value is None else None
        runtime = self.meter.runtime
        runtime.states.set(
            self.entity_id, state or str(self.value), self.attributes(), context=context
        )

    def attributes(self) -> dict[str, Any]:
        options = self.options
        attributes: dict[str, Any] = {
            "state_class": "total" if options.net_consumption else "total_increasing"
        }
        if self.available:  # Home Assistant leaves its own attributes out when not
            attributes["source"] = options.source
            attributes["status"] = COLLECTING if self.collecting else PAUSED
            attributes["last_period"] = str(self.last_period)
            attributes["last_valid_state"] = str(self.last_valid)
            if options.cycle is not None:
                attributes["meter_period"] = options.cycle
            if options.cron is not None:
                attributes["cron pattern"] = options.cron.text
            if self.tariff is not None:
                attributes["tariff"] = self.tariff
            if self.last_reset is not None:
                attributes["last_reset"] = self.last_reset.isoformat()
        if self.unit is not None:
            attributes["unit_of_measurement"] = self.unit
        if self.unit in _ENERGY_UNITS:
            attributes["device_class"] = "energy"
        attributes["friendly_name"] = self.name
        return attributes


@dataclass(eq=False)
class TariffSelect:
    """``select.<key>``: the meter's tariffs, one chosen."""

    runtime: Runtime
    entity_id: str
    name: str
    tariffs: tuple[str, ...]
    option: str = ""
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def set_up(self) -> None:
        saved = restored_state(self.runtime, self.entity_id)
        self.option = saved.state if saved and saved.state in self.tariffs else self.tariffs[0]
        self.hooks.keep(self.runtime.services.set_provider(self.entity_id, self._command))
        self._write(Context())

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _command(
        self, entity_id: str, service: str, data: Mapping[str, Any], context: Context
    ) -> Awaitable[None] | None:
        if service != "select_option":
            raise ValueError(f"{entity_id}: a tariff select has no {service!r} service")
        option = str(data.get("option"))
        if option not in self.tariffs:
            raise ServiceValidationError(
                "select", service, "option", f"{option!r} is not one of {', '.join(self.tariffs)}"
            )
        self.option = option
        self._write(context)
        return None

    def _write(self, context: Context) -> None:
        attributes = {"options": list(self.tariffs), "friendly_name": self.name}
        self.runtime.states.set(self.entity_id, self.option, attributes, context=context)


@dataclass(eq=False)
class Meter:
    """One meter: its options, its tariff select and its sensors."""

    runtime: Runtime
    options: MeterOptions
    select: TariffSelect | None = None
    sensors: list[MeterSensor] = field(default_factory=list)

    def reset(self, context: Context) -> None:
        for sensor in self.sensors:
            sensor.reset(context)

    def stop(self) -> None:
        """Stop its sensors and select; the reset service no longer finds it."""
        for sensor in self.sensors:
            sensor.stop()
        if self.select is not None:
            self.select.stop()
            by_select: dict[str, Meter] = self.runtime.components.get(DOMAIN) or {}
            if by_select.get(self.select.entity_id) is self:
                del by_select[self.select.entity_id]


def _is_number(value: Any) -> bool:
    """As Home Assistant's ``is_number``: anything ``float`` reads as a finite number."""
    if isinstance(value, bool):
        return True
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _decimal_or(value: Any, default: Decimal | None) -> Decimal | None:
    if value and _is_number(value):
        return Decimal(str(value))
    return default


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
