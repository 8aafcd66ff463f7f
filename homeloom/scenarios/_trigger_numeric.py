"""The ``numeric_state`` trigger."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import Event, Runtime, State, Unsubscribe, valid_entity_id

from ._errors import fail
from ._templates import TemplateError, get_template_engine
from ._trigger_entity import _check_for, _EntityTrigger
from ._trigger_waits import ForWait
from ._triggers import Fire, entity_ids_of

_LOGGER = logging.getLogger(__name__)


# As Home Assistant, a limit entity holds a number: these domains only.
_LIMIT_DOMAINS = ("input_number", "number", "sensor")


def _threshold(raw: Any) -> float | str | None:
    """A limit as Home Assistant reads it: a number first (``'-4.0'`` is -4.0), else an
    entity id of a numeric domain; raises ValueError for anything else."""
    if raw is None:
        return None
    try:
        return float(raw)
    except (TypeError, ValueError):
        pass
    entity_id = str(raw).strip().lower() if isinstance(raw, str) else ""
    if valid_entity_id(entity_id) and entity_id.split(".", 1)[0] in _LIMIT_DOMAINS:
        return entity_id
    raise ValueError(f"{raw!r} is neither a number nor an entity id of {', '.join(_LIMIT_DOMAINS)}")


def _validate_numeric(runtime: Runtime, config: Mapping[str, Any]) -> None:
    entity_ids_of(config)
    _check_for(runtime, config)
    if config.get("above") is None and config.get("below") is None:
        raise fail(config, None, config["_path"], "numeric_state needs 'above', 'below' or both")
    limits = []
    for key in ("above", "below"):
        try:
            limits.append(_threshold(config.get(key)))
        except ValueError as err:
            raise fail(config, key, f"{config['_path']}.{key}", str(err)) from None
    above, below = limits
    # As Home Assistant: two numbers that no value sits between refuse the trigger.
    if isinstance(above, float) and isinstance(below, float) and above > below:
        message = (
            f"no value is above {above:g} and below {below:g} at once: 'above' must not "
            "exceed 'below' (for either side, write two triggers)"
        )
        raise fail(config, "below", f"{config['_path']}.below", message)


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
        self.above, self.below = _threshold(config.get("above")), _threshold(config.get("below"))
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
        # Rejected only at or past a limit, as Home Assistant compares: a NaN (a state
        # 'nan', or a limit entity at 'nan') is in every range.
        if self.below is not None:
            below = self._limit(self.below, "below")
            if below is None or number >= below:
                return False
        if self.above is not None:
            above = self._limit(self.above, "above")
            if above is None or number <= above:
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
