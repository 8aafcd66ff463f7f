"""Durations as Home Assistant writes them: seconds, "HH:MM:SS", or a mapping of units."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

__all__ = ["DurationError", "parse_duration"]

_CLOCK = re.compile(r"^([-+])?(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$")
_UNITS = ("days", "hours", "minutes", "seconds", "milliseconds")


class DurationError(ValueError):
    """Not a duration; the message says which forms are."""


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


def _parse(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise DurationError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
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
