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

People made in Home Assistant's UI (``.storage/person``, see ``_ha_collections``)
come after the YAML ones and are ``editable``. A person's entity id is the one
Home Assistant's entity registry gives its id, else made from its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import ConfigIssue, Context, Event, Runtime, ServiceCall, State
from homeloom.orchestrator.types import Unsubscribe

from ._config_dir import reread_config_dir
from ._errors import issue_at
from ._ha_collections import read_entity_registry, read_stored_items

__all__ = ["Person", "setup_people"]

DOMAIN = "person"
_IGNORED = frozenset({"unknown", "unavailable"})


def _latest(best: State | None, state: State) -> State:
    """The more recently updated of two tracker states; the first listed on a tie."""
    return state if best is None or state.last_updated > best.last_updated else best


class Person:
    """One person entity and the trackers it follows."""

    def __init__(
        self,
        runtime: Runtime,
        entity_id: str,
        settings: Mapping[str, Any],
        editable: bool = False,
    ) -> None:
        self.runtime = runtime
        self.entity_id = entity_id
        self.editable = editable
        self.id = str(settings["id"])
        self._untrack: Unsubscribe | None = None
        self.configure(settings)

    def configure(self, settings: Mapping[str, Any]) -> None:
        """Take these settings (at first, or from a reload) and write the state they give."""
        self.name = str(settings["name"])
        self.device_trackers: list[str] = list(settings["device_trackers"])
        self.user_id: str | None = settings.get("user_id")
        self.picture: str | None = settings.get("picture")
        if self._untrack is not None:
            self._untrack()
            self._untrack = None
        if self.device_trackers:
            self._untrack = self.runtime.states.track(self.device_trackers, self.update)
        self.update()

    def remove(self, context: Context) -> None:
        if self._untrack is not None:
            self._untrack()
        self.runtime.states.remove(self.entity_id, context=context)

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
        attributes: dict[str, Any] = {"editable": self.editable, "id": self.id}
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
    """One person entity per ``person:`` item, then per item of ``.storage/person``,
    following its trackers from now on (set up after adapters publish the trackers,
    before automations attach), and ``person.reload``. Every house has them, ``person:``
    or not: Home Assistant sets the person integration up in every house."""
    issues: list[ConfigIssue] = []
    chosen = _yaml_people(config.get(DOMAIN), issues)
    stored, stored_issues = read_stored_items(runtime.config_dir, DOMAIN, _person_settings)
    issues.extend(stored_issues)
    for settings in stored:
        if str(settings["id"]) in chosen:  # Home Assistant keeps the YAML one too
            message = f"duplicate person id {settings['id']!r}"
            where = f"{settings['path']}.id"
            issues.append(ConfigIssue(message, file=settings["file"], key=where))
        else:
            chosen[str(settings["id"])] = {**settings, "editable": True}
    people: dict[str, Person] = {}
    _make_people(runtime, list(chosen.values()), people)
    runtime.components[DOMAIN] = people
    runtime.services.register(DOMAIN, "reload", lambda call: _reload(runtime, people, call))
    return issues


def _yaml_people(block: Any, issues: list[ConfigIssue]) -> dict[str, dict[str, Any]]:
    """The ``person:`` block's valid items by id (the first of an id is kept)."""
    chosen: dict[str, dict[str, Any]] = {}
    for index, item in enumerate(block if isinstance(block, list) else [block] if block else []):
        path = f"{DOMAIN}[{index}]"
        settings, issue = _person_settings(item, path)
        if issue is not None:
            issues.append(issue)
        elif settings is not None and str(settings["id"]) in chosen:
            message = f"duplicate person id {settings['id']!r}"
            issues.append(issue_at(item, "id", f"{path}.id", message))
        elif settings is not None:
            chosen[str(settings["id"])] = settings
    return chosen


def _reload(runtime: Runtime, people: dict[str, Person], call: ServiceCall) -> None:
    """``person.reload``: the ``person:`` block read again. A person kept (by id) is
    updated in place, a new one made, a dropped one removed; the people made in Home
    Assistant's UI stay. A bad block fails the call and changes nothing (Home
    Assistant logs it and changes nothing)."""
    config = reread_config_dir(runtime.config_dir, "people")
    issues: list[ConfigIssue] = []
    chosen = _yaml_people(config.get(DOMAIN), issues)
    if issues:
        raise ValueError(str(issues[0]))
    by_id = {person.id: person for person in people.values()}
    for person in list(people.values()):
        if not person.editable and person.id not in chosen:
            del people[person.entity_id]
            person.remove(call.context)
    added = []
    for person_id, settings in chosen.items():
        kept = by_id.get(person_id)
        if kept is None:
            added.append(settings)
        elif not kept.editable:  # a UI person's id is its own: the YAML one is skipped
            kept.configure(settings)
    _make_people(runtime, added, people)


def _make_people(runtime: Runtime, chosen: list[dict[str, Any]], people: dict[str, Person]) -> None:
    """The person entities, in order, into ``people``: each named by the entity registry
    if it has its id, else after its name (numbered around the names it keeps); none
    for one disabled there, as Home Assistant adds no disabled entity."""
    registry = read_entity_registry(runtime)
    for settings in chosen:
        if registry.disabled(DOMAIN, settings["id"]):
            continue
        registered = registry.get(DOMAIN, settings["id"])
        entity_id = registered.entity_id if registered is not None else None
        if entity_id is None or entity_id in people:  # the second Ann: ann_2
            entity_id = registry.named_entity_id(DOMAIN, str(settings["name"]), people)
        people[entity_id] = Person(runtime, entity_id, settings, settings.get("editable", False))
