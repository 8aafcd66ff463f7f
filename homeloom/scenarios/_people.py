"""The people of the house, kept as Home Assistant's ``person`` integration keeps them.

Each ``person:`` item (id, name, device_trackers, user_id, picture) is one of the
household's people: the entity ``person.<name as a slug>`` that assemblages,
approvals and notification budgets name. Its state follows its device trackers:
the most recently updated router (non-GPS) tracker at home, else the most
recently updated GPS tracker (``source_type: gps``) whatever it says, else the
most recently updated tracker away; unknown and unavailable trackers, and router
trackers in a named zone, count for nothing. With no tracker left it is
``unknown``. Its attributes say which tracker it follows (``source``) and, from
that tracker, the coordinates and their accuracy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Event, Runtime, State

from ._errors import issue_at
from ._slugs import entity_slug

__all__ = ["Person", "setup_people"]

DOMAIN = "person"
_IGNORED = frozenset({"unknown", "unavailable"})


def _latest(best: State | None, state: State) -> State:
    """The more recently updated of two tracker states; the first listed on a tie."""
    return state if best is None or state.last_updated > best.last_updated else best


class Person:
    """One person entity and the trackers it follows."""

    def __init__(self, runtime: Runtime, entity_id: str, settings: Mapping[str, Any]) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.id = str(settings["id"])
        self.name = str(settings["name"])
        self.device_trackers: list[str] = list(settings["device_trackers"])
        self.user_id: str | None = settings.get("user_id")
        self.picture: str | None = settings.get("picture")

    def source(self) -> State | None:
        """The tracker state the person follows now, if any."""
        home = gps = away = None
        for entity_id in self.device_trackers:
            state = self.runtime.states.get(entity_id)
            if state is None or state.state in _IGNORED:
                continue
            if state.attributes.get("source_type") == "gps":
                gps = _latest(gps, state)
            elif state.state == "home":
                home = _latest(home, state)
            elif state.state == "not_home":
                away = _latest(away, state)
        return home or gps or away

    def update(self, _: Event | None = None) -> None:
        source = self.source()
        attributes: dict[str, Any] = {"editable": False, "id": self.id}
        if source is not None:
            for key in ("latitude", "longitude", "gps_accuracy"):
                value = source.attributes.get(key)
                if value is not None:
                    attributes[key] = value
            attributes["source"] = source.entity_id
        if self.user_id is not None:
            attributes["user_id"] = self.user_id
        attributes["device_trackers"] = list(self.device_trackers)
        if self.picture is not None:
            attributes["entity_picture"] = self.picture
        attributes["friendly_name"] = self.name
        state = source.state if source is not None else "unknown"
        self.runtime.states.set(self.entity_id, state, attributes)


def _person_settings(item: Any, path: str) -> tuple[dict[str, Any] | None, ConfigIssue | None]:
    if not isinstance(item, Mapping):
        return None, issue_at(item, None, path, "a person is a mapping with id and name")
    for key in ("id", "name"):
        if not isinstance(item.get(key), str | int) or item.get(key) in ("", None):
            return None, issue_at(item, key, f"{path}.{key}", f"a person needs an '{key}'")
    trackers = item.get("device_trackers") or []
    if isinstance(trackers, str):
        trackers = [trackers]
    if not isinstance(trackers, list) or not all(
        isinstance(t, str) and t.startswith("device_tracker.") for t in trackers
    ):
        message = "'device_trackers' lists device_tracker entities"
        return None, issue_at(item, "device_trackers", f"{path}.device_trackers", message)
    user_id, picture = item.get("user_id"), item.get("picture")
    return {
        "id": item["id"],
        "name": item["name"],
        "device_trackers": [t.lower() for t in trackers],
        "user_id": str(user_id) if user_id is not None else None,
        "picture": str(picture) if picture is not None else None,
    }, None


def setup_people(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """One person entity per ``person:`` item, following its trackers from now on
    (set up after adapters publish the trackers, before automations attach)."""
    block = config.get(DOMAIN)
    if block is None:
        return []
    items = block if isinstance(block, list) else [block]
    issues: list[ConfigIssue] = []
    people: dict[str, Person] = {}
    ids: set[str] = set()
    for index, item in enumerate(items):
        path = f"{DOMAIN}[{index}]"
        settings, issue = _person_settings(item, path)
        if issue is not None:
            issues.append(issue)
            continue
        assert settings is not None
        if str(settings["id"]) in ids:
            issues.append(issue_at(item, "id", f"{path}.id", f"duplicate person id {item['id']!r}"))
            continue
        ids.add(str(settings["id"]))
        slug = entity_slug(str(settings["name"]))
        entity_id, suffix = f"{DOMAIN}.{slug}", 2
        while entity_id in people:  # two people of one name: the second gets a number
            entity_id, suffix = f"{DOMAIN}.{slug}_{suffix}", suffix + 1
        person = Person(runtime, entity_id, settings)
        people[entity_id] = person
        person.update()
        if person.device_trackers:
            runtime.states.track(person.device_trackers, person.update)
    runtime.components[DOMAIN] = people
    return issues
