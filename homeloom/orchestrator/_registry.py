"""Registries: areas, things (devices) and entities, with stable ids."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ._errors import HomeloomError
from ._states import valid_entity_id

_SLUG = re.compile(r"[^a-z0-9_]+")


def slugify(text: str) -> str:
    """A lower-case id made of letters, digits and single underscores."""
    slug = _SLUG.sub("_", text.strip().lower().replace("-", "_"))
    slug = re.sub("_+", "_", slug).strip("_")
    return slug or "unnamed"


@dataclass(frozen=True, slots=True)
class Area:
    id: str
    name: str
    floor: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Thing:
    """One connected object, provided by an adapter."""

    id: str
    name: str
    adapter: str
    area_id: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    sw_version: str | None = None
    identifiers: tuple[str, ...] = ()
    name_by_user: str | None = None  # the name the resident gave it in Home Assistant
    labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityEntry:
    """What the house remembers about an entity, even while it has no state."""

    entity_id: str
    unique_id: str | None = None
    adapter: str | None = None
    thing_id: str | None = None
    area_id: str | None = None
    name: str | None = None
    device_class: str | None = None
    labels: tuple[str, ...] = ()
    disabled: bool = False
    guarded: bool | None = None  # None: the domain's default guard applies
    # From a Home Assistant entity registry (_ha_registries.py): its 32-hex id, which
    # UI-made automations name it by, and the integration that made it.
    registry_id: str | None = None
    platform: str | None = None
    hidden: bool = False  # hidden, or a config/diagnostic entity: no area/device target
    # The unique id ``platform`` registers it under in Home Assistant (an MQTT discovery
    # config's ``unique_id``): an adapter's entity with the same takes the imported id.
    ha_unique_id: str | None = None
    # Home Assistant's config entry and who hid it (user, integration), for templates.
    config_entry_id: str | None = None
    hidden_by: str | None = None


class RegistryError(HomeloomError):
    pass


@dataclass
class Registries:
    """Areas, things and entities. Changes are reported to ``on_change`` for persistence."""

    areas: dict[str, Area] = field(default_factory=dict)
    things: dict[str, Thing] = field(default_factory=dict)
    entities: dict[str, EntityEntry] = field(default_factory=dict)
    floors: dict[str, str] = field(default_factory=dict)  # floor id -> name
    labels: dict[str, str] = field(default_factory=dict)  # label id -> name
    on_change: list[Callable[[str, object], None]] = field(default_factory=list)
    # Adapters' entity ids by (adapter, domain, unique id): as Home Assistant keys its
    # registry, a sensor and a binary sensor may share one unique id and stay two entities.
    _by_unique_id: dict[tuple[str, str, str], str] = field(default_factory=dict)
    _by_registry_id: dict[str, str] = field(default_factory=dict)
    # Imported entity ids by Home Assistant's registry key: (domain, platform, unique id).
    _by_ha_unique_id: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def _changed(self, kind: str, item: object) -> None:
        for callback in self.on_change:
            callback(kind, item)

    # --- areas ---------------------------------------------------------------

    def add_area(
        self,
        name: str,
        area_id: str | None = None,
        floor: str | None = None,
        aliases: tuple[str, ...] = (),
    ) -> Area:
        area = Area(area_id or slugify(name), name, floor, aliases)
        self.areas[area.id] = area
        self._changed("area", area)
        return area

    def area_by_name_or_id(self, key: str) -> Area | None:
        if key in self.areas:
            return self.areas[key]
        lowered = key.strip().lower()
        for area in self.areas.values():
            if area.name.lower() == lowered or lowered in (a.lower() for a in area.aliases):
                return area
        return None

    # --- things --------------------------------------------------------------

    def add_thing(self, thing: Thing) -> Thing:
        if thing.area_id is not None and thing.area_id not in self.areas:
            self.add_area(thing.area_id.replace("_", " ").title(), thing.area_id)
        self.things[thing.id] = thing
        self._changed("thing", thing)
        return thing

    # --- entities ------------------------------------------------------------

    def add_entity(self, entry: EntityEntry) -> EntityEntry:
        """Register an entity; an adapter's unique id keeps its entity id across restarts.

        An adapter's entity that Home Assistant's registry (imported) keeps under the same
        platform and unique id takes the entity id kept there, which the resident may have
        renamed and their automations name; disabled there, it comes back ``disabled``
        (the adapter does not add it, as Home Assistant does not)."""
        registered = self._registered_entry(entry)
        if registered is not None:
            entry = replace(entry, entity_id=registered.entity_id, disabled=registered.disabled)
            if entry.unique_id is not None and entry.adapter is not None:
                self._by_unique_id[unique_key(entry.adapter, entry)] = entry.entity_id
        elif entry.unique_id is not None and entry.adapter is not None:
            key = unique_key(entry.adapter, entry)
            known = self._by_unique_id.get(key)
            if known is not None and known != entry.entity_id and known in self.entities:
                # The resident may have renamed it: keep the stable id they know.
                entry = replace(entry, entity_id=known)
            elif known is None:
                entry = replace(entry, entity_id=self._free_entity_id(entry.entity_id))
            self._by_unique_id[key] = entry.entity_id
        previous = self.entities.get(entry.entity_id)
        if previous is not None and previous.guarded is not None and entry.guarded is None:
            entry = replace(entry, guarded=previous.guarded)
        if previous is not None and previous.registry_id is not None:
            entry = merge_imported(entry, previous)
        if entry.registry_id is not None:
            self._by_registry_id[entry.registry_id] = entry.entity_id
        if entry.registry_id and entry.platform and entry.ha_unique_id:  # imported
            ha_key = (entry.entity_id.partition(".")[0], entry.platform, entry.ha_unique_id)
            self._by_ha_unique_id[ha_key] = entry.entity_id
        self.entities[entry.entity_id] = entry
        self._changed("entity", entry)
        return entry

    def _registered_entry(self, entry: EntityEntry) -> EntityEntry | None:
        """The imported entry an adapter's ``entry`` is, by Home Assistant's registry key;
        None when there is none, or when another device's entity already holds it (Home
        Assistant refuses a second entity with one unique id)."""
        if entry.adapter is None or entry.platform is None or entry.ha_unique_id is None:
            return None
        domain = entry.entity_id.partition(".")[0]
        entity_id = self._by_ha_unique_id.get((domain, entry.platform, entry.ha_unique_id))
        registered = None if entity_id is None else self.entities.get(entity_id)
        if registered is None or registered.adapter not in (None, entry.adapter):
            return None
        if registered.adapter is not None and registered.unique_id != entry.unique_id:
            return None
        return registered

    def _free_entity_id(self, wanted: str) -> str:
        """``wanted``, or ``wanted_2``, ``wanted_3``... when another device already has it."""
        taken = self.entities.get(wanted)
        if taken is None or taken.unique_id is None:
            return wanted
        number = 2
        while f"{wanted}_{number}" in self.entities:
            number += 1
        return f"{wanted}_{number}"

    def update_entity(self, entity_id: str, **changes: object) -> EntityEntry:
        entry = self.entities.get(entity_id)
        if entry is None:
            entry = EntityEntry(entity_id)
        entry = replace(entry, **changes)  # type: ignore[arg-type]
        self.entities[entity_id] = entry
        self._changed("entity", entry)
        return entry

    def entity_id_of(self, registry_id: str) -> str | None:
        """The entity id a Home Assistant entity registry id stands for, if imported."""
        entity_id = self._by_registry_id.get(registry_id)
        if entity_id is None:  # restored from the database rather than imported
            entity_id = next(
                (e.entity_id for e in self.entities.values() if e.registry_id == registry_id),
                None,
            )
        return entity_id

    def with_entity_ids(self, ids: Any) -> Any:
        """A call's checked ``entity_id`` (a text, or a list of entity ids and registry
        ids) with each Home Assistant entity registry id replaced by the entity id it
        stands for, as Home Assistant does before each call. Raises :class:`ValueError`
        on a registry id no imported registry knows (looked up as written: Home
        Assistant's lookup heeds case)."""
        if not isinstance(ids, list):
            return ids
        by_registry_id = self._by_registry_id
        resolved = []
        for entity_id in ids:
            if not valid_entity_id(entity_id):
                known = by_registry_id.get(entity_id)
                if known is None:
                    raise ValueError(
                        f"entity registry id {entity_id} is not known (no Home Assistant "
                        "entity registry in the configuration's .storage names it)"
                    )
                entity_id = known
            resolved.append(entity_id)
        return resolved

    def area_of(self, entity_id: str) -> str | None:
        entry = self.entities.get(entity_id)
        if entry is None:
            return None
        if entry.area_id is not None:
            return entry.area_id
        if entry.thing_id is not None and entry.thing_id in self.things:
            return self.things[entry.thing_id].area_id
        return None

    def entities_of_thing(self, thing_id: str) -> Iterator[str]:
        return (e.entity_id for e in self.entities.values() if e.thing_id == thing_id)

    def entities_in_area(self, area_id: str) -> list[str]:
        return [eid for eid in self.entities if self.area_of(eid) == area_id]

    def things_in_area(self, area_id: str) -> list[str]:
        return [t.id for t in self.things.values() if t.area_id == area_id]

    def entities_with_label(self, label: str) -> list[str]:
        """Entities with the label, or on a thing with it (as Home Assistant, from
        2024.4, targets a label)."""
        things = {t.id for t in self.things.values() if label in t.labels}
        return [
            e.entity_id
            for e in self.entities.values()
            if label in e.labels or (e.thing_id is not None and e.thing_id in things)
        ]

    def entities_on_floor(self, floor_id: str) -> list[str]:
        areas = {a.id for a in self.areas.values() if a.floor == floor_id}
        return [eid for eid in self.entities if self.area_of(eid) in areas]

    def entities_of_adapter(self, adapter: str) -> list[str]:
        return [e.entity_id for e in self.entities.values() if e.adapter == adapter]


def unique_key(adapter: str, entry: EntityEntry) -> tuple[str, str, str]:
    """The key an adapter's entity keeps its entity id by: its domain counts (a resident
    may rename the object id, never the domain)."""
    return adapter, entry.entity_id.partition(".")[0], str(entry.unique_id)


def merge_imported(entry: EntityEntry, imported: EntityEntry) -> EntityEntry:
    """An adapter's entry for an entity imported from Home Assistant's registry: the
    adapter's own facts win; the registry id, platform, and the area and labels the
    resident chose there fill what the adapter leaves open."""
    return replace(
        entry,
        registry_id=entry.registry_id or imported.registry_id,
        platform=entry.platform or imported.platform,
        ha_unique_id=entry.ha_unique_id or imported.ha_unique_id,
        config_entry_id=entry.config_entry_id or imported.config_entry_id,
        hidden_by=entry.hidden_by or imported.hidden_by,
        hidden=entry.hidden or imported.hidden,
        area_id=entry.area_id or imported.area_id,
        thing_id=entry.thing_id or imported.thing_id,
        labels=entry.labels or imported.labels,
        name=entry.name or imported.name,
    )
