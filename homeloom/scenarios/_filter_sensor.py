"""Filter sensors: ``sensor:`` items with ``platform: filter``, as Home Assistant 2024.3
makes them.

The sensor passes each new state of its source (``entity_id``: a sensor, binary sensor
or input number) through its ``filters`` in order, each taking the one before's result:
``range`` (a number past ``lower_bound``/``upper_bound`` becomes the bound), ``outlier``
(once its window of the last ``window_size`` raw values is full, a number further than
``radius`` from their median becomes the median), ``lowpass`` (the last output weighed
``1 - 1/time_constant`` against the new number), ``time_simple_moving_average`` (the
time-weighted mean over the last ``window_size`` of time, each value held until the
next), ``throttle`` (one state in ``window_size`` passes) and ``time_throttle`` (one per
``window_size`` of time). A filter's ``precision`` rounds its output (2 for lowpass and
the moving average, none for the others; 0 makes it whole). A state a throttle holds
back changes nothing; one that is not a number stops at the first filter that needs
one (the throttles pass any state). Only changes after the house started count.

The sensor is unknown until its source changes, and when its source is unknown or
removed; unavailable while its source is (an unknown source then keeps it so). It
shows the source's ``unit_of_measurement``, ``device_class``, ``state_class`` and
``icon`` (``mdi:chart-line-variant`` without one) as of its last filtered state, and
``entity_id`` (the source, not while unavailable). A change of unit empties the
filters' windows (after the state that brought it, as Home Assistant does). A source
of device class ``timestamp`` gets through the throttles only (its states are no
numbers); a moment with its zone is written in UTC to the second, one without a zone
(or with a unit) is not written, the last state staying.

Home Assistant replays its recorder's history through the filters at start; homeloom,
like Home Assistant without a recorder, starts with empty windows.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime

from ._durations import DurationError, parse_duration
from ._platform_options import (
    OptionError,
    entity_id_option,
    number_option,
    option_issue,
    refuse_unknown_keys,
    text_option,
    whole_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._slugs import entity_slug

__all__ = ["FilterSensor", "setup_filter_sensor"]

DEFAULT_ICON = "mdi:chart-line-variant"
# What Home Assistant names a filter sensor without a name (it has no friendly name).
UNNAMED_ID = "sensor.unnamed_device"
_SOURCE_DOMAINS = ("sensor", "binary_sensor", "input_number")
Value = str | float | int
Reading = tuple[datetime, Value]


class Filter:
    """One step of the chain; ``window`` holds its past readings (raw for outlier,
    its outputs for the others) as Home Assistant's filters keep them."""

    numbers_only = True
    keeps_raw = False

    def __init__(self, precision: int | None, window_size: int = 1) -> None:
        self.precision = precision
        self.window: deque[Reading] = deque(maxlen=window_size)
        self.holds_back = False

    def apply(self, when: datetime, value: Value) -> Value:
        """The output for a reading; ValueError when it must be a number and is not."""
        value = _as_number(value)
        if self.numbers_only and isinstance(value, str):
            raise ValueError(f"state {value!r} is not a number")
        output = self.compute(when, value)
        if self.precision is not None and not isinstance(output, str):
            output = round(float(output), self.precision)
            output = int(output) if self.precision == 0 else output
        self.window.append((when, value if self.keeps_raw else output))
        return output

    def compute(self, when: datetime, value: Value) -> Value:
        raise NotImplementedError

    def reset(self) -> None:
        self.window.clear()


class RangeFilter(Filter):
    def __init__(self, precision: int | None, lower: float | None, upper: float | None) -> None:
        super().__init__(precision)
        self.lower, self.upper = lower, upper

    def compute(self, when: datetime, value: Value) -> Value:
        number = float(value)
        if self.upper is not None and number > self.upper:
            return self.upper
        if self.lower is not None and number < self.lower:
            return self.lower
        return value


class OutlierFilter(Filter):
    keeps_raw = True

    def __init__(self, precision: int | None, window_size: int, radius: float) -> None:
        super().__init__(precision, window_size)
        self.radius = radius

    def compute(self, when: datetime, value: Value) -> Value:
        past = [float(old) for _, old in self.window]
        median = statistics.median(past) if past else 0
        full = len(self.window) == self.window.maxlen
        return median if full and abs(float(value) - median) > self.radius else value


class LowpassFilter(Filter):
    def __init__(self, precision: int | None, window_size: int, time_constant: int) -> None:
        super().__init__(precision, window_size)
        self.time_constant = time_constant

    def compute(self, when: datetime, value: Value) -> Value:
        if not self.window:
            return value
        new_weight = 1.0 / self.time_constant
        last = float(self.window[-1][1])
        return (1.0 - new_weight) * last + new_weight * float(value)


class MovingAverageFilter(Filter):
    """Time-weighted: each value counts from its time until the next's; the window
    starts with the last value that left it (or the oldest in it)."""

    def __init__(self, precision: int | None, span: timedelta) -> None:
        super().__init__(precision, 0)
        self.span = span
        self.readings: deque[Reading] = deque()
        self.last_left: Reading | None = None

    def compute(self, when: datetime, value: Value) -> Value:
        while self.readings and self.readings[0][0] + self.span <= when:
            self.last_left = self.readings.popleft()
        self.readings.append((when, value))
        total, start = 0.0, when - self.span
        previous = self.last_left or self.readings[0]
        for reading in self.readings:
            total += (reading[0] - start).total_seconds() * float(previous[1])
            start, previous = reading[0], reading
        return total / self.span.total_seconds()


class ThrottleFilter(Filter):
    numbers_only = False

    def compute(self, when: datetime, value: Value) -> Value:
        self.holds_back = bool(self.window) and len(self.window) != self.window.maxlen
        if not self.holds_back:
            self.window.clear()
        return value


class TimeThrottleFilter(Filter):
    numbers_only = False

    def __init__(self, precision: int | None, span: timedelta) -> None:
        super().__init__(precision, 0)
        self.span = span
        self.last_passed: datetime | None = None

    def compute(self, when: datetime, value: Value) -> Value:
        self.holds_back = self.last_passed is not None and self.last_passed > when - self.span
        if not self.holds_back:
            self.last_passed = when
        return value


def _as_number(value: Value) -> Value:
    """A number as Home Assistant's filters read one: any text ``float()`` takes."""
    if not isinstance(value, str):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return value


def state_text(value: Value) -> str:
    """A value as Home Assistant writes a state: a decimal to 15 significant digits."""
    return f"{value:.14}" if isinstance(value, float) else str(value)


@dataclass
class FilterSensor:
    runtime: Runtime
    entity_id: str
    name: str | None
    source: str
    filters: list[Filter]
    value: Value | None = None
    available: bool = True
    shown: dict[str, Any] = field(default_factory=dict)  # the source's, last filtered

    def start(self) -> None:
        self.runtime.states.track(self.source, self._source_changed)
        self._write(None)

    def _source_changed(self, event: Event) -> None:
        new = event.data.get("new_state")
        if new is None or new.state == "unknown":
            self.value = None
        elif new.state == "unavailable":
            self.available = False
        else:
            self.available = True
            if not self._filter(new.last_updated, new.state, new.attributes):
                return
        self._write(event.context)

    def _filter(self, when: datetime, value: Value, attributes: Mapping[str, Any]) -> bool:
        """Pass a state through the chain; False when nothing is to be written."""
        try:
            for step in self.filters:
                output = step.apply(when, value)
                if step.holds_back:
                    return False
                value = output
        except (ValueError, OverflowError):  # overflow: a precision past any digits
            return False  # Home Assistant logs that the state is not a number
        self.value = value
        unit = attributes.get("unit_of_measurement")
        if unit != self.shown.get("unit_of_measurement"):
            for step in self.filters:
                step.reset()
        self.shown = {
            "state_class": attributes.get("state_class"),
            "unit_of_measurement": unit,
            "device_class": attributes.get("device_class"),
            "icon": attributes.get("icon", DEFAULT_ICON),
        }
        return _state_to_write(value, self.shown) is not None

    def _write(self, context: Context | None) -> None:
        found: dict[str, Any] = {"state_class": self.shown.get("state_class")}
        if self.available:
            found["entity_id"] = self.source
        for key in ("unit_of_measurement", "device_class", "icon"):
            found[key] = self.shown.get(key)
        found["friendly_name"] = self.name
        attributes = {key: value for key, value in found.items() if value is not None}
        if not self.available:
            state = "unavailable"
        elif self.value is None:
            state = "unknown"
        else:
            written = _state_to_write(self.value, self.shown)
            if written is None:
                return  # as Home Assistant: the write fails, the last state stays
            state = written
        self.runtime.states.set(
            self.entity_id,
            state,
            with_registry_names(self.runtime, self.entity_id, attributes),
            context=context or Context(),
        )


_NUMERIC_HINTS = ("state_class", "unit_of_measurement", "device_class")


def _state_to_write(value: Value, shown: Mapping[str, Any]) -> str | None:
    """The state Home Assistant's sensor writes for a filtered value, or None when it
    refuses to write it (it logs the error and the last state stays)."""
    if shown.get("device_class") == "timestamp":
        # The filter sensor reads its value back as a moment (so only a text passed
        # on by the throttles can be one), which must know its zone and have no unit;
        # it is written in UTC, to the second.
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            return None
        if moment.tzinfo is None or shown.get("unit_of_measurement"):
            return None
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    # A text is refused as a measured sensor's state.
    if isinstance(value, str) and any(shown.get(key) for key in _NUMERIC_HINTS):
        return None
    return state_text(value)


def _span(item: Mapping[str, Any]) -> timedelta:
    if "window_size" not in item:
        raise OptionError("window_size", "'window_size' missing (a duration)")
    try:
        span = parse_duration(item["window_size"])
    except DurationError as err:
        raise OptionError("window_size", f"window_size: {err}") from None
    if span <= timedelta(0):
        raise OptionError("window_size", "window_size must be a positive duration")
    return span


def _count(item: Mapping[str, Any]) -> int:
    size = whole_option(item, "window_size", 1)
    if size < 0:
        raise OptionError("window_size", f"window_size must not be negative, got {size}")
    return size


def _lowpass(item: Mapping[str, Any], precision: int | None) -> Filter:
    time_constant = whole_option(item, "time_constant", 10)
    if time_constant == 0:
        raise OptionError("time_constant", "time_constant must not be 0")
    return LowpassFilter(2 if precision is None else precision, _count(item), time_constant)


def _outlier(item: Mapping[str, Any], precision: int | None) -> Filter:
    return OutlierFilter(precision, _count(item), number_option(item, "radius", 2.0) or 0.0)


def _range(item: Mapping[str, Any], precision: int | None) -> Filter:
    lower, upper = number_option(item, "lower_bound"), number_option(item, "upper_bound")
    return RangeFilter(precision, lower, upper)


def _moving_average(item: Mapping[str, Any], precision: int | None) -> Filter:
    if item.get("type", "last") != "last":
        raise OptionError("type", f"type must be 'last', got {item['type']!r}")
    return MovingAverageFilter(2 if precision is None else precision, _span(item))


# Each filter's reader and its keys besides ``filter`` and ``precision``.
_FILTERS: dict[str, tuple[Callable[[Mapping[str, Any], int | None], Filter], tuple[str, ...]]] = {
    "range": (_range, ("lower_bound", "upper_bound")),
    "outlier": (_outlier, ("window_size", "radius")),
    "lowpass": (_lowpass, ("window_size", "time_constant")),
    "time_simple_moving_average": (_moving_average, ("window_size", "type")),
    "throttle": (lambda item, precision: ThrottleFilter(precision, _count(item)), ("window_size",)),
    "time_throttle": (
        lambda item, precision: TimeThrottleFilter(precision, _span(item)),
        ("window_size",),
    ),
}


def read_filter(item: Any, index: int) -> Filter:
    """One item of ``filters``, checked as Home Assistant's schema for its kind."""
    key = f"filters[{index}]"
    if not isinstance(item, Mapping):
        raise OptionError("filters", f"{key} must be a mapping with a 'filter' key")
    kind = item.get("filter")
    if not isinstance(kind, str) or kind not in _FILTERS:
        raise OptionError(
            "filters", f"{key}: unknown filter {kind!r}; valid: {', '.join(_FILTERS)}"
        )
    read, keys = _FILTERS[str(kind)]
    try:
        refuse_unknown_keys(item, (*keys, "filter", "precision"), frozenset())
        return read(item, whole_option(item, "precision", None))
    except OptionError as err:
        raise OptionError("filters", f"{key} ({kind}): {err}") from None


def setup_filter_sensor(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: filter`` item's sensor; a bad item is reported and skipped,
    as Home Assistant skips a platform it cannot validate."""
    try:
        refuse_unknown_keys(item, ("entity_id", "name", "unique_id", "filters"))
        source = entity_id_option(item, "entity_id")
        if source.partition(".")[0] not in _SOURCE_DOMAINS:
            message = f"{source!r} is not a {', '.join(_SOURCE_DOMAINS)} entity"
            raise OptionError("entity_id", message)
        name = text_option(item, "name")
        text_option(item, "unique_id")
        listed = item.get("filters")
        if listed is None:
            raise OptionError("filters", "'filters' missing")
        listed = listed if isinstance(listed, list) else [listed]
        filters = [read_filter(each, index) for index, each in enumerate(listed)]
    except OptionError as err:
        return [option_issue(item, where, err)]
    base = UNNAMED_ID if name is None else f"sensor.{entity_slug(name)}"
    entity_id = registered_entity_id(runtime, base, set(), "filter", item.get("unique_id"))
    if entity_id is None:  # not added, as Home Assistant does not
        return []
    FilterSensor(runtime, entity_id, name, source, filters).start()
    return []
