"""Min/max, threshold and derivative helpers made in Home Assistant's UI: config entries
of the ``min_max``, ``threshold`` and ``derivative`` integrations, made as Home
Assistant 2024.3 makes them from an entry's ``options``.

The options are the YAML item's, with these differences: every option is there (the
UI fills in its defaults; a numeric one may be a decimal, ``2.0``), the watched
entities may be entity registry ids, the name is the entry's title (a min/max one
without a title is named by its type), a derivative's ``time_window`` is a mapping of
``hours``/``minutes``/``seconds`` and its ``unit_prefix`` may be ``none``, and a
derivative's unit always comes from its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import Runtime
from homeloom.orchestrator._states import valid_entity_id

from ._derivative import DerivativeSensor, derivative_units, derivative_window
from ._min_max import MinMaxSensor, min_max_kind, min_max_name
from ._platform_options import OptionError, whole_option
from ._slugs import entity_slug
from ._template_entity_config import _free_id
from ._threshold import ThresholdSensor, threshold_limits

__all__ = ["COMPUTED_HELPER_DOMAINS", "make_computed_helper"]

# The entity domain each integration's entry makes.
COMPUTED_HELPER_DOMAINS = {
    "min_max": "sensor",
    "threshold": "binary_sensor",
    "derivative": "sensor",
}


def _required(options: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        if key not in options:
            raise OptionError(key, f"'{key}' missing")


def _resolved(value: Any, key: str, ids: Mapping[str, str]) -> str:
    """An entity id as given, or the one an entity registry id stands for."""
    if isinstance(value, str) and valid_entity_id(value):
        return value
    if isinstance(value, str) and value in ids:
        return ids[value]
    raise OptionError(key, f"{value!r} is neither an entity id nor an entity registry id")


Registered = tuple[str, str | None] | None  # the registry's entity id and name


def _identity(runtime: Runtime, domain: str, name: str, registered: Registered) -> tuple[str, str]:
    """The entity id and name: the registry's when it keeps them, else from the name."""
    if registered is None:
        return _free_id(f"{domain}.{entity_slug(name)}", set(), runtime), name
    return registered[0], registered[1] or name


def _min_max(
    runtime: Runtime,
    title: str,
    options: Mapping[str, Any],
    registered: Registered,
    ids: Mapping[str, str],
) -> None:
    _required(options, "entity_ids", "type", "round_digits")
    members = options["entity_ids"]
    if not isinstance(members, list):
        raise OptionError("entity_ids", f"'entity_ids' must be a list, got {members!r}")
    resolved = [_resolved(member, "entity_ids", ids) for member in members]
    kind = min_max_kind(options)
    digits = whole_option(options, "round_digits", 0)
    entity_id, name = _identity(runtime, "sensor", min_max_name(title, kind), registered)
    MinMaxSensor(runtime, entity_id, name, resolved, kind, digits).start()


def _threshold(
    runtime: Runtime,
    title: str,
    options: Mapping[str, Any],
    registered: Registered,
    ids: Mapping[str, str],
) -> None:
    _required(options, "entity_id", "hysteresis", "lower", "upper")
    source = _resolved(options["entity_id"], "entity_id", ids)
    # The UI writes a limit not given as null.
    lower, upper, hysteresis = threshold_limits(
        {key: value for key, value in options.items() if value is not None}
    )
    entity_id, name = _identity(runtime, "binary_sensor", title, registered)
    ThresholdSensor(runtime, entity_id, name, source, lower, upper, hysteresis).start()


def _derivative(
    runtime: Runtime,
    title: str,
    options: Mapping[str, Any],
    registered: Registered,
    ids: Mapping[str, str],
) -> None:
    _required(options, "source", "round", "time_window", "unit_time")
    source = _resolved(options["source"], "source", ids)
    prefix = options.get("unit_prefix")
    # Before the UI could leave it out, it wrote "none" for no prefix.
    prefix, unit_time = derivative_units(
        {**options, "unit_prefix": None if prefix == "none" else prefix}
    )
    window = derivative_window(options)
    digits = whole_option(options, "round", 0)
    entity_id, name = _identity(runtime, "sensor", title, registered)
    DerivativeSensor(
        runtime, entity_id, name, source, digits, window, None, prefix, unit_time
    ).start()


_MAKERS = {"min_max": _min_max, "threshold": _threshold, "derivative": _derivative}


def make_computed_helper(
    runtime: Runtime,
    integration: str,
    title: str,
    options: Mapping[str, Any],
    registered: Registered,
    ids: Mapping[str, str],
) -> None:
    """Make the entity of an ``integration`` entry (one of COMPUTED_HELPER_DOMAINS);
    ``registered`` is the entity id and name the entity registry keeps for it.
    Raises OptionError for options that stop it, as Home Assistant fails to set it up."""
    _MAKERS[integration](runtime, title, options, registered, ids)
