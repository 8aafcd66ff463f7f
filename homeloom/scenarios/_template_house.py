"""Template functions about the house: states, groups, areas, devices and labels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from homeloom.orchestrator import Runtime, State, valid_entity_id

from ._group_sources import is_group_entity
from ._template_states import TemplateState, note_entity

__all__ = ["HouseFunctions"]


class HouseFunctions:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def state(self, entity_id: Any) -> Any:
        entity_id = str(entity_id).lower()
        note_entity(entity_id)
        return self.runtime.states.get(entity_id) if valid_entity_id(entity_id) else None

    def is_state(self, entity_id: Any, value: Any) -> bool:
        # Text compared as is (21.5 is not "21.5"); a list (not a tuple) is a choice.
        state = self.state(entity_id)
        if state is None:
            return False
        return bool(state.state == value or (isinstance(value, list) and state.state in value))

    def state_attr(self, entity_id: Any, name: str) -> Any:
        state = self.state(entity_id)
        return state.attributes.get(name) if state is not None else None

    def is_state_attr(self, entity_id: Any, name: str, value: Any) -> bool:
        attribute = self.state_attr(entity_id, name)
        return attribute is not None and bool(attribute == value)

    def has_value(self, entity_id: Any) -> bool:
        state = self.state(entity_id)
        return state is not None and state.state not in ("unknown", "unavailable")

    def expand(self, *args: Any) -> list[TemplateState]:
        """Groups (``group.*`` and platform groups) replaced by their members and zones
        by their persons, as in Home Assistant; sorted by entity id, as its documentation
        says (2024.3 itself left them unsorted)."""
        found: dict[str, TemplateState] = {}
        pending: list[Any] = list(args)
        while pending:
            item = pending.pop()
            if isinstance(item, str):
                got = self.state(item)
                if got is None:
                    continue
                state = TemplateState(got)
            elif isinstance(item, TemplateState):
                state = item
            elif isinstance(item, State):
                state = TemplateState(item)
            elif isinstance(item, Iterable):
                pending += item
                continue
            else:
                continue
            entity_id = state.entity_id
            if is_group_entity(self.runtime, entity_id):
                pending += state.attributes.get("entity_id") or ()
            elif entity_id.startswith("zone."):
                pending += state.attributes.get("persons") or ()
            else:
                note_entity(entity_id)
                found[entity_id] = state
        return sorted(found.values(), key=lambda s: s.entity_id)

    def area_id(self, lookup: Any) -> str | None:
        text = str(lookup)
        registries = self.runtime.registries
        if text in registries.areas:
            return text
        for area in registries.areas.values():
            if area.name.lower() == text.lower():
                return area.id
        entry = registries.entities.get(text)
        if entry is not None:
            return registries.area_of(text)
        thing = registries.things.get(text)
        return thing.area_id if thing is not None else None

    def area_name(self, lookup: Any) -> str | None:
        found = self.area_id(lookup)
        area = self.runtime.registries.areas.get(found) if found else None
        return area.name if area is not None else None

    def area_entities(self, lookup: Any) -> list[str]:
        found = self.area_id(lookup)
        if found is None:
            return []
        # Home Assistant's order, not sorted: the entities placed in the area themselves
        # (registry order, disabled ones too), then, device by device, the enabled ones
        # that take the device's area.
        registries = self.runtime.registries
        entries = list(registries.entities.values())
        own = [e.entity_id for e in entries if e.area_id == found]
        return own + [
            e.entity_id
            for thing in registries.things.values()
            if thing.area_id == found
            for e in entries
            if e.thing_id == thing.id and e.area_id is None and not e.disabled
        ]

    def area_devices(self, lookup: Any) -> list[str]:
        found = self.area_id(lookup)
        if found is None:  # no such area: no devices (not those without an area)
            return []
        # In the device registry's order, as Home Assistant gives them (not sorted).
        return [t.id for t in self.runtime.registries.things.values() if t.area_id == found]

    def device_id(self, lookup: Any) -> str | None:
        """The thing of an entity, or the thing of that name (its Home Assistant
        ``name_by_user`` first, as there)."""
        registries = self.runtime.registries
        entry = registries.entities.get(str(lookup))
        if entry is not None:
            return entry.thing_id
        return next(
            (t.id for t in registries.things.values() if (t.name_by_user or t.name) == str(lookup)),
            None,
        )

    def device_attr(self, lookup: Any, name: str) -> Any:
        things = self.runtime.registries.things
        thing = things.get(str(lookup))
        if thing is None:
            thing_id = self.device_id(lookup)
            thing = things.get(thing_id) if thing_id else None
        if thing is None or name.startswith("_"):
            return None
        return getattr(thing, name, None)

    def is_device_attr(self, lookup: Any, name: str, value: Any) -> bool:
        return bool(self.device_attr(lookup, name) == value)

    def areas(self) -> list[str]:
        """Every area's id, in the order the areas were made."""
        return list(self.runtime.registries.areas)

    def config_entry_id(self, entity_id: Any) -> str | None:
        """The Home Assistant config entry an imported registry entry names."""
        entry = self.runtime.registries.entities.get(str(entity_id))
        return entry.config_entry_id if entry is not None else None

    def is_hidden_entity(self, entity_id: Any) -> bool:
        """Whether the entity registry hides ``entity_id`` (not merely a config or
        diagnostic entity, which Home Assistant does not count as hidden here)."""
        entry = self.runtime.registries.entities.get(str(entity_id))
        return entry is not None and entry.hidden_by is not None

    def device_entities(self, thing_id: Any) -> list[str]:
        # In the entity registry's order, as Home Assistant gives them (not sorted),
        # without the disabled ones.
        return [
            e.entity_id
            for e in self.runtime.registries.entities.values()
            if e.thing_id == str(thing_id) and not e.disabled
        ]

    def integration_entities(self, name: Any) -> list[str]:
        """The entities of an adapter, or of a Home Assistant integration (the platform
        an imported registry entry names)."""
        wanted = str(name)
        return sorted(
            e.entity_id
            for e in self.runtime.registries.entities.values()
            if wanted in (e.adapter, e.platform)
        )

    def label_entities(self, label: Any) -> list[str]:
        return sorted(
            e.entity_id for e in self.runtime.registries.entities.values() if str(label) in e.labels
        )
