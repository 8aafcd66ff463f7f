"""Derivative sensors: ``sensor:`` items with ``platform: derivative`` (and the UI's
"Derivative sensor" helpers), as Home Assistant 2024.3 makes them.

The sensor shows how fast its ``source`` changes, per ``unit_time`` (``h`` unless
given: ``s``, ``min``, ``h``, ``d``) and divided by the ``unit_prefix`` (``k`` for
thousands...). It starts at ``0`` (or what Home Assistant saved of it) and changes
only when the source goes from one number to another: the slope between the two
updates, or with a ``time_window``, the slopes of the window each weighted by the
share of the window it spans (a window not yet full weighs less). An update from
or to unknown or unavailable is passed over; one that is not a number, or comes at
the same moment as the last, changes nothing. The value is rounded to ``round`` (3
unless given) digits, written as Home Assistant writes a decimal (``1.500``). Its
unit is the configured ``unit``, else the source's unit (once it changes)
with the prefix and ``/h``. Attribute: ``source``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, DecimalException
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime

from ._durations import DurationError, parse_duration
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
from ._slugs import entity_slug
from ._template_entity_config import _free_id

__all__ = ["DerivativeSensor", "setup_derivative"]

DEFAULT_ROUND = 3
_GONE = ("unknown", "unavailable")
_KEYS = ("name", "source", "round", "unit_prefix", "unit_time", "unit", "time_window")
UNIT_PREFIXES: dict[str | None, float] = {
    None: 1,
    "n": 1e-9,
    "µ": 1e-6,
    "m": 1e-3,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
}
UNIT_TIMES = {"s": 1, "min": 60, "h": 60 * 60, "d": 24 * 60 * 60}

Slope = tuple[datetime, datetime, Decimal]


@dataclass
class DerivativeSensor:
    runtime: Runtime
    entity_id: str
    name: str
    source: str
    round_digits: int
    time_window: timedelta
    unit: str | None
    unit_prefix: str | None
    unit_time: str
    value: Decimal | int = 0
    slopes: list[Slope] = field(default_factory=list)
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        self._restore()
        self.hooks.keep(self.runtime.states.track(self.source, self._source_changed))
        self._write(None)

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _restore(self) -> None:
        """Home Assistant's saved value and unit (its ``extra_data``), else homeloom's
        own saved state."""
        extra = restored_extra_data(self.runtime, self.entity_id)
        if extra:
            saved, unit = extra.get("native_value"), extra.get("native_unit_of_measurement")
            if isinstance(saved, Mapping):  # a Decimal, saved as its text
                saved = saved.get("decimal_str")
        else:
            state = restored_state(self.runtime, self.entity_id, home_assistant=False)
            if state is None:
                return
            saved, unit = state.state, state.attributes.get("unit_of_measurement")
        if not isinstance(saved, int | float | str):
            return
        try:
            self.value = Decimal(saved)  # a float exactly, as Home Assistant reads it
        except DecimalException:
            return
        if isinstance(unit, str):
            self.unit = unit

    def _source_changed(self, event: Event) -> None:
        old, new = event.data.get("old_state"), event.data.get("new_state")
        if old is None or new is None or old.state in _GONE or new.state in _GONE:
            return
        if self.unit is None:
            prefix = self.unit_prefix or ""
            source_unit = new.attributes.get("unit_of_measurement") or ""
            self.unit = f"{prefix}{source_unit}/{self.unit_time}"
        window = self.time_window.total_seconds()
        self.slopes = [
            slope for slope in self.slopes if (new.last_updated - slope[1]).total_seconds() < window
        ]
        elapsed = (new.last_updated - old.last_updated).total_seconds()
        try:
            slope = (
                (Decimal(new.state) - Decimal(old.state))
                / Decimal(elapsed)
                / Decimal(UNIT_PREFIXES[self.unit_prefix])
                * Decimal(UNIT_TIMES[self.unit_time])
            )
        except DecimalException:
            return  # Home Assistant fails on it and writes nothing
        self.slopes.append((old.last_updated, new.last_updated, slope))
        if elapsed > window:
            self.value = slope
        else:
            window_start = new.last_updated - self.time_window
            total = Decimal(0)
            for start, end, value in self.slopes:
                spanned = (end - max(start, window_start)).total_seconds()
                total += value * Decimal(spanned / window)
            self.value = total
        self._write(event)

    def _write(self, event: Event | None) -> None:
        attributes: dict[str, Any] = {"source": self.source}
        if self.unit is not None:
            attributes["unit_of_measurement"] = self.unit
        attributes["friendly_name"] = self.name
        state = str(_rounded(self.value, self.round_digits))
        context = event.context if event is not None else Context()
        self.runtime.states.set(self.entity_id, state, attributes, context=context)


def _rounded(value: Decimal | int, digits: int) -> Decimal | int:
    """``round(value, digits)``. A whole number rounded to more tens than it has digits
    is 0, said at once: Python would first work out 10 to that power, which for a
    ``round`` of -10000000 (a fuzzer found it) keeps the house busy for hours."""
    if isinstance(value, int):
        if digits < 0 and -digits > len(str(abs(value))):
            return 0
        return round(value, digits)
    return round(value, digits)


def derivative_units(
    options: Mapping[str, Any], prefixes: Mapping[str | None, float] = UNIT_PREFIXES
) -> tuple[str | None, str]:
    """``unit_prefix`` (none unless given; one of ``prefixes``) and ``unit_time``
    (``h`` unless given)."""
    prefix = options.get("unit_prefix")
    # A list or a mapping, which a dict cannot look up, is no prefix either.
    if not isinstance(prefix, str | None) or prefix not in prefixes:
        valid = ", ".join(str(known) for known in prefixes if known is not None)
        raise OptionError("unit_prefix", f"unit_prefix {prefix!r} is not one of {valid}")
    unit_time = options.get("unit_time", "h")
    if not isinstance(unit_time, str) or unit_time not in UNIT_TIMES:
        raise OptionError("unit_time", f"unit_time {unit_time!r} is not one of s, min, h, d")
    return prefix, unit_time


def derivative_window(options: Mapping[str, Any]) -> timedelta:
    if "time_window" not in options:
        return timedelta(0)
    try:
        return parse_duration(options["time_window"])
    except DurationError as err:
        raise OptionError("time_window", str(err)) from None


def setup_derivative(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: derivative`` item's sensor; a bad item is reported and
    skipped, as Home Assistant skips a platform it cannot validate."""
    try:
        refuse_unknown_keys(item, _KEYS)
        source = entity_id_option(item, "source")
        name = text_option(item, "name")
        round_digits = whole_option(item, "round", DEFAULT_ROUND)
        prefix, unit_time = derivative_units(item)
        unit = text_option(item, "unit")
        window = derivative_window(item)
    except OptionError as err:
        return [option_issue(item, where, err)]
    name = f"{source} derivative" if name is None else name
    entity_id = _free_id(f"sensor.{entity_slug(name)}", set(), runtime)
    DerivativeSensor(
        runtime, entity_id, name, source, round_digits, window, unit, prefix, unit_time
    ).start()
    return []
