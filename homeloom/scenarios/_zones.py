"""Zones, kept as Home Assistant's ``zone`` integration keeps them.

A configuration with ``zone:`` or ``default_config:`` has ``zone.home``, made from
the core settings (the house's name and coordinates, a 100 m radius), and one
entity per ``zone:`` item (name, latitude, longitude, radius, passive, icon),
named after it; an item named Home takes ``zone.home``'s place. A zone's state is
how many persons are in it, listed (sorted) in its ``persons`` attribute: a person
is in a zone when its state is the zone's name (in any case), or ``home`` for
``zone.home``. Coordinates only matter to zone triggers and conditions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Event, Runtime, State

from ._errors import issue_at
from ._slugs import entity_slug

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


def setup_zones(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """Create the zones when the configuration has ``zone:`` or ``default_config:``, each
    counting the persons that exist by now (set up after adapters and people)."""
    if DOMAIN not in config and "default_config" not in config:
        return []
    block = config.get(DOMAIN) or []
    items = block if isinstance(block, list) else [block]
    issues: list[ConfigIssue] = []
    zones: dict[str, Zone] = {}
    for index, item in enumerate(items):
        settings, issue = _zone_settings(item, f"{DOMAIN}[{index}]")
        if issue is not None:
            issues.append(issue)
            continue
        assert settings is not None
        slug = entity_slug(settings["name"])
        entity_id, suffix = f"{DOMAIN}.{slug}", 2
        while entity_id in zones:  # two zones of one name: the second gets a number
            entity_id, suffix = f"{DOMAIN}.{slug}_{suffix}", suffix + 1
        zones[entity_id] = Zone(runtime, entity_id, settings, editable=False)
    if HOME_ZONE not in zones:
        house = runtime.settings
        home = {
            "name": house.name,
            "latitude": house.latitude,
            "longitude": house.longitude,
            "radius": DEFAULT_RADIUS,
            "passive": False,
            "icon": "mdi:home",
        }
        zones[HOME_ZONE] = Zone(runtime, HOME_ZONE, home, editable=True)
    persons = runtime.states.entity_ids("person")
    for zone in zones.values():
        zone.persons = {person for person in persons if zone.holds(runtime.states.get(person))}
        zone.write()
        runtime.states.track(persons, zone.on_person)
    runtime.components[DOMAIN] = zones
    return issues
