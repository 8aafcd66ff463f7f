"""Scenes, configured in YAML or made with ``scene.create``, as in Home Assistant.

A scene's state is the moment (UTC, ISO) it was last turned on, ``unknown`` before;
it is written before the scene's entities are set. What turning a scene on calls,
entity by entity, is in ``_reproduce``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    HomeloomError,
    Runtime,
    ServiceCall,
    ServiceValidationError,
    slugify,
    valid_entity_id,
)

from ._config_dir import load_config_dir
from ._errors import issue_at
from ._registered_ids import registered_entity_id, with_registry_names
from ._reproduce import WantedState, reproduce_states
from ._slugs import entity_slug

__all__ = ["setup_scenes"]

_LOGGER = logging.getLogger(__name__)
DOMAIN = "scene"
EVENT_SCENE_RELOADED = "scene_reloaded"
_ITEM_KEYS = frozenset({"id", "name", "icon", "entities", "metadata"})


def wanted_states(entities: Any) -> dict[str, WantedState]:
    """A scene's ``entities``: each a state, or a mapping of ``state`` and attributes.
    A YAML boolean is ``on``/``off``; any other state that is not text is refused."""
    if not isinstance(entities, Mapping):
        raise ValueError("expected a mapping of entities")
    wanted: dict[str, WantedState] = {}
    for key, spec in entities.items():
        entity_id = str(key).strip().lower()
        if not valid_entity_id(entity_id):
            raise ValueError(f"invalid entity id {key!r}")
        attributes = dict(spec) if isinstance(spec, Mapping) else {}
        state = attributes.pop("state", None) if isinstance(spec, Mapping) else spec
        if isinstance(state, bool):
            state = "on" if state else "off"
        elif not isinstance(state, str):
            raise ValueError(f"State for {entity_id} should be a string")
        wanted[entity_id] = WantedState(entity_id, state, attributes)
    return wanted


@dataclass
class _Scene:
    entity_id: str
    name: str
    states: dict[str, WantedState]
    unique_id: str | None = None
    icon: str | None = None
    from_service: bool = False

    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = {"entity_id": list(self.states)}
        if self.unique_id is not None:
            attributes["id"] = self.unique_id
        attributes["friendly_name"] = self.name
        if self.icon is not None:
            attributes["icon"] = self.icon
        return attributes


def _read_items(config: Mapping[str, Any]) -> tuple[list[tuple[Any, ...]], list[ConfigIssue]]:
    """The good ``scene:`` items as (name, states, id, icon); an issue for each bad one,
    which is left out while the others load, as in Home Assistant."""
    block = config.get(DOMAIN)
    items = block if isinstance(block, list) else [] if block is None else [block]
    good: list[tuple[Any, ...]] = []
    issues: list[ConfigIssue] = []
    for index, item in enumerate(items):
        path = f"scene[{index}]"
        container, key = (items, index) if isinstance(block, list) else (config, DOMAIN)
        if not isinstance(item, Mapping) or item.get("name") in (None, ""):
            issues.append(issue_at(container, key, path, "a scene needs 'name' and 'entities'"))
            continue
        if unknown := sorted(str(key) for key in item if key not in _ITEM_KEYS):
            issues.append(
                issue_at(container, key, path, f"extra keys not allowed: {', '.join(unknown)}")
            )
            continue
        try:
            states = wanted_states(item.get("entities"))
        except ValueError as err:
            issues.append(issue_at(container, key, f"{path}.entities", str(err)))
            continue
        unique_id = None if item.get("id") is None else str(item["id"])
        icon = None if item.get("icon") is None else str(item["icon"])
        good.append((str(item["name"]), states, unique_id, icon))
    return good, issues


class _SceneData(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    transition: float | None = None

    @field_validator("transition")
    @classmethod
    def _clamp(cls, value: float | None) -> float | None:
        return None if value is None else min(max(value, 0.0), 6553.0)


class _ApplyData(_SceneData):
    entities: dict[str, Any]


class _Scenes:
    """Every scene of the house, and the ``scene`` services."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.scenes: dict[str, _Scene] = {}
        # Each scene's last activation, kept when the scene is removed: a scene made
        # again under the same entity id (reloaded, created again) starts from it, as
        # Home Assistant restores a removed entity's last state.
        self.last_activated: dict[str, str] = {}

    def add(self, scene: _Scene) -> None:
        self.scenes[scene.entity_id] = scene
        state = self.last_activated.get(scene.entity_id, "unknown")
        self.runtime.states.set(scene.entity_id, state, self._shown(scene))

    def _shown(self, scene: _Scene) -> Mapping[str, Any]:
        return with_registry_names(self.runtime, scene.entity_id, scene.attributes())

    def remove(self, entity_id: str, context: Context | None = None) -> None:
        if self.scenes.pop(entity_id, None) is not None:
            self.runtime.states.remove(entity_id, context=context)

    def add_yaml(self, items: list[tuple[Any, ...]]) -> None:
        for name, states, unique_id, icon in items:
            base = f"{DOMAIN}.{entity_slug(str(name))}"  # as Home Assistant names it
            # Registered under the platform ``homeassistant`` by the scene's id.
            taken = set(self.scenes)
            entity_id = registered_entity_id(self.runtime, base, taken, "homeassistant", unique_id)
            if entity_id is None:  # not added, as Home Assistant does not
                continue
            self.add(_Scene(entity_id, name, states, unique_id, icon))

    async def activate(self, scene: _Scene, context: Context, transition: float | None) -> None:
        moment = self.runtime.now().astimezone(UTC).isoformat()
        self.last_activated[scene.entity_id] = moment
        self.runtime.states.set(scene.entity_id, moment, self._shown(scene), context=context)
        await reproduce_states(self.runtime, scene.states.values(), context, transition)

    async def turn_on(self, call: ServiceCall) -> None:
        options = _SceneData.model_validate(dict(call.data))
        chosen = [self.scenes[e] for e in call.entity_ids if e in self.scenes]
        await asyncio.gather(
            *(self.activate(scene, call.context, options.transition) for scene in chosen)
        )

    async def apply(self, call: ServiceCall) -> None:
        options = _ApplyData.model_validate(dict(call.data))
        try:
            states = wanted_states(options.entities)
        except ValueError as err:
            raise ServiceValidationError(
                DOMAIN, "apply", "entities", str(err), invalid_data=True
            ) from None
        await reproduce_states(self.runtime, states.values(), call.context, options.transition)

    async def create(self, call: ServiceCall) -> None:
        scene_id, states = self._create_request(call.data)
        for snapshot in _as_list(call.data.get("snapshot_entities")):
            if (state := self.runtime.states.get(snapshot)) is None:
                _LOGGER.warning("Entity %s does not exist and cannot be snapshotted", snapshot)
                continue
            states[snapshot] = WantedState(snapshot, state.state, dict(state.attributes))
        if not states:
            _LOGGER.warning("Empty scenes are not allowed")
            return
        entity_id = f"{DOMAIN}.{scene_id}"
        old = self.scenes.get(entity_id)
        if old is not None and not old.from_service:
            _LOGGER.warning("The scene %s already exists", entity_id)
            return
        self.remove(entity_id, call.context)
        self.add(_Scene(entity_id, scene_id, states, from_service=True))

    @staticmethod
    def _create_request(data: Mapping[str, Any]) -> tuple[str, dict[str, WantedState]]:
        """``scene.create``'s scene id and ``entities``, checked as Home Assistant does."""

        def invalid(field: str, message: str) -> ServiceValidationError:
            return ServiceValidationError(DOMAIN, "create", field, message, invalid_data=True)

        if "entities" not in data and "snapshot_entities" not in data:
            raise invalid("entities", "must contain at least one of entities, snapshot_entities")
        snapshot = _as_list(data.get("snapshot_entities"))
        if any(entity_id in snapshot for entity_id in data.get("entities") or {}):
            raise invalid("entities", "entities and snapshot_entities must not overlap")
        scene_id = str(data.get("scene_id") or "")
        if not scene_id or slugify(scene_id) != scene_id:
            raise invalid("scene_id", f"invalid slug {scene_id!r}")
        try:
            return scene_id, wanted_states(data.get("entities") or {})
        except ValueError as err:
            raise invalid("entities", str(err)) from None

    def delete(self, call: ServiceCall) -> None:
        for entity_id in call.entity_ids:
            scene = self.scenes.get(entity_id)
            if scene is None:
                raise HomeloomError(f"{entity_id} is not a valid scene entity_id")
            if not scene.from_service:
                raise HomeloomError(
                    f"The scene {entity_id} is not created with service `scene.create`"
                )
            self.remove(entity_id, call.context)

    def reload(self, call: ServiceCall) -> None:
        """The ``scene:`` block read again; every scene, made by ``scene.create`` too, is
        made anew, as Home Assistant resets the whole platform."""
        if self.runtime.config_dir is None:
            raise HomeloomError("scenes were not loaded from a configuration directory")
        loaded = load_config_dir(self.runtime.config_dir)
        config = loaded.value if isinstance(loaded.value, Mapping) else {}
        items, issues = _read_items(config)
        for issue in issues:
            _LOGGER.error("reloading scenes: %s", issue)
        for entity_id in list(self.scenes):
            self.remove(entity_id, call.context)
        self.add_yaml(items)
        self.runtime.bus.fire(EVENT_SCENE_RELOADED, {}, call.context)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip().lower() for item in items]


def setup_scenes(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """``scene:`` items and the ``scene`` services (turn_on, apply, create, delete, reload)."""
    items, issues = _read_items(config)
    scenes = _Scenes(runtime)
    scenes.add_yaml(items)
    services = runtime.services
    if not services.has(DOMAIN, "turn_on"):
        services.register(
            DOMAIN,
            "turn_on",
            scenes.turn_on,
            schema=_SceneData,
            target="required",
            entity_domains=(DOMAIN,),
        )
        services.register(DOMAIN, "apply", scenes.apply)
        services.register(DOMAIN, "create", scenes.create)
        services.register(
            DOMAIN, "delete", scenes.delete, target="required", entity_domains=(DOMAIN,)
        )
        services.register(DOMAIN, "reload", scenes.reload)
    return issues
