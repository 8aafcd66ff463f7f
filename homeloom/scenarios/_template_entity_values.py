"""What a template entity writes for a rendered value: a sensor's state text, on/off, a delay."""

from __future__ import annotations

import logging
import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ._durations import DurationError, parse_duration
from ._sensor_units import converted_temperature, numeric_state_expected
from ._template_entity_config import _Definition
from ._templates import TemplateError

__all__ = ["_duration_of", "_on_off", "_sensor_state", "_value"]

_LOGGER = logging.getLogger(__name__)

# Home Assistant writes a float state with the precision of the machine's epsilon.
_FLOAT_DIGITS = abs(math.floor(math.log10(2.220446049250313e-16))) - 1
_DATE_CLASSES = frozenset({"date", "timestamp"})


def _sensor_state(definition: _Definition, value: Any) -> str | None:
    """The text a sensor shows for a rendered value, or None (and an error logged) when
    Home Assistant would refuse to write it."""
    if value is None:
        return "unknown"
    if definition.device_class in _DATE_CLASSES:
        return _date_state(definition, value)
    numeric = numeric_state_expected(
        definition.device_class, definition.state_class, definition.unit
    )
    if numeric and not _is_finite_number(value):
        # As Home Assistant: the state is not written, the last one stays.
        _LOGGER.error(
            "%s has a unit, a state class or a numeric device class, thus a numeric"
            " value, but rendered the non-numeric or non-finite value %r",
            definition.entity_id,
            value,
        )
        return None
    if definition.converted_to is not None:
        return converted_temperature(value, definition.converted_to)
    if isinstance(value, float):
        return f"{value:.{_FLOAT_DIGITS}}"
    return str(value)


def _is_finite_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _date_state(definition: _Definition, value: Any) -> str:
    """A ``date`` or ``timestamp`` sensor's value read as one, ``unknown`` when it is not."""
    text = str(value)
    try:
        if definition.device_class == "date":
            return date.fromisoformat(text).isoformat()
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        _LOGGER.warning("%s: %r is not a %s", definition.entity_id, text, definition.device_class)
        return "unknown"
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def _duration_of(value: Any) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    try:
        duration = parse_duration(value)
    except DurationError as err:
        _LOGGER.warning("template delay: %s", err)
        return None
    return duration if duration >= timedelta(0) else None


def _value(result: Any) -> Any:
    """An attribute's value: None when its template failed."""
    return None if isinstance(result, TemplateError) else result


def _on_off(state: bool | None) -> str:
    return "unknown" if state is None else "on" if state else "off"
