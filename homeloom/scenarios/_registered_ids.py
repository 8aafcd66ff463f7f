"""The entity ids Home Assistant's entity registry keeps for the entities of YAML
platforms (template, group, min_max, mqtt..., automations and scripts), by their unique id.

Home Assistant registers an entity that has a ``unique_id`` in
``.storage/core.entity_registry`` under its domain, its platform and that unique id
the first time it adds it; from then on the entity takes the registered entity id
whatever its name becomes, and a resident may have renamed it there. A resident's
automations name those ids, so an entity set up here takes the same one:

- registered and enabled: the registered id, unless a live entity holds it (two
  entities with one unique id: Home Assistant refuses the second, with an error);
- registered and disabled (``disabled_by`` set): no entity, as Home Assistant does
  not add it (logged at info: it says nothing more than a debug line);
- not registered, or without a unique id: an id made from its name that is neither
  taken nor kept by any registry entry, nor held by a live state (``_2``, ``_3``...),
  as Home Assistant generates one.

A name or an icon the resident gave such an entity there replaces its own in its
state (``with_registry_names``, called where each platform writes its state; an
automation and a script take theirs once, at setup: ``registry_names``).

The registry file is read once per runtime and kept on it; its problems are
reported where the registries are imported (``homeloom.orchestrator._ha_registries``).
"""

from __future__ import annotations

import logging
from collections.abc import Container, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homeloom.orchestrator import Runtime
from homeloom.orchestrator._ha_registries import STORAGE_DIR

from ._ha_collections import ENTITY_REGISTRY, StorageError, read_stored_list
from ._slugs import entity_id_for

if TYPE_CHECKING:
    from homeloom.adapters.mqtt._yaml_entities import YamlItem

__all__ = [
    "RegisteredIds",
    "Registration",
    "free_entity_id",
    "registered_automation_id",
    "registered_entity_id",
    "registered_mqtt_items",
    "registry_names",
    "with_registry_names",
]

_LOGGER = logging.getLogger(__name__)
_COMPONENT = "registered_ids"
_AUTOMATION = "automation"  # its entity domain and platform


@dataclass(frozen=True, slots=True)
class Registration:
    """One registry entry: the entity id it keeps, whether it is disabled, and the
    name and icon a resident gave the entity in the UI (None when not)."""

    entity_id: str
    disabled: bool
    name: str | None = None
    icon: str | None = None


@dataclass(frozen=True, slots=True)
class RegisteredIds:
    """The registry's entries by (entity domain, platform, unique id), every entity id
    it keeps (an id made from a name avoids them all), and the enabled entries that
    give their entity a name or an icon, by entity id (``renamed``: an entity holding
    such an id took it by its unique id, since an id made from a name avoids it)."""

    config_dir: Path | None = None
    entries: dict[tuple[str, str, str], Registration] = field(default_factory=dict)
    kept: frozenset[str] = frozenset()
    renamed: dict[str, Registration] = field(default_factory=dict)

    def get(self, domain: str, platform: str, unique_id: Any) -> Registration | None:
        return self.entries.get((domain, platform, str(unique_id)))


def read_registered_ids(config_dir: Path | None) -> RegisteredIds:
    """The entries of ``config_dir/.storage/core.entity_registry``; none when it is
    missing or cannot be read."""
    path = (config_dir or Path()) / STORAGE_DIR / ENTITY_REGISTRY
    if config_dir is None or not path.is_file():
        return RegisteredIds(config_dir)
    try:
        items = read_stored_list(path, ("entities",)).items
    except StorageError:
        return RegisteredIds(config_dir)
    entries: dict[tuple[str, str, str], Registration] = {}
    kept: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entity_id"), str):
            continue
        entity_id: str = item["entity_id"]
        kept.add(entity_id)
        platform, unique_id = item.get("platform"), item.get("unique_id")
        if isinstance(platform, str) and unique_id is not None:
            domain = entity_id.partition(".")[0]
            entries[(domain, platform, str(unique_id))] = Registration(
                entity_id,
                disabled=item.get("disabled_by") is not None,
                name=_text(item.get("name")),
                icon=_text(item.get("icon")),
            )
    renamed = {
        entry.entity_id: entry
        for entry in entries.values()
        if not entry.disabled and (entry.name is not None or entry.icon is not None)
    }
    return RegisteredIds(config_dir, entries, frozenset(kept), renamed)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def registered_ids(runtime: Runtime) -> RegisteredIds:
    """The runtime's registry entries, read once (again when its config dir changes)."""
    known = runtime.components.get(_COMPONENT)
    if not isinstance(known, RegisteredIds) or known.config_dir != runtime.config_dir:
        known = read_registered_ids(runtime.config_dir)
        runtime.components[_COMPONENT] = known
    return known


def registry_names(runtime: Runtime, entity_id: str) -> Registration | None:
    """The registry entry of the entity that took ``entity_id`` by its unique id, when
    a resident gave it a name or an icon in Home Assistant's UI; else None."""
    return registered_ids(runtime).renamed.get(entity_id)


def with_registry_names(
    runtime: Runtime, entity_id: str, attributes: Mapping[str, Any]
) -> Mapping[str, Any]:
    """``attributes`` of the entity that took ``entity_id`` by its unique id, with the
    name (as its ``friendly_name``) and the icon its registry entry gives it in place of
    its own, as Home Assistant shows every entity, available or not; ``attributes``
    itself when the entry gives neither."""
    entry = registered_ids(runtime).renamed.get(entity_id)
    if entry is None:
        return attributes
    shown = dict(attributes)
    if entry.icon is not None:
        shown["icon"] = entry.icon
    if entry.name is not None:
        shown["friendly_name"] = entry.name
    return shown


def free_entity_id(base: str, taken: set[str], runtime: Runtime) -> str:
    """``base``, or with ``_2``, ``_3``... when it is taken, kept by a registry entry or
    held by a live state (a state saved before a restart holds nothing: it may be this
    entity's own, to restore); added to ``taken``."""
    kept = registered_ids(runtime).kept
    entity_id, suffix = base, 2
    while entity_id in taken or entity_id in kept or _live(runtime, entity_id):
        entity_id, suffix = f"{base}_{suffix}", suffix + 1
    taken.add(entity_id)
    return entity_id


def registered_entity_id(
    runtime: Runtime, base: str, taken: set[str], platform: str, unique_id: Any
) -> str | None:
    """The entity id of an entity of ``platform`` with ``unique_id`` (None: it has
    none) that would be ``base`` by its name: the registered one, else one made from
    ``base`` (see :func:`free_entity_id`); None when Home Assistant would not add it (its
    entry is disabled, or another entity holds its registered id)."""
    domain = base.partition(".")[0]
    entry = None if unique_id is None else registered_ids(runtime).get(domain, platform, unique_id)
    if entry is None:
        return free_entity_id(base, taken, runtime)
    held = entry.entity_id in taken or _live(runtime, entry.entity_id)
    if not _added(entry, held, platform, unique_id):
        return None
    taken.add(entry.entity_id)
    return entry.entity_id


def registered_automation_id(
    runtime: Runtime, name: str, taken: Container[str], automation_id: Any
) -> str | None:
    """An automation's entity id: the one registered for its ``id``, else
    ``automation.<slug of name>`` numbered clear of ``taken`` and the registry's ids;
    None when Home Assistant would not add it (see :func:`registered_entity_id`)."""
    ids = registered_ids(runtime)
    entry = None if automation_id is None else ids.get(_AUTOMATION, _AUTOMATION, automation_id)
    if entry is None:
        return entity_id_for(_AUTOMATION, name, _Either(taken, ids.kept))
    if not _added(entry, entry.entity_id in taken, _AUTOMATION, automation_id):
        return None
    return entry.entity_id


def _added(entry: Registration, held: bool, platform: str, unique_id: Any) -> bool:
    """Whether Home Assistant adds the entity ``entry`` registers: not when the entry is
    disabled, nor when another entity holds its id (``held``; an error then)."""
    if entry.disabled:
        _LOGGER.info("%s not added: its entity registry entry is disabled", entry.entity_id)
        return False
    if held:
        _LOGGER.error(
            "%s entity not added: unique id %r is already used by %s",
            platform,
            str(unique_id),
            entry.entity_id,
        )
        return False
    return True


def registered_mqtt_items(runtime: Runtime, items: list[YamlItem]) -> list[YamlItem]:
    """The ``mqtt:`` block's items, each the registry keeps under platform ``mqtt`` given
    its registered entity id (as its ``object_id``); a disabled one left out."""
    ids = registered_ids(runtime)
    kept: list[YamlItem] = []
    for item in items:
        unique_id = item.config.get("unique_id")
        entry = None if unique_id is None else ids.get(item.component, "mqtt", unique_id)
        if entry is None:
            kept.append(item)
        elif entry.disabled:
            _LOGGER.info("%s not added: its entity registry entry is disabled", entry.entity_id)
        else:
            object_id = entry.entity_id.partition(".")[2]
            kept.append(replace(item, config={**item.config, "object_id": object_id}))
    return kept


@dataclass(frozen=True, slots=True)
class _Either(Container[str]):
    first: Container[str]
    second: Container[str]

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.first or entity_id in self.second


def _live(runtime: Runtime, entity_id: str) -> bool:
    state = runtime.states.get(entity_id)
    return state is not None and not state.restored
