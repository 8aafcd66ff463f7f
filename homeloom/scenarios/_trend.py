"""Trend binary sensors: ``binary_sensor:`` items with ``platform: trend`` (and the UI's
"Trend" helpers), as Home Assistant 2024.3 makes them.

Each of the item's ``sensors:`` (keyed by a slug, its entity id's object id and, without
a ``friendly_name``, its name) watches one entity's state, or one of its
``attribute``s. Every change of that entity whose value is not unknown or unavailable
adds a sample (its number and the state's ``last_updated``; a value that is not a
number is passed over), keeping the last ``max_samples`` (2 unless told); samples
older than ``sample_duration`` seconds (when not 0) are dropped. With at least
``min_samples`` (2) of them the sensor takes the slope of the least-squares line
through them: it is on when the slope is steeper than ``min_gradient`` and of its sign
(any rise for the default 0), the other way round with ``invert``. Until then it keeps
its state: unknown, or the one saved before a restart. Attributes: ``entity_id`` (the
watched one), ``friendly_name``, ``gradient``, ``invert``, ``min_gradient``,
``sample_count``, ``sample_duration``, and the ``device_class`` if given.

Home Assistant fits the line with numpy; here it is the same least-squares slope in
plain Python, which agrees to about twelve significant digits: numpy's rounding noise
(a flat series's slope of ±1e-17 rather than 0) is not reproduced.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime

from ._entity_hooks import Hooks, stop_entity
from ._ha_restore import restored_state
from ._platform_options import (
    OptionError,
    boolean_option,
    entity_id_option,
    keyed_items,
    number_option,
    option_issue,
    refuse_unknown_keys,
    text_option,
)
from ._template_entity_config import _free_id
from ._threshold import _DEVICE_CLASSES

__all__ = ["TrendSensor", "make_trend_entry", "setup_trend"]

_GONE = ("unknown", "unavailable")
_SENSOR_KEYS = frozenset(
    {
        "entity_id",
        "attribute",
        "device_class",
        "friendly_name",
        "invert",
        "max_samples",
        "min_gradient",
        "sample_duration",
        "min_samples",
    }
)
_DEFAULT_SAMPLES = 2

Sample = tuple[float, float]  # (timestamp, value)


def least_squares_slope(samples: list[Sample]) -> float:
    """The slope of the least-squares line through ``samples``; the times are taken
    from their mean first, which keeps the sums exact enough for epoch seconds."""
    count = len(samples)
    mean_time = math.fsum(t for t, _ in samples) / count
    mean_value = math.fsum(v for _, v in samples) / count
    spread = math.fsum((t - mean_time) ** 2 for t, _ in samples)
    if spread == 0:
        return math.nan  # every sample at one instant: no line (numpy fails on it too)
    return math.fsum((t - mean_time) * (v - mean_value) for t, v in samples) / spread


@dataclass
class TrendSensor:
    runtime: Runtime
    entity_id: str
    name: str
    source: str
    attribute: str | None
    invert: bool
    sample_duration: float
    min_gradient: float
    min_samples: float
    max_samples: int
    device_class: str | None = None
    samples: deque[Sample] = field(default_factory=deque)
    gradient: float = 0.0
    is_on: bool | None = None
    hooks: Hooks = field(default_factory=Hooks, repr=False)

    def start(self) -> None:
        self.samples = deque(maxlen=self.max_samples)
        saved = restored_state(self.runtime, self.entity_id)
        if saved is not None and saved.state != "unknown":
            self.is_on = saved.state == "on"  # as Home Assistant: "unavailable" is off
        self.hooks.keep(self.runtime.states.track(self.source, self._source_changed))
        self._write()

    def stop(self) -> None:
        stop_entity(self.runtime, self.hooks, self.entity_id)

    def _source_changed(self, event: Event) -> None:
        new = event.data.get("new_state")
        if new is None:
            return
        value = new.attributes.get(self.attribute) if self.attribute else new.state
        if value in _GONE:
            return
        try:
            number = float(value)
        except (TypeError, ValueError):
            return  # Home Assistant logs it and takes no sample
        self.samples.append((new.last_updated.timestamp(), number))
        self._update()
        self._write()

    def _update(self) -> None:
        if self.sample_duration > 0:
            cutoff = self.runtime.now().timestamp() - self.sample_duration
            while self.samples and self.samples[0][0] < cutoff:
                self.samples.popleft()
        if len(self.samples) < self.min_samples:
            return
        gradient = least_squares_slope(list(self.samples))
        if math.isnan(gradient):
            return  # numpy cannot fit it either: Home Assistant's update fails
        self.gradient = gradient
        rising = abs(gradient) > abs(self.min_gradient) and (
            math.copysign(gradient, self.min_gradient) == gradient
        )
        self.is_on = rising != self.invert

    def _write(self) -> None:
        attributes: dict[str, Any] = {
            "entity_id": self.source,
            "friendly_name": self.name,
            "gradient": self.gradient,
            "invert": self.invert,
            "min_gradient": self.min_gradient,
            "sample_count": len(self.samples),
            "sample_duration": self.sample_duration,
        }
        if self.device_class:
            attributes["device_class"] = self.device_class
        state = "unknown" if self.is_on is None else ("on" if self.is_on else "off")
        # Home Assistant writes it from a task of its own, under a context of its own.
        self.runtime.states.set(self.entity_id, state, attributes, context=Context())


def _count_option(options: Mapping[str, Any], key: str, default: int) -> int:
    """A whole number of at least 0, as ``cv.positive_int`` reads it (a decimal number
    cut to its integer part; a decimal text refused)."""
    value = options.get(key, default)
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        raise OptionError(key, f"{key} must be a whole number, got {value!r}") from None
    if count < 0:
        raise OptionError(key, f"{key} must be at least 0, got {value!r}")
    return count


@dataclass(frozen=True)
class _SensorOptions:
    key: str
    source: str
    name: str
    attribute: str | None
    invert: bool
    sample_duration: float
    min_gradient: float
    min_samples: int
    max_samples: int
    device_class: str | None


def _read_sensor(item: Any, key: str) -> _SensorOptions:
    if not isinstance(item, Mapping):
        raise OptionError(None, f"expected a mapping of trend options, got {item!r}")
    refuse_unknown_keys(item, _SENSOR_KEYS, frozenset())
    source = entity_id_option(item, "entity_id")
    device_class = item.get("device_class")
    if device_class is not None and str(device_class).lower() not in _DEVICE_CLASSES:
        raise OptionError("device_class", f"{device_class!r} is not a binary sensor class")
    min_samples = _count_option(item, "min_samples", _DEFAULT_SAMPLES)
    max_samples = _count_option(item, "max_samples", _DEFAULT_SAMPLES)
    if max_samples < min_samples:
        raise OptionError("min_samples", "min_samples must be smaller than or equal to max_samples")
    return _SensorOptions(
        key,
        source,
        text_option(item, "friendly_name") or key,
        text_option(item, "attribute"),
        boolean_option(item, "invert", False),
        _count_option(item, "sample_duration", 0),
        float(_number(item, "min_gradient", 0.0)),
        min_samples,
        max_samples,
        None if device_class is None else str(device_class).lower(),
    )


def setup_trend(runtime: Runtime, item: Mapping[str, Any], where: str) -> list[ConfigIssue]:
    """Make a ``platform: trend`` item's binary sensors; a bad item is reported and
    skipped whole, as Home Assistant skips a platform it cannot validate."""
    try:
        refuse_unknown_keys(item, ("sensors",))
        if "sensors" not in item:
            raise OptionError("sensors", "'sensors' missing")
    except OptionError as err:
        return [option_issue(item, where, err)]
    found, issues = keyed_items(item, "sensors", "trend sensor", _read_sensor)
    if issues:  # keyed ``sensors.<key>...``: placed under the item
        return [replace(issue, key=f"{where}.{issue.key}") for issue in issues]
    for _, options in found:
        entity_id = _free_id(f"binary_sensor.{options.key}", set(), runtime)
        TrendSensor(
            runtime,
            entity_id,
            options.name,
            options.source,
            options.attribute,
            options.invert,
            options.sample_duration,
            options.min_gradient,
            options.min_samples,
            options.max_samples,
            options.device_class,
        ).start()
    return []


def make_trend_entry(
    runtime: Runtime, entity_id: str, name: str, source: str, options: Mapping[str, Any]
) -> TrendSensor:
    """A "Trend" helper's sensor from its entry's options (numbers may be decimals,
    ``2.0``; ``invert`` must be there, as Home Assistant reads it without a default)."""
    if "invert" not in options:
        raise OptionError("invert", "'invert' missing")
    attribute = options.get("attribute")
    sensor = TrendSensor(
        runtime,
        entity_id,
        name,
        source,
        None if attribute is None else str(attribute),
        bool(options["invert"]),
        _number(options, "sample_duration", 0),
        _number(options, "min_gradient", 0.0),
        _number(options, "min_samples", _DEFAULT_SAMPLES),
        _count_option(options, "max_samples", _DEFAULT_SAMPLES),
    )
    sensor.start()
    return sensor


def _number(options: Mapping[str, Any], key: str, default: float) -> float:
    """A number option as written (an entry's ``60`` stays whole, shown so), or
    ``default``."""
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = number_option(options, key)  # a text of a number; anything else refused
    return default if value is None else value
