"""The ``state`` and ``numeric_state`` triggers.

They listen through the state store's per-entity index, so a state write costs
only the listeners of that entity.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from homeloom.orchestrator import Context, Event, Runtime, State, Unsubscribe, valid_entity_id

from ._durations import DurationError, parse_duration
from ._errors import fail
from ._templates import TemplateError, get_template_engine
from ._triggers import (
    TRIGGER_VARIABLES,
    Attach,
    Fire,
    ForWait,
    Validate,
    as_list,
    entity_ids_of,
    rendered_duration,
    shared,
)

__all__ = ["STATE_PLATFORMS"]

_LOGGER = logging.getLogger(__name__)
_NO_VARIABLES: Mapping[str, Any] = MappingProxyType({})


def _check_for(runtime: Runtime, config: Mapping[str, Any]) -> None:
    raw = config.get("for")
    if raw is None:
        return
    engine = get_template_engine(runtime)
    if engine.is_template(raw) or (
        isinstance(raw, Mapping) and any(engine.is_template(v) for v in raw.values())
    ):
        return
    try:
        parse_duration(raw)
    except DurationError as err:
        raise fail(config, "for", f"{config['_path']}.for", str(err)) from None


# --- state ----------------------------------------------------------------------------


def _state_values(value: Any, attribute: Any) -> tuple[Any, ...] | None:
    """The accepted values of from/to; None means any. States are strings, and the same
    states (``("on",)``) one tuple shared by every trigger."""
    if value is None:
        return None
    if type(value) is str and not attribute:  # one state, as usually written
        return shared((value,))
    values = as_list(value)
    if attribute:
        return tuple(values)
    return shared(tuple("on" if v is True else "off" if v is False else str(v) for v in values))


def _validate_state(runtime: Runtime, config: Mapping[str, Any]) -> None:
    entity_ids_of(config)
    _check_for(runtime, config)
    for key, other in (("from", "not_from"), ("to", "not_to")):
        if other in config and key in config and config[key] is not None:
            raise fail(
                config, other, f"{config['_path']}.{other}", f"use either '{key}' or '{other}'"
            )


class _EntityTrigger:
    """What the state and numeric_state triggers share: their callback, detaching,
    and the ``for:`` waits, which exist only when there is a ``for:``.

    It keeps what it reads of its configuration, not the configuration: a large house
    keeps one per trigger, and a dict weighs more than the trigger.
    """

    __slots__ = ("duration", "fire", "runtime", "untrack", "variables", "waits")
    platform: ClassVar[str]  # as written in the configuration, for the log

    def __init__(self, runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> None:
        self.runtime = runtime
        self.fire = fire
        # The ``for:`` as written (a duration, or templates rendered at each change).
        self.duration = config.get("for")
        self.waits = (
            ForWait(runtime, config.get("_checkpoint")) if self.duration is not None else None
        )
        self.untrack: Unsubscribe | None = None
        # The automation's trigger variables, which a ``for:`` (and numeric_state's
        # value_template) is rendered with; most have none, and share one empty mapping.
        self.variables: Mapping[str, Any] = config.get(TRIGGER_VARIABLES) or _NO_VARIABLES

    def detach(self) -> None:
        """Detaching ends every pending wait. Turned off or reloaded, the scenario forgets
        them (a later start must not resume a wait that was ended); only a house going
        down keeps them for its next start."""
        if self.untrack is not None:
            self.untrack()
        waits = self.waits
        if waits is not None:
            if self.runtime.stopping:
                waits.cancel_all()
            else:
                for entity_id in list(waits.pending):
                    waits.cancel(entity_id)

    def _wait_for(
        self,
        waits: ForWait,
        data: dict[str, Any],
        context: Context,
        value: Any = True,
        unlike: bool = False,
    ) -> None:
        """A change that starts a ``for:``: fires once it has lasted, unless a later change
        breaks it first (see :meth:`ForWait.keep`: it holds while the entity's value is
        ``value``, or with ``unlike`` is not)."""
        entity_id = data["entity_id"]
        try:
            duration = rendered_duration(
                self.runtime, self.duration, {**self.variables, "trigger": data}
            )
        except (DurationError, TemplateError) as err:
            _LOGGER.error("%s trigger on %s: 'for': %s", self.platform, entity_id, err)
            return
        if duration is None:
            self.fire(data, context)
            return
        data["for"] = duration
        waits.start(
            entity_id, duration, _FireLater(self, data, context), value=value, unlike=unlike
        )


class _StateTrigger(_EntityTrigger):
    """One attached state trigger, called with each change of its entities.

    An object rather than nested closures, holding only what the trigger needs:
    a large house keeps one per trigger. The accepted values are tuples (an empty
    one shared), and the ``for:`` waits exist only when there is a ``for:``. A
    trigger with only a ``to:`` (the common one) is attached as a :class:`_ChangeTo`.
    """

    __slots__ = (
        "any_keys",
        "attribute",
        "filter_to",
        "from_values",
        "hold_unlike",
        "not_from",
        "not_to",
        "to_values",
    )
    platform = "state"

    def __init__(self, runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> None:
        super().__init__(runtime, config, fire)
        attribute = self.attribute = config.get("attribute")
        # Each key read only when written: most triggers have a ``to:`` and nothing else.
        self.from_values = _state_values(config["from"], attribute) if "from" in config else None
        self.to_values = _state_values(config["to"], attribute) if "to" in config else None
        self.not_from = (
            (_state_values(config["not_from"], attribute) or ()) if "not_from" in config else ()
        )
        self.not_to = (
            (_state_values(config["not_to"], attribute) or ()) if "not_to" in config else ()
        )
        # With no from/to at all, attribute changes count too; any from/to key (even null) not.
        self.any_keys = (
            "to" in config or "from" in config or "not_from" in config or "not_to" in config
        )
        # Without an attribute or a duration, only changes to an accepted state matter:
        # tracked with ``to_states``, the store calls it for those new states alone.
        self.filter_to = not attribute and "for" not in config and self.to_values is not None
        # How a ``for:`` holds on later changes, as Home Assistant keeps it: with a
        # ``from:`` (even null) and no ``to:``, while the value differs from the one left;
        # otherwise while it is the one reached.
        self.hold_unlike = "from" in config and "to" not in config

    def attach(self, entity_ids: list[str]) -> Unsubscribe:
        if self.waits is not None:
            for entity_id in entity_ids:
                self._resume_saved(entity_id, self.waits)
        to_states = None
        if self.filter_to and self.to_values is not None:
            to_states = shared(frozenset(self.to_values))  # the store keeps the set it is given
        states = self.runtime.states
        # Only ``to:`` (the common trigger): nothing is left to check but a change, and
        # the store keeps the lighter object (this one is dropped).
        if (
            to_states is not None
            and self.from_values is None
            and not (self.not_from or self.not_to)
        ):
            return states.track(entity_ids, _ChangeTo(self.fire), to_states=to_states)
        untrack = self.untrack = states.track(entity_ids, self, to_states=to_states)
        return untrack if self.waits is None else self.detach

    def _accepts_to(self, value: Any) -> bool:
        """Whether a new value (a state, or the attribute) is one the trigger goes to."""
        if self.to_values is not None and value not in self.to_values:
            return False
        return value not in self.not_to

    def __call__(self, event: Event) -> None:
        event_data = event.data
        old, new = event_data["old_state"], event_data["new_state"]
        entity_id = event_data["entity_id"]
        waits = self.waits
        if waits is not None and entity_id in waits.pending:
            # Each pending wait first: it goes on while it holds, whatever this change is.
            if new is None:
                waits.cancel(entity_id)
            else:
                waits.keep(entity_id, _state_value(new, self.attribute))
        if new is None:
            if old is not None:
                self._removed(entity_id, old, event.context)
            return
        attribute = self.attribute
        if attribute:
            old_value = old.attributes.get(attribute) if old is not None else None
            new_value = new.attributes.get(attribute)
            if old_value == new_value and (old is not None):
                return
            if attribute not in new.attributes and self.to_values is None and not self.not_to:
                return
        else:
            old_value = old.state if old is not None else None
            new_value = new.state
            if self.any_keys and old is not None and old_value == new_value:
                return  # only the attributes changed
        if self.from_values is not None and (old is None or old_value not in self.from_values):
            return
        if old is not None and old_value in self.not_from:
            return
        to_values = self.to_values  # as _accepts_to, inline: on every change
        if (to_values is not None and new_value not in to_values) or new_value in self.not_to:
            return
        data = {
            "entity_id": entity_id,
            "from_state": old,
            "to_state": new,
            "for": None,
            "attribute": attribute,
            "description": f"state of {entity_id}",
        }
        if waits is None:
            self.fire(data, event.context)
            return
        # The value the wait holds to: the one left, or the one reached.
        held = old_value if self.hold_unlike else new_value
        self._wait_for(waits, data, event.context, held, self.hold_unlike)

    def _removed(self, entity_id: str, old: State, context: Context) -> None:
        """The entity was removed: as Home Assistant, a change to no value (None), which
        fires unless a ``to:`` lists the states to reach, a ``from:`` or ``not_from:``
        rejects the value left, or the watched attribute was not there either."""
        old_value = _state_value(old, self.attribute)
        if old_value is None or self.to_values is not None:
            return
        if self.from_values is not None and old_value not in self.from_values:
            return
        if old_value in self.not_from:
            return
        data = {
            "entity_id": entity_id,
            "from_state": old,
            "to_state": None,
            "for": None,
            "attribute": self.attribute,
            "description": f"state of {entity_id}",
        }
        waits = self.waits
        if waits is None:
            self.fire(data, context)
            return
        # Held while the entity stays removed (any new state ends it), or with only a
        # ``from:``, while it is not the value left; a later removal ends it either way.
        held = old_value if self.hold_unlike else None
        self._wait_for(waits, data, context, held, self.hold_unlike)

    def _resume_saved(self, entity_id: str, waits: ForWait) -> None:
        saved = waits.saved(entity_id)
        if saved is None:
            return
        started, deadline = saved
        runtime = self.runtime
        current = runtime.states.get(entity_id)
        if (
            current is None
            or not self._accepts_to(_state_value(current, self.attribute))
            or current.last_changed > started
        ):
            waits.forget(entity_id)
            return
        data = {
            "entity_id": entity_id,
            "from_state": None,
            "to_state": current,
            "for": deadline - started,
            "attribute": self.attribute,
            "description": f"state of {entity_id}",
        }
        # Held to the value it resumes with: any change ends it. (A from-only wait held to
        # the value it left, which is not saved.)
        waits.start(
            entity_id,
            deadline - runtime.now(),
            lambda: self.fire(data, None),
            value=_state_value(current, self.attribute),
            started=started,
        )


class _ChangeTo:
    """An attached state trigger with only a ``to:``: the store calls it for the new
    states it accepts alone (``to_states``), so only a change of state is left to check.

    What a large house keeps for most of its state triggers: its callback alone.
    """

    __slots__ = ("fire",)

    def __init__(self, fire: Fire) -> None:
        self.fire = fire

    def __call__(self, event: Event) -> None:
        event_data = event.data
        old, new = event_data["old_state"], event_data["new_state"]
        if old is None or old.state != new.state:
            entity_id = event_data["entity_id"]
            self.fire(
                {
                    "entity_id": entity_id,
                    "from_state": old,
                    "to_state": new,
                    "for": None,
                    "attribute": None,
                    "description": f"state of {entity_id}",
                },
                event.context,
            )


def _state_value(state: State, attribute: Any) -> Any:
    return state.attributes.get(attribute) if attribute else state.state


class _FireLater:
    """A ``for:`` that has lasted: fires with the change that started it (as Home
    Assistant does: ``to_state`` is the state reached then, not the current one)."""

    __slots__ = ("context", "data", "trigger")

    def __init__(self, trigger: _EntityTrigger, data: dict[str, Any], context: Context) -> None:
        self.trigger, self.data, self.context = trigger, data, context

    def __call__(self) -> None:
        self.trigger.fire(self.data, self.context)


def _attach_state(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    entity_ids = entity_ids_of(config)
    to = config.get("to")
    if (
        to is not None
        and not config.get("attribute")
        and "for" not in config
        and "from" not in config
        and "not_from" not in config
        and "not_to" not in config
    ):
        # Only a ``to:`` (most triggers): attached as _StateTrigger.attach would, without
        # making the _StateTrigger that it drops.
        to_states = shared(frozenset(_state_values(to, None) or ()))
        return runtime.states.track(entity_ids, _ChangeTo(fire), to_states=to_states)
    return _StateTrigger(runtime, config, fire).attach(entity_ids)


# --- numeric_state --------------------------------------------------------------------


def _validate_numeric(runtime: Runtime, config: Mapping[str, Any]) -> None:
    entity_ids_of(config)
    _check_for(runtime, config)
    if config.get("above") is None and config.get("below") is None:
        raise fail(config, None, config["_path"], "numeric_state needs 'above', 'below' or both")
    for key in ("above", "below"):
        raw = config.get(key)
        if raw is None or isinstance(raw, int | float) or valid_entity_id(str(raw).strip().lower()):
            continue
        raise fail(
            config, key, f"{config['_path']}.{key}", f"{raw!r} is neither a number nor an entity id"
        )


class _NumericTrigger(_EntityTrigger):
    """One attached numeric_state trigger, called with each change of its entities.

    An object for the same reason as :class:`_StateTrigger`: one per trigger, few
    slots, and ``for:`` waits only when there is a ``for:``.
    """

    __slots__ = ("above", "armed", "attribute", "below", "template")
    platform = "numeric_state"

    def __init__(self, runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> None:
        super().__init__(runtime, config, fire)
        self.attribute = config.get("attribute")
        self.above, self.below = config.get("above"), config.get("below")
        engine = get_template_engine(runtime)
        self.template = (
            engine.template(str(config["value_template"])) if config.get("value_template") else None
        )
        self.armed: set[str] = set()

    def attach(self, entity_ids: list[str]) -> Unsubscribe:
        # Each entity that starts outside the range is armed (ready to fire); one that
        # does not exist yet, or cannot be checked, is not: as Home Assistant arms them.
        # A ``for:`` saved before a restart resumes if its entity is still in the range
        # (see :meth:`_resume_saved`); else it is dropped, and the entity armed as usual.
        states = self.runtime.states
        armed = self.armed
        waits = self.waits
        for entity_id in entity_ids:
            state = states.get(entity_id)
            matching = False
            if state is None:
                # Reported with the house's other unknown entities: not again here.
                _LOGGER.debug("numeric_state trigger: %s does not exist yet", entity_id)
            else:
                try:
                    matching = self._matches(state)
                except _CheckError as err:
                    _LOGGER.warning("numeric_state trigger on %s: %s", entity_id, err)
                else:
                    if not matching:
                        armed.add(entity_id)
            if waits is not None:
                self._resume_saved(entity_id, waits, state if matching else None)
        untrack = self.untrack = states.track(entity_ids, self)
        return untrack if waits is None else self.detach

    def _resume_saved(self, entity_id: str, waits: ForWait, current: State | None) -> None:
        """The wait of ``entity_id`` saved before a restart, if any: it resumes for its
        remaining time (fires at once if its deadline passed) when ``current``, the
        entity's state in the range (None: not in it, or unreadable), has not changed
        since the wait started or is still the state restored from before the restart.
        Else it is dropped: an entity out of the range is armed
        (by :meth:`attach`), one still in it is not, and must cross into it again.

        As for the state trigger, a change is one of the state (``last_changed``); of
        anything, when the value is an attribute or a template (``last_updated``)."""
        saved = waits.saved(entity_id)
        if saved is None:
            return
        started, deadline = saved
        if current is None:
            waits.forget(entity_id)
            return
        changed = (
            current.last_updated
            if self.attribute or self.template is not None
            else current.last_changed
        )
        # A state restored from the database is the one the house went down with: the
        # wait was saved, so it held then, however the value moved within the range.
        if started < changed and not current.restored:
            waits.forget(entity_id)
            return
        data = {
            "entity_id": entity_id,
            "from_state": None,
            "to_state": current,
            "above": _as_number(self.above),
            "below": _as_number(self.below),
            "attribute": self.attribute,
            "for": deadline - started,
            "description": f"numeric state of {entity_id}",
        }
        runtime = self.runtime
        waits.start(
            entity_id, deadline - runtime.now(), lambda: self.fire(data, None), started=started
        )

    def _limit(self, raw: Any, which: str) -> float | None:
        """A limit as a number; None: an entity limit that is unavailable or unknown
        (nothing matches then). Raises :class:`_CheckError` as Home Assistant does."""
        if isinstance(raw, int | float):
            return float(raw)
        entity_id = str(raw).strip().lower()
        ref = self.runtime.states.get(entity_id)
        if ref is None:
            raise _CheckError(f"unknown '{which}' entity {entity_id}")
        if ref.state in _NEVER_NUMBERS:
            return None
        try:
            return float(ref.state)
        except ValueError:
            raise _CheckError(
                f"the '{which}' entity {entity_id} state '{ref.state}' cannot be processed"
                " as a number"
            ) from None

    def _matches(self, state: State) -> bool:
        """Whether the entity's value is in the range. A value that is known never to be
        a number (none, unavailable, unknown, a missing attribute) is not; one that
        cannot be read as a number, or a template or limit that fails, raises
        :class:`_CheckError`."""
        attribute = self.attribute
        if attribute and attribute not in state.attributes:
            return False
        raw: Any = state.attributes.get(attribute) if attribute else state.state
        if self.template is not None:
            try:
                raw = self.template.render(self._template_variables(state))
            except TemplateError as err:
                raise _CheckError(f"template error: {err}") from None
        if raw is None or (type(raw) is str and raw in _NEVER_NUMBERS):
            return False
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise _CheckError(
                f"entity {state.entity_id} state '{raw}' cannot be processed as a number"
            ) from None
        if self.below is not None:
            below = self._limit(self.below, "below")
            if below is None or not number < below:
                return False
        if self.above is not None:
            above = self._limit(self.above, "above")
            if above is None or not number > above:
                return False
        return True

    def _template_variables(self, state: State) -> dict[str, Any]:
        """What the value_template sees, as Home Assistant gives it: the trigger
        variables, a ``trigger`` that names the entity and the limits, and ``state``."""
        trigger = {
            "platform": "numeric_state",
            "entity_id": state.entity_id,
            "below": _as_number(self.below),
            "above": _as_number(self.above),
            "attribute": self.attribute,
        }
        return {**self.variables, "trigger": trigger, "state": state}

    def __call__(self, event: Event) -> None:
        entity_id, new = event.data["entity_id"], event.data["new_state"]
        waits = self.waits
        if new is None:
            if waits is not None:
                waits.cancel(entity_id)
            return
        try:
            matching = self._matches(new)
        except _CheckError as err:
            # Neither a match nor a miss: the armed entities are left as they are. A
            # pending wait takes it as a miss (ends), as Home Assistant's does.
            if waits is not None:
                waits.cancel(entity_id)
            _LOGGER.warning("numeric_state trigger on %s: %s", entity_id, err)
            return
        if waits is not None and entity_id in waits.pending:
            waits.keep(entity_id, matching)
        if not matching:
            self.armed.add(entity_id)
            return
        if entity_id not in self.armed:
            return
        self.armed.discard(entity_id)
        data = {
            "entity_id": entity_id,
            "from_state": event.data["old_state"],
            "to_state": new,
            "above": _as_number(self.above),
            "below": _as_number(self.below),
            "attribute": self.attribute,
            "for": None,
            "description": f"numeric state of {entity_id}",
        }
        if waits is None:
            self.fire(data, event.context)
            return
        self._wait_for(waits, data, event.context)


class _CheckError(Exception):
    """A numeric_state check that is neither true nor false (a value that is no number)."""


# Values that are known never to be numbers: not a match, and no error.
_NEVER_NUMBERS = frozenset({"unavailable", "unknown"})


def _attach_numeric(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    entity_ids = entity_ids_of(config)
    return _NumericTrigger(runtime, config, fire).attach(entity_ids)


def _as_number(value: Any) -> Any:
    """A numeric limit as Home Assistant reports it in trigger data: a float."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


STATE_PLATFORMS: dict[str, tuple[Attach, Validate]] = {
    "state": (_attach_state, _validate_state),
    "numeric_state": (_attach_numeric, _validate_numeric),
}
