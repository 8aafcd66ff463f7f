"""The state store: one current state per entity, and who caused it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from ._clock import Clock
from ._context import Context
from ._errors import HomeloomError, InvalidEntityId
from ._events import EVENT_STATE_CHANGED, Event, EventBus, call_handler
from ._tasks import TaskTracker
from .types import EventHandler, Unsubscribe

_ENTITY_ID = re.compile(r"^(?!_)[a-z0-9_]+(?<!_)\.(?!_)[a-z0-9_]+(?<!_)$")
MAX_STATE_LENGTH = 255
STATE_UNKNOWN = "unknown"
STATE_UNAVAILABLE = "unavailable"
# How long a device report is taken as the answer to a command sent to it.
COMMAND_ANSWER_WINDOW = timedelta(seconds=30)

_valid_ids: set[str] = set()
# Shared by every state without attributes (most sensors' readings).
_NO_ATTRIBUTES: Mapping[str, Any] = MappingProxyType({})


def valid_entity_id(entity_id: str) -> bool:
    if entity_id in _valid_ids:
        return True
    if _is_entity_id(entity_id):
        if len(_valid_ids) < 100_000:
            _valid_ids.add(entity_id)
        return True
    return False


def _is_entity_id(entity_id: str) -> bool:
    """``valid_entity_id`` without remembering the answer: for an id checked once."""
    return (
        isinstance(entity_id, str) and bool(_ENTITY_ID.match(entity_id)) and "__" not in entity_id
    )


def split_entity_id(entity_id: str) -> tuple[str, str]:
    domain, _, object_id = entity_id.partition(".")
    return domain, object_id


# Not frozen, for the cost of making one per write (see Context); never mutated:
# a change makes a new one.
@dataclass(slots=True)
class State:
    """An entity's state at one moment."""

    entity_id: str
    state: str
    attributes: Mapping[str, Any]
    last_changed: datetime
    last_updated: datetime
    context: Context

    @property
    def domain(self) -> str:
        return self.entity_id.partition(".")[0]

    @property
    def object_id(self) -> str:
        return self.entity_id.partition(".")[2]

    @property
    def name(self) -> str:
        name = self.attributes.get("friendly_name")
        if isinstance(name, str) and name:
            return name
        return self.object_id.replace("_", " ")

    @property
    def restored(self) -> bool:
        return bool(self.attributes.get("restored"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "state": self.state,
            "attributes": dict(self.attributes),
            "last_changed": self.last_changed.isoformat(),
            "last_updated": self.last_updated.isoformat(),
            "context": self.context.as_dict(),
        }


class InvalidState(HomeloomError):
    def __init__(self, entity_id: str, message: str) -> None:
        self.entity_id = entity_id
        super().__init__(f"{entity_id}: {message}")


def _lowered(entity_id: str) -> str:
    """``entity_id`` in lower case: the same string when it is already (``lower()``
    makes a copy each time, and a house keeps one per trigger)."""
    return entity_id if entity_id.islower() else entity_id.lower()


AttributeOverrides = Callable[[str], Mapping[str, Any]]
"""The attributes the configuration sets for an entity id (empty: none)."""

_Listener = tuple[EventHandler, frozenset[str] | None]
"""A handler, and the new states it is for (None: every change)."""


class _Tracking:
    """What ``StateStore.track`` returns: calling it stops the tracking. An object rather
    than a closure because a house keeps one for each of its triggers."""

    __slots__ = ("_by_entity", "_entity_ids", "_entry")

    def __init__(
        self,
        by_entity: dict[str, list[_Listener]],
        entity_ids: str | tuple[str, ...],
        entry: _Listener,
    ) -> None:
        self._by_entity = by_entity
        # One entity (most triggers) kept as its id alone: no tuple to keep for it.
        self._entity_ids = (
            entity_ids[0] if type(entity_ids) is tuple and len(entity_ids) == 1 else entity_ids
        )
        self._entry = entry

    def __call__(self) -> None:
        ids = self._entity_ids
        for entity_id in (ids,) if isinstance(ids, str) else ids:
            handlers = self._by_entity.get(entity_id)
            if handlers and self._entry in handlers:
                handlers.remove(self._entry)
                if not handlers:
                    del self._by_entity[entity_id]


class StateStore:
    """Current states, with listeners indexed by entity id.

    Writing a state costs the same whatever the number of listeners on other
    entities: ``track`` handlers live in a dict keyed by entity id.
    """

    def __init__(self, bus: EventBus, clock: Clock, tasks: TaskTracker) -> None:
        self._bus = bus
        self._clock = clock
        self._tasks = tasks
        self._states: dict[str, State] = {}
        # ``get(entity_id)``: the current State or None. The dict's own method rather than
        # one calling it: it is the most frequent read of all (conditions, templates, runs).
        self.get: Callable[[str], State | None] = self._states.get
        # Per entity, in the order they were added.
        self._by_entity: dict[str, list[_Listener]] = {}
        # Entities whose change is being announced, with the changes written meanwhile:
        # announced after it, in order, as Home Assistant's queued dispatch does.
        self._announcing: dict[str, list[Event]] = {}
        # How many writes have waited so: a run that made one goes on in a task, to be
        # still running when that change is announced (as in Home Assistant, where a run
        # re-triggering itself in mode single is refused, not looping).
        self.deferred_writes = 0
        # Changes written while a call acts on several entities, announced when it is
        # done with them all (see ``holding_announcements``); None when nothing holds them.
        # An event fired with a held change (a timer's ``timer.cancelled``) is held in
        # its place among them: Home Assistant's listeners hear it after the call too.
        self._held: list[tuple[str, State | None, State, Context] | Event] | None = None
        self._pending_commands: dict[str, tuple[Context, datetime]] = {}
        # Per domain, told when an entity of it first gets a state (see ``on_new``).
        self._on_new: dict[str, list[EventHandler]] = {}
        # What the configuration overrides of each entity's attributes (``override_with``).
        self._overrides: AttributeOverrides | None = None

    # --- reading -------------------------------------------------------------

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._states

    def __len__(self) -> int:
        return len(self._states)

    def all(self, domain: str | None = None) -> list[State]:
        if domain is None:
            return list(self._states.values())
        prefix = domain + "."
        return [s for eid, s in self._states.items() if eid.startswith(prefix)]

    def entity_ids(self, domain: str | None = None) -> list[str]:
        if domain is None:
            return list(self._states)
        prefix = domain + "."
        return [eid for eid in self._states if eid.startswith(prefix)]

    def is_state(self, entity_id: str, value: str) -> bool:
        state = self._states.get(entity_id)
        return state is not None and state.state == value

    # --- listening -----------------------------------------------------------

    def track(
        self,
        entity_ids: str | Iterable[str],
        handler: EventHandler,
        *,
        to_states: Iterable[str] | None = None,
    ) -> Unsubscribe:
        """Call ``handler`` with the ``state_changed`` event of each listed entity.

        With ``to_states``, only for the changes whose new state is one of them: a
        trigger waiting for ``on`` costs nothing when the entity turns ``off``.
        """
        if isinstance(entity_ids, str):
            ids: str | tuple[str, ...] = _lowered(entity_ids)
        elif type(entity_ids) is list and len(entity_ids) == 1:  # one id (most triggers)
            ids = _lowered(entity_ids[0])
        else:
            ids = tuple(dict.fromkeys(_lowered(entity_id) for entity_id in entity_ids))
        # Most are given a frozenset (the trigger platforms share theirs): kept as it is,
        # without a call to make the same one.
        wanted = (
            to_states if type(to_states) is frozenset or to_states is None else frozenset(to_states)
        )
        entry: _Listener = (handler, wanted)
        by_entity = self._by_entity
        for entity_id in (ids,) if isinstance(ids, str) else ids:
            by_entity.setdefault(entity_id, []).append(entry)
        return _Tracking(by_entity, ids, entry)

    def override_with(self, overrides: AttributeOverrides | None) -> None:
        """Lay ``overrides(entity_id)`` over the attributes of every later write but the
        ``raw`` ones (None: no more), as Home Assistant lays ``customize`` over each
        entity's own writes. The states already written keep theirs until rewritten."""
        self._overrides = overrides

    def on_new(self, domain: str, handler: EventHandler) -> None:
        """Call ``handler`` with the ``state_changed`` event of each entity of ``domain``
        that gets a state it did not have, before that event's trackers: a zone starts
        following a person made after it (``track`` it then for its later changes)."""
        self._on_new.setdefault(domain, []).append(handler)

    def tracked_entity_count(self) -> int:
        return len(self._by_entity)

    # --- writing -------------------------------------------------------------

    def expect_answer(self, entity_id: str, context: Context) -> None:
        """Record that a command was sent to ``entity_id``; its next reports answer it."""
        self._pending_commands[entity_id] = (context, self._clock.now() + COMMAND_ANSWER_WINDOW)

    def answering(self, entity_id: str) -> Context | None:
        """The context of the command a report on ``entity_id`` would answer now, if any."""
        pending = self._pending_commands.get(entity_id)
        if pending is None:
            return None
        context, until = pending
        if self._clock.now() > until:
            del self._pending_commands[entity_id]
            return None
        return context

    def set(
        self,
        entity_id: str,
        state: str,
        attributes: Mapping[str, Any] | None = None,
        *,
        context: Context | None = None,
        source: str | None = None,
        force_update: bool = False,
        timestamp: datetime | None = None,
        raw: bool = False,
    ) -> State | None:
        """Write a state; returns the new State, or None when nothing changed.

        With no ``context``, the write is a device report: it is attributed to
        the command it answers when one is pending, else to the device itself.
        A ``raw`` write keeps its attributes as given, without the configured
        overrides (``override_with``): Home Assistant's ``hass.states.async_set``
        (the events file, a python_script), against an entity writing its own state.
        """
        old = self._states.get(entity_id)
        # An entity that has a state has a valid id: only a new one is checked, and not
        # remembered (``_valid_ids``), since its state is: a house of many entities that
        # are written and never named elsewhere (its scenarios' own) would keep each id
        # twice.
        if old is None and entity_id not in _valid_ids and not _is_entity_id(entity_id):
            entity_id = entity_id.lower()
            if not valid_entity_id(entity_id):
                raise InvalidEntityId(entity_id)
            old = self._states.get(entity_id)
        if not isinstance(state, str):
            raise InvalidState(entity_id, f"state must be a string, got {type(state).__name__}")
        if len(state) > MAX_STATE_LENGTH:
            raise InvalidState(entity_id, f"state is longer than {MAX_STATE_LENGTH} characters")
        if attributes is not None:
            attrs = attributes
            if self._overrides and not raw:  # one test when nothing is overridden
                attrs = self._overridden(entity_id, attrs)
        elif old is None:
            attrs = {} if raw else self._overridden(entity_id, {})
        else:
            attrs = old.attributes
            if "restored" in attrs:  # reported again: no longer the state saved before a restart
                attrs = {key: value for key, value in attrs.items() if key != "restored"}
        same_state = old is not None and old.state == state
        if same_state and not force_update and old is not None and old.attributes == attrs:
            return None
        if context is None:
            context = self.answering(entity_id) or Context(origin="device", source=source)
        now = timestamp or self._clock.now()
        if not isinstance(attrs, MappingProxyType):
            attrs = MappingProxyType(dict(attrs)) if attrs else _NO_ATTRIBUTES
        new = State(
            entity_id,
            state,
            attrs,
            # a forced update is a change of state too, as in Home Assistant
            old.last_changed if same_state and not force_update and old is not None else now,
            now,
            context,
        )
        self._states[entity_id] = new
        if old is None and self._on_new:  # rare: only a new entity pays for the look-up
            self._tell_new(entity_id, new, context)
        if self._held is not None:
            self._held.append((entity_id, old, new, context))
        else:
            self._announce(entity_id, old, new, context)
        return new

    @contextmanager
    def holding_announcements(self) -> Iterator[None]:
        """Hold the changes written inside until the block ends, then announce them in
        order: a service call acting on several entities writes them all before anyone
        hears of the first, as Home Assistant's listeners (its runs, its template
        entities) only act once the call has changed every entity. Inside another
        block's hold, that block announces them."""
        if self._held is not None:
            yield
            return
        self._held = []
        try:
            yield
        finally:
            held, self._held = self._held, None
            for item in held:
                if isinstance(item, Event):
                    self._bus.dispatch(item)
                else:
                    self._announce(*item)

    def fire(self, event_type: str, data: Mapping[str, Any], context: Context) -> None:
        """Fire an event telling of an entity's own change (a timer's ``timer.finished``):
        held in order with the changes while a call acting on several entities holds
        them, so its listeners, as Home Assistant's, find every entity of the call
        changed (a run set off by one timer's ``timer.cancelled`` reads the other
        timers cancelled too); at once otherwise."""
        if self._held is None:
            self._bus.fire(event_type, data, context)
        else:
            self._held.append(Event(event_type, dict(data), self._clock.now(), context))

    def _overridden(self, entity_id: str, attributes: Mapping[str, Any]) -> Mapping[str, Any]:
        """``attributes`` with the configured overrides of ``entity_id`` laid over them."""
        overrides = self._overrides(entity_id) if self._overrides else None
        return {**attributes, **overrides} if overrides else attributes

    def _tell_new(self, entity_id: str, new: State, context: Context) -> None:
        handlers = self._on_new.get(entity_id.partition(".")[0])
        if handlers:
            data = {"entity_id": entity_id, "old_state": None, "new_state": new}
            event = Event(EVENT_STATE_CHANGED, data, new.last_updated, context)
            for handler in tuple(handlers):
                call_handler(handler, event, self._tasks)

    def restore(self, state: State) -> None:
        """Put back a state saved before a restart, without announcing it as a change."""
        self._states[state.entity_id] = state

    def remove(self, entity_id: str, *, context: Context | None = None) -> bool:
        old = self._states.pop(entity_id, None)
        if old is None:
            return False
        self._announce(entity_id, old, None, context or Context())
        return True

    def _announce(
        self, entity_id: str, old: State | None, new: State | None, context: Context
    ) -> None:
        handlers = self._by_entity.get(entity_id)
        bus = self._bus
        if not handlers and not bus.wants(EVENT_STATE_CHANGED):
            return
        event = Event(
            EVENT_STATE_CHANGED,
            {"entity_id": entity_id, "old_state": old, "new_state": new},
            new.last_updated if new is not None else self._clock.now(),
            context,
        )
        announcing = self._announcing
        if entity_id in announcing:  # written again by a listener of its change: after it
            announcing[entity_id].append(event)
            self.deferred_writes += 1
            return
        later: list[Event] = []
        announcing[entity_id] = later
        try:
            if handlers:
                tasks = self._tasks
                value = new.state if new is not None else None
                for handler, wanted in tuple(handlers):
                    if wanted is None or value in wanted:
                        call_handler(handler, event, tasks)
            # Asked after the trackers (one may have started listening): a write tracked
            # by its triggers alone, as most are, has nobody else to tell.
            if bus.wants(EVENT_STATE_CHANGED):
                bus.dispatch(event)
            while later:
                self._announce_later(entity_id, later.pop(0))
        finally:
            del announcing[entity_id]

    def _announce_later(self, entity_id: str, event: Event) -> None:
        """A change written while the one before was being announced, announced now
        (the first announcement is inline in :meth:`_announce`: it is on every write's
        path, where a call costs)."""
        new: State | None = event.data["new_state"]
        value = new.state if new is not None else None
        for handler, wanted in tuple(self._by_entity.get(entity_id, ())):
            if wanted is None or value in wanted:
                call_handler(handler, event, self._tasks)
        if self._bus.wants(EVENT_STATE_CHANGED):
            self._bus.dispatch(event)


StateListener = Callable[[Event], None]
