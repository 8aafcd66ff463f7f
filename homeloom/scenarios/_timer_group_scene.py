"""Timers, old-style groups and scenes, configured in YAML as in Home Assistant.

Timers differ from Home Assistant on purpose: a running timer survives a
restart with its remaining time (its ``finishes_at`` is kept), and one that
ran out while the house was down finishes at start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from homeloom.orchestrator import (
    ConfigIssue,
    Context,
    Event,
    HomeloomError,
    Runtime,
    ServiceCall,
    ServiceValidationError,
    Unsubscribe,
    slugify,
    split_entity_id,
    valid_entity_id,
)

from ._durations import DurationError, parse_duration
from ._errors import issue_at
from ._helpers_base import HelperConfig, HelperEntity, entity_provider

__all__ = ["Group", "Timer", "setup_scenes"]

_LOGGER = logging.getLogger(__name__)


def _duration_text(value: timedelta) -> str:
    seconds = round(value.total_seconds())
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _as_duration(value: Any) -> timedelta:
    try:
        return parse_duration(value)
    except DurationError as err:
        raise ValueError(str(err)) from None


class TimerConfig(HelperConfig):
    duration: timedelta = timedelta()
    restore: bool = True

    @field_validator("duration", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> timedelta:
        return _as_duration(value)


class _Start(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    duration: Any = None


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    duration: Any


class Timer(HelperEntity):
    domain = "timer"
    config_model = TimerConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {
        "start": _Start,
        "pause": None,
        "cancel": None,
        "finish": None,
        "change": _Change,
    }
    config: TimerConfig

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # ``duration`` is the running duration: a ``timer.start`` with a duration sets it for
        # that run only; cancelling or finishing brings back the configured one.
        self.duration = self.config.duration
        # As in Home Assistant, ``remaining`` is only brought up to date on start, pause and
        # change: a restart of an active timer runs for the remaining time of its last start.
        self.remaining: timedelta | None = None
        self.finishes_at: datetime | None = None
        self._cancel: Unsubscribe | None = None

    def _write(self, state: str, context: Context | None = None) -> None:
        extra: dict[str, Any] = {"duration": _duration_text(self.duration)}
        if self.config.restore:
            extra["restore"] = True
        if self.remaining is not None and state != "idle":
            extra["remaining"] = _duration_text(self.remaining)
        if self.finishes_at is not None and state == "active":
            extra["finishes_at"] = self.finishes_at.isoformat()
        self.write(state, context, **extra)

    def restore(self) -> None:
        previous = self.previous()
        if not self.config.restore or previous is None or previous.state == "idle":
            self._write("idle")
            return
        if previous.attributes.get("duration"):
            self.duration = _as_duration(previous.attributes["duration"])
        if previous.state == "paused" and previous.attributes.get("remaining"):
            self.remaining = _as_duration(previous.attributes["remaining"])
            self._write("paused")
            return
        finishes = previous.attributes.get("finishes_at")
        if previous.state == "active" and finishes:
            self.finishes_at = datetime.fromisoformat(str(finishes))
            self.remaining = max(self.finishes_at - self.runtime.now(), timedelta())
            self._write("active")
            self._arm()
            return
        self.duration = self.config.duration
        self._write("idle")

    def _arm(self) -> None:
        self._disarm()
        assert self.finishes_at is not None
        self._cancel = self.runtime.scheduler.call_at(self.finishes_at, self._finished)

    def _disarm(self) -> None:
        if self._cancel is not None:
            self._cancel()
            self._cancel = None

    def _finished(self, _: datetime) -> None:
        self._cancel = None
        self._finish(Context(origin="system", source=self.entity_id))

    def _finish(self, context: Context) -> None:
        """Back to idle with the configured duration; ``timer.finished`` says when it ended."""
        end = self.finishes_at
        self._disarm()
        self._idle(context)
        finished_at = end.astimezone(UTC).isoformat() if end is not None else None
        self._event("finished", context, finished_at=finished_at)

    def _idle(self, context: Context) -> None:
        self.finishes_at = None
        self.remaining = None
        self.duration = self.config.duration
        self._write("idle", context)

    def _event(self, what: str, context: Context, **data: Any) -> None:
        self.runtime.bus.fire(f"timer.{what}", {"entity_id": self.entity_id, **data}, context)

    def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        """The commands as in Home Assistant: ``cancel`` always fires ``timer.cancelled``,
        ``finish`` acts on an active timer only, and ``change`` fails unless the timer is
        active and the new remaining time lies between zero and the running duration."""
        state = self.runtime.states.get(self.entity_id)
        current = state.state if state is not None else "idle"
        now = self.runtime.now().replace(microsecond=0)
        if service == "start":
            self._start(data, current, now, context)
        elif service == "pause" and current == "active" and self.finishes_at is not None:
            self._disarm()
            self.remaining = self.finishes_at - now
            self.finishes_at = None
            self._write("paused", context)
            self._event("paused", context)
        elif service == "cancel":
            self._disarm()
            self._idle(context)
            self._event("cancelled", context)
        elif service == "finish" and current == "active" and self.finishes_at is not None:
            self._finish(context)
        elif service == "change":
            self._change(_as_duration(data["duration"]), service, context, now)

    def _start(
        self, data: Mapping[str, Any], current: str, now: datetime, context: Context
    ) -> None:
        length = _as_duration(data["duration"]) if data.get("duration") is not None else None
        if length:
            self.duration = length
        remaining = length or self.remaining or self.duration
        self.remaining = remaining
        self.finishes_at = now + remaining
        self._write("active", context)
        self._arm()
        self._event("restarted" if current in ("active", "paused") else "started", context)

    def _change(self, delta: timedelta, service: str, context: Context, now: datetime) -> None:
        if self._cancel is None or self.finishes_at is None:
            raise ServiceValidationError(
                self.domain, service, "", f"timer {self.entity_id} is not running"
            )
        if self.remaining and self.remaining + delta > self.duration:
            raise ServiceValidationError(
                self.domain, service, "duration", f"cannot change {self.entity_id} beyond duration"
            )
        if self.remaining and self.remaining + delta < timedelta():
            raise ServiceValidationError(
                self.domain, service, "duration", "the remaining time cannot be negative"
            )
        self.finishes_at += delta
        self.remaining = self.finishes_at - now
        self._write("active", context)
        self._arm()
        self._event("changed", context)


# --- groups ---------------------------------------------------------------------------------

_PAIRS = (
    ("on", "off"),
    ("home", "not_home"),
    ("open", "closed"),
    ("locked", "unlocked"),
    ("playing", "idle"),
    ("problem", "ok"),
)


class GroupConfig(HelperConfig):
    entities: list[str] = Field(min_length=1)
    all: bool = False

    @field_validator("entities", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("entities")
    @classmethod
    def _valid(cls, value: list[str]) -> list[str]:
        for entity_id in value:
            if not valid_entity_id(entity_id.lower()):
                raise ValueError(f"{entity_id!r} is not an entity id")
        return [v.lower() for v in value]


class Group(HelperEntity):
    domain = "group"
    config_model = GroupConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {}
    config: GroupConfig

    def attributes(self) -> dict[str, Any]:
        return {**super().attributes(), "entity_id": list(self.config.entities)}

    def restore(self) -> None:
        self._untrack = self.runtime.states.track(self.config.entities, self._member_changed)
        self._update(None)

    def reconfigure(self, config: GroupConfig, context: Context | None) -> None:
        """``group.set`` on an existing group: new members, name or mode at once."""
        self._untrack()
        self.config = config
        self.name = config.name or self.object_id.replace("_", " ").capitalize()
        self._untrack = self.runtime.states.track(config.entities, self._member_changed)
        self._update(context)

    def remove(self, context: Context | None) -> None:
        self._untrack()
        self.runtime.states.remove(self.entity_id, context=context)

    def _member_changed(self, event: Event) -> None:
        self._update(event.context)

    def _update(self, context: Context | None) -> None:
        states = [self.runtime.states.get(e) for e in self.config.entities]
        values = [
            s.state for s in states if s is not None and s.state not in ("unavailable", "unknown")
        ]
        if not values:
            self.write("unknown", context)
            return
        pair = next((p for p in _PAIRS if values[0] in p), ("on", "off"))
        on = [v == pair[0] for v in values if v in pair]
        result = (all(on) if self.config.all else any(on)) if on else False
        self.write(pair[0] if result else pair[1], context)

    async def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        await self.runtime.services.call(
            "homeassistant",
            service,
            dict(data),
            target={"entity_id": self.config.entities},
            context=context,
        )


# --- scenes ---------------------------------------------------------------------------------

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


class _GroupSet(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    object_id: str
    name: str | None = None
    icon: str | None = None
    all: bool | None = None
    entities: list[str] | str | None = None
    add_entities: list[str] | str | None = None
    remove_entities: list[str] | str | None = None


class _GroupRemove(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    object_id: str


def _listed(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [item.strip().lower() for item in items if item.strip()]


def install_group_services(runtime: Runtime, groups: dict[str, HelperEntity]) -> None:
    """``group.set`` and ``group.remove``: groups that scenarios make and change while running,
    as Home Assistant's old-style groups allow."""

    def set_group(call: ServiceCall) -> None:
        data = call.data
        object_id = slugify(str(data["object_id"]))
        current = groups.get(f"group.{object_id}")
        members = list(current.config.entities) if isinstance(current, Group) else []
        if data.get("entities") is not None:
            members = _listed(data["entities"])
        members += [e for e in _listed(data.get("add_entities")) if e not in members]
        removed = set(_listed(data.get("remove_entities")))
        members = [e for e in members if e not in removed]
        old = current.config if isinstance(current, Group) else None
        config = GroupConfig.model_validate(
            {
                "name": data.get("name") or (old.name if old else None),
                "icon": data.get("icon") or (old.icon if old else None),
                "all": data["all"] if data.get("all") is not None else bool(old and old.all),
                "entities": members,
            }
        )
        if isinstance(current, Group):
            current.reconfigure(config, call.context)
            return
        group = Group(runtime, object_id, config)
        groups[group.entity_id] = group
        group.restore()
        runtime.services.set_provider(group.entity_id, entity_provider(group))

    def remove_group(call: ServiceCall) -> None:
        group = groups.pop(f"group.{slugify(str(call.data['object_id']))}", None)
        if isinstance(group, Group):
            group.remove(call.context)

    runtime.services.register("group", "set", set_group, schema=_GroupSet)
    runtime.services.register("group", "remove", remove_group, schema=_GroupRemove)
