"""Old-style groups, configured in YAML or made with ``group.set``, as in Home Assistant."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from homeloom.orchestrator import Context, Event, Runtime, ServiceCall, slugify, valid_entity_id

from ._helpers_base import HelperConfig, HelperEntity, entity_provider

__all__ = ["Group", "install_group_services"]


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
