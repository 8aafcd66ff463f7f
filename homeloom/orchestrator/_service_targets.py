"""A call's target (entity, area, device, label ids) resolved to entity ids."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ._errors import ServiceValidationError
from ._registry import Registries
from ._service_call import Service
from ._states import StateStore, valid_entity_id

TARGET_KEYS = ("entity_id", "area_id", "device_id", "floor_id", "label_id")
ENTITY_MATCH_ALL = "all"
ENTITY_MATCH_NONE = "none"  # a target that names nothing, on purpose

_LOGGER = logging.getLogger(__name__)


class PartialTarget(tuple[str, ...]):
    """The entities of a target that also named entities, areas or devices this service
    finds nowhere: those it acts on, with the ``warning`` naming the rest. A plain tuple
    for the usual target, so its calls pay nothing for this."""

    warning: str

    def __new__(cls, entity_ids: Iterable[str], warning: str) -> PartialTarget:
        found = super().__new__(cls, entity_ids)
        found.warning = warning
        return found


class _Missing:
    """What a target named that does not exist, as Home Assistant lists it."""

    __slots__ = ("areas", "devices", "entities")

    def __init__(self) -> None:
        self.areas: list[str] = []
        self.devices: list[str] = []
        self.entities: list[str] = []

    def warning(self) -> str:
        parts = [
            f"{label} {', '.join(sorted(set(items)))}"
            for label, items in (
                ("areas", self.areas),
                ("devices", self.devices),
                ("entities", self.entities),
            )
            if items
        ]
        return f"Referenced {', '.join(parts)} are missing or not currently available"


class TargetResolution:
    """The target part of :class:`ServiceRegistry`, which sets these attributes."""

    _states: StateStore
    _registries: Registries
    # Told each warning about a target's missing entities, besides the log (the
    # scenarios note it in the calling run's trace).
    on_missing_targets: Callable[[str], None] | None

    def resolve_target(
        self, entry: Service, target: Mapping[str, Any], missing: _Missing | None = None
    ) -> tuple[str, ...]:
        """Turn ``entity_id``/``area_id``/``device_id``/``floor_id``/``label_id`` into entity
        ids; an entity may be named by its Home Assistant registry id.

        As in Home Assistant, an entity that does not exist, or that is not of a domain
        the service acts on, is passed by, and so is an unknown area or device: a
        warning names them (a :class:`PartialTarget`). A service acting on any domain
        (``homeassistant.turn_on``) gets the ids as written, for the services it calls
        to judge. The first such id starts the resolution again with ``missing`` to
        list them in, so that a target without any costs nothing for this.
        """
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
                if entity_id == ENTITY_MATCH_NONE:
                    continue
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
            if domains and entity_id.partition(".")[0] not in domains:
                if entity_id.startswith("group."):  # its members, as Home Assistant's
                    for member in group_members(self._states, [entity_id]):
                        if member.partition(".")[0] in domains and member in self._states:
                            found[member] = None
                        elif missing is None:
                            return self._resolve_with_missing(entry, target)
                        else:
                            missing.entities.append(member)
                    continue
                if missing is None:
                    return self._resolve_with_missing(entry, target)
                missing.entities.append(entity_id)
                continue
            if entity_id not in self._states and entity_id not in registries.entities and domains:
                if missing is None:
                    return self._resolve_with_missing(entry, target)
                missing.entities.append(entity_id)
                continue
            found[entity_id] = None
        if len(target) == 1 and "entity_id" in target:
            return tuple(found)  # by entity id alone, as most calls are
        implied: list[str] = []
        for area_id in _as_list(target.get("area_id"), entry, "area_id"):
            area = registries.area_by_name_or_id(area_id)
            if area is None:
                if area_id == ENTITY_MATCH_NONE:
                    continue
                if missing is None:
                    return self._resolve_with_missing(entry, target)
                missing.areas.append(area_id)
                continue
            implied.extend(_shown(registries, registries.entities_in_area(area.id)))
        for thing_id in _as_list(target.get("device_id"), entry, "device_id"):
            if thing_id not in registries.things:
                if thing_id == ENTITY_MATCH_NONE:
                    continue
                if missing is None:
                    return self._resolve_with_missing(entry, target)
                missing.devices.append(thing_id)
                continue
            implied.extend(_shown(registries, registries.entities_of_thing(thing_id)))
        for floor_id in _as_list(target.get("floor_id"), entry, "floor_id"):
            implied.extend(_shown(registries, registries.entities_on_floor(floor_id)))
        for label in _as_list(target.get("label_id"), entry, "label_id"):
            implied.extend(registries.entities_with_label(label))
        for entity_id in implied:
            if not domains or entity_id.partition(".")[0] in domains:
                found[entity_id] = None
        return tuple(found)

    def _resolve_with_missing(self, entry: Service, target: Mapping[str, Any]) -> tuple[str, ...]:
        """``resolve_target`` for a target naming something missing: the rest, warned of.
        A service acting on any domain (``homeassistant.turn_on``) warns of nothing, as
        Home Assistant's: the services it calls do."""
        missing = _Missing()
        found = self.resolve_target(entry, target, missing)
        if not entry.entity_domains:
            return found
        warning = missing.warning()
        _LOGGER.warning("%s.%s: %s", entry.domain, entry.service, warning)
        if self.on_missing_targets is not None:
            self.on_missing_targets(warning)
        return PartialTarget(found, warning)


def group_members(states: StateStore, entity_ids: Iterable[str]) -> list[str]:
    """The ids with each group replaced by its members, groups in groups too, as Home
    Assistant expands them: a member that does not exist stays, a group that does not
    exist has none."""
    found: dict[str, None] = {}
    pending = list(reversed(list(entity_ids)))
    seen_groups: set[str] = set()
    while pending:
        entity_id = pending.pop()
        if not entity_id.startswith("group."):
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
