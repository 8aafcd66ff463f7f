"""The ``state`` and ``numeric_state`` triggers.

They listen through the state store's per-entity index, so a state write costs
only the listeners of that entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import Context, Event, Runtime, State, Unsubscribe

from ._errors import fail
from ._trigger_entity import _check_for, _EntityTrigger
from ._trigger_numeric import _attach_numeric, _validate_numeric
from ._trigger_waits import ForWait
from ._triggers import Attach, Fire, Validate, as_list, entity_ids_of, shared

__all__ = ["STATE_PLATFORMS"]


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
            # As Home Assistant: an attribute that goes away changes to None, which counts.
            if old_value == new_value and (old is not None):
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


def _attach_state(runtime: Runtime, config: Mapping[str, Any], fire: Fire) -> Unsubscribe:
    return _attach_state_ids(runtime, config, fire, entity_ids_of(config))


def _attach_state_ids(
    runtime: Runtime, config: Mapping[str, Any], fire: Fire, entity_ids: list[str]
) -> Unsubscribe:
    # Home Assistant listens once per id written: an entity listed twice (a copied line)
    # fires the trigger twice for each change, each with its own ``for:``.
    lowered = [entity_id.lower() for entity_id in entity_ids]
    repeats = [entity_id for i, entity_id in enumerate(lowered) if entity_id in lowered[:i]]
    if repeats:
        first = _attach_state_ids(runtime, config, fire, list(dict.fromkeys(lowered)))
        again = _attach_state_ids(runtime, config, fire, repeats)

        def detach() -> None:
            first()
            again()

        return detach
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


STATE_PLATFORMS: dict[str, tuple[Attach, Validate]] = {
    "state": (_attach_state, _validate_state),
    "numeric_state": (_attach_numeric, _validate_numeric),
}
