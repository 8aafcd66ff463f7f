"""The last states Home Assistant saved, read from ``.storage/core.restore_state``.

A resident moving from Home Assistant copies its configuration directory. Home
Assistant keeps there the last state of every entity that restores at start
(helpers without ``initial``, counters, timers, automations, scripts), as JSON:
``{"version": 1, "key": "core.restore_state", "data": [{"state": {"entity_id",
"state", "attributes", "last_changed", ...}, "extra_data": ..., "last_seen"},
...]}``.

The rule: homeloom's own saved state (its database, restored into the state
store) wins, as it is newer; an entity that has none there (the first start
after moving, or ``homeloom simulate``) restores from Home Assistant's file, by
the entity's own restore rules, exactly as from homeloom's (what Home Assistant
saved beside a state, its ``extra_data``, only comes from its file: a trigger-based
template entity needs it, see :func:`restored_extra_data`). The file is read,
never written, and only for the first setup: once the house has started, a
reloaded helper no longer finds it. A malformed file or entry is a warning naming
the file, the entity and what is wrong; that entity starts from its default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Runtime, State, valid_entity_id
from homeloom.orchestrator._ha_registries import STORAGE_DIR

from ._durations import DurationError, parse_duration
from ._ha_collections import StorageError, read_storage_file

__all__ = [
    "REMOVED_STATES",
    "RESTORE_STATE_FILE",
    "load_ha_restore_state",
    "restored_extra_data",
    "restored_state",
]

RESTORE_STATE_FILE = "core.restore_state"
_COMPONENT = "ha_restore_state"  # the states read, as runtime.components[_COMPONENT]
_EXTRA_COMPONENT = "ha_restore_extra_data"  # their ``extra_data``, by entity id
# runtime.components[REMOVED_STATES]: the last states of the entities a config entry's
# reload removed, by entity id, each taken once by the entity made again.
REMOVED_STATES = "reload_removed_states"


class _BadEntry(ValueError):
    """One saved state cannot be used; the message says why."""


def restored_state(
    runtime: Runtime, entity_id: str, *, home_assistant: bool = True
) -> State | None:
    """The state ``entity_id`` restores from at setup: homeloom's own saved one when
    the state store holds it, else Home Assistant's (unless ``home_assistant`` is
    false); None when there is neither, or when the entity already has a live state
    (a reload). An entity a config entry's reload removed restores from the state it
    had then (see ``REMOVED_STATES``), as Home Assistant saves it at removal."""
    removed: dict[str, State] | None = runtime.components.get(REMOVED_STATES)
    if removed and entity_id in removed:
        return removed.pop(entity_id)
    current = runtime.states.get(entity_id)
    if current is not None:
        return current if current.restored else None
    if not home_assistant:
        return None
    saved: Mapping[str, State] | None = runtime.components.get(_COMPONENT)
    return saved.get(entity_id) if saved is not None else None


def restored_extra_data(runtime: Runtime, entity_id: str) -> Mapping[str, Any] | None:
    """What Home Assistant saved beside the state :func:`restored_state` gives (a
    sensor's native value, a binary sensor's auto off time...): empty when it saved
    nothing there; None when that state is homeloom's own, or there is none."""
    if runtime.states.get(entity_id) is not None:
        return None
    extra: Mapping[str, Mapping[str, Any]] | None = runtime.components.get(_EXTRA_COMPONENT)
    return extra.get(entity_id) if extra is not None else None


def load_ha_restore_state(runtime: Runtime, config_dir: Path) -> list[ConfigIssue]:
    """Read ``config_dir/.storage/core.restore_state`` for the entities set up next;
    the warnings about what could not be read."""
    path = config_dir / STORAGE_DIR / RESTORE_STATE_FILE
    warnings: list[ConfigIssue] = []
    if not path.is_file():
        return warnings
    saved: dict[str, State] = {}
    extra: dict[str, Mapping[str, Any]] = {}
    now = runtime.now()
    for index, item in enumerate(_items(path, warnings)):
        entity_id = _entity_id_of(item)
        try:
            state = _state(item, now)
        except _BadEntry as err:
            named = f"{entity_id}: " if entity_id else ""
            message = f"saved state ignored: {named}{err}"
            warnings.append(ConfigIssue(message, file=str(path), key=f"data[{index}]"))
            continue
        saved[state.entity_id] = state
        extra[state.entity_id] = item.get("extra_data") or {}
    runtime.components[_COMPONENT] = saved
    runtime.components[_EXTRA_COMPONENT] = extra

    def forget() -> None:
        # Read for the first setup only: a helper reloaded later starts afresh.
        runtime.components.pop(_COMPONENT, None)
        runtime.components.pop(_EXTRA_COMPONENT, None)

    runtime.on_start(forget)
    return warnings


def _items(path: Path, warnings: list[ConfigIssue]) -> list[Any]:
    """The file's ``data`` list; a warning and nothing when it cannot be read."""
    try:
        items = read_storage_file(path).get("data")
    except StorageError as err:
        warnings.append(ConfigIssue(str(err), file=str(path)))
        return []
    if not isinstance(items, list):
        message = 'not read: expected {"data": [{"state": {...}}, ...]} as Home Assistant writes'
        warnings.append(ConfigIssue(message, file=str(path), key="data"))
        return []
    return items


def _entity_id_of(item: Any) -> str | None:
    state = item.get("state") if isinstance(item, dict) else None
    entity_id = state.get("entity_id") if isinstance(state, dict) else None
    return entity_id if isinstance(entity_id, str) else None


def _state(item: Any, now: datetime) -> State:
    saved = item.get("state") if isinstance(item, dict) else None
    if not isinstance(saved, dict):
        raise _BadEntry(f"expected {{'state': {{...}}, ...}}, got {item!r}")
    entity_id = saved.get("entity_id")
    if not isinstance(entity_id, str) or not valid_entity_id(entity_id):
        raise _BadEntry(f"'entity_id' {entity_id!r} is not an entity id")
    value = saved.get("state")
    if not isinstance(value, str):
        raise _BadEntry(f"'state' must be a text, got {value!r}")
    attributes = saved.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise _BadEntry(f"'attributes' must be a mapping, got {attributes!r}")
    extra_data = item.get("extra_data")
    if extra_data is not None and not isinstance(extra_data, dict):
        raise _BadEntry(f"'extra_data' must be a mapping, got {extra_data!r}")
    check = _ATTRIBUTE_CHECKS.get(entity_id.partition(".")[0])
    if check is not None:
        check(value, attributes)
    last_changed = _moment(saved, "last_changed", now)
    return State(
        entity_id,
        value,
        MappingProxyType(attributes),
        last_changed,
        _moment(saved, "last_updated", last_changed),
        Context(),
    )


def _moment(saved: Mapping[str, Any], key: str, default: datetime) -> datetime:
    value = saved.get(key)
    if value is None:
        return default
    moment = _datetime(value, key)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=default.tzinfo)


def _datetime(value: Any, key: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise _BadEntry(f"'{key}' must be an ISO date and time, got {value!r}") from None


# What an entity's own restore rules read besides its state, checked here so a value
# that cannot be read is a warning about the file rather than an error at setup.


def _timer(state: str, attributes: Mapping[str, Any]) -> None:
    if state == "idle":
        return
    needed = ("duration", "remaining") if state == "paused" else ("duration", "finishes_at")
    for key in needed:
        if attributes.get(key) is None:
            raise _BadEntry(f"a timer saved {state} needs the attribute '{key}'")
    for key in ("duration", "remaining"):
        if key in needed:
            try:
                parse_duration(attributes[key])
            except DurationError as err:
                raise _BadEntry(f"'attributes.{key}': {err}") from None
    if "finishes_at" in needed:
        _datetime(attributes["finishes_at"], "attributes.finishes_at")


def _last_triggered(state: str, attributes: Mapping[str, Any]) -> None:
    if attributes.get("last_triggered") is not None:
        _datetime(attributes["last_triggered"], "attributes.last_triggered")


def _counter(state: str, attributes: Mapping[str, Any]) -> None:
    try:
        int(state)  # as the counter reads it
    except ValueError:
        raise _BadEntry(f"a counter's state must be a whole number, got {state!r}") from None


_ATTRIBUTE_CHECKS: dict[str, Callable[[str, Mapping[str, Any]], None]] = {
    "timer": _timer,
    "automation": _last_triggered,
    "script": _last_triggered,
    "counter": _counter,
}
