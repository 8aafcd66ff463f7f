"""Automations that fail to load: which still get an entity, and the errors that say why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ._errors import issue_written_at
from ._yaml import position_of

__all__ = ["_Broken", "_DuplicateId", "_Unreadable", "_has_entity"]


@dataclass(slots=True)
class _Broken:
    """An automation that failed to load: its entity's attributes, and how many
    automations that loaded come before it."""

    attributes: dict[str, Any]
    place: int


class _Unreadable(Exception):
    """An automation whose id, alias or description cannot be read: Home Assistant
    gives it no entity at all (see ``_has_entity``)."""

    def __init__(self, item: Mapping[str, Any]) -> None:
        key = next(key for key in ("id", "alias", "description") if not _readable(item, key))
        message = (
            f"an automation's id must be text, got {item[key]!r}: quote it"
            if key == "id"
            else f"an automation's {key} must be text, not {type(item[key]).__name__}"
        )
        self.issues = [issue_written_at(message, position_of(item, key), key)]
        super().__init__(message)


def _has_entity(item: Any) -> bool:
    """Whether Home Assistant makes an entity for this automation, working or not: it
    does unless it is no mapping, or its id, alias or description cannot be read (an
    id that is not text; an alias or description that is none, a list or a mapping)."""
    return isinstance(item, Mapping) and all(
        _readable(item, key) for key in ("id", "alias", "description")
    )


def _readable(item: Mapping[str, Any], key: str) -> bool:
    """Whether Home Assistant reads ``item[key]`` (absent, or text: an id must be
    written as text, an alias or description may be a number)."""
    if key not in item:
        return True
    value = item[key]
    if key == "id" or type(value) is str:  # most: text, without an ABC check (slow)
        return isinstance(value, str)
    return value is not None and not isinstance(value, list | Mapping)


class _DuplicateId(Exception):
    def __init__(self, item: Any, automation_id: str) -> None:
        message = f"another automation already has id {automation_id!r}; ids must be unique"
        self.issues = [issue_written_at(message, position_of(item, "id"), "id")]
        super().__init__(self.issues[0].message)
