"""Statistics sensors: ``sensor:`` items with ``platform: statistics``, as Home
Assistant 2024.3 makes them.

The sensor keeps a buffer of its source's (``entity_id``) recent values and shows one
``state_characteristic`` of them: for a sensor source ``mean``, ``median``, ``count``,
``sum``, ``total``, ``value_min``/``value_max``, ``change``, ``change_second``,
``change_sample``, ``average_linear``, ``average_step``, ``average_timeless``,
``standard_deviation``, ``variance``, ``percentile``, ``noisiness``, ``mean_circular``,
``distance_absolute``, ``distance_95_percent_of_values``/``99``, ``sum_differences``
(``_nonnegative``) or ``datetime_newest``/``oldest``/``value_max``/``value_min``; for a
binary sensor ``count``, ``count_on``, ``count_off``, ``mean``, ``average_step``,
``average_timeless`` (the last three in %) or ``datetime_newest``/``oldest``.

Each update of the source whose value is a number (``on``/``off`` for a binary
sensor) adds a sample with its ``last_updated``; the buffer keeps the last
``sampling_size`` and drops the samples ``max_age`` old (one of the two must be given),
at the moment they expire, on the house's clock; ``keep_last_sample`` keeps the
newest one however old. The value is rounded to ``precision`` digits (2 unless
given; 0 makes it whole). Until its source updates the sensor is unavailable, and
it is while its source is; a value that is unknown or not a number adds nothing.
Attributes: ``state_class: measurement`` (not for the times), ``buffer_usage_ratio``
(with ``sampling_size``), ``age_coverage_ratio`` (with ``max_age``, once there are
samples), ``source_value_valid``, the unit (the source's for most; ``²`` for the
variance, ``/s`` and ``/sample`` for the changes, none for the counts and times, ``%``
for a binary source's shares), the source's device class when it is measured,
``icon: mdi:calculator``.

Home Assistant fills the buffer from its recorder's history at start; homeloom starts
with an empty buffer (as Home Assistant does without a recorder), so a sensor shows
what its source did since the house started. A sample expires when it is exactly
``max_age`` old (Home Assistant, late by a few microseconds, drops it then too).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, State, Unsubscribe

from ._durations import DurationError, parse_duration
from ._platform_options import (
    OptionError,
    boolean_option,
    entity_id_option,
    option_issue,
    refuse_unknown_keys,
    required_text_option,
    text_option,
    whole_option,
)
from ._registered_ids import registered_entity_id, with_registry_names
from ._sensor_units import shown_in_house_unit
from ._slugs import entity_slug

__all__ = ["StatisticsSensor", "setup_statistics"]

Value = float | int | datetime | None


def _span(ages: list[datetime], start: int = 0) -> float:
    return (ages[-1] - ages[start]).total_seconds()


def _average_linear(values: list[float], ages: list[datetime], _: int) -> Value:
    if len(values) < 2:
        return None
    area = 0.0
    for i in range(1, len(values)):
        area += 0.5 * (values[i] + values[i - 1]) * (ages[i] - ages[i - 1]).total_seconds()
    return area / _span(ages)


def _average_step(values: list[float], ages: list[datetime], _: int) -> Value:
    if len(values) < 2:
        return None
    area = 0.0
    for i in range(1, len(values)):
        area += values[i - 1] * (ages[i] - ages[i - 1]).total_seconds()
    return area / _span(ages)


def _change_second(values: list[float], ages: list[datetime], _: int) -> Value:
    if len(values) < 2 or _span(ages) <= 0:
        return None
    return (values[-1] - values[0]) / _span(ages)


def _differences(values: list[float], nonnegative: bool) -> float:
    # A fall counts as the new value (a meter reset to zero), not as a difference.
    return sum(
        (new - old if new >= old else new) if nonnegative else abs(new - old)
        for old, new in itertools.pairwise(values)
    )


def _mean_circular(values: list[float]) -> float:
    sines = sum(math.sin(math.radians(value)) for value in values)
    cosines = sum(math.cos(math.radians(value)) for value in values)
    return (math.degrees(math.atan2(sines, cosines)) + 360) % 360


Characteristic = Callable[[list[float], list[datetime], int], Value]


def _of_any(compute: Callable[[list[float]], Value]) -> Characteristic:
    """A characteristic of one sample or more, from the values alone."""
    return lambda values, ages, percentile: compute(values) if values else None


def _of_two(compute: Callable[[list[float], int], Value]) -> Characteristic:
    """A characteristic of two samples or more, from the values (and percentile)."""
    return lambda values, ages, percentile: compute(values, percentile) if len(values) > 1 else None


def _at(pick: Callable[[list[float]], float]) -> Characteristic:
    """The time of the sample ``pick`` chooses (its first occurrence)."""
    return lambda values, ages, _: ages[values.index(pick(values))] if values else None


NUMERIC: dict[str, Characteristic] = {
    "average_linear": _average_linear,
    "average_step": _average_step,
    "average_timeless": _of_any(statistics.mean),
    "change": _of_any(lambda values: values[-1] - values[0]),
    "change_sample": _of_two(lambda values, _: (values[-1] - values[0]) / (len(values) - 1)),
    "change_second": _change_second,
    "count": lambda values, ages, _: len(values),
    "datetime_newest": lambda values, ages, _: ages[-1] if ages else None,
    "datetime_oldest": lambda values, ages, _: ages[0] if ages else None,
    "datetime_value_max": _at(max),
    "datetime_value_min": _at(min),
    "distance_95_percent_of_values": _of_two(lambda values, _: 2 * 1.96 * statistics.stdev(values)),
    "distance_99_percent_of_values": _of_two(lambda values, _: 2 * 2.58 * statistics.stdev(values)),
    "distance_absolute": _of_any(lambda values: max(values) - min(values)),
    "mean": _of_any(statistics.mean),
    "mean_circular": _of_any(_mean_circular),
    "median": _of_any(statistics.median),
    "noisiness": _of_two(lambda values, _: _differences(values, False) / (len(values) - 1)),
    "percentile": _of_two(
        lambda values, percentile: statistics.quantiles(values, n=100, method="exclusive")[
            percentile - 1
        ]
    ),
    "standard_deviation": _of_two(lambda values, _: statistics.stdev(values)),
    "sum": _of_any(sum),
    "sum_differences": _of_two(lambda values, _: _differences(values, False)),
    "sum_differences_nonnegative": _of_two(lambda values, _: _differences(values, True)),
    "total": _of_any(sum),
    "value_max": _of_any(max),
    "value_min": _of_any(min),
    "variance": _of_two(lambda values, _: statistics.variance(values)),
}


def _on_share(values: list[float], ages: list[datetime], _: int) -> Value:
    """The % of the time between the first and last samples spent on."""
    if len(values) < 2:
        return None
    on_seconds = 0.0
    for i in range(1, len(values)):
        if values[i - 1]:
            on_seconds += (ages[i] - ages[i - 1]).total_seconds()
    return 100 / _span(ages) * on_seconds


def _on_mean(values: list[float], ages: list[datetime], _: int) -> Value:
    return 100.0 / len(values) * values.count(True) if values else None


BINARY: dict[str, Characteristic] = {
    "average_step": _on_share,
    "average_timeless": _on_mean,
    "count": NUMERIC["count"],
    "count_on": lambda values, ages, _: values.count(True),
    "count_off": lambda values, ages, _: values.count(False),
    "datetime_newest": NUMERIC["datetime_newest"],
    "datetime_oldest": NUMERIC["datetime_oldest"],
    "mean": _on_mean,
}
TIMES = frozenset(
    {"datetime_newest", "datetime_oldest", "datetime_value_max", "datetime_value_min"}
)
_COUNTS = frozenset({"count", "count_on", "count_off"})
_UNIT_SUFFIXES = {"variance": "²", "change_sample": "/sample", "change_second": "/s"}
# The sensor device classes Home Assistant measures (its ``measurement`` state class).
_MEASURED_CLASS_NAMES = """
apparent_power aqi atmospheric_pressure battery carbon_dioxide carbon_monoxide
current data_rate data_size distance duration energy_storage frequency humidity
illuminance irradiance moisture nitrogen_dioxide nitrogen_monoxide nitrous_oxide
ozone ph pm1 pm10 pm25 power power_factor precipitation precipitation_intensity
pressure reactive_power signal_strength sound_pressure speed sulphur_dioxide
temperature volatile_organic_compounds volatile_organic_compounds_parts voltage
volume_flow_rate volume_storage weight wind_speed
"""
MEASURED_CLASSES = frozenset(_MEASURED_CLASS_NAMES.split())
_KEYS = (
    "entity_id",
    "name",
    "unique_id",
    "state_characteristic",
    "sampling_size",
    "max_age",
    "keep_last_sample",
    "precision",
    "percentile",
)


@dataclass
class StatisticsSensor:
    runtime: Runtime
    entity_id: str
    name: str
    source: str
    characteristic: str
    sampling_size: int | None
    max_age: timedelta | None
    keep_last: bool
    precision: int
    percentile: int
    values: deque[float] = field(default_factory=deque)
    ages: deque[datetime] = field(default_factory=deque)
    valid: bool | None = None  # the source's last value was a number (None: unavailable)
    unit: str | None = None
    available: bool = False
    cancel_purge: Unsubscribe | None = None

    @property
    def binary(self) -> bool:
        return self.source.startswith("binary_sensor.")

    def start(self) -> None:
        self.values = deque(maxlen=self.sampling_size)
        self.ages = deque(maxlen=self.sampling_size)
        self.runtime.states.track(self.source, self._source_changed)
        self._update()

    def _source_changed(self, event: Event) -> None:
        new: State | None = event.data.get("new_state")
        if new is None:
            return
        if self._add(new):
            self._update()

    def _add(self, new: State) -> bool:
        """Take ``new`` into the buffer; False when Home Assistant's update fails on it."""
        self.available = new.state != "unavailable"
        if new.state == "unavailable":
            self.valid = None
            return True
        if new.state in ("unknown", ""):
            self.valid = False
            return True
        if self.binary:
            if new.state not in ("on", "off"):
                return False  # Home Assistant's check of it fails: no update
            value: float = new.state == "on"
        else:
            try:
                value = float(new.state)
            except ValueError:
                self.valid = False  # Home Assistant logs it
                return True
        self.values.append(value)
        self.ages.append(new.last_updated)
        self.valid = True
        self.unit = self._unit(new.attributes.get("unit_of_measurement"))
        return True

    def _unit(self, source_unit: Any) -> str | None:
        kind = self.characteristic
        if self.binary and kind in ("mean", "average_step", "average_timeless"):
            return "%"
        if not source_unit or kind in TIMES or kind in _COUNTS:
            return None
        return f"{source_unit}{_UNIT_SUFFIXES.get(kind, '')}"

    def _purge_due(self, _due: datetime) -> None:
        self.cancel_purge = None
        self._update()

    def _update(self) -> None:
        if self.max_age is not None:
            now = self.runtime.now()
            while self.ages and now - self.ages[0] >= self.max_age:
                if self.keep_last and len(self.ages) == 1:
                    break
                self.ages.popleft()
                self.values.popleft()
        try:
            value = self._value()
        except (ValueError, OverflowError):
            return  # a whole number of a value not finite: Home Assistant's update fails
        self._schedule_purge()
        if isinstance(value, float) and not math.isfinite(value):
            return  # Home Assistant refuses to write it
        self._write(value)

    def _value(self) -> Value:
        compute = (BINARY if self.binary else NUMERIC)[self.characteristic]
        value = compute(list(self.values), list(self.ages), self.percentile)
        if value is None or isinstance(value, datetime):
            return value
        value = round(value, self.precision)
        return int(value) if self.precision == 0 else value

    def _schedule_purge(self) -> None:
        """Update again when the oldest sample expires."""
        if self.cancel_purge is not None:
            self.cancel_purge()
            self.cancel_purge = None
        if not self.ages or self.max_age is None or (self.keep_last and len(self.ages) == 1):
            return
        when = self.ages[0] + self.max_age
        self.cancel_purge = self.runtime.scheduler.call_at(when, self._purge_due, first=True)

    def _attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {}
        if self.characteristic not in TIMES:
            attributes["state_class"] = "measurement"
        if self.available:
            if self.sampling_size is not None:
                attributes["buffer_usage_ratio"] = round(len(self.values) / self.sampling_size, 2)
            if self.max_age is not None and self.ages:
                ratio = _span(list(self.ages)) / self.max_age.total_seconds()
                attributes["age_coverage_ratio"] = round(ratio, 2)
            if self.valid is not None:
                attributes["source_value_valid"] = self.valid
        if self.unit is not None:
            attributes["unit_of_measurement"] = self.unit
        device_class = self._device_class()
        if device_class is not None:
            attributes["device_class"] = device_class
        attributes["icon"] = "mdi:calculator"
        attributes["friendly_name"] = self.name
        return attributes

    def _device_class(self) -> str | None:
        """``timestamp`` for the times; the source's, when measured, for the
        characteristics in its unit."""
        if self.characteristic in TIMES:
            return "timestamp"
        # A binary source's too: its "battery" class is a measured sensor class as well.
        if self.characteristic in _COUNTS or self.characteristic in _UNIT_SUFFIXES:
            return None
        source = self.runtime.states.get(self.source)
        device_class = None if source is None else source.attributes.get("device_class")
        return device_class if device_class in MEASURED_CLASSES else None

    def _write(self, value: Value) -> None:
        if not self.available:
            state = "unavailable"
        elif value is None:
            state = "unknown"
        elif isinstance(value, datetime):
            state = value.astimezone(UTC).isoformat(timespec="seconds")
        else:
            state = f"{value:.15}" if isinstance(value, float) else str(value)
        shown = self._attributes()
        if self.available and isinstance(value, int | float):
            state = shown_in_house_unit(self.runtime, value, shown) or state
        # Home Assistant writes it from a task of its own, under a context of its own.
        attributes = with_registry_names(self.runtime, self.entity_id, shown)
        self.runtime.states.set(self.entity_id, state, attributes, context=Context())


def _characteristic(item: Mapping[str, Any], source: str) -> str:
    kind = required_text_option(item, "state_characteristic")
    supported = BINARY if source.startswith("binary_sensor.") else NUMERIC
    if kind not in supported:
        source_kind = "binary sensor" if supported is BINARY else "sensor"
        raise OptionError(
            "state_characteristic",
            f"the characteristic {kind!r} is not supported for a {source_kind} source;"
            f" valid: {', '.join(sorted(supported))}",
        )
    return kind


def _bounded_whole(item: Mapping[str, Any], key: str, low: int, high: int | None) -> int | None:
    if key not in item:
        return None
    number = whole_option(item, key, 0)
    if number < low or (high is not None and number > high):
        limits = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise OptionError(key, f"{key} must be {limits}, got {item[key]!r}")
    return number


def setup_statistics(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: statistics`` item's sensor; a bad item is reported and
    skipped, as Home Assistant skips a platform it cannot validate."""
    try:
        refuse_unknown_keys(item, _KEYS)
        source = entity_id_option(item, "entity_id")
        name = text_option(item, "name")
        name = "Statistical characteristic" if name is None else name
        text_option(item, "unique_id")  # checked only: homeloom keeps no entity registry
        characteristic = _characteristic(item, source)
        sampling_size = _bounded_whole(item, "sampling_size", 1, None)
        max_age = None
        if "max_age" in item:
            try:
                max_age = parse_duration(item["max_age"])
            except DurationError as err:
                raise OptionError("max_age", str(err)) from None
        keep_last = boolean_option(item, "keep_last_sample", False)
        precision = whole_option(item, "precision", 2)
        percentile = _bounded_whole(item, "percentile", 1, 99) or 50
        if sampling_size is None and max_age is None:
            raise OptionError(None, "give 'max_age' and/or 'sampling_size'")
        if keep_last and max_age is None:
            raise OptionError("keep_last_sample", "'keep_last_sample' needs 'max_age'")
    except OptionError as err:
        return [option_issue(item, where, err)]
    entity_id = registered_entity_id(
        runtime, f"sensor.{entity_slug(name)}", set(), "statistics", item.get("unique_id")
    )
    if entity_id is None:  # not added, as Home Assistant does not
        return []
    StatisticsSensor(
        runtime,
        entity_id,
        name,
        source,
        characteristic,
        sampling_size,
        max_age,
        keep_last,
        precision,
        percentile,
    ).start()
    return []
