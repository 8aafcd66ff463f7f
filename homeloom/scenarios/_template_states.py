"""What templates see of the house: ``states``, ``states.light``, ``states.light.hall``.

Reads are noted in the current :class:`RenderInfo`, so a template trigger
knows which entities to watch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from homeloom.orchestrator import (
    STATE_UNKNOWN,
    Runtime,
    State,
    valid_entity_id,
)

__all__ = [
    "AllStates",
    "DomainStates",
    "OwnTemplateState",
    "RenderInfo",
    "TemplateState",
    "render_info",
]


@dataclass(slots=True)
class RenderInfo:
    """What one render read: entities, whole domains, every state, the time."""

    entities: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    all_states: bool = False
    has_time: bool = False
    # A render that failed: as Home Assistant, it is then rate limited as one that
    # read every state.
    failed: bool = False

    def add(self, other: RenderInfo) -> None:
        """Count what ``other`` read as read here too."""
        self.entities.update(other.entities)
        self.domains.update(other.domains)
        self.all_states = self.all_states or other.all_states
        self.has_time = self.has_time or other.has_time
        self.failed = self.failed or other.failed


render_info: ContextVar[RenderInfo | None] = ContextVar("homeloom_render_info", default=None)


def note_entity(entity_id: str) -> None:
    info = render_info.get()
    if info is not None:
        info.entities.add(entity_id)


def note_domain(domain: str) -> None:
    info = render_info.get()
    if info is not None:
        info.domains.add(domain)


def note_all() -> None:
    info = render_info.get()
    if info is not None:
        info.all_states = True


def note_time() -> None:
    info = render_info.get()
    if info is not None:
        info.has_time = True


class TemplateState:
    """A read-only view of one state, shaped like Home Assistant's template state."""

    __slots__ = ("_state",)

    def __init__(self, state: State) -> None:
        self._state = state

    @property
    def entity_id(self) -> str:
        return self._state.entity_id

    @property
    def state(self) -> str:
        return self._state.state

    @property
    def attributes(self) -> Any:
        return self._state.attributes

    @property
    def domain(self) -> str:
        return self._state.domain

    @property
    def object_id(self) -> str:
        return self._state.object_id

    @property
    def name(self) -> str:
        return self._state.name

    @property
    def last_changed(self) -> datetime:
        return self._state.last_changed

    @property
    def last_updated(self) -> datetime:
        return self._state.last_updated

    @property
    def context(self) -> Any:
        return self._state.context.as_dict()

    @property
    def state_with_unit(self) -> str:
        unit = self._state.attributes.get("unit_of_measurement")
        return f"{self._state.state} {unit}" if unit else self._state.state

    def __getitem__(self, key: str) -> Any:
        # An unknown key is a KeyError, so that ``state.foo`` renders as undefined.
        if key in _FIELDS:
            return getattr(self, key)
        raise KeyError(key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TemplateState) and other._state == self._state

    def __hash__(self) -> int:
        return hash(self._state.entity_id)

    def __repr__(self) -> str:
        return f"<template TemplateState({self._state.entity_id}={self._state.state})>"

    def as_dict(self) -> dict[str, Any]:
        return self._state.as_dict()


class OwnTemplateState(TemplateState):
    """``this`` in a template entity's templates: reading it (anything but its entity
    id) counts as reading the entity, so that the entity renders again when its own
    state changes, as Home Assistant's ``this`` does."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name in _FIELDS and name != "entity_id":
            note_entity(object.__getattribute__(self, "_state").entity_id)
        return object.__getattribute__(self, name)


_FIELDS = frozenset(
    {
        "entity_id",
        "state",
        "attributes",
        "domain",
        "object_id",
        "name",
        "last_changed",
        "last_updated",
        "context",
        "state_with_unit",
    }
)


class DomainStates:
    """``states.light``: iterate a domain's states, or pick ``states.light.hall``."""

    __slots__ = ("_domain", "_runtime")

    def __init__(self, runtime: Runtime, domain: str) -> None:
        self._runtime = runtime
        self._domain = domain

    def __getattr__(self, name: str) -> TemplateState | None:
        if name.startswith("_"):
            raise AttributeError(name)
        entity_id = f"{self._domain}.{name}"
        note_entity(entity_id)
        state = self._runtime.states.get(entity_id)
        return TemplateState(state) if state is not None else None

    def __getitem__(self, name: str) -> TemplateState | None:
        return self.__getattr__(name)

    def __iter__(self) -> Iterator[TemplateState]:
        note_domain(self._domain)
        # In the order the states were created, as in Home Assistant.
        return iter([TemplateState(s) for s in self._runtime.states.all(self._domain)])

    def __len__(self) -> int:
        note_domain(self._domain)
        return len(self._runtime.states.entity_ids(self._domain))

    def __repr__(self) -> str:
        return f"<template DomainStates('{self._domain}')>"


# What jinja looks up on everything a template calls (whether it may be called, what it
# is passed). Answered with a domain's states, each look would count that domain's
# entities, a walk through the whole house at every ``states('...')``, and an entity of
# such a domain would make ``states`` uncallable.
_JINJA_PROBES = frozenset({"jinja_pass_arg", "unsafe_callable", "alters_data"})


class AllStates:
    """``states``: callable as ``states('light.hall')``, or walked as ``states.light.hall``."""

    __slots__ = ("_runtime",)

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def __getattr__(self, name: str) -> DomainStates:
        if name.startswith("_") or name in _JINJA_PROBES:
            raise AttributeError(name)
        return DomainStates(self._runtime, name)

    def __getitem__(self, name: str) -> Any:
        if "." in name:
            entity_id = name.lower()
            note_entity(entity_id)
            state = self._runtime.states.get(entity_id)
            return TemplateState(state) if state is not None else None
        return DomainStates(self._runtime, name)

    def __iter__(self) -> Iterator[TemplateState]:
        note_all()
        return iter([TemplateState(s) for s in self._runtime.states.all()])

    def __len__(self) -> int:
        note_all()
        return len(self._runtime.states)

    def __call__(self, entity_id: str, rounded: bool = False, with_unit: bool = False) -> str:
        entity_id = str(entity_id).lower()
        note_entity(entity_id)
        state = self._runtime.states.get(entity_id) if valid_entity_id(entity_id) else None
        if state is None:
            return STATE_UNKNOWN
        if with_unit:
            return TemplateState(state).state_with_unit
        return state.state

    def __repr__(self) -> str:
        return "<template AllStates>"
