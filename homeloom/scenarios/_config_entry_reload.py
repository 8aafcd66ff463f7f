"""``homeassistant.reload_config_entry``: the entities of config entries made again.

As Home Assistant 2024.3: the entries named by ``entry_id`` and those of the call's
targets (an entity's entry, as the entity registry keeps it; a device's entries, as
the device registry keeps them; areas, floors and labels by their entities) are
reloaded; a call naming none fails with Home Assistant's message, and an entry id
the house does not have fails the call. A reload stops the entry's entities (their
listeners and timers end, their states go, announced) and makes them again from the
entry as ``.storage/core.config_entries`` holds it now, so that options the resident
edited take effect (Home Assistant would keep the entry it holds in memory, since its
UI writes that file; homeloom's resident edits the file). The entities keep their
ids, as Home Assistant's registry keeps them, and are shown ``unavailable`` (and
``restored``) in between, as Home Assistant shows a registered entity removed. Those
Home Assistant restores (``RestoreEntity``: utility meters and their tariff select,
derivative, integration and trend sensors) come back from the state they had, as
Home Assistant restores the last state it saved at their removal; the others start
afresh. An entry the file no longer holds is only stopped, its entities' states
removed. Entities of the YAML configuration are not touched.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from homeloom.orchestrator import HomeloomError, Runtime, ServiceCall, State
from homeloom.orchestrator._ha_registries import STORAGE_DIR

from ._ha_config_entries import entry_ids_in_file, made_entries, setup_entry_again
from ._ha_restore import REMOVED_STATES

__all__ = ["NO_MATCHING_ENTRIES", "UnknownConfigEntry", "reload_config_entries"]

NO_MATCHING_ENTRIES = "There were no matching config entries to reload"
# The integrations whose entities are Home Assistant RestoreEntity: restored on reload.
_RESTORING = frozenset({"utility_meter", "derivative", "integration", "trend"})
_ENTITY_REGISTRY_FILE = "core.entity_registry"
_DEVICE_REGISTRY_FILE = "core.device_registry"

_LOGGER = logging.getLogger(__name__)


class UnknownConfigEntry(HomeloomError):
    """A reload named an entry id the house has not."""

    def __init__(self, entry_id: str) -> None:
        super().__init__(f"unknown config entry {entry_id!r}")
        self.entry_id = entry_id


def reload_config_entries(runtime: Runtime, call: ServiceCall) -> None:
    """Reload the entries ``call`` names (its ``entry_id`` and its targets' entries)."""
    wanted: dict[str, None] = {}
    if call.data.get("entry_id"):
        wanted[str(call.data["entry_id"])] = None
    wanted.update(dict.fromkeys(sorted(_entries_of_targets(runtime, call))))
    if not wanted:
        raise HomeloomError(NO_MATCHING_ENTRIES)
    for entry_id in wanted:
        _reload(runtime, entry_id)


def _reload(runtime: Runtime, entry_id: str) -> None:
    made = made_entries(runtime).pop(entry_id, None)
    in_file = entry_id in entry_ids_in_file(runtime)
    if made is None and not in_file:
        raise UnknownConfigEntry(entry_id)
    kept = made.entity_ids if made is not None else {}
    removed: dict[str, State] = runtime.components.setdefault(REMOVED_STATES, {})
    if _domain_of(runtime, entry_id) in _RESTORING:
        for entity_id in kept.values():
            if (state := runtime.states.get(entity_id)) is not None:
                removed[entity_id] = state
    if made is not None:
        made.stop()
    for issue in setup_entry_again(runtime, entry_id, kept):
        _LOGGER.error("reload_config_entry: %s", issue)
    for entity_id in kept.values():
        removed.pop(entity_id, None)  # not taken: the entity was not made again
        if not in_file:  # the resident deleted the entry: its entities are gone too
            runtime.states.remove(entity_id)


def _domain_of(runtime: Runtime, entry_id: str) -> str | None:
    """The integration of entry ``entry_id``, as the file says."""
    for item in _stored(runtime, "core.config_entries", "entries"):
        if item.get("entry_id") == entry_id and isinstance(item.get("domain"), str):
            return str(item["domain"])
    return None


def _entries_of_targets(runtime: Runtime, call: ServiceCall) -> set[str]:
    """The entries of the call's entities (explicit, or by area, device, floor, label)
    and of its devices, named or in a named area: as Home Assistant, a device's entries
    count even when it has no entity."""
    found: set[str] = set()
    by_entity = {
        entity_id: made.entry_id
        for made in made_entries(runtime).values()
        for entity_id in made.entity_ids.values()
    }
    for item in _stored(runtime, _ENTITY_REGISTRY_FILE, "entities"):
        if isinstance(item.get("config_entry_id"), str):
            by_entity.setdefault(str(item.get("entity_id")), item["config_entry_id"])
    found.update(by_entity[e] for e in call.entity_ids if e in by_entity)
    devices, areas = _targeted(call, "device_id"), _targeted(call, "area_id")
    for item in _stored(runtime, _DEVICE_REGISTRY_FILE, "devices"):
        named = item.get("id") in devices or item.get("area_id") in areas
        if named and isinstance(item.get("config_entries"), list):
            found.update(str(entry_id) for entry_id in item["config_entries"])
    return found


def _targeted(call: ServiceCall, key: str) -> set[str]:
    """The ids the call's target gives under ``key`` (one, or a list)."""
    value = call.target.get(key) or []
    return {str(item) for item in (value if isinstance(value, list | tuple) else [value])}


def _stored(runtime: Runtime, name: str, key: str) -> list[dict[str, Any]]:
    """The items under ``data.<key>`` of a ``.storage`` file; none when unreadable (its
    problems were reported at start)."""
    if runtime.config_dir is None:
        return []
    path = runtime.config_dir / STORAGE_DIR / name
    try:
        items = json.loads(path.read_text(encoding="utf-8"))["data"][key]
    except (OSError, UnicodeDecodeError, ValueError, RecursionError, KeyError, TypeError):
        return []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
