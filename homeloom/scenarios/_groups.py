"""Old-style groups, configured in YAML or made with ``group.set``, as in Home Assistant.

A group's state follows Home Assistant 2024.3: each domain has its "on" states
and one "off" state (a lock is "on" when unlocked, a media player when
playing, paused or idle); a group whose members' domains share one on state
takes that state and its off state (``home``/``not_home``), one that mixes
them is ``on``/``off``. Unknown or unavailable members count as off, members
that do not exist yet do not count, and a domain it does not know (a group of
groups) counts by its state alone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from homeloom.orchestrator import (
    Context,
    Event,
    Runtime,
    ServiceCall,
    State,
    slugify,
    valid_entity_id,
)

from ._config_dir import load_config_dir
from ._helpers_base import HelperConfig, HelperEntity, entity_provider, setup_kind

__all__ = ["Group", "group_items", "install_group_services"]


# Each domain's on states and its off state, as its integration describes them to groups.
_DOMAIN_STATES: dict[str, tuple[frozenset[str], str]] = {
    "alarm_control_panel": (
        frozenset(
            {
                "armed_away",
                "armed_custom_bypass",
                "armed_home",
                "armed_night",
                "armed_vacation",
                "triggered",
            }
        ),
        "off",
    ),
    "binary_sensor": (frozenset({"on"}), "off"),
    "climate": (frozenset({"heat", "cool", "heat_cool", "auto", "dry", "fan_only"}), "off"),
    "cover": (frozenset({"open"}), "closed"),
    "device_tracker": (frozenset({"home"}), "not_home"),
    "fan": (frozenset({"on"}), "off"),
    "humidifier": (frozenset({"on"}), "off"),
    "light": (frozenset({"on"}), "off"),
    "lock": (frozenset({"unlocked"}), "locked"),
    "media_player": (frozenset({"on", "paused", "playing", "idle"}), "off"),
    "person": (frozenset({"home"}), "not_home"),
    "plant": (frozenset({"problem"}), "ok"),
    "remote": (frozenset({"on"}), "off"),
    "switch": (frozenset({"on"}), "off"),
    "vacuum": (frozenset({"cleaning", "on", "returning", "error"}), "off"),
    "water_heater": (
        frozenset({"eco", "electric", "performance", "high_demand", "heat_pump", "gas"}),
        "off",
    ),
}
# Domains whose members a group lists but never counts (numbers have no on or off).
_UNCOUNTED_DOMAINS = frozenset({"air_quality", "sensor", "weather"})
# For members of other domains: an on state's off state, and an off state's only on state.
_OFF_OF: dict[str, str] = {"on": "off"} | {
    on: off for ons, off in _DOMAIN_STATES.values() for on in ons
}
_ON_OF: dict[str, str] = {"off": "on"} | {
    off: next(iter(ons)) for ons, off in _DOMAIN_STATES.values() if len(ons) == 1
}


def _entity_ids(value: Any) -> Any:
    """A comma-separated text or a list, lower-cased, as Home Assistant reads entity ids."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list):
        value = [v.strip().lower() if isinstance(v, str) else v for v in value]
        for entity_id in value:
            if not isinstance(entity_id, str) or not valid_entity_id(entity_id):
                raise ValueError(f"{entity_id!r} is not an entity id")
    return value


class GroupConfig(HelperConfig):
    entities: list[str] = []
    all: bool = False

    @field_validator("entities", mode="before")
    @classmethod
    def _read_entities(cls, value: Any) -> Any:
        return _entity_ids(value)


def group_items(block: Any) -> Any:
    """The ``group:`` block with its short items (``kitchen: [light.a, light.b]`` or a
    comma-separated text) written out as ``{entities: ...}``, as Home Assistant allows."""
    if not isinstance(block, Mapping) or all(
        item is None or isinstance(item, Mapping) for item in block.values()
    ):
        return block  # as written, so that problems keep their line numbers
    return {
        key: item if item is None or isinstance(item, Mapping) else {"entities": item}
        for key, item in block.items()
    }


def _order(runtime: Runtime) -> Iterator[int]:
    """The house's counter of groups made, which each group shows as ``order``."""
    counter: Iterator[int] = runtime.components.setdefault("group_order", itertools.count())
    return counter


class Group(HelperEntity):
    domain = "group"
    config_model = GroupConfig
    commands: ClassVar[Mapping[str, type[BaseModel] | None]] = {}
    config: GroupConfig

    def __init__(
        self, runtime: Runtime, object_id: str, config: GroupConfig, *, by_service: bool = False
    ) -> None:
        super().__init__(runtime, object_id, config)
        self.name = config.name if config.name is not None else object_id
        self.by_service = by_service
        self.order = next(_order(runtime))
        self._state: str | None = None
        self._on_off: dict[str, bool] = {}
        self._on_states: set[str] = set()
        self._assumed: dict[str, bool] = {}
        self._assumed_state = False
        self._untrack = _nothing

    @property
    def counted(self) -> list[str]:
        """The members whose state counts."""
        return [e for e in self.config.entities if e.partition(".")[0] not in _UNCOUNTED_DOMAINS]

    def attributes(self) -> dict[str, Any]:
        return {
            "entity_id": list(self.config.entities),
            "order": self.order,
            **({"auto": True} if self.by_service else {}),
            **({"assumed_state": True} if self._assumed_state else {}),
            **super().attributes(),
        }

    def friendly_name(self) -> str | None:
        return self.name  # a group without a name is named by its key

    def restore(self) -> None:
        self._start(None)

    def reconfigure(
        self, config: GroupConfig, context: Context | None, *, members_given: bool
    ) -> None:
        """``group.set`` on an existing group: new members, name, icon or mode at once.
        Members given, even the same ones, make it count them all again."""
        self.config = config
        self.name = config.name if config.name is not None else self.name
        if members_given:
            self._untrack()
            self._start(context)
        else:
            self._write(context)

    def remove(self, context: Context | None) -> None:
        self._untrack()
        self.runtime.states.remove(self.entity_id, context=context)

    def _start(self, context: Context | None) -> None:
        self._recount()
        counted = self.counted
        self._untrack = (
            self.runtime.states.track(counted, self._member_changed) if counted else _nothing
        )
        self._update(None)
        self._write(context)

    def _member_changed(self, event: Event) -> None:
        new_state: State | None = event.data.get("new_state")
        if new_state is None:  # a member removed: count the others again
            self._recount()
        self._update(new_state)
        self._write(event.context)

    def _write(self, context: Context | None) -> None:
        self.write(self._state if self._state is not None else "unknown", context)

    def _recount(self) -> None:
        self._on_off, self._on_states, self._assumed = {}, set(), {}
        for entity_id in self.counted:
            state = self.runtime.states.get(entity_id)
            if state is not None:
                self._see(state)

    def _see(self, member: State) -> None:
        """Note one member's state. The on states seen only grow until the next recount,
        as in Home Assistant."""
        self._assumed[member.entity_id] = bool(member.attributes.get("assumed_state"))
        described = _DOMAIN_STATES.get(member.domain)
        if described is None:
            if member.state in _OFF_OF:
                self._on_states.add(member.state)
            elif member.state in _ON_OF:
                self._on_states.add(_ON_OF[member.state])
            self._on_off[member.entity_id] = member.state in _OFF_OF
        else:
            self._on_states |= described[0]
            self._on_off[member.entity_id] = member.state in described[0]

    def _update(self, changed: State | None) -> None:
        if changed is not None:
            self._see(changed)
        if not self._on_off:  # no member exists: the state stays what it was
            return
        mode = all if self.config.all else any
        if changed is None or (self._assumed_state and not changed.attributes.get("assumed_state")):
            self._assumed_state = mode(self._assumed.values())
        elif changed.attributes.get("assumed_state"):
            self._assumed_state = True
        if not self._on_states:
            self._state = None
            return
        on_state = next(iter(self._on_states)) if len(self._on_states) == 1 else "on"
        self._state = on_state if mode(self._on_off.values()) else _OFF_OF[on_state]

    async def handle(self, service: str, data: Mapping[str, Any], context: Context) -> None:
        await self.runtime.services.call(
            "homeassistant",
            service,
            dict(data),
            target={"entity_id": self.config.entities},
            context=context,
        )


def _slug(value: str) -> str:
    """An ``object_id`` as given, which must already be a slug, as Home Assistant checks."""
    if value != slugify(value):
        raise ValueError(f"invalid slug {value} (try {slugify(value)})")
    return value


def _nothing() -> None:
    """What stops tracking when a group tracks nothing."""


_MEMBER_CHANGES = ("entities", "add_entities", "remove_entities")


class _GroupSet(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    object_id: str
    name: str | None = None
    icon: str | None = None
    all: bool | None = None
    # Kept as given, so the call is recorded as written; read by ``_members``.
    entities: list[str] | str | None = None
    add_entities: list[str] | str | None = None
    remove_entities: list[str] | str | None = None

    @field_validator("entities", "add_entities", "remove_entities")
    @classmethod
    def _valid_entities(cls, value: list[str] | str | None) -> list[str] | str | None:
        _entity_ids(value)
        return value

    def members(self, key: str) -> list[str] | None:
        """``entities``, ``add_entities`` or ``remove_entities`` as a list, if given."""
        value = getattr(self, key)
        return None if value is None else list(_entity_ids(value))

    @model_validator(mode="after")
    def _one_way_to_change_members(self) -> _GroupSet:
        given = [k for k in _MEMBER_CHANGES if k in self.model_fields_set]
        if len(given) > 1:
            raise ValueError(f"{' and '.join(given)} cannot be given together")
        return self

    @field_validator("object_id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _slug(value)


class _GroupRemove(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    object_id: str

    @field_validator("object_id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _slug(value)


def install_group_services(runtime: Runtime, groups: dict[str, HelperEntity]) -> None:
    """``group.set`` and ``group.remove``: groups that scenarios make and change while running,
    as Home Assistant's old-style groups allow."""

    def set_group(call: ServiceCall) -> None:
        request = _GroupSet.model_validate(call.data)
        current = groups.get(f"group.{request.object_id}")
        if not isinstance(current, Group):
            create_group(request, call.context)
            return
        old = current.config
        members = list(old.entities)
        given = {key: request.members(key) for key in _MEMBER_CHANGES}
        if (entities := given["entities"]) is not None:
            members = entities
        elif (added := given["add_entities"]) is not None:
            members += [e for e in added if e not in members]
        elif (removed := given["remove_entities"]) is not None:
            members = [e for e in members if e not in removed]
        config = old.model_copy(
            update={
                "entities": members,
                "all": old.all if request.all is None else request.all,
                **{key: getattr(request, key) for key in ("name", "icon") if key in call.data},
            }
        )
        members_given = any(key in request.model_fields_set for key in _MEMBER_CHANGES)
        current.reconfigure(config, call.context, members_given=members_given)

    def create_group(request: _GroupSet, context: Context) -> None:
        config = GroupConfig(
            name=request.name,
            icon=request.icon,
            all=bool(request.all),
            entities=request.members("entities") or request.members("add_entities") or [],
        )
        group = Group(runtime, request.object_id, config, by_service=True)
        groups[group.entity_id] = group
        group.restore()
        runtime.services.set_provider(group.entity_id, entity_provider(group))

    def remove_group(call: ServiceCall) -> None:
        request = _GroupRemove.model_validate(call.data)
        group = groups.pop(f"group.{request.object_id}", None)
        if isinstance(group, Group):
            group.remove(call.context)

    def reload_groups(call: ServiceCall) -> None:
        """The ``group:`` block read again: groups made by ``group.set`` stay, the others
        are made anew (a block with a bad item changes nothing, as in Home Assistant)."""
        if runtime.config_dir is None:
            raise RuntimeError("groups were not loaded from a configuration directory")
        loaded = load_config_dir(runtime.config_dir)
        config = loaded.value if isinstance(loaded.value, Mapping) else {}
        block = group_items(config.get("group") or {})
        if not isinstance(block, Mapping):
            raise ValueError("group: expected a mapping of groups")
        for object_id, item in block.items():
            try:
                GroupConfig.model_validate(dict(item or {}))
            except ValidationError as err:
                raise ValueError(f"group.{object_id}: {err.errors()[0]['msg']}") from None
        for entity_id, group in list(groups.items()):
            if isinstance(group, Group) and not group.by_service:
                del groups[entity_id]
                group.remove(call.context)
        made, _ = setup_kind(runtime, {"group": block}, Group)
        groups.update({group.entity_id: group for group in made.values()})

    runtime.services.register("group", "set", set_group, schema=_GroupSet)
    runtime.services.register("group", "reload", reload_groups)
    runtime.services.register("group", "remove", remove_group, schema=_GroupRemove)
