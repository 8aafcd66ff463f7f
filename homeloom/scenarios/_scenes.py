"""Scenes, configured in YAML or made with ``scene.create``, as in Home Assistant."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    HomeloomError,
    Runtime,
    ServiceCall,
    slugify,
    split_entity_id,
)

from ._errors import issue_at

__all__ = ["setup_scenes"]

_LOGGER = logging.getLogger(__name__)

_STATE_SERVICES = {
    "on": "turn_on",
    "off": "turn_off",
    "open": "open_cover",
    "closed": "close_cover",
    "locked": "lock",
    "unlocked": "unlock",
    "playing": "media_play",
    "paused": "media_pause",
    "idle": "media_stop",
}
_SCENE_ATTRIBUTES = {
    "light": ("brightness", "color_temp_kelvin", "rgb_color", "hs_color", "xy_color", "effect"),
    "cover": ("position",),
    "climate": ("temperature", "target_temp_high", "target_temp_low"),
    "media_player": ("volume_level", "source"),
    "fan": ("percentage", "preset_mode"),
}


def _scene_calls(entities: Mapping[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    """(domain, service, data, entity_id) that bring each entity to its wanted state."""
    calls: list[tuple[str, str, dict[str, Any], str]] = []
    for entity_id, wanted in entities.items():
        entity_id = str(entity_id).lower()
        domain = split_entity_id(entity_id)[0]
        spec = dict(wanted) if isinstance(wanted, Mapping) else {"state": wanted}
        state = spec.pop("state", None)
        state = "on" if state is True else "off" if state is False else state
        data = {k: v for k, v in spec.items() if k in _SCENE_ATTRIBUTES.get(domain, ())}
        if domain == "cover" and "current_position" in spec:
            data["position"] = spec["current_position"]
        if domain == "cover" and "position" in data:
            calls.append((domain, "set_cover_position", data, entity_id))
        elif domain in ("input_number", "number"):
            calls.append((domain, "set_value", {"value": state}, entity_id))
        elif domain in ("input_select", "select"):
            calls.append((domain, "select_option", {"option": state}, entity_id))
        elif domain == "input_text":
            calls.append((domain, "set_value", {"value": state}, entity_id))
        elif domain == "climate" and state is not None:
            calls.append((domain, "set_hvac_mode", {"hvac_mode": state}, entity_id))
            if data:
                calls.append((domain, "set_temperature", data, entity_id))
        elif state is not None and str(state) in _STATE_SERVICES:
            service = _STATE_SERVICES[str(state)]
            calls.append((domain, service, data if service == "turn_on" else {}, entity_id))
    return calls


class _SceneData(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    transition: float | None = None


async def _apply(
    runtime: Runtime, entities: Mapping[str, Any], context: Context, transition: float | None
) -> None:
    jobs = []
    for domain, service, data, entity_id in _scene_calls(entities):
        payload = dict(data)
        if transition is not None and domain == "light":
            payload["transition"] = transition
        jobs.append(
            runtime.services.call(
                domain, service, payload, target={"entity_id": entity_id}, context=context
            )
        )
    results = await asyncio.gather(*jobs, return_exceptions=True)
    for result in results:
        if isinstance(result, HomeloomError):
            _LOGGER.warning("scene: %s", result)


def setup_scenes(runtime: Runtime, config: Mapping[str, Any]) -> list[ConfigIssue]:
    """``scene:`` items, ``scene.turn_on``, ``scene.apply`` and ``scene.create``."""
    issues: list[ConfigIssue] = []
    scenes: dict[str, Mapping[str, Any]] = {}
    block = config.get("scene")
    items = block if isinstance(block, list) else [] if block is None else None
    if items is None:
        return [issue_at(config, "scene", "scene", "expected a list of scenes")]
    for index, item in enumerate(items):
        path = f"scene[{index}]"
        if (
            not isinstance(item, Mapping)
            or not item.get("name")
            or not isinstance(item.get("entities"), Mapping)
        ):
            issues.append(issue_at(items, index, path, "a scene needs 'name' and 'entities'"))
            continue
        entity_id = f"scene.{item.get('id') or slugify(str(item['name']))}"
        scenes[entity_id] = item["entities"]
        runtime.states.set(
            entity_id,
            "unknown",
            {"friendly_name": str(item["name"]), "entity_id": list(item["entities"])},
        )
    created: dict[str, Mapping[str, Any]] = {}

    async def turn_on(call: ServiceCall) -> None:
        options = _SceneData.model_validate(dict(call.data))
        for entity_id in call.entity_ids:
            entities = scenes.get(entity_id) or created.get(entity_id)
            if entities is None:
                continue
            await _apply(runtime, entities, call.context, options.transition)
            current = runtime.states.get(entity_id)
            runtime.states.set(
                entity_id,
                runtime.now().isoformat(),
                current.attributes if current else {},
                context=call.context,
            )

    async def apply(call: ServiceCall) -> None:
        entities = call.data.get("entities")
        if not isinstance(entities, Mapping):
            raise HomeloomError("scene.apply needs 'entities'")
        await _apply(runtime, entities, call.context, call.data.get("transition"))

    async def create(call: ServiceCall) -> None:
        scene_id = str(call.data.get("scene_id") or "")
        if not scene_id:
            raise HomeloomError("scene.create needs 'scene_id'")
        entities = dict(call.data.get("entities") or {})
        for snap in call.data.get("snapshot_entities") or []:
            state = runtime.states.get(str(snap))
            if state is not None:
                entities[str(snap)] = {"state": state.state, **dict(state.attributes)}
        entity_id = f"scene.{scene_id}"
        created[entity_id] = entities
        runtime.states.set(
            entity_id, "unknown", {"friendly_name": scene_id, "entity_id": list(entities)}
        )

    services = runtime.services
    if not services.has("scene", "turn_on"):
        services.register(
            "scene",
            "turn_on",
            turn_on,
            schema=_SceneData,
            target="required",
            entity_domains=("scene",),
        )
        services.register("scene", "apply", apply)
        services.register("scene", "create", create)
    return issues
