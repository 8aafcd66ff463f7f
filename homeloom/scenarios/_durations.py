"""Durations as Home Assistant writes them: seconds, "HH:MM:SS", or a mapping of units."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any

__all__ = ["DurationError", "parse_duration", "parse_positive_duration", "parse_time_of_day"]

_CLOCK = re.compile(r"^([-+])?(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$")
_UNITS = ("days", "hours", "minutes", "seconds", "milliseconds")


class DurationError(ValueError):
    """Not a duration; the message says which forms are."""


def parse_time_of_day(value: Any) -> time:
    """A time of day as Home Assistant's ``cv.time`` reads it: ``H:M`` or ``H:M:S``, each
    part a whole number (``7:30`` is 07:30; parts past the third are ignored, as there).
    Raises ValueError for anything else."""
    parts = str(value).split(":")
    if len(parts) < 2:
        raise ValueError(f"{value!r} is not a time")
    return time(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) > 2 else 0)


def parse_duration(value: Any) -> timedelta:
    """``5``, ``"00:05:00"``, ``"00:05"``, ``"5"`` or ``{minutes: 5}``; templates rendered first."""
    try:
        return _parse(value)
    except (OverflowError, ValueError) as err:  # beyond timedelta's ±999,999,999 days, or NaN
        if isinstance(err, DurationError):
            raise
        shown = dict(value) if isinstance(value, Mapping) else value
        raise DurationError(
            f"not a duration: {shown!r} is out of range"
            " (a finite time, at most 999,999,999 days either way)"
        ) from None


def parse_positive_duration(value: Any) -> timedelta:
    """A duration that is not negative, as a ``for:`` must be (Home Assistant's
    ``positive_time_period``)."""
    duration = parse_duration(value)
    if duration < timedelta():
        raise DurationError(f"a duration must not be negative, got {value!r}")
    return duration


def _parse(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):  # a boolean too: 0 or 1 second, as there
        return timedelta(seconds=value)
    if isinstance(value, Mapping):
        unknown = [str(k) for k in value if k not in _UNITS]
        if unknown:
            raise DurationError(f"unknown duration key {unknown[0]!r}; valid: {', '.join(_UNITS)}")
        try:
            parts = {str(k): float(v) for k, v in value.items() if v is not None}
        except (TypeError, ValueError):
            raise DurationError(f"not a duration: {dict(value)!r}") from None
        return timedelta(**parts)
    if isinstance(value, str):
        text = value.strip()
        match = _CLOCK.match(text)
        if match:
            sign, hours, minutes, seconds = match.groups()
            total = timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds or 0))
            return -total if sign == "-" else total  # "+" is allowed, as in Home Assistant
        try:
            seconds = float(text)
        except ValueError:
            pass
        else:
            return timedelta(seconds=seconds)
    raise DurationError(
        f"not a duration: {value!r}; use seconds, 'HH:MM:SS' or a mapping of " + ", ".join(_UNITS)
    )
