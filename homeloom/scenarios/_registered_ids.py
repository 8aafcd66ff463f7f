"""The entity ids Home Assistant's entity registry keeps for the entities of YAML
platforms (template, group, min_max..., automations and scripts), by their unique id.

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

A name, an icon or a device class ("Show as") the resident gave such an entity
there replaces its own in its state, or is added where it has none, whatever its
domain (``with_registry_names``, called where each platform writes its state; an
automation and a script take theirs once, at setup: ``registry_names``).

The registry file is read once per runtime and kept on it; its problems are
reported where the registries are imported (``homeloom.orchestrator._ha_registries``).
"""

from __future__ import annotations

import logging
from collections.abc import Container, Mapping
from typing import Any

from homeloom.orchestrator import Runtime
from homeloom.orchestrator._ha_registries import RegistryEntry, entity_registry_file

from ._ha_collections import read_entity_registry
from ._slugs import entity_id_for

__all__ = [
    "free_entity_id",
    "registered_automation_id",
    "registered_entity_id",
    "registry_names",
    "with_registry_names",
]

_LOGGER = logging.getLogger(__name__)
_AUTOMATION = "automation"  # its entity domain and platform


def registry_names(runtime: Runtime, entity_id: str) -> RegistryEntry | None:
    """The registry entry of the entity that took ``entity_id`` by its unique id, when
    a resident gave it a name, an icon or a device class in Home Assistant's UI; else
    None."""
    return entity_registry_file(runtime).renamed.get(entity_id)


def with_registry_names(
    runtime: Runtime, entity_id: str, attributes: Mapping[str, Any]
) -> Mapping[str, Any]:
    """``attributes`` of the entity that took ``entity_id`` by its unique id, with the
    name (as its ``friendly_name``), the icon and the device class its registry entry
    gives it in place of its own (or where it has none), as Home Assistant shows every
    entity, available or not; ``attributes`` itself when the entry gives none."""
    entry = entity_registry_file(runtime).renamed.get(entity_id)
    if entry is None:
        return attributes
    return {**attributes, **entry.shown()}


def free_entity_id(base: str, taken: set[str], runtime: Runtime) -> str:
    """``base``, or with ``_2``, ``_3``... when it is taken, kept by a registry entry or
    held by a live state (a state saved before a restart holds nothing: it may be this
    entity's own, to restore); added to ``taken``."""
    kept = entity_registry_file(runtime).by_entity_id
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
    domain, registry = base.partition(".")[0], entity_registry_file(runtime)
    entry = None if unique_id is None else registry.get(domain, platform, unique_id)
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
    registry = entity_registry_file(runtime)
    entry = None if automation_id is None else registry.get(_AUTOMATION, _AUTOMATION, automation_id)
    if entry is None:
        if registry.by_entity_id:  # the ids its entries keep are not given to new ones
            return read_entity_registry(runtime).named_entity_id(_AUTOMATION, name, taken)
        return entity_id_for(_AUTOMATION, name, taken)
    if not _added(entry, entry.entity_id in taken, _AUTOMATION, automation_id):
        return None
    return entry.entity_id


def _added(entry: RegistryEntry, held: bool, platform: str, unique_id: Any) -> bool:
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


def _live(runtime: Runtime, entity_id: str) -> bool:
    state = runtime.states.get(entity_id)
    return state is not None and not state.restored
