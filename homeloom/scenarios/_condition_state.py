"""The conditions on entity states: ``state``, ``numeric_state`` and ``device``."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any

from homeloom.orchestrator import Runtime, valid_entity_id

from ._condition_base import ConditionCheck, ConditionError, _Condition, _duration, _entity_ids
from ._device_automations import device_condition
from ._durations import DurationError
from ._errors import fail
from ._templates import TemplateEngine, TemplateError
from ._triggers import as_list, shared

# Home Assistant reads another entity's state as the wanted one for these input entities
# only (helpers/condition.py's INPUT_ENTITY_ID); any other entity id is a plain text.
_INPUT_ENTITY_ID = re.compile(
    r"^input_(?:select|text|number|boolean|datetime)\.(?!.+__)(?!_)[\da-z_]+(?<!_)$"
)


class _State(_Condition):
    """Entities in one of the wanted states (or attribute values), maybe for a while.

    As Home Assistant: an entity's state is compared with wanted texts, an attribute
    with the values as written (``255`` is not ``"255"``); a wanted input entity
    (``input_select.mode``) stands for its current state. With ``match: any`` every
    entity is still checked, and an error in any of them makes the condition fail.
    """

    __slots__ = (
        "attribute",
        "entity_ids",
        "for_duration",
        "inputs",
        "match_any",
        "runtime",
        "wanted",
    )

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        self.runtime = runtime
        self.entity_ids = shared(tuple(_entity_ids(config, path)))  # as _NumericState's
        if "state" not in config:
            raise fail(config, None, f"{path}.state", "'state' is required")
        self.attribute = config.get("attribute")
        self.wanted: tuple[Any, ...]
        if self.attribute is None:  # texts: YAML's on and off are the states "on" and "off"
            self.wanted = tuple(
                ("on" if item else "off") if isinstance(item, bool) else str(item)
                for item in as_list(config["state"])
            )
        elif config["state"] is None:  # `state: null`: an attribute that is there with no value
            self.wanted = (None,)
        else:
            self.wanted = tuple(as_list(config["state"]))
        self.inputs = any(
            isinstance(item, str) and _INPUT_ENTITY_ID.match(item) for item in self.wanted
        )
        match = str(config.get("match", "all")).lower()
        if match not in ("all", "any"):
            raise fail(config, "match", f"{path}.match", f"match is 'all' or 'any', got {match!r}")
        self.match_any = match == "any"
        self.for_duration = _duration(config, "for", path, engine)

    def _wanted_values(self) -> tuple[Any, ...]:
        """The wanted values, each input entity replaced by its state."""
        values: list[Any] = []
        for item in self.wanted:
            if isinstance(item, str) and _INPUT_ENTITY_ID.match(item):
                ref = self.runtime.states.get(item)
                if ref is None:
                    raise ConditionError(f"the 'state' entity {item} is unavailable")
                values.append(ref.state)
            else:
                values.append(item)
        return tuple(values)

    def _one(self, entity_id: str, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        state = self.runtime.states.get(entity_id)
        if state is None:
            raise ConditionError(f"unknown entity {entity_id}")
        attribute = self.attribute
        if attribute is None:
            value: Any = state.state
        elif attribute in state.attributes:
            value = state.attributes[attribute]
        else:
            noted["message"] = f"attribute '{attribute}' of entity {entity_id} does not exist"
            return False
        values = self._wanted_values() if self.inputs else self.wanted
        ok = value in values  # equality, as Home Assistant's ``value == state_value``
        noted["state"] = value
        noted["wanted_state"] = values[0] if len(values) == 1 else list(values)
        for_duration = self.for_duration
        if ok and for_duration is not None:
            try:
                duration = for_duration(variables) if callable(for_duration) else for_duration
            except DurationError as err:
                raise ConditionError(f"'for' is not a duration: {err}") from None
            # Strictly longer, as Home Assistant's ``now - for > last_changed``.
            ok = self.runtime.now() - state.last_changed > duration
        return ok

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        if len(self.entity_ids) == 1:  # the usual single entity: no errors to gather
            return self._one(self.entity_ids[0], variables, noted)
        match_any = self.match_any
        result = not match_any
        errors: list[str] = []
        for entity_id in self.entity_ids:
            try:
                if self._one(entity_id, variables, noted):
                    result = True
                elif not match_any:
                    return False
            except ConditionError as err:
                errors.append(str(err))
        if errors:  # as Home Assistant: raised unless an entity already made it false
            raise ConditionError("; ".join(errors))
        return result


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConditionError(f"value {value!r} is not a number") from None


Limit = float | str | None  # a number, an entity id whose state is the number, or none


# Each limit once (``below: 50`` in thousands of scenarios): floats only, so that no
# value of another type that compares equal (True and 1.0) is ever handed back.
_LIMITS: dict[float, float] = {}


# As Home Assistant, a limit entity holds a number: these domains only.
_LIMIT_DOMAINS = ("input_number", "number", "sensor")


def _limit(raw: Any) -> Limit:
    if raw is None:
        return None
    try:  # a number first, as Home Assistant: '40.5' is a number, not an entity id
        number = float(raw)
    except (TypeError, ValueError):
        pass
    else:
        return _LIMITS.setdefault(number, number)
    if isinstance(raw, str) and valid_entity_id(raw.strip().lower()):
        entity_id = raw.strip().lower()
        if entity_id.split(".", 1)[0] not in _LIMIT_DOMAINS:
            raise ConditionError(f"{raw!r}: a limit entity is one of {', '.join(_LIMIT_DOMAINS)}")
        return sys.intern(entity_id)
    number = _number(raw)
    return _LIMITS.setdefault(number, number)


def _limit_of(runtime: Runtime, entity_id: str) -> float | None:
    """A limit entity's number; None (the condition is false) when unknown or unavailable."""
    state = runtime.states.get(entity_id)
    if state is None:
        raise ConditionError(f"unknown entity {entity_id} used as a limit")
    if state.state in ("unknown", "unavailable"):
        return None
    return _number(state.state)


class _NumericState(_Condition):
    """Entities whose value (state, attribute or template) lies between the limits."""

    __slots__ = ("above", "attribute", "below", "entity_ids", "runtime", "template")

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        self.runtime = runtime
        # The same entities' tuple shared by every condition on them (never changed).
        self.entity_ids = shared(tuple(_entity_ids(config, path)))
        if "above" not in config and "below" not in config:
            raise fail(config, None, path, "numeric_state needs 'above', 'below' or both")
        try:
            self.above, self.below = _limit(config.get("above")), _limit(config.get("below"))
        except ConditionError as err:
            key = "above" if "above" in config else "below"
            raise fail(config, key, path, str(err)) from None
        self.attribute = config.get("attribute")
        template = config.get("value_template")
        self.template = engine.template(str(template)) if template is not None else None
        if self.template is not None:
            self.template.ensure_valid()

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        # As Home Assistant: every entity, the first out of range ends it; an error
        # (a text value, an unknown entity) is raised only if none was out of range.
        # No value (unknown, unavailable, a missing attribute) is out of range.
        states = self.runtime.states
        errors: list[str] | None = None
        for entity_id in self.entity_ids:
            try:  # costs nothing when nothing is raised
                state = states.get(entity_id)
                if state is None:
                    raise ConditionError(f"unknown entity {entity_id}")
                value: Any = state.attributes.get(self.attribute) if self.attribute else state.state
                if self.template is not None:
                    value = self.template.render({**variables, "state": state})
                try:  # as _number, inline: this is on every check
                    number = float(value)
                except (TypeError, ValueError):
                    # Told apart only here: neither None nor those states is a number.
                    if value is None or value in ("unknown", "unavailable"):
                        # Home Assistant's trace says so without raising: false, no error.
                        noted["error"] = f"{entity_id} has no numeric value ({value!r})"
                        return False
                    raise ConditionError(f"value {value!r} is not a number") from None
                noted["state"] = number
                high = self.below  # below first, as Home Assistant
                if isinstance(high, str):
                    high = _limit_of(self.runtime, high)
                    if high is None:
                        return False
                if high is not None and number >= high:  # NaN passes, as in Home Assistant
                    noted["wanted_state_below"] = high
                    return False
                low = self.above
                if isinstance(low, str):
                    low = _limit_of(self.runtime, low)
                    if low is None:
                        return False
                if low is not None and number <= low:
                    noted["wanted_state_above"] = low
                    return False
            except (ConditionError, TemplateError) as err:
                errors = [*(errors or ()), str(err)]
        if errors:
            raise ConditionError("; ".join(errors))
        return True


class _Negated(_Condition):
    """The opposite of another condition: a device tracker's is_not_home is Home
    Assistant's ``not is_home``, so a tracker in any zone is not home."""

    __slots__ = ("inner",)

    def __init__(self, inner: _Condition) -> None:
        super().__init__(inner.path)
        self.inner = inner

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        return not self.inner.check(variables, noted)


def _device(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    """A device condition as the state or numeric_state condition it stands for."""
    kind, plain, negated = device_condition(config, path, runtime.registries)
    condition: _Condition = (
        _State(runtime, engine, plain, path)
        if kind == "state"
        else _NumericState(runtime, engine, plain, path)
    )
    return _Negated(condition) if negated else condition
