"""Conditions, compiled once into callables: ``check(variables) -> bool``, traced.

Both as top-level ``conditions:`` and as condition steps. An evaluation error
(a non-numeric state for ``numeric_state``, a failing template) makes the
condition false and is recorded in the trace and the log, as Home Assistant does.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from homeloom.orchestrator import (
    HomeloomError,
    Runtime,
    State,
    distance_m,
    sun_event_time,
    valid_entity_id,
)

from ._durations import DurationError, parse_duration
from ._errors import fail
from ._templates import TemplateEngine, TemplateError, get_template_engine, renders_true
from ._trace import TraceStep, current_trace, finish_step
from ._triggers import as_list, shared, written_entity_ids

__all__ = [
    "ConditionCheck",
    "ConditionError",
    "compile_condition",
    "compile_conditions",
]

_LOGGER = logging.getLogger(__name__)
ConditionCheck = Callable[[Mapping[str, Any]], bool]
CONDITION_TYPES = (
    "and",
    "or",
    "not",
    "state",
    "numeric_state",
    "template",
    "time",
    "sun",
    "zone",
    "trigger",
    "device",
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConditionError(HomeloomError):
    """A condition could not be evaluated."""


def _entity_ids(config: Mapping[str, Any], path: str, key: str = "entity_id") -> list[str]:
    ids = written_entity_ids(config.get(key))
    if not ids:
        raise fail(config, key, f"{path}.{key}", f"'{key}' is required: one or more entity ids")
    for entity_id in ids:
        if not valid_entity_id(entity_id):
            raise fail(config, key, f"{path}.{key}", f"{entity_id!r} is not an entity id")
    return ids


def _duration(config: Mapping[str, Any], key: str, path: str, engine: TemplateEngine) -> Any:
    """A fixed duration, or a callable rendering a templated one."""
    raw = config.get(key)
    if raw is None:
        return None
    if engine.is_template(raw) or (
        isinstance(raw, Mapping) and any(engine.is_template(v) for v in raw.values())
    ):

        def render(variables: Mapping[str, Any]) -> timedelta:
            return parse_duration(engine.render_complex(raw, variables))

        return render
    try:
        return parse_duration(raw)
    except DurationError as err:
        raise fail(config, key, f"{path}.{key}", str(err)) from None


def compile_conditions(
    runtime: Runtime, configs: Any, *, path: str = "condition"
) -> ConditionCheck:
    """All of ``configs`` must hold; each is traced at ``path/i``."""
    items = as_list(configs)
    if len(items) == 1:  # the usual single condition: nothing to gather
        return compile_condition(runtime, items[0], path=_item_path(path, 0))
    return _AllOf(
        tuple(
            compile_condition(runtime, config, path=_item_path(path, index))
            for index, config in enumerate(items)
        )
    )


def _item_path(path: str, index: int) -> str:
    """``condition/0``: one string for every scenario's first condition, not one each."""
    return sys.intern(f"{path}/{index}")


class _AllOf:
    """Several top-level conditions, all of which must hold (an object: few slots)."""

    __slots__ = ("checks",)

    def __init__(self, checks: tuple[ConditionCheck, ...]) -> None:
        self.checks = checks

    def __call__(self, variables: Mapping[str, Any]) -> bool:
        return all(check(variables) for check in self.checks)


def _always_true(variables: Mapping[str, Any]) -> bool:
    """A disabled condition (one function shared by all); and/or/not leave it out."""
    return True


def compile_condition(runtime: Runtime, config: Any, *, path: str = "condition") -> ConditionCheck:
    """One condition (a mapping, a shorthand template string, or and/or/not shorthand)."""
    engine = get_template_engine(runtime)
    if isinstance(config, str):
        config = {"condition": "template", "value_template": config}
    # dict first: a loaded mapping is one, and the ABC check costs more.
    if not isinstance(config, dict) and not isinstance(config, Mapping):
        raise fail(
            config, None, path, f"a condition must be a mapping or a template, got {config!r}"
        )
    if "condition" not in config:
        shorthand = [key for key in ("and", "or", "not") if key in config]
        if not shorthand:
            raise fail(
                config, None, path, f"missing 'condition'; valid: {', '.join(CONDITION_TYPES)}"
            )
        config = {**config, "condition": shorthand[0], "conditions": config[shorthand[0]]}
    kind = str(config["condition"])
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise fail(
            config,
            "condition",
            f"{path}.condition",
            f"unknown condition {kind!r}; valid: {', '.join(CONDITION_TYPES)}",
        )
    enabled = config.get("enabled", True)
    condition = builder(runtime, engine, config, path)
    if enabled is False:
        return _always_true
    if isinstance(condition, _Condition):
        return condition
    return _Traced(path, condition)


class _Condition:
    """A compiled condition: checked against the variables, traced at its path.

    An object rather than closures: a large house keeps thousands, and a few
    slots weigh a fraction of functions with their cells. Each kind implements
    :meth:`check`; an evaluation error makes the condition false.
    """

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, variables: Mapping[str, Any], raising: bool = False) -> bool:
        """Whether it holds; an evaluation error makes it false, or with ``raising``
        (a member of and/or/not, which weigh the errors as Home Assistant) is raised
        as :class:`ConditionError` once traced."""
        trace = current_trace.get()
        step = TraceStep(self.path, trace) if trace is not None else None
        # What the check notes (the value it saw, the limits), then its result: the
        # step's result, as Home Assistant's traces show a condition.
        noted: dict[str, Any] = {}
        try:
            result = self.check(variables, noted)
        except (ConditionError, TemplateError, DurationError) as err:
            noted = {"result": False, "error": str(err)}
            result = False
            if raising:
                if step is not None and trace is not None:
                    step.result = noted
                    step.finished_at = trace.clock.monotonic() - trace.monotonic_start
                raise ConditionError(str(err)) from None
            _LOGGER.warning("condition %s: %s", self.path, err)
        except Exception as err:
            if step is not None:
                step.error = str(err)
                finish_step(step, trace)
            raise
        else:
            noted["result"] = result
        if step is not None and trace is not None:
            step.result = noted
            # As finish_step, inline: every trigger of a scenario with a condition comes here.
            step.finished_at = trace.clock.monotonic() - trace.monotonic_start
        return result

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        """Whether the condition holds; what the trace should show of it goes in ``noted``."""
        raise NotImplementedError


class _Traced(_Condition):
    """A condition kind still written as a plain check function."""

    __slots__ = ("inner",)

    def __init__(self, path: str, inner: ConditionCheck) -> None:
        super().__init__(path)
        self.inner = inner

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        return self.inner(variables)


# --- builders -------------------------------------------------------------------------

Builder = Callable[[Runtime, TemplateEngine, Mapping[str, Any], str], ConditionCheck]


class _Logic(_Condition):
    """``and``, ``or`` or ``not`` over its member conditions."""

    __slots__ = ("kind", "members")

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        self.kind = str(config["condition"])
        compiled = (
            compile_condition(runtime, item, path=f"{path}/conditions/{index}")
            for index, item in enumerate(as_list(config.get("conditions")))
        )
        # A disabled member is left out, as Home Assistant's counts as absent (its
        # check gives None): an ``or`` of only disabled ones is false, a ``not`` true.
        self.members = tuple(member for member in compiled if isinstance(member, _Condition))

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        # As Home Assistant: a member's error is raised unless another member already
        # decided (a false one for ``and``, a true one for ``or`` and ``not``).
        decisive = self.kind != "and"
        errors: list[str] = []
        for member in self.members:
            try:
                if member(variables, True) is decisive:
                    return self.kind == "or"
            except ConditionError as err:
                errors.append(str(err))
        if errors:
            raise ConditionError("; ".join(errors))
        return self.kind != "or"


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
        if self.attribute is None:  # texts: YAML's on and off are the states "on" and "off"
            self.wanted = tuple(
                ("on" if item else "off") if isinstance(item, bool) else str(item)
                for item in as_list(config["state"])
            )
        else:
            self.wanted = tuple(as_list(config["state"]))
        self.inputs = any(
            isinstance(item, str) and _INPUT_ENTITY_ID.match(item) for item in self.wanted
        )
        self.match_any = str(config.get("match", "all")).lower() == "any"
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
                if high is not None and not number < high:
                    noted["wanted_state_below"] = high
                    return False
                low = self.above
                if isinstance(low, str):
                    low = _limit_of(self.runtime, low)
                    if low is None:
                        return False
                if low is not None and not number > low:
                    noted["wanted_state_above"] = low
                    return False
            except (ConditionError, TemplateError) as err:
                errors = [*(errors or ()), str(err)]
        if errors:
            raise ConditionError("; ".join(errors))
        return True


class _Template(_Condition):
    """A template that renders the text ``true``."""

    __slots__ = ("template",)

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        source = config.get("value_template")
        if not isinstance(source, str):
            raise fail(config, "value_template", f"{path}.value_template", "a template is required")
        self.template = engine.template(source)
        try:
            self.template.ensure_valid()
        except TemplateError as err:
            raise fail(config, "value_template", f"{path}.value_template", str(err)) from None

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        return renders_true(self.template, variables)


_TIME_ENTITY_DOMAINS = ("input_datetime", "sensor")


def _time_of(runtime: Runtime, raw: Any, key: str) -> Callable[[], time | None]:
    """A ``before:`` or ``after:`` limit: a fixed time or an entity's, None when it has none.

    As Home Assistant: an ``input_datetime`` gives its hour, minute and second
    attributes (23:59:59 for those it lacks, as a date-only one), a timestamp sensor
    its local time of day; any other entity, or one unknown or unavailable, none.
    """
    text = str(raw).strip()
    if valid_entity_id(text.lower()):
        entity_id = text.lower()
        if entity_id.split(".", 1)[0] not in _TIME_ENTITY_DOMAINS:
            raise ValueError(f"{raw!r}: a time entity is an input_datetime or a sensor")

        def from_entity() -> time | None:
            state = runtime.states.get(entity_id)
            if state is None:
                raise ConditionError(f"unknown '{key}' entity {entity_id}")
            attributes = state.attributes
            if state.domain == "input_datetime":
                return time(
                    int(attributes.get("hour", 23)),
                    int(attributes.get("minute", 59)),
                    int(attributes.get("second", 59)),
                )
            if attributes.get("device_class") != "timestamp" or state.state in (
                "unknown",
                "unavailable",
            ):
                return None
            try:
                when = datetime.fromisoformat(state.state)
            except ValueError:
                return None
            if when.tzinfo is not None:
                when = when.astimezone(runtime.settings.tz)
            return when.time()

        return from_entity
    try:
        fixed = time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{raw!r} is not a time (HH:MM or HH:MM:SS) or an entity") from None
    return lambda: fixed


def _time(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    limits: dict[str, Callable[[], time | None] | None] = {}
    for key in ("after", "before"):
        raw = config.get(key)
        try:
            limits[key] = None if raw is None else _time_of(runtime, raw, key)
        except ValueError as err:
            raise fail(config, key, f"{path}.{key}", str(err)) from None
    after, before = limits["after"], limits["before"]
    if after is None and before is None and config.get("weekday") is None:
        raise fail(config, None, path, "a time condition needs 'after', 'before' or 'weekday'")
    weekdays = [str(d) for d in as_list(config.get("weekday"))]  # lower case, as HA
    for day in weekdays:
        if day not in _WEEKDAYS:
            raise fail(
                config,
                "weekday",
                f"{path}.weekday",
                f"unknown weekday {day!r}; valid: {', '.join(_WEEKDAYS)}",
            )

    def check(variables: Mapping[str, Any]) -> bool:
        now = runtime.local_now()
        current = now.time().replace(tzinfo=None)
        start = time(0) if after is None else after()
        if start is None:
            return False
        end = time(23, 59, 59, 999999) if before is None else before()
        if end is None:
            return False
        if start < end:
            if not start <= current < end:
                return False
        elif end <= current < start:  # across midnight (or equal limits: all day)
            return False
        return not weekdays or _WEEKDAYS[now.weekday()] in weekdays

    return check


def _sun(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    def offset(key: str) -> timedelta:
        raw = config.get(key)
        try:
            return parse_duration(raw) if raw is not None else timedelta()
        except DurationError as err:
            raise fail(config, key, f"{path}.{key}", str(err)) from None

    after, before = config.get("after"), config.get("before")
    for key, value in (("after", after), ("before", before)):
        if value is not None and value not in ("sunrise", "sunset"):
            raise fail(config, key, f"{path}.{key}", "expected 'sunrise' or 'sunset'")
    if after is None and before is None:
        raise fail(config, None, path, "a sun condition needs 'after', 'before' or both")
    after_offset, before_offset = offset("after_offset"), offset("before_offset")
    events = {event for event in (after, before) if event is not None}
    settings = runtime.settings

    def event_time(event: str, today: date) -> datetime | None:
        found = sun_event_time(event, today, settings)
        if found is not None and found.astimezone(settings.tz).date() < today:
            found = sun_event_time(event, today + timedelta(days=1), settings)
        return found

    def check(variables: Mapping[str, Any]) -> bool:
        # As Home Assistant: today's events; both limits included (only a moment
        # past ``before`` or short of ``after`` fails).
        now = runtime.now()
        today = now.astimezone(settings.tz).date()
        times = {event: event_time(event, today) for event in events}
        if before == "sunrise" and after == "sunset":  # the night: either side of it
            sunrise, sunset = times["sunrise"], times["sunset"]
            return (sunrise is not None and now < sunrise + before_offset) or (
                sunset is not None and now > sunset + after_offset
            )
        # None: no such event today (polar days and nights), the condition is false.
        if before is not None:
            limit = times[before]
            if limit is None or now > limit + before_offset:
                return False
        if after is not None:
            limit = times[after]
            if limit is None or now < limit + after_offset:
                return False
        return True

    return check


def _zone(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    entity_ids = _entity_ids(config, path)
    zones = _entity_ids(config, path, "zone")

    def inside(entity_id: str, zone_id: str) -> bool:
        zone = runtime.states.get(zone_id)
        if zone is None:
            raise ConditionError(f"unknown zone {zone_id}")
        state = runtime.states.get(entity_id)
        if state is None:
            raise ConditionError(f"unknown entity {entity_id}")
        return in_zone(state, zone)

    def check(variables: Mapping[str, Any]) -> bool:
        # As Home Assistant: each entity in one of the zones; errors fail it only when
        # no entity is already outside.
        errors: list[str] = []
        all_inside = True
        for entity_id in entity_ids:
            entity_inside = False
            for zone_id in zones:
                try:
                    if inside(entity_id, zone_id):
                        entity_inside = True
                except ConditionError as err:
                    errors.append(f"error matching {entity_id} with {zone_id}: {err}")
            all_inside = all_inside and entity_inside
        if errors and not all_inside:
            raise ConditionError("; ".join(errors))
        return all_inside

    return check


def in_zone(state: State, zone: State) -> bool:
    """Whether a person or tracker is in a zone, by its coordinates, as Home Assistant.

    Never for an unknown or unavailable state, nor an unavailable zone; the distance
    less the gps accuracy must be strictly below the zone's radius. A state without
    coordinates raises :class:`ConditionError`.
    """
    if state.state in ("unknown", "unavailable"):
        return False
    attributes = state.attributes
    lat, lon = attributes.get("latitude"), attributes.get("longitude")
    if lat is None or lon is None:
        missing = "latitude" if lat is None else "longitude"
        raise ConditionError(f"entity {state.entity_id} has no '{missing}' attribute")
    if zone.state == "unavailable":
        return False
    zone_attributes = zone.attributes
    zlat, zlon = zone_attributes.get("latitude"), zone_attributes.get("longitude")
    radius = zone_attributes.get("radius")
    if zlat is None or zlon is None or radius is None:
        return False
    distance = distance_m(float(lat), float(lon), float(zlat), float(zlon))
    return distance - float(attributes.get("gps_accuracy", 0)) < float(radius)


class _Trigger(_Condition):
    """The run was started by one of the listed trigger ids."""

    __slots__ = ("ids",)

    def __init__(
        self, runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
    ) -> None:
        super().__init__(path)
        self.ids = tuple(str(i) for i in as_list(config.get("id")))
        if not self.ids:
            raise fail(config, "id", f"{path}.id", "a trigger condition needs 'id'")

    def check(self, variables: Mapping[str, Any], noted: dict[str, Any]) -> bool:
        trigger = variables.get("trigger") or {}
        return str(trigger.get("id")) in self.ids


_DEVICE_STATES = {
    "is_on": "on",
    "is_off": "off",
    "is_open": "open",
    "is_closed": "closed",
    "is_locked": "locked",
    "is_unlocked": "unlocked",
    "is_home": "home",
    "is_not_home": "not_home",
    "is_motion": "on",
    "is_no_motion": "off",
}


def _device(
    runtime: Runtime, engine: TemplateEngine, config: Mapping[str, Any], path: str
) -> ConditionCheck:
    kind = str(config.get("type", ""))
    wanted = _DEVICE_STATES.get(kind)
    if wanted is None:
        raise fail(
            config,
            "type",
            f"{path}.type",
            f"unknown device condition type {kind!r}; valid: {', '.join(_DEVICE_STATES)}",
        )
    entity_ids = _entity_ids(config, path)
    return _State(runtime, engine, {**config, "entity_id": entity_ids, "state": wanted}, path)


_BUILDERS: dict[str, Builder] = {
    "and": _Logic,
    "or": _Logic,
    "not": _Logic,
    "state": _State,
    "numeric_state": _NumericState,
    "template": _Template,
    "time": _time,
    "sun": _sun,
    "zone": _zone,
    "trigger": _Trigger,
    "device": _device,
}
