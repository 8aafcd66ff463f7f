"""Reading a platform item's options (``sensor: - platform: min_max`` and the like) as
Home Assistant's schema checks them: unknown keys refused, texts, numbers and entity
ids coerced the way its validators coerce them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue
from homeloom.orchestrator._states import valid_entity_id

from ._errors import issue_at
from ._sensor_groups import _members

__all__ = [
    "OptionError",
    "entity_id_option",
    "entity_ids_option",
    "number_option",
    "option_issue",
    "refuse_unknown_keys",
    "text_option",
    "whole_option",
]

# What every platform item may hold besides its own options (no item here polls).
BASE_KEYS = frozenset({"platform", "scan_interval"})


class OptionError(ValueError):
    """An option Home Assistant's schema refuses: ``key`` is which, the message why."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def option_issue(item: Mapping[str, Any], where: str, err: OptionError) -> ConfigIssue:
    at = err.key if err.key in item else None
    return issue_at(item, at, f"{where}.{err.key}", str(err))


def refuse_unknown_keys(item: Mapping[str, Any], known: Iterable[str]) -> None:
    allowed = BASE_KEYS | frozenset(known)
    for key in item:
        if key not in allowed:
            raise OptionError(str(key), f"unknown key {key!r}; valid: {', '.join(sorted(allowed))}")


def text_option(item: Mapping[str, Any], key: str) -> str | None:
    """A text, a number taken as its text (as Home Assistant's ``string``); None if absent."""
    value = item.get(key)
    if key not in item:
        return None
    if value is None or isinstance(value, list | dict):
        raise OptionError(key, f"{key} must be a text, got {value!r}")
    return str(value)


def number_option(item: Mapping[str, Any], key: str) -> float | None:
    """A number, or a text of one; None if absent."""
    if key not in item:
        return None
    try:
        return float(item[key])
    except (TypeError, ValueError):
        raise OptionError(key, f"{key} must be a number, got {item[key]!r}") from None


def whole_option(item: Mapping[str, Any], key: str, default: int) -> int:
    """A whole number (a decimal one cut to its integer part, as ``int()`` does)."""
    if key not in item:
        return default
    try:
        return int(item[key])
    except (TypeError, ValueError, OverflowError):
        raise OptionError(key, f"{key} must be a whole number, got {item[key]!r}") from None


def entity_id_option(item: Mapping[str, Any], key: str) -> str:
    """A required entity id, in lower case."""
    if key not in item:
        raise OptionError(key, f"'{key}' missing")
    value = item[key]
    if value is None or isinstance(value, list | dict) or not valid_entity_id(str(value).lower()):
        raise OptionError(key, f"{value!r} is not an entity id")
    return str(value).lower()


def entity_ids_option(item: Mapping[str, Any], key: str) -> list[str]:
    """Required entity ids: a list, or a text separated by commas."""
    if item.get(key) is None:
        raise OptionError(key, f"'{key}' missing")
    found = []
    for member in _members(item[key]):
        if not isinstance(member, str) or not valid_entity_id(member):
            raise OptionError(key, f"{member!r} is not an entity id")
        found.append(member)
    return found
