"""Min/max, threshold, derivative, times-of-the-day and trend helpers made in Home
Assistant's UI: config entries of the ``min_max``, ``threshold``, ``derivative``,
``tod`` and ``trend`` integrations, made as Home Assistant 2024.3 makes them from an
entry's ``options``.

The options are the YAML item's, with these differences: every option is there (the
UI fills in its defaults; a numeric one may be a decimal, ``2.0``), the watched
entities may be entity registry ids, the name is the entry's title (a min/max one
without a title is named by its type), a derivative's ``time_window`` is a mapping of
``hours``/``minutes``/``seconds`` and its ``unit_prefix`` may be ``none``, and a
derivative's unit always comes from its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from homeloom.orchestrator import Runtime

from ._derivative import DerivativeSensor, derivative_units, derivative_window
from ._entity_hooks import Stoppable
from ._min_max import MinMaxSensor, min_max_kind, min_max_name
from ._platform_options import OptionError, registry_entity_id, whole_option
from ._slugs import entity_slug
from ._template_entity_config import _free_id
from ._threshold import ThresholdSensor, threshold_limits

__all__ = [
    "COMPUTED_HELPER_DOMAINS",
    "RegisteredEntity",
    "entry_identity",
    "make_computed_helper",
]

# The entity domain each integration's entry makes.
COMPUTED_HELPER_DOMAINS = {
    "min_max": "sensor",
    "threshold": "binary_sensor",
    "derivative": "sensor",
    "integration": "sensor",
    "tod": "binary_sensor",
    "trend": "binary_sensor",
}


class RegisteredEntity(Protocol):
    """What the entity registry keeps of a config entry's entity."""

    @property
    def entity_id(self) -> str: ...

    @property
    def name(self) -> str | None:
        """The name the resident gave it, if any."""


def entry_identity(
    runtime: Runtime, domain: str, name: str, registered: RegisteredEntity | None
) -> tuple[str, str]:
    """A config entry's entity id and name, as Home Assistant gives them: the entity
    registry's when it keeps them, else from ``name`` (numbered past the ids taken)."""
    if registered is None:
        return _free_id(f"{domain}.{entity_slug(name)}", set(), runtime), name
    return registered.entity_id, registered.name or name


@dataclass(frozen=True, slots=True)
class _HelperEntry:
    """An entry being made: its options, and the entity registry's ids and names."""

    runtime: Runtime
    title: str
    options: Mapping[str, Any]
    registered: RegisteredEntity | None
    registry_ids: Mapping[str, str]

    def require(self, *keys: str) -> None:
        for key in keys:
            if key not in self.options:
                raise OptionError(key, f"'{key}' missing")

    def entity_id(self, key: str, value: Any) -> str:
        return registry_entity_id(value, key, self.registry_ids)

    def identity(self, domain: str, name: str) -> tuple[str, str]:
        return entry_identity(self.runtime, domain, name, self.registered)


def _min_max(entry: _HelperEntry) -> Stoppable:
    options = entry.options
    entry.require("entity_ids", "type", "round_digits")
    members = options["entity_ids"]
    if not isinstance(members, list):
        raise OptionError("entity_ids", f"'entity_ids' must be a list, got {members!r}")
    resolved = [entry.entity_id("entity_ids", member) for member in members]
    kind = min_max_kind(options)
    digits = whole_option(options, "round_digits", 0)
    entity_id, name = entry.identity("sensor", min_max_name(entry.title, kind))
    sensor = MinMaxSensor(entry.runtime, entity_id, name, resolved, kind, digits)
    sensor.start()
    return sensor


def _threshold(entry: _HelperEntry) -> Stoppable:
    options = entry.options
    entry.require("entity_id", "hysteresis", "lower", "upper")
    source = entry.entity_id("entity_id", options["entity_id"])
    # The UI writes a limit not given as null.
    lower, upper, hysteresis = threshold_limits(
        {key: value for key, value in options.items() if value is not None}
    )
    entity_id, name = entry.identity("binary_sensor", entry.title)
    sensor = ThresholdSensor(entry.runtime, entity_id, name, source, lower, upper, hysteresis)
    sensor.start()
    return sensor


def _derivative(entry: _HelperEntry) -> Stoppable:
    options = entry.options
    entry.require("source", "round", "time_window", "unit_time")
    source = entry.entity_id("source", options["source"])
    prefix = options.get("unit_prefix")
    # Before the UI could leave it out, it wrote "none" for no prefix.
    prefix, unit_time = derivative_units(
        {**options, "unit_prefix": None if prefix == "none" else prefix}
    )
    window = derivative_window(options)
    digits = whole_option(options, "round", 0)
    entity_id, name = entry.identity("sensor", entry.title)
    sensor = DerivativeSensor(
        entry.runtime, entity_id, name, source, digits, window, None, prefix, unit_time
    )
    sensor.start()
    return sensor


# The integration, tod and trend modules are imported only by an entry of theirs.
def _integration(entry: _HelperEntry) -> Stoppable:
    from ._integration import make_integration_entry

    entry.require("source")
    source = entry.entity_id("source", entry.options["source"])
    entity_id, name = entry.identity("sensor", entry.title)
    return make_integration_entry(entry.runtime, entity_id, name, source, entry.options)


def _tod(entry: _HelperEntry) -> Stoppable:
    from ._tod import make_tod_entry

    entity_id, name = entry.identity("binary_sensor", entry.title)
    return make_tod_entry(entry.runtime, entity_id, name, entry.options)


def _trend(entry: _HelperEntry) -> Stoppable:
    from ._trend import make_trend_entry

    entry.require("entity_id")
    source = entry.entity_id("entity_id", entry.options["entity_id"])
    entity_id, name = entry.identity("binary_sensor", entry.title)
    return make_trend_entry(entry.runtime, entity_id, name, source, entry.options)


_MAKERS = {
    "min_max": _min_max,
    "threshold": _threshold,
    "derivative": _derivative,
    "integration": _integration,
    "tod": _tod,
    "trend": _trend,
}


def make_computed_helper(
    runtime: Runtime,
    integration: str,
    title: str,
    options: Mapping[str, Any],
    registered: RegisteredEntity | None,
    ids: Mapping[str, str],
) -> Stoppable:
    """Make the entity of an ``integration`` entry (one of COMPUTED_HELPER_DOMAINS);
    ``registered`` is the entity id and name the entity registry keeps for it.
    Raises OptionError for options that stop it, as Home Assistant fails to set it up."""
    return _MAKERS[integration](_HelperEntry(runtime, title, options, registered, ids))
