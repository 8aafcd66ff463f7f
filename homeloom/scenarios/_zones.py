"""Zones, kept as Home Assistant's ``zone`` integration keeps them.

Every house has ``zone.home`` (Home Assistant sets the zone integration up whatever
the configuration says), made from the core settings (the house's name and
coordinates, its radius or 100 m), and one entity per ``zone:`` item (name, latitude,
longitude, radius, passive, icon), named after it; an item named Home takes
``zone.home``'s place. A zone's state is how many persons are in it, listed (sorted)
in its ``persons`` attribute: a person is in a zone when its state is the zone's
name (in any case), or ``home`` for ``zone.home``; persons made later (given as
states, say) are counted too.
Coordinates only matter to zone triggers and conditions: a device tracker's state
is what its adapter writes, never worked out from its coordinates, as Home
Assistant's state machine keeps a state written to it.

Zones made in Home Assistant's UI (``.storage/zone``, see ``_ha_collections``)
come after the YAML ones, ``editable``, named by the entity registry if it has
their id; one of them named Home takes ``zone.home``'s place as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Event, Runtime, ServiceCall, State

from ._config_dir import reread_config_dir
from ._errors import issue_at
from ._ha_collections import EntityRegistry, read_entity_registry, read_stored_items

__all__ = ["HOME_ZONE", "Zone", "setup_zones"]

DOMAIN = "zone"
HOME_ZONE = "zone.home"
DEFAULT_RADIUS = 100
# States that put a person in no zone, whatever the zone is called.
_NOWHERE = frozenset({"not_home", "unknown", "unavailable"})


class Zone:
    """One zone entity: where it is, and the persons in it."""

    def __init__(
        self, runtime: Runtime, entity_id: str, settings: Mapping[str, Any], editable: bool
    ) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.name = str(settings["name"])
        self.settings = settings
        self.editable = editable
        self.persons: set[str] = set()

    def holds(self, state: State | None) -> bool:
        """Whether a person with this state is in the zone (by its state, not its place)."""
        if state is None or state.state in _NOWHERE:
            return False
        return state.state.casefold() == self.name.casefold() or (
            state.state == "home" and self.entity_id == HOME_ZONE
        )

    def on_person(self, event: Event) -> None:
        person = event.data["entity_id"]
        before = len(self.persons)
        if self.holds(event.data["new_state"]):
            self.persons.add(person)
        else:
            self.persons.discard(person)
        if len(self.persons) != before:
            self.write()

    def write(self) -> None:
        settings = self.settings
        attributes: dict[str, Any] = {
            "latitude": settings["latitude"],
            "longitude": settings["longitude"],
            "radius": settings["radius"],
            "passive": settings["passive"],
            "persons": sorted(self.persons),
            "editable": self.editable,
        }
        if settings.get("icon"):
            attributes["icon"] = settings["icon"]
        attributes["friendly_name"] = self.name
        self.runtime.states.set(self.entity_id, str(len(self.persons)), attributes)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _zone_settings(item: Any, path: str) -> tuple[dict[str, Any] | None, ConfigIssue | None]:
    """A ``zone:`` item checked as Home Assistant does, numbers made floats."""
    if not isinstance(item, Mapping):
        return None, issue_at(item, None, path, "a zone maps name, latitude, longitude")
    if not isinstance(item.get("name"), str) or not item["name"]:
        return None, issue_at(item, "name", path, "a zone needs a 'name'")
    settings: dict[str, Any] = {"name": item["name"]}
    for key, low, high in (("latitude", -90.0, 90.0), ("longitude", -180.0, 180.0)):
        value = _number(item.get(key))
        if value is None or not low <= value <= high:
            return None, issue_at(item, key, f"{path}.{key}", f"a zone needs a valid '{key}'")
        settings[key] = value
    radius = _number(item.get("radius", DEFAULT_RADIUS))
    if radius is None:
        return None, issue_at(item, "radius", f"{path}.radius", "'radius' must be a number")
    settings["radius"] = radius
    passive = item.get("passive", False)
    if not isinstance(passive, bool):
        return None, issue_at(item, "passive", f"{path}.passive", "'passive' must be true or false")
    settings["passive"] = passive
    settings["icon"] = item.get("icon")
    return settings, None


def _stored_zone_settings(item: Any, path: str) -> tuple[dict[str, Any] | None, ConfigIssue | None]:
    """A ``.storage/zone`` item: a YAML item's keys, and its ``id``."""
    if isinstance(item, Mapping) and (not isinstance(item.get("id"), str) or not item["id"]):
        return None, issue_at(item, "id", f"{path}.id", "a stored zone needs an 'id'")
    settings, issue = _zone_settings(item, path)
    if settings is not None:
        settings["id"] = item["id"]
    return settings, issue


class _Presence:
    """Tells every zone of each person's changes, persons made after the zones included."""

    def __init__(self, runtime: Runtime, zones: Mapping[str, Zone]) -> None:
        self.runtime = runtime
        self.zones = zones
        self.followed: set[str] = set()
        for person in runtime.states.entity_ids("person"):
            self.follow(person)
        runtime.states.on_new("person", self.on_new_person)

    def follow(self, person: str) -> None:
        if person not in self.followed:
            self.followed.add(person)
            self.runtime.states.track(person, self.on_person)

    def on_new_person(self, event: Event) -> None:
        # Tracked now, the person's first state reaches on_person as its later ones will.
        self.follow(event.data["entity_id"])

    def on_person(self, event: Event) -> None:
        for zone in self.zones.values():
            zone.on_person(event)


def setup_zones(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Create the zones, each counting the persons that exist by now and those made later
    (set up after adapters and people), and ``zone.reload``. Every house has them,
    ``zone:`` or not: Home Assistant sets the zone integration up in every house."""
    issues: list[ConfigIssue] = []
    zones: dict[str, Zone] = {}
    # The registry keeps its entity ids for the stored zones: others are numbered around them.
    registry = read_entity_registry(runtime)
    _add_yaml_zones(runtime, zones, _yaml_zones(config.get(DOMAIN), issues), registry)
    stored, stored_issues = read_stored_items(runtime.config_dir, DOMAIN, _stored_zone_settings)
    issues.extend(stored_issues)
    for settings in stored:
        if registry.disabled(DOMAIN, settings["id"]):  # Home Assistant adds no disabled entity
            continue
        registered = registry.get(DOMAIN, settings["id"])
        entity_id = registered.entity_id if registered is not None else None
        if entity_id is None or entity_id in zones:  # the second Work: zone.work_2
            entity_id = registry.named_entity_id(DOMAIN, settings["name"], zones)
        _add_zone(runtime, zones, entity_id, settings, True)
    if HOME_ZONE not in zones:
        house = runtime.settings
        home = {
            "name": house.name,
            "latitude": house.latitude,
            "longitude": house.longitude,
            "radius": house.radius,
            "passive": False,
            "icon": "mdi:home",
        }
        _add_zone(runtime, zones, HOME_ZONE, home, True)
    _Presence(runtime, zones)
    runtime.components[DOMAIN] = zones
    runtime.services.register(DOMAIN, "reload", lambda call: _reload(runtime, zones, call))
    return issues


def _yaml_zones(block: Any, issues: list[ConfigIssue]) -> list[dict[str, Any]]:
    """The settings of the ``zone:`` block's good items; the bad ones' issues."""
    chosen = []
    for index, item in enumerate(block if isinstance(block, list) else [block] if block else []):
        settings, issue = _zone_settings(item, f"{DOMAIN}[{index}]")
        if issue is not None:
            issues.append(issue)
        elif settings is not None:
            chosen.append(settings)
    return chosen


def _add_yaml_zones(
    runtime: Runtime, zones: dict[str, Zone], chosen: list[dict[str, Any]], registry: EntityRegistry
) -> None:
    """The YAML zones, each named after its name around the zones there are already."""
    for settings in chosen:
        entity_id = registry.named_entity_id(DOMAIN, settings["name"], zones)
        _add_zone(runtime, zones, entity_id, settings, False)


def _reload(runtime: Runtime, zones: dict[str, Zone], call: ServiceCall) -> None:
    """``zone.reload``: the ``zone:`` block read again. As Home Assistant does (its YAML
    zones have no id to keep them by), every YAML zone is removed and the block's made
    anew; ``zone.home`` from the core settings and the zones made in its UI stay. A bad
    block fails the call and changes nothing (Home Assistant logs it and changes
    nothing)."""
    config = reread_config_dir(runtime.config_dir, "zones")
    issues: list[ConfigIssue] = []
    chosen = _yaml_zones(config.get(DOMAIN), issues)
    if issues:
        raise ValueError(str(issues[0]))
    for entity_id, zone in list(zones.items()):
        if not zone.editable:
            del zones[entity_id]
            runtime.states.remove(entity_id, context=call.context)
    registry = read_entity_registry(runtime)
    _add_yaml_zones(runtime, zones, chosen, registry)


def _add_zone(
    runtime: Runtime,
    zones: dict[str, Zone],
    entity_id: str,
    settings: Mapping[str, Any],
    editable: bool,
) -> None:
    """Make the zone and write its state now, counting the persons there already."""
    zone = Zone(runtime, entity_id, settings, editable)
    zones[entity_id] = zone
    persons = runtime.states.entity_ids("person")
    zone.persons = {person for person in persons if zone.holds(runtime.states.get(person))}
    zone.write()
