"""A call's target (entity, area, device, label ids) resolved to entity ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ._errors import EntityNotFound, ServiceValidationError
from ._registry import Registries
from ._service_call import Service
from ._states import StateStore, valid_entity_id

TARGET_KEYS = ("entity_id", "area_id", "device_id", "floor_id", "label_id")
ENTITY_MATCH_ALL = "all"


class TargetResolution:
    """The target part of :class:`ServiceRegistry`, which sets these attributes."""

    _states: StateStore
    _registries: Registries

    def resolve_target(self, entry: Service, target: Mapping[str, Any]) -> tuple[str, ...]:
        """Turn ``entity_id``/``area_id``/``device_id``/``floor_id``/``label_id`` into entity
        ids; an entity may be named by its Home Assistant registry id."""
        registries = self._registries
        found: dict[str, None] = {}
        explicit = _as_list(target.get("entity_id"), entry, "entity_id")
        domains = entry.entity_domains
        if ENTITY_MATCH_ALL in explicit:
            for domain in domains:
                found.update(dict.fromkeys(self._states.entity_ids(domain)))
            explicit = [e for e in explicit if e != ENTITY_MATCH_ALL]
        for entity_id in explicit:
            entity_id = entity_id.strip().lower()
            if not valid_entity_id(entity_id):
                # A Home Assistant entity registry id, as its UI writes targets.
                entity_id = registries.entity_id_of(entity_id) or entity_id
                if not valid_entity_id(entity_id):
                    raise ServiceValidationError(
                        entry.domain,
                        entry.service,
                        "entity_id",
                        f"{entity_id!r} is neither an entity id nor a known entity registry id",
                        invalid_data=True,
                    )
            if entity_id not in self._states and entity_id not in registries.entities:
                raise EntityNotFound(entity_id)
            if domains and entity_id.partition(".")[0] not in domains:
                if entity_id.startswith("group."):  # its members of those domains, as in HA
                    members = group_members(self._states, [entity_id])
                    found.update((m, None) for m in members if m.partition(".")[0] in domains)
                    continue
                raise ServiceValidationError(
                    entry.domain,
                    entry.service,
                    "entity_id",
                    f"{entity_id} is not of a domain this service acts on ({', '.join(domains)})",
                )
            found[entity_id] = None
        if len(target) == 1 and "entity_id" in target:
            return tuple(found)  # by entity id alone, as most calls are
        implied: list[str] = []
        for area_id in _as_list(target.get("area_id"), entry, "area_id"):
            area = registries.area_by_name_or_id(area_id)
            if area is None:
                raise ServiceValidationError(
                    entry.domain, entry.service, "area_id", f"area {area_id!r} is not known"
                )
            implied.extend(_shown(registries, registries.entities_in_area(area.id)))
        for thing_id in _as_list(target.get("device_id"), entry, "device_id"):
            if thing_id not in registries.things:
                raise ServiceValidationError(
                    entry.domain, entry.service, "device_id", f"device {thing_id!r} is not known"
                )
            implied.extend(_shown(registries, registries.entities_of_thing(thing_id)))
        for floor_id in _as_list(target.get("floor_id"), entry, "floor_id"):
            implied.extend(_shown(registries, registries.entities_on_floor(floor_id)))
        for label in _as_list(target.get("label_id"), entry, "label_id"):
            implied.extend(registries.entities_with_label(label))
        for entity_id in implied:
            if not domains or entity_id.partition(".")[0] in domains:
                found[entity_id] = None
        return tuple(found)


def group_members(states: StateStore, entity_ids: Iterable[str]) -> list[str]:
    """The ids with each group replaced by its members that exist, groups in groups too."""
    found: dict[str, None] = {}
    pending = list(reversed(list(entity_ids)))
    seen_groups: set[str] = set()
    while pending:
        entity_id = pending.pop()
        if not entity_id.startswith("group."):
            if entity_id in states:
                found[entity_id] = None
            continue
        group = states.get(entity_id)
        if entity_id in seen_groups or group is None:
            continue
        seen_groups.add(entity_id)
        members = group.attributes.get("entity_id") or ()
        pending += reversed([str(member).lower() for member in members])
    return list(found)


def _shown(registries: Registries, entity_ids: Iterable[str]) -> list[str]:
    """Without the hidden and config entities, which an area or device target skips."""
    entries = registries.entities
    return [e for e in entity_ids if not (e in entries and entries[e].hidden)]


def _as_list(value: Any, entry: Service, key: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ServiceValidationError(
        entry.domain,
        entry.service,
        key,
        f"must be a string or a list of strings, got {value!r}",
        invalid_data=True,
    )
